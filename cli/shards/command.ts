/** `lakehouse shards`: the stacks a review found changed, as CI matrix shards (the grouping is shard-stacks.ts). */
import { readFileSync } from "node:fs";
import { plannedStacks } from "../../stacks/synth/plan";
import { loadConfigFile } from "../../stacks/config/load";
import { resolveConfig } from "../../stacks/config/resolve";
import { CommandSpec, EXIT_OK, OptionValues, Output, UsageError, str } from "../command";
import { CONFIG_OPTION, EXAMPLE_OPTION, chooseConfig } from "../config-file";
import { DEFAULT_MAX_JOBS, GITHUB_MATRIX_LIMIT, ShardError, shardStacks } from "./shard-stacks";

export const SHARDS_COMMAND: CommandSpec = {
  summary: "group the changed stacks into CI shards: at most --max-jobs matrix jobs, platforms first",
  details:
    "Reads the stacks of a review's JSON (--changes) and the config's stack graph; prints JSON: phases in\n" +
    "apply order (platform, then tenants), each a list of { shard, stacks } for a workflow matrix. Every\n" +
    "changed stack is in exactly one shard; stacks no longer in the config are listed under removed.",
  options: {
    changes: { type: "string", value: "review.json", help: "the output of lakehouse review --format json (required)" },
    config: CONFIG_OPTION,
    example: EXAMPLE_OPTION,
    "max-jobs": {
      type: "string",
      value: "n",
      help: `matrix jobs in all, both phases (default: ${DEFAULT_MAX_JOBS}; at most ${GITHUB_MATRIX_LIMIT}, GitHub's limit per workflow run)`,
    },
  },
};

/**
 * A stack the review names that the config no longer builds cannot be planned from this synth: it is
 * listed under `removed` and warned about, never dropped silently.
 */
export function shardsCommand(values: OptionValues, out: Output, err: Output): number {
  const changesFile = str(values.changes);
  if (!changesFile) throw new UsageError("shards needs --changes <review.json> (lakehouse review --format json)");
  const maxText = str(values["max-jobs"]);
  if (maxText !== undefined && (!/^[1-9][0-9]*$/.test(maxText) || Number(maxText) > GITHUB_MATRIX_LIMIT)) {
    throw new UsageError(
      `--max-jobs must be a whole number of jobs from 1 to ${GITHUB_MATRIX_LIMIT} (GitHub's matrix limit per workflow run), not '${maxText}'`,
    );
  }
  let reviewed: { changes?: { stack?: unknown }[] };
  try {
    reviewed = JSON.parse(readFileSync(changesFile, "utf8")) as typeof reviewed;
  } catch (e) {
    throw new ShardError(`--changes ${changesFile}: not a readable review JSON (${(e as Error).message.split("\n")[0]})`);
  }
  if (!Array.isArray(reviewed.changes)) throw new ShardError(`--changes ${changesFile}: no "changes" list; pass the output of lakehouse review --format json`);
  const changed = [...new Set(reviewed.changes.map((c) => c.stack).filter((s): s is string => typeof s === "string"))].sort();
  const graph = plannedStacks(resolveConfig(loadConfigFile(chooseConfig(values, "shards", { offersExample: true }).file)));
  const known = new Set(graph.map((s) => s.name));
  const removed = changed.filter((s) => !known.has(s));
  for (const s of removed)
    err.write(`lakehouse: warning: ${s} is in the review but no longer in the config: not sharded (CI neither plans nor destroys it; see docs/ci.md)\n`);
  const plan = shardStacks(
    changed.filter((s) => known.has(s)),
    graph,
    { maxJobs: maxText === undefined ? undefined : Number(maxText) },
  );
  out.write(`${JSON.stringify({ ...plan, removed }, null, 2)}\n`);
  return EXIT_OK;
}
