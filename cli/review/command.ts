/** `lakehouse review`: what changes between two refs, by security weight (the work is in review/). */
import { existsSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parsePlanArgument, review, toJson, toMarkdown } from "../../review";
import { CommandSpec, EXIT_HIGH_FINDINGS, EXIT_OK, OptionValues, Output, UsageError, str } from "../command";
import { CONFIG_OPTION, EXAMPLE_OPTION, chooseConfig } from "../config-file";
import { gitRoot } from "../git-root";

export const REVIEW_COMMAND: CommandSpec = {
  summary: "what changes between two refs, by security weight",
  details:
    "Without --head: the working tree. Exit 3 on critical or high findings unless --allow-high.\n" +
    "Deletes and replacements of data-bearing resources in a --plan are critical.",
  options: {
    base: { type: "string", value: "ref", help: "the ref to compare against (required)" },
    head: { type: "string", value: "ref", help: "the ref to review (default: the working tree)" },
    config: {
      ...CONFIG_OPTION,
      help: `the config to synthesize at both refs, a file in the repository (default: ./lakehouse.yaml; with neither, the command fails)`,
    },
    example: { ...EXAMPLE_OPTION, help: "review this repository's examples/<name>/lakehouse.yaml instead (the library's own repository)" },
    format: { type: "string", value: "md|json", help: "report format (default: md)" },
    "allow-high": { type: "boolean", help: "exit 0 even with critical or high findings" },
    plan: { type: "string", multiple: true, value: "stack=plan.json", help: "once per stack: the output of terraform show -json <planfile>" },
    "details-file": { type: "string", value: "path", help: "write the full Markdown there, uncut (the report is kept under 60,000 characters)" },
  },
};

/**
 * The config review synthesizes at both refs, as a path inside the repository: --config or
 * ./lakehouse.yaml (relative to where the command runs), or --example <name>, this repository's
 * examples/<name>/lakehouse.yaml (only the library's own repository has one).
 */
function reviewedConfig(values: OptionValues, findRepo: () => string): { repo: string; config: string } {
  let root: string | undefined;
  const repo = () => (root ??= findRepo());
  const example = str(values.example);
  if (example !== undefined && values.config === undefined) {
    const path = join("examples", example, "lakehouse.yaml");
    if (!existsSync(join(repo(), path)))
      throw new UsageError(`review --example ${example}: ${path} is not in this repository; review your own config with --config <file>`);
    return { repo: repo(), config: path };
  }
  // The config first: without one there is nothing to review, in a repository or not.
  const file = resolve(chooseConfig(values, "review", { offersExample: true }).file);
  const inRepo = relative(repo(), file);
  if (inRepo.startsWith("..") || isAbsolute(inRepo))
    throw new UsageError(`review --config: ${str(values.config) ?? "lakehouse.yaml"} is outside the repository ${repo()}; review compares its refs`);
  return { repo: repo(), config: inRepo };
}

export function reviewCommand(values: OptionValues, out: Output): number {
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
