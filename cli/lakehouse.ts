#!/usr/bin/env node
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigSyntaxError, LakehouseError, LakehouseValidationError } from "../modules/core/errors";
import { guardrailsModeFromEnv } from "../stacks/synth/guardrails";
import { plannedStacks, stacksToSynth } from "../stacks/synth/plan";
import { synthesizedStacks } from "../stacks/synth/manifest";
import { resolveConfig } from "../stacks/config/resolve";
import { synthLakehouseInParallel } from "../stacks/synth/parallel";
import { changedStacks } from "./changed-stacks";
import { costCommand } from "./cost/command";
import { lakehouseJsonSchema } from "../stacks/config/json-schema";
import { loadConfigFile } from "../stacks/config/load";
import { configWarnings } from "../stacks/config/warnings";
import { nearest } from "../modules/core/suggest";
import { packageRoot } from "../modules/core/package-root";
import { checkVersions, parsePlanArgument, review, toJson, toMarkdown } from "../review";
import { git } from "../review/git";
import { BACKFILL_COMMAND, backfillCommand } from "./backfill/command";
import { CONFIG_OPTION, EXAMPLE_OPTION, chooseConfig } from "./config-file";
import { INIT_COMMAND, initCommand } from "./init/command";
import { RESTORE_COMMAND } from "./restore/spec";
import { DEFAULT_MAX_JOBS, GITHUB_MATRIX_LIMIT, ShardError, shardStacks } from "./shards";
import { BOOTSTRAP_COMMAND, bootstrapCommand } from "./bootstrap/command";
import { EXTERNAL_ACCESS_COMMAND, externalAccessCommand } from "./external-access";

/** The repository the command runs in (reviews compare refs of it). */
function gitRoot(): string {
  return git(process.cwd(), "rev-parse", "--show-toplevel");
}

/** Exit codes; the README's "Exit codes" table says the same. */
export const EXIT_OK = 0;
/** The work failed: invalid config, failed synth, guardrail violation, version discipline, bad plan file. */
export const EXIT_FAILED = 1;
/** The command line is wrong: unknown command or option, missing value, missing required option. */
export const EXIT_USAGE = 2;
/** Exit code of `review` when it finds a critical or high change and --allow-high is not given. */
export const EXIT_HIGH_FINDINGS = 3;

interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder of a string option's value in help, e.g. `file`. */
  readonly value?: string;
  readonly help: string;
}

interface CommandSpec {
  readonly summary: string;
  /** What the command acts on, the one word after it (`bootstrap snowflake`). @default none */
  readonly subcommands?: readonly string[];
  /** Lines after the options in `<command> --help`. */
  readonly details?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
}

