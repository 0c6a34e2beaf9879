import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../cli/package-root";
import { sourceRestoreNames } from "../cli/restore/backup";
import { alreadyLoadedStatement, createTargetStatement, restoreCopyStatement, restoreTarget } from "../cli/restore/snowflake";
import { loadConfigFile } from "../stacks/config/load";
import { resolveConfig } from "../stacks/config/resolve";

/**
 * The SQL `lakehouse restore` sends, for every source of a config it can restore: the restore table,
 * the SOURCE_FILE look-up and a COPY with two files (one name with a quote). scripts/checks.sh hands
 * them to scripts/check-sql.py (SQLFluff, Snowflake grammar) with the synthesized stacks' SQL;
 * test/sql-syntax.test.ts checks their shape.
 *
 * Usage: node dist/tools/restore-sql.js <out.json> [config]   (default: the embedded example)
 */
export function restoreSqlSamples(configFile: string): { where: string; sql: string }[] {
  const lakehouse = resolveConfig(loadConfigFile(configFile));
  const out: { where: string; sql: string }[] = [];
  for (const env of lakehouse.environments) {
    for (const tenant of env.tenants) {
      for (const source of tenant.sources) {
        if (source.config.wrappedRecords !== undefined) continue; // refused by restore (see cli/restore/command.ts)
        const names = sourceRestoreNames(env, tenant, source);
        const target = (restoreTarget(names, undefined) as { target: string }).target;
        const where = `restore ${env.name}/${tenant.id}/${source.name}`;
        out.push({ where: `${where} create`, sql: createTargetStatement(target, names) });
        // Sent with one bind, `?`, which the grammar does not take: checked with a literal in its place.
        out.push({ where: `${where} already-loaded (its ? bind as a literal)`, sql: alreadyLoadedStatement(target).replace("?", `'["2024/01/01/00/a.json.gz"]'`) });
        out.push({
          where: `${where} copy`,
          sql: restoreCopyStatement({ target, names, eventTimeField: source.config.eventTimeField, eventTimeFormat: source.eventTimeFormat, files: ["2024/01/01/00/a.json.gz", "2024/01/01/01/o'brien.json.gz"] }),
        });
      }
    }
  }
  return out;
}

if (require.main === module) {
  const [outFile, config] = process.argv.slice(2);
  if (!outFile) {
    console.error("usage: restore-sql <out.json> [config]");
    process.exit(2);
  }
  const samples = restoreSqlSamples(config ?? join(packageRoot(), "examples", "default", "lakehouse.yaml"));
  writeFileSync(outFile, `${JSON.stringify(samples, null, 2)}\n`);
  console.log(`${samples.length} restore statements written to ${outFile}`);
}
