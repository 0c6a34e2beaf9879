/** `lakehouse synth`: the config's stacks as Terraform JSON, in worker processes, with progress on a terminal. */
import { resolve } from "node:path";
import { guardrailsModeFromEnv } from "../../stacks/synth/guardrails";
import { synthesizedStacks } from "../../stacks/synth/manifest";
import { synthLakehouseInParallel } from "../../stacks/synth/parallel";
import { stacksToSynth } from "../../stacks/synth/plan";
import { loadConfigFile } from "../../stacks/config/load";
import { CommandSpec, EXIT_OK, OptionValues, Output, UsageError, str } from "../command";
import { CONFIG_OPTION, EXAMPLE_OPTION, chooseConfig } from "../config-file";
import { changedStacks } from "./changed-stacks";

export const SYNTH_COMMAND: CommandSpec = {
  summary: "synthesize Terraform JSON from a config",
  details:
    "Writes into a fresh sibling folder and moves it into place only on success: a failure leaves the\n" +
    "previous output, or nothing. On a terminal, progress (stacks done / total, elapsed) goes to stderr.",
  options: {
    config: CONFIG_OPTION,
    example: EXAMPLE_OPTION,
    out: { type: "string", value: "dir", help: "output folder (default: $CDKTF_OUTDIR, else cdktf.out)" },
    stack: { type: "string", multiple: true, value: "glob", help: "only the stacks matching this glob (* and ?); the others are not even built" },
    "changed-since": { type: "string", value: "ref", help: "only the stacks whose output can have changed since this git ref" },
    jobs: { type: "string", value: "n", help: "worker processes (default: the machine's cores; under 8 stacks, one process)" },
    quiet: { type: "boolean", short: "q", help: "no progress and no summary; errors only" },
    json: { type: "boolean", help: "print a JSON summary on stdout: stacks, resources per stack, seconds" },
  },
};

/** Resource blocks in one synthesized stack (data sources and outputs not counted). */
function resourceCount(json: { resource?: Record<string, Record<string, unknown>> }): number {
  return Object.values(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
}

/** `--jobs`: a whole number of workers, at least 1; unset, the machine's cores. */
function jobsOption(value: unknown): number | undefined {
  const text = str(value);
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text)) throw new UsageError(`--jobs must be a whole number of worker processes, at least 1, not '${text}'`);
  return Number(text);
}

export async function synthCommand(values: OptionValues, out: Output, err: Output): Promise<number> {
  const jobs = jobsOption(values.jobs);
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const quiet = values.quiet === true;
  const json = values.json === true;
  // Progress rewrites one line in place: only on a terminal, never in CI logs or with --quiet.
  const progress = err.isTTY === true && !quiet;
  const configFile = chooseConfig(values, "synth", { offersExample: true }).file;
  if (progress) err.write(`\r\x1b[Kreading ${configFile}`);
  let config;
  try {
    config = loadConfigFile(configFile);
  } finally {
    if (progress) err.write("\r\x1b[K");
  }
  const outdir = str(values.out) ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const globs = values.stack as string[] | undefined;
  let chosen = globs ? stacksToSynth(config, globs).map((p) => p.name) : undefined;
  const since = str(values["changed-since"]);
  if (since !== undefined) {
    const changed = changedStacks(process.cwd(), since, configFile, config);
    chosen = (chosen ?? changed.stacks).filter((s) => changed.reasons.has(s));
    if (!quiet && !json) for (const s of chosen) err.write(`${s}: ${changed.reasons.get(s)}\n`);
    if (chosen.length === 0) {
      if (json) out.write(`${JSON.stringify({ config: configFile, out: resolve(outdir), stacks: [], seconds: Math.round(elapsed() * 100) / 100 }, null, 2)}\n`);
      else if (!quiet) out.write(`no stack can have changed since ${since}: nothing synthesized, ${resolve(outdir)} left as it was\n`);
      return EXIT_OK;
    }
  }
  if (progress) err.write(`building stacks, ${elapsed().toFixed(1)}s`);
  let stacks: string[];
  try {
    ({ stacks } = await synthLakehouseInParallel(config, outdir, {
      jobs,
      stacks: chosen,
      guardrails: guardrailsModeFromEnv(),
      onProgress: progress
        ? (p) => err.write(`\r\x1b[Ksynth: ${p.stacksDone}/${p.stacksTotal} stacks, ${elapsed().toFixed(1)}s${p.stack ? ` (${p.stack})` : ""}`)
        : undefined,
    }));
  } finally {
    if (progress) err.write("\r\x1b[K");
  }
  const seconds = Math.round(elapsed() * 100) / 100;
  if (json) {
    const written = new Map(synthesizedStacks<Parameters<typeof resourceCount>[0]>(outdir).map((s) => [s.name, resourceCount(s.json)]));
    const summary = { config: configFile, out: resolve(outdir), stacks: stacks.map((name) => ({ name, resources: written.get(name) ?? 0 })), seconds };
    out.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else if (!quiet) {
    out.write(`synthesized ${stacks.length} stacks from ${configFile} into ${resolve(outdir)}:\n${stacks.map((s) => `  ${s}`).join("\n")}\n`);
  }
  return EXIT_OK;
}
