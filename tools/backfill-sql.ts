/**
 * Writes the SQL `lakehouse backfill` emits for every source of a config, and the scenarios of its
 * SQL-on-data checks, as JSON: `node dist/tools/backfill-sql.js <config> <out.json>`.
 * scripts/checks.sh puts it beside the synthesized stacks, where scripts/check-sql.py (SQLFluff's
 * Snowflake grammar) and scripts/test_sql_logic.py (DuckDB) read it.
 */
import { backfillLogicScenarios, backfillSqlSamples } from "../cli/backfill/sql-samples";
import { loadConfigFile } from "../stacks/config/load";
import { resolveConfig } from "../stacks/config/resolve";
import { writeSqlDocument } from "./script";

export function backfillSqlDocument(configFile: string): {
  statements: ReturnType<typeof backfillSqlSamples>;
  logic: ReturnType<typeof backfillLogicScenarios>;
} {
  const lakehouse = resolveConfig(loadConfigFile(configFile));
  return { statements: backfillSqlSamples(lakehouse), logic: backfillLogicScenarios(lakehouse) };
}

if (require.main === module) writeSqlDocument("backfill-sql", "backfill", backfillSqlDocument);
