#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigSyntaxError, LakehouseError, LakehouseValidationError } from "../modules/core/errors";
import { nearest } from "../modules/core/suggest";
import { packageRoot } from "../modules/core/package-root";
import { CommandSpec, EXIT_FAILED, EXIT_OK, EXIT_USAGE, OptionSpec, OptionValues, Output, UsageError } from "./command";
import { chooseConfig } from "./config-file";
import { BACKFILL_COMMAND, backfillCommand } from "./backfill/command";
import { BOOTSTRAP_COMMAND, bootstrapCommand } from "./bootstrap/command";
import { COST_COMMAND, costCommand } from "./cost/command";
import { EXTERNAL_ACCESS_COMMAND, externalAccessCommand } from "./external-access/command";
import { INIT_COMMAND, initCommand } from "./init/command";
import { RESTORE_COMMAND } from "./restore/spec";
import { REVIEW_COMMAND, reviewCommand } from "./review/command";
import { SCHEMA_COMMAND, schemaCommand } from "./schema/command";
import { SHARDS_COMMAND, shardsCommand } from "./shards/command";
import { SYNTH_COMMAND, synthCommand } from "./synth/command";
import { VALIDATE_COMMAND, validateCommand } from "./validate/command";
import { VERSIONS_COMMAND, versionsCommand } from "./versions/command";

/**
 * The `lakehouse` command: reads the command line, prints help, and runs one command from its folder
 * (cli/<command>/command.ts), reporting its failure with the exit codes of cli/command.ts.
 */

const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", help: "show this help and exit" };

/** The commands, in the order help lists them. */
const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  init: INIT_COMMAND,
  synth: SYNTH_COMMAND,
  validate: VALIDATE_COMMAND,
  schema: SCHEMA_COMMAND,
  review: REVIEW_COMMAND,
  cost: COST_COMMAND,
  versions: VERSIONS_COMMAND,
  shards: SHARDS_COMMAND,
  backfill: BACKFILL_COMMAND,
  restore: RESTORE_COMMAND,
  bootstrap: BOOTSTRAP_COMMAND,
  "external-access": EXTERNAL_ACCESS_COMMAND,
};

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
  values: OptionValues;
  subcommand?: string;
}

/** Parses a command's options with util.parseArgs, turning its errors into one-line usage errors. */
function parseCommandArgs(command: string, args: string[]): Parsed {
  const spec = COMMANDS[command];
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, help: HELP_OPTION }).map(([name, o]) => [
      name,
      { type: o.type, multiple: o.multiple === true, ...(o.short ? { short: o.short } : {}) },
    ]),
  );
  const longNames = Object.keys(spec.options).map((n) => `--${n}`);
  // A lenient pass first, to name the unknown option (and its nearest known one) and value mistakes ourselves.
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const subcommand = spec.subcommands ? args[0] : undefined;
  if (spec.subcommands && !spec.subcommands.includes(subcommand ?? ""))
    throw new UsageError(`${command} needs what to ${command} first: ${spec.subcommands.join(" | ")}`);
  for (const token of tokens) {
    if (token.kind === "positional" && !(subcommand !== undefined && token.index === 0))
      throw new UsageError(`${command}: unexpected argument '${token.value}'`);
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
      throw new UsageError(
        command.startsWith("-")
          ? `unknown option ${command} (options follow the command)`
          : `unknown command '${command}'${didYouMean(nearest(command, Object.keys(COMMANDS)))}`,
      );
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

async function run(command: string, values: OptionValues, out: Output, err: Output, subcommand?: string): Promise<number> {
  switch (command) {
    case "init":
      return initCommand(values, out);
    case "synth":
      return synthCommand(values, out, err);
    case "validate":
      return validateCommand(values, out, err);
    case "schema":
      return schemaCommand(out);
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
    default:
      // versions, the one command left: main lets through only the names in COMMANDS.
      return versionsCommand(values, out, err);
  }
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
