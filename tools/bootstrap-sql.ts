/**
 * Writes the statements `lakehouse bootstrap snowflake` prints for a config (every account), and the
 * direct-modules example's, as JSON: `node dist/tools/bootstrap-sql.js <config> <out.json>`.
 * scripts/checks.sh puts it beside the synthesized stacks, where scripts/check-sql.py parses each
 * statement with SQLFluff's Snowflake grammar.
 */
import { bootstrapPlans } from "../stacks/bootstrap/from-config";
import { bootstrapStatements } from "../stacks/bootstrap/plan";
import { directExampleBootstrap } from "../examples/direct-modules/main";
import { loadConfigFile } from "../stacks/config/load";
import { resolveConfig } from "../stacks/config/resolve";
import { writeSqlDocument } from "./script";

export function bootstrapSqlDocument(configFile: string): { statements: { kind: string; where: string; sql: string }[] } {
  const plans = [...bootstrapPlans(resolveConfig(loadConfigFile(configFile)), { deployUser: "TERRAFORM" }), directExampleBootstrap()];
  return {
    statements: plans.flatMap((p) => bootstrapStatements(p).map((s) => ({ kind: s.sql.split(" ").slice(0, 2).join(" "), where: p.account, sql: s.sql }))),
  };
}

if (require.main === module) writeSqlDocument("bootstrap-sql", "bootstrap", bootstrapSqlDocument);