const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", help: "show this help and exit" };

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  init: INIT_COMMAND,
  synth: {
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
  },
  validate: {
    summary: "check a config and report every problem with file:line:col and path",
    options: { config: CONFIG_OPTION, example: EXAMPLE_OPTION },
  },
  schema: { summary: "print the config's JSON Schema", options: {} },
  review: {
    summary: "what changes between two refs, by security weight",
    details:
      "Without --head: the working tree. Exit 3 on critical or high findings unless --allow-high.\n" +
      "Deletes and replacements of data-bearing resources in a --plan are critical.",
    options: {
      base: { type: "string", value: "ref", help: "the ref to compare against (required)" },
      head: { type: "string", value: "ref", help: "the ref to review (default: the working tree)" },
      config: { ...CONFIG_OPTION, help: `the config to synthesize at both refs, a file in the repository (default: ./lakehouse.yaml; with neither, the command fails)` },
      example: { ...EXAMPLE_OPTION, help: "review this repository's examples/<name>/lakehouse.yaml instead (the library's own repository)" },
      format: { type: "string", value: "md|json", help: "report format (default: md)" },
      "allow-high": { type: "boolean", help: "exit 0 even with critical or high findings" },
      plan: { type: "string", multiple: true, value: "stack=plan.json", help: "once per stack: the output of terraform show -json <planfile>" },
      "details-file": { type: "string", value: "path", help: "write the full Markdown there, uncut (the report is kept under 60,000 characters)" },
    },
  },
  cost: {
    summary: "monthly cost estimate per tenant and environment, line by line",
    details:
      "Steady state after each retention, at the list prices of cli/cost/prices.ts (each with its date and\n" +
      "source) and the assumptions of cli/cost/assumptions.ts; see README.md, \"Cost\".",
    options: {
      config: CONFIG_OPTION,
      example: EXAMPLE_OPTION,
      env: { type: "string", value: "name", help: "only this environment" },
      volume: { type: "string", multiple: true, value: "tenant[/source]=GB/day", help: "uncompressed GB/day of a tenant (shared by its sources) or of one source (default: per type)" },
      prices: { type: "string", value: "file.json|yaml", help: "prices and assumptions over the table's: { prices: {key: n}, assumptions: {key: n} }" },
      json: { type: "boolean", help: "print the estimate as JSON (every line, totals, volumes, assumptions)" },
    },
  },
  versions: {
    summary: "version discipline: changed module output needs a version bump and a CHANGELOG.md line",
    details: "Exit 1 if a module's output changed without both.",
    options: {
      base: { type: "string", value: "ref", help: "the ref to compare against (required)" },
      head: { type: "string", value: "ref", help: "the ref to check (default: the working tree)" },
    },
  },
  shards: {
    summary: "group the changed stacks into CI shards: at most --max-jobs matrix jobs, platforms first",
    details:
      "Reads the stacks of a review's JSON (--changes) and the config's stack graph; prints JSON: phases in\n" +
      "apply order (platform, then tenants), each a list of { shard, stacks } for a workflow matrix. Every\n" +
      "changed stack is in exactly one shard; stacks no longer in the config are listed under removed.",
    options: {
      changes: { type: "string", value: "review.json", help: "the output of lakehouse review --format json (required)" },
      config: CONFIG_OPTION,
      example: EXAMPLE_OPTION,
      "max-jobs": { type: "string", value: "n", help: `matrix jobs in all, both phases (default: ${DEFAULT_MAX_JOBS}; at most ${GITHUB_MATRIX_LIMIT}, GitHub's limit per workflow run)` },
    },
  },
  backfill: BACKFILL_COMMAND,
  restore: RESTORE_COMMAND,
  bootstrap: BOOTSTRAP_COMMAND,
  "external-access": EXTERNAL_ACCESS_COMMAND,
};

class UsageError extends LakehouseError {
  constructor(message: string) {
    super(message, "usage");
  }
}

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

