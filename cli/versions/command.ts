/** `lakehouse versions`: version discipline, a changed module output needs a version bump and a CHANGELOG.md line. */
import { checkVersions } from "../../review";
import { CommandSpec, EXIT_FAILED, EXIT_OK, OptionValues, Output, UsageError, str } from "../command";
import { gitRoot } from "../git-root";

export const VERSIONS_COMMAND: CommandSpec = {
  summary: "version discipline: changed module output needs a version bump and a CHANGELOG.md line",
  details: "Exit 1 if a module's output changed without both.",
  options: {
    base: { type: "string", value: "ref", help: "the ref to compare against (required)" },
    head: { type: "string", value: "ref", help: "the ref to check (default: the working tree)" },
  },
};

export function versionsCommand(values: OptionValues, out: Output, err: Output): number {
  const base = str(values.base);
  if (!base) throw new UsageError("versions needs --base <ref>");
  const { violations, modules } = checkVersions({ repo: gitRoot(), base, head: str(values.head) });
  for (const m of modules) {
    out.write(
      `${m.module.padEnd(34)} ${(m.baseVersion ?? "—").padEnd(8)} → ${(m.headVersion ?? "—").padEnd(8)} ${m.changedResources.length} resources changed\n`,
    );
  }
  if (violations.length > 0) {
    err.write(`lakehouse: version discipline: ${violations.length} module(s) changed without a proper bump\n${violations.map((v) => `  - ${v}`).join("\n")}\n`);
    return EXIT_FAILED;
  }
  out.write("version discipline: ok\n");
  return EXIT_OK;
}
