import { join } from "node:path";
import { classify } from "./classify";
import { diffStacks } from "./diff";
import { fileAtRef, resolveRef } from "./git";
import { ReviewReport, buildReport } from "./report";
import { RefSynth, SynthTarget, synthAtRef } from "./synth-ref";
import { moduleChanges, suppressions, versionViolations } from "./versions";

export { toJson, toMarkdown } from "./report";

export interface ReviewOptions {
  readonly repo: string;
  readonly base: string;
  /** A ref, or undefined for the working tree. */
  readonly head?: string;
  /** A config path inside the repository; undefined = each ref's embedded default. */
  readonly config?: string;
}

function sides(o: { repo: string; base: string; head?: string }, target: SynthTarget): { base: RefSynth; head: RefSynth; baseId: ReviewReport["base"]; headId: ReviewReport["head"] } {
  const baseId = { ref: o.base, commit: resolveRef(o.repo, o.base) };
  const headId = o.head === undefined ? { ref: "working tree", commit: "working tree" } : { ref: o.head, commit: resolveRef(o.repo, o.head) };
  return { base: synthAtRef(o.repo, o.base, target), head: synthAtRef(o.repo, o.head, target), baseId, headId };
}

/** Head's guardrail violations, each marked new unless base had the same one. */
function violations(base: RefSynth, head: RefSynth): ReviewReport["guardrailViolations"] {
  const key = (v: { stack: string; address: string; rule: string }) => `${v.stack} ${v.address} ${v.rule}`;
  const old = new Set(base.guardrails.map(key));
  return head.guardrails.map((v) => ({ ...v, new: !old.has(key(v)) }));
}

/** Synthesizes both refs and reports every resource change, classified by security weight. */
export function review(o: ReviewOptions): ReviewReport {
  const s = sides(o, { kind: "config", configPath: o.config });
  const changes = classify(diffStacks(s.base.stacks, s.head.stacks));
  return buildReport(s.baseId, s.headId, changes, moduleChanges(s.base.stacks, s.head.stacks), suppressions(s.base.stacks, s.head.stacks), violations(s.base, s.head));
}

/**
 * Version discipline over every example: violations (empty when the change is versioned properly).
 * Base synthesizes head's example configs where it can read them: only the same input tells a module
 * change from a config change.
 */
export function checkVersions(o: { repo: string; base: string; head?: string }): { violations: string[]; modules: ReturnType<typeof moduleChanges> } {
  const headConfig = (example: string) => fileAtRef(o.repo, o.head, join("examples", example, "lakehouse.yaml"));
  const s = {
    base: synthAtRef(o.repo, o.base, { kind: "examples", configOf: headConfig }),
    head: synthAtRef(o.repo, o.head, { kind: "examples" }),
  };
  const modules = moduleChanges(s.base.stacks, s.head.stacks);
  const changelogBase = fileAtRef(o.repo, o.base, "CHANGELOG.md") ?? "";
  const changelogHead = fileAtRef(o.repo, o.head, "CHANGELOG.md") ?? "";
  return { violations: versionViolations(modules, changelogBase, changelogHead), modules };
}
