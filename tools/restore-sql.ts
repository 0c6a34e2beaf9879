/**
 * Writes the SQL `lakehouse restore` sends, for every source of a config it can restore, as JSON:
 * `node dist/tools/restore-sql.js <config> <out.json>` — the same shape and place as
 * tools/backfill-sql.ts: scripts/checks.sh writes it beside the synthesized stacks as
 * restore-sql.json, where scripts/check-sql.py (SQLFluff's Snowflake grammar) reads it.
 * Statements: the restore table, the already-loaded query (binds written in) and a COPY whose file
 * names test the quoting; test/sql-syntax.test.ts checks their shape.
 */
import { AWKWARD_NAMES } from "../cli/backfill/sql-samples";
import { sourceRestoreNames } from "../cli/restore/backup";
import { alreadyLoadedQueries, createTargetStatement, restoreCopyStatement, restoreTarget } from "../cli/restore/snowflake";
import { renderBound } from "../cli/backfill/sql";
import { loadConfigFile } from "../stacks/config/load";
import { resolveConfig } from "../stacks/config/resolve";
import { writeSqlDocument } from "./script";

export type RestoreSampleKind = "create" | "loaded" | "copy";

export interface RestoreSqlSample {
  readonly kind: RestoreSampleKind;
  readonly where: string;
  readonly sql: string;
}

export function restoreSqlSamples(configFile: string): RestoreSqlSample[] {
  const lakehouse = resolveConfig(loadConfigFile(configFile));
  const out: RestoreSqlSample[] = [];
  for (const env of lakehouse.environments) {
    for (const tenant of env.tenants) {
      if (tenant.backup === undefined) continue; // refused by restore: no vault
      for (const source of tenant.sources) {
        if (source.config.wrappedRecords !== undefined) continue; // refused by restore (see cli/restore/command.ts)
        const names = sourceRestoreNames(env, tenant, source);
        const target = (restoreTarget(names, undefined) as { target: string }).target;
        const where = `${env.name}/${tenant.id}/${source.name}`;
        out.push({ kind: "create", where, sql: createTargetStatement(target, names) });
        const files = AWKWARD_NAMES.map((name) => ({ key: `${source.keyPrefix}${name}`, name }));
        for (const q of alreadyLoadedQueries(target, files)) out.push({ kind: "loaded", where, sql: renderBound(q) });
        out.push({ kind: "copy", where, sql: restoreCopyStatement(target, names, AWKWARD_NAMES) });
      }
    }
  }
  return out;
}

export function restoreSqlDocument(configFile: string): { statements: RestoreSqlSample[] } {
  return { statements: restoreSqlSamples(configFile) };
}

if (require.main === module)
  writeSqlDocument(
    "restore-sql",
    "restore",
    restoreSqlDocument,
    (config) => `${config} has no tenant with a backup and a source restore can load: no restore statements to check`,
  );
