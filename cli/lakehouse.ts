#!/usr/bin/env node
import { join, resolve } from "node:path";
import { LakehouseValidationError } from "../modules/core/errors";
import { synthLakehouse } from "../stacks/app";
import { lakehouseJsonSchema } from "../stacks/config/json-schema";
import { loadConfigFile } from "../stacks/config/load";
import { packageRoot } from "./package-root";

const USAGE = `usage:
  lakehouse synth [--config <file>] [--out <dir>]   synthesize Terraform JSON (default config: the embedded example)
  lakehouse validate --config <file>                 check a config, report every problem by path
  lakehouse schema                                   print the config's JSON Schema`;

export const DEFAULT_CONFIG = () => join(packageRoot(), "examples", "default", "lakehouse.yaml");

function parseArgs(args: string[]): { command?: string; options: Record<string, string> } {
  const [command, ...rest] = args;
  const options: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const m = /^--(config|out)$/.exec(rest[i]);
    if (!m || rest[i + 1] === undefined) throw new UsageError(`unexpected argument '${rest[i]}'`);
    options[m[1]] = rest[++i];
  }
  return { command, options };
}

class UsageError extends Error {}

/** Runs the CLI; returns the exit code (0 ok, 1 invalid config or failed synth, 2 usage). */
export function main(args: string[], out = process.stdout, err = process.stderr): number {
  try {
    const { command, options } = parseArgs(args);
    switch (command) {
      case "synth": {
        const configFile = options.config ?? DEFAULT_CONFIG();
        const config = loadConfigFile(configFile);
        const outdir = options.out ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
        const { stacks } = synthLakehouse(config, outdir);
        out.write(`synthesized ${stacks.length} stacks from ${configFile} into ${resolve(outdir)}:\n${stacks.map((s) => `  ${s}`).join("\n")}\n`);
        return 0;
      }
      case "validate": {
        if (!options.config) throw new UsageError("validate needs --config <file>");
        if (options.out) throw new UsageError("validate takes no --out");
        loadConfigFile(options.config);
        out.write(`${options.config}: valid\n`);
        return 0;
      }
      case "schema":
        out.write(`${JSON.stringify(lakehouseJsonSchema(), null, 2)}\n`);
        return 0;
      default:
        throw new UsageError(command ? `unknown command '${command}'` : "no command");
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`lakehouse: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof LakehouseValidationError) {
      err.write(`lakehouse: invalid ${e.message}\n`);
      return 1;
    }
    err.write(`lakehouse: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