function optionUsage(name: string, o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` <${o.value ?? "value"}>` : ""}`;
}

function commandHelp(name: string): string {
  const spec = COMMANDS[name];
  const options = { ...spec.options, help: HELP_OPTION };
  const rows = Object.entries(options).map(([n, o]) => [optionUsage(n, o) + (o.multiple ? "..." : ""), o.help]);
  const width = Math.max(...rows.map(([u]) => u.length));
  return [
    `usage: lakehouse ${name}${spec.subcommands ? ` ${spec.subcommands.join("|")}` : ""}${Object.keys(spec.options).length > 0 ? " [options]" : ""}`,
    "",
    `${spec.summary}.`,
    ...(spec.details ? ["", spec.details] : []),
    "",
    "options:",
    ...rows.map(([u, h]) => `  ${u.padEnd(width)}  ${h}`),
  ].join("\n");
}

function globalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "usage: lakehouse <command> [options]",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "  lakehouse <command> --help   that command's options",
    "  lakehouse --version          print the version",
    "",
    "exit codes: 0 ok, 1 the work failed (invalid config, synth, guardrails, versions), 2 usage error,",
    "            3 review found critical or high changes",
  ].join("\n");
}

const didYouMean = (suggestion: string | undefined) => (suggestion ? `; did you mean ${suggestion}?` : "");

interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  subcommand?: string;
}

/** Parses a command's options with util.parseArgs, turning its errors into one-line usage errors. */
function parseCommandArgs(command: string, args: string[]): Parsed {
  const spec = COMMANDS[command];
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, help: HELP_OPTION }).map(([name, o]) => [name, { type: o.type, multiple: o.multiple === true, ...(o.short ? { short: o.short } : {}) }]),
  );
  const longNames = Object.keys(spec.options).map((n) => `--${n}`);
  // A lenient pass first, to name the unknown option (and its nearest known one) and value mistakes ourselves.
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const subcommand = spec.subcommands ? args[0] : undefined;
  if (spec.subcommands && !spec.subcommands.includes(subcommand ?? "")) throw new UsageError(`${command} needs what to ${command} first: ${spec.subcommands.join(" | ")}`);
  for (const token of tokens) {
    if (token.kind === "positional" && !(subcommand !== undefined && token.index === 0)) throw new UsageError(`${command}: unexpected argument '${token.value}'`);
    if (token.kind !== "option") continue;
    const known = options[token.name];
    if (known === undefined) {
      const owners = Object.keys(COMMANDS).filter((c) => token.name in COMMANDS[c].options);
      if (owners.length > 0 && token.rawName.startsWith("--")) throw new UsageError(`${command} takes no ${token.rawName} (an option of ${owners.join(", ")})`);
      throw new UsageError(`${command}: unknown option ${token.rawName}${didYouMean(nearest(token.rawName, longNames))}`);
    }
    if (known.type === "boolean" && token.value !== undefined) throw new UsageError(`${command}: ${token.rawName} takes no value`);
    if (known.type === "string" && token.value === undefined) throw new UsageError(`${command}: ${token.rawName} needs a value`);
    // `--out --quiet`: a forgotten value, not an output folder named --quiet.
    if (known.type === "string" && !token.inlineValue && token.value?.startsWith("-")) {
      throw new UsageError(`${command}: ${token.rawName} needs a value (a value starting with '-' is written ${token.rawName}=<value>)`);
    }
  }
  try {
    return { values: parseArgs({ args: subcommand !== undefined ? args.slice(1) : args, options, strict: true, allowPositionals: false }).values, subcommand };
  } catch (e) {
    // Anything the pass above did not foresee is still a usage error, in one line.
    if ((e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) throw new UsageError(`${command}: ${(e as Error).message.split("\n")[0]}`);
    throw e;
  }
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** A writable like process.stdout / process.stderr; `isTTY` decides whether progress is shown. */
type Output = Pick<NodeJS.WriteStream, "write"> & { isTTY?: boolean };

/** Runs the CLI; resolves to the exit code (see EXIT_*). */
export async function main(args: string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  try {
    const [command, ...rest] = args;
    if (command === undefined) throw new UsageError("no command");
    if (command === "--help" || command === "-h" || command === "help") {
      const topic = rest[0];
      if (topic !== undefined && !(topic in COMMANDS)) throw new UsageError(`unknown command '${topic}'${didYouMean(nearest(topic, Object.keys(COMMANDS)))}`);
      out.write(`${topic ? commandHelp(topic) : globalHelp()}\n`);
      return EXIT_OK;
    }
    if (command === "--version" || command === "-V") {
      out.write(`${version()}\n`);
      return EXIT_OK;
    }
    if (!(command in COMMANDS)) {
      throw new UsageError(command.startsWith("-") ? `unknown option ${command} (options follow the command)` : `unknown command '${command}'${didYouMean(nearest(command, Object.keys(COMMANDS)))}`);
    }
    // Help wins over every other problem on the line: `lakehouse synth --confg --help` still helps.
    const beforeTerminator = rest.indexOf("--") < 0 ? rest : rest.slice(0, rest.indexOf("--"));
    if (beforeTerminator.includes("--help") || beforeTerminator.includes("-h")) {
      out.write(`${commandHelp(command)}\n`);
      return EXIT_OK;
    }
    const { values, subcommand } = parseCommandArgs(command, rest);
    return await run(command, values, out, err, subcommand);
  } catch (e) {
    return report(e, err);
  }
}

async function run(command: string, values: Parsed["values"], out: Output, err: Output, subcommand?: string): Promise<number> {
  switch (command) {
    case "init":
      return initCommand(values, out);
    case "synth":
      return synth(values, out, err);
    case "validate": {
      const config = chooseConfig(values, "validate", { offersExample: true });
      const warnings = configWarnings(loadConfigFile(config.file));
      for (const w of warnings) err.write(`lakehouse: warning: ${w.path}: ${w.message}\n`);
      out.write(`${config.label}: valid${warnings.length > 0 ? ` (${warnings.length} warning${warnings.length > 1 ? "s" : ""})` : ""}\n`);
      return EXIT_OK;
    }
    case "schema":
      out.write(`${JSON.stringify(lakehouseJsonSchema(), null, 2)}\n`);
      return EXIT_OK;
    case "review":
      return reviewCommand(values, out);
    case "cost":
      return costCommand(values, chooseConfig(values, "cost", { offersExample: true }), out, err);
    case "shards":
      return shardsCommand(values, out, err);
    case "backfill":
      return backfillCommand(values, out, err);
    case "restore":
      return (await import("./restore/command")).restoreCommand(values, out, err, (message) => new UsageError(message));
    case "bootstrap":
      return bootstrapCommand(subcommand!, values, out, err, (message) => new UsageError(message));
    case "external-access":
      return externalAccessCommand(values, out);
    default: {
      const base = str(values.base);
      if (!base) throw new UsageError("versions needs --base <ref>");
      const { violations, modules } = checkVersions({ repo: gitRoot(), base, head: str(values.head) });
      for (const m of modules) {
        out.write(`${m.module.padEnd(34)} ${(m.baseVersion ?? "—").padEnd(8)} → ${(m.headVersion ?? "—").padEnd(8)} ${m.changedResources.length} resources changed\n`);
      }
      if (violations.length > 0) {
        err.write(`lakehouse: version discipline: ${violations.length} module(s) changed without a proper bump\n${violations.map((v) => `  - ${v}`).join("\n")}\n`);
        return EXIT_FAILED;
      }
      out.write("version discipline: ok\n");
      return EXIT_OK;
    }
  }
}

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

async function synth(values: Parsed["values"], out: Output, err: Output): Promise<number> {
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
      onProgress: progress ? (p) => err.write(`\r\x1b[Ksynth: ${p.stacksDone}/${p.stacksTotal} stacks, ${elapsed().toFixed(1)}s${p.stack ? ` (${p.stack})` : ""}`) : undefined,
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

/**
 * The config review synthesizes at both refs, as a path inside the repository: --config or
 * ./lakehouse.yaml (relative to where the command runs), or --example <name>, this repository's
 * examples/<name>/lakehouse.yaml (only the library's own repository has one).
 */
function reviewedConfig(values: Parsed["values"], findRepo: () => string): { repo: string; config: string } {
  let root: string | undefined;
  const repo = () => (root ??= findRepo());
  const example = str(values.example);
  if (example !== undefined && values.config === undefined) {
    const path = join("examples", example, "lakehouse.yaml");
    if (!existsSync(join(repo(), path))) throw new UsageError(`review --example ${example}: ${path} is not in this repository; review your own config with --config <file>`);
    return { repo: repo(), config: path };
  }
  // The config first: without one there is nothing to review, in a repository or not.
  const file = resolve(chooseConfig(values, "review", { offersExample: true }).file);
  const inRepo = relative(repo(), file);
  if (inRepo.startsWith("..") || isAbsolute(inRepo)) throw new UsageError(`review --config: ${str(values.config) ?? "lakehouse.yaml"} is outside the repository ${repo()}; review compares its refs`);
  return { repo: repo(), config: inRepo };
}

function reviewCommand(values: Parsed["values"], out: Output): number {
  const base = str(values.base);
  if (!base) throw new UsageError("review needs --base <ref>");
  const format = str(values.format) ?? "md";
  if (format !== "md" && format !== "json") throw new UsageError(`--format must be md or json, not '${format}'`);
  let plans: { stack: string; file: string }[];
  try {
    plans = ((values.plan as string[] | undefined) ?? []).map(parsePlanArgument);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const twice = plans.find((p, i) => plans.findIndex((q) => q.stack === p.stack) !== i);
  if (twice) throw new UsageError(`--plan ${twice.stack}=…: given twice; one plan per stack`);
  const { repo, config } = reviewedConfig(values, gitRoot);
  // Plan paths are the caller's (CI artifacts), relative to where the command runs, not the repository.
  const report = review({ repo, base, head: str(values.head), config, plans: plans.map((p) => ({ stack: p.stack, file: resolve(p.file) })) });
  const detailsFile = str(values["details-file"]);
  if (detailsFile) writeFileSync(detailsFile, toMarkdown(report, { limit: Infinity }));
  out.write(format === "json" ? toJson(report) : toMarkdown(report, { detailsFile }));
  // Critical findings (data lost in a replacement) gate like high ones.
  return report.summary.critical + report.summary.high > 0 && values["allow-high"] !== true ? EXIT_HIGH_FINDINGS : EXIT_OK;
}

/**
 * `shards`: the stacks a review found changed, grouped for the workflows' matrices (cli/shards.ts).
 * A stack the review names that the config no longer builds cannot be planned from this synth: it
 * is listed under `removed` and warned about, never dropped silently.
 */
function shardsCommand(values: Parsed["values"], out: Output, err: Output): number {
  const changesFile = str(values.changes);
  if (!changesFile) throw new UsageError("shards needs --changes <review.json> (lakehouse review --format json)");
  const maxText = str(values["max-jobs"]);
  if (maxText !== undefined && (!/^[1-9][0-9]*$/.test(maxText) || Number(maxText) > GITHUB_MATRIX_LIMIT)) {
    throw new UsageError(`--max-jobs must be a whole number of jobs from 1 to ${GITHUB_MATRIX_LIMIT} (GitHub's matrix limit per workflow run), not '${maxText}'`);
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
  for (const s of removed) err.write(`lakehouse: warning: ${s} is in the review but no longer in the config: not sharded (CI neither plans nor destroys it; see docs/ci.md)\n`);
  const plan = shardStacks(
    changed.filter((s) => known.has(s)),
    graph,
    { maxJobs: maxText === undefined ? undefined : Number(maxText) },
  );
  out.write(`${JSON.stringify({ ...plan, removed }, null, 2)}\n`);
  return EXIT_OK;
}

function report(e: unknown, err: Output): number {
  if (e instanceof ConfigSyntaxError) {
    err.write(e.problems.map((p) => `lakehouse: ${p.location}: ${p.message}\n`).join(""));
    return EXIT_FAILED;
  }
  if (e instanceof LakehouseError) {
    err.write(`lakehouse: ${e instanceof LakehouseValidationError ? "invalid " : ""}${e.message}\n`);
    if (e.kind === "usage") err.write("Run 'lakehouse --help' for the commands, 'lakehouse <command> --help' for their options.\n");
    else if (e.hint) err.write(`${e.hint}\n`);
    return e.kind === "usage" ? EXIT_USAGE : EXIT_FAILED;
  }
  // Not a known kind of failure: a bug, so the stack trace is what helps.
  err.write(`lakehouse: ${(e as Error).stack ?? String(e)}\n`);
  return EXIT_FAILED;
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
