#!/usr/bin/env node
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LakehouseValidationError } from "../modules/core/errors";
import { GuardrailError } from "../modules/core/guardrails";
import { guardrailsModeFromEnv, synthLakehouse } from "../stacks/app";
import { lakehouseJsonSchema } from "../stacks/config/json-schema";
import { loadConfigFile } from "../stacks/config/load";
import { packageRoot } from "./package-root";
import { PlanInputError, checkVersions, parsePlanArgument, review, toJson, toMarkdown } from "../review";
import { git } from "../review/git";

/** The repository the command runs in (reviews compare refs of it). */
function gitRoot(): string {
  return git(process.cwd(), "rev-parse", "--show-toplevel");
}

const USAGE = `usage:
  lakehouse synth [--config <file>] [--out <dir>]   synthesize Terraform JSON (default config: the embedded example)
  lakehouse validate --config <file>                 check a config, report every problem by path
  lakehouse schema                                   print the config's JSON Schema
  lakehouse review --base <ref> [--head <ref>] [--config <file>] [--format md|json] [--allow-high]
                   [--plan <stack>=<plan.json>]... [--details-file <path>]
                                                     what changes between two refs, by security weight
                                                     (no --head: the working tree; exit 3 on critical or
                                                     high findings). --plan, once per stack: the output of
                                                     terraform show -json <planfile>; deletes and
                                                     replacements of data-bearing resources are critical.
                                                     --details-file: the full Markdown, uncut (the
                                                     comment is kept under 60,000 characters)
  lakehouse versions --base <ref> [--head <ref>]     version discipline: changed module output needs a
                                                     version bump and a CHANGELOG.md line (exit 1 if not)`;

/** Exit code of `review` when it finds a critical or high change and --allow-high is not given. */
export const EXIT_HIGH_FINDINGS = 3;

export const DEFAULT_CONFIG = () => join(packageRoot(), "examples", "default", "lakehouse.yaml");

const VALUE_OPTIONS = ["config", "out", "base", "head", "format", "details-file"];
/** Options given once per value (`--plan a=x --plan b=y`); kept apart from the single-valued ones. */
const REPEATED_OPTIONS = ["plan"];
const FLAGS = ["allow-high"];

function parseArgs(args: string[]): { command?: string; options: Record<string, string>; repeated: Record<string, string[]> } {
  const [command, ...rest] = args;
  const options: Record<string, string> = {};
  const repeated: Record<string, string[]> = {};
  for (let i = 0; i < rest.length; i++) {
    const name = /^--([a-z-]+)$/.exec(rest[i])?.[1];
    if (name && FLAGS.includes(name)) options[name] = "true";
    else if (name && VALUE_OPTIONS.includes(name) && rest[i + 1] !== undefined) options[name] = rest[++i];
    else if (name && REPEATED_OPTIONS.includes(name) && rest[i + 1] !== undefined) {
      repeated[name] = [...(repeated[name] ?? []), rest[++i]];
      options[name] = "given";
    } else throw new UsageError(`unexpected argument '${rest[i]}'`);
  }
  return { command, options, repeated };
}

function allowOnly(options: Record<string, string>, command: string, allowed: string[]): void {
  const extra = Object.keys(options).filter((o) => !allowed.includes(o));
  if (extra.length > 0) throw new UsageError(`${command} takes no --${extra.join(", --")}`);
}

class UsageError extends Error {}

/** Runs the CLI; returns the exit code (0 ok, 1 invalid config or failed synth, 2 usage). */
export function main(args: string[], out = process.stdout, err = process.stderr): number {
  try {
    const { command, options, repeated } = parseArgs(args);
    switch (command) {
      case "synth": {
        allowOnly(options, command, ["config", "out"]);
        const configFile = options.config ?? DEFAULT_CONFIG();
        const config = loadConfigFile(configFile);
        const outdir = options.out ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
        const { stacks } = synthLakehouse(config, outdir, { guardrails: guardrailsModeFromEnv() });
        out.write(`synthesized ${stacks.length} stacks from ${configFile} into ${resolve(outdir)}:\n${stacks.map((s) => `  ${s}`).join("\n")}\n`);
        return 0;
      }
      case "validate": {
        allowOnly(options, command, ["config"]);
        if (!options.config) throw new UsageError("validate needs --config <file>");
        loadConfigFile(options.config);
        out.write(`${options.config}: valid\n`);
        return 0;
      }
      case "schema":
        allowOnly(options, command, []);
        out.write(`${JSON.stringify(lakehouseJsonSchema(), null, 2)}\n`);
        return 0;
      case "review": {
        allowOnly(options, command, ["base", "head", "config", "format", "allow-high", "plan", "details-file"]);
        if (!options.base) throw new UsageError("review needs --base <ref>");
        const format = options.format ?? "md";
        if (format !== "md" && format !== "json") throw new UsageError(`--format must be md or json, not '${format}'`);
        let plans: { stack: string; file: string }[];
        try {
          plans = (repeated.plan ?? []).map(parsePlanArgument);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        const twice = plans.find((p, i) => plans.findIndex((q) => q.stack === p.stack) !== i);
        if (twice) throw new UsageError(`--plan ${twice.stack}=…: given twice; one plan per stack`);
        // Plan paths are the caller's (CI artifacts), relative to where the command runs, not the repository.
        const report = review({ repo: gitRoot(), base: options.base, head: options.head, config: options.config, plans: plans.map((p) => ({ stack: p.stack, file: resolve(p.file) })) });
        const detailsFile = options["details-file"];
        if (detailsFile) writeFileSync(detailsFile, toMarkdown(report, { limit: Infinity }));
        out.write(format === "json" ? toJson(report) : toMarkdown(report, { detailsFile }));
        // Critical findings (data lost in a replacement) gate like high ones.
        return report.summary.critical + report.summary.high > 0 && !options["allow-high"] ? EXIT_HIGH_FINDINGS : 0;
      }
      case "versions": {
        allowOnly(options, command, ["base", "head"]);
        if (!options.base) throw new UsageError("versions needs --base <ref>");
        const { violations, modules } = checkVersions({ repo: gitRoot(), base: options.base, head: options.head });
        for (const m of modules) {
          out.write(`${m.module.padEnd(34)} ${(m.baseVersion ?? "—").padEnd(8)} → ${(m.headVersion ?? "—").padEnd(8)} ${m.changedResources.length} resources changed\n`);
        }
        if (violations.length > 0) {
          err.write(`lakehouse: version discipline: ${violations.length} module(s) changed without a proper bump\n${violations.map((v) => `  - ${v}`).join("\n")}\n`);
          return 1;
        }
        out.write("version discipline: ok\n");
        return 0;
      }
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
    if (e instanceof PlanInputError) {
      err.write(`lakehouse: ${e.message}\n`);
      return 1;
    }
    if (e instanceof GuardrailError) {
      err.write(`lakehouse: ${e.message}\nNothing was written. Fix the resources, or suppress a rule with suppressGuardrail(scope, rule, reason).\n`);
      return 1;
    }
    err.write(`lakehouse: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
