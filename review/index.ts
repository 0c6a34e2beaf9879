import { join } from "node:path";
import { classify } from "./classify";
import { reviewContext } from "./context";
import { diffStacks } from "./diff";
import { fileAtRef, resolveRef } from "./git";
import { applyPlans, readPlan } from "./plan";
import { Attribution, ModuleVersionChange, ReportModule, ReviewReport, buildReport } from "./report";
import { RefSynth, RefSynthError, SynthTarget, synthAtRef } from "./synth-ref";
import { moduleChanges, suppressions, versionViolations } from "./versions";

export { MARKDOWN_LIMIT, toJson, toMarkdown } from "./report";
export { PlanInputError, parsePlanArgument } from "./plan";
export { RefSynthError } from "./synth-ref";

export interface ReviewOptions {
  readonly repo: string;
  readonly base: string;
  /** A ref, or undefined for the working tree. */
  readonly head?: string;
  /** The config both refs synthesize: a path inside the repository (each ref's own copy of it). */
  readonly config: string;
  /** Terraform plans (`terraform show -json`), one per stack: replacements and deletions come from them. */
  readonly plans?: readonly { readonly stack: string; readonly file: string }[];
}

/** Synthesizes one side; a config it cannot synthesize is a RefSynthError naming the side. */
function synthSide(side: "base" | "head", repo: string, ref: string | undefined, target: SynthTarget): RefSynth {
  try {
    return synthAtRef(repo, ref, target);
  } catch (e) {
    throw e instanceof RefSynthError ? e.onSide(side) : e;
  }
}

function sides(
  o: { repo: string; base: string; head?: string },
  target: SynthTarget,
): { base: RefSynth; head: RefSynth; baseId: ReviewReport["base"]; headId: ReviewReport["head"] } {
  const baseId = { ref: o.base, commit: resolveRef(o.repo, o.base) };
  const headId = o.head === undefined ? { ref: "working tree", commit: "working tree" } : { ref: o.head, commit: resolveRef(o.repo, o.head) };
  return { base: synthSide("base", o.repo, o.base, target), head: synthSide("head", o.repo, o.head, target), baseId, headId };
}

/** Head's guardrail violations, each marked new unless base had the same one. */
function violations(base: RefSynth, head: RefSynth): ReviewReport["guardrailViolations"] {
  const key = (v: { stack: string; address: string; rule: string }) => `${v.stack} ${v.address} ${v.rule}`;
  const old = new Set(base.guardrails.map(key));
  return head.guardrails.map((v) => ({ ...v, new: !old.has(key(v)) }));
}

/**
 * Per module: what changed, and whether its code did it or only the config. A module row says "output
 * changed without a version bump" only when the same config gives different output — when the library
 * (its code, framework and providers) is the same on both sides, every output change is the config's.
 * When both changed, base is synthesized once more with head's config to tell them apart.
 */
function attributeModules(o: ReviewOptions, base: RefSynth, head: RefSynth): { modules: ReportModule[]; attribution: Attribution } {
  const all = moduleChanges(base.stacks, head.stacks);
  const configOf = (ref: string | undefined) => fileAtRef(o.repo, ref, o.config);
  const headConfig = configOf(o.head);
  const configChanged = configOf(o.base) !== headConfig;
  const libraryChanged = base.library.fingerprint !== head.library.fingerprint;
  let code: ModuleVersionChange[] | undefined;
  let method: Attribution["method"];
  if (!libraryChanged) {
    code = all.map((m) => ({ ...m, changedResources: [] }));
    method = "library unchanged";
  } else if (!configChanged) {
    code = all;
    method = "same config";
  } else {
    try {
      const sameInput = synthAtRef(o.repo, o.base, { kind: "config", configPath: o.config, configText: headConfig });
      code = moduleChanges(sameInput.stacks, head.stacks);
      method = "base synthesized with head's config";
    } catch {
      // Base's schema cannot read head's config (a new field): the two cannot be told apart.
      method = "unknown: base cannot read head's config";
    }
  }
  const modules = all.map((m): ReportModule => {
    const codeChanged = code ? (code.find((x) => x.module === m.module)?.changedResources ?? []) : undefined;
    const sameVersion = m.baseVersion !== undefined && m.baseVersion === m.headVersion;
    let cause: ReportModule["cause"];
    if (codeChanged === undefined) cause = m.changedResources.length > 0 ? "unknown" : "none";
    else if (codeChanged.length === 0) cause = m.changedResources.length > 0 ? "config" : "none";
    else cause = m.changedResources.every((r) => codeChanged.includes(r)) ? "library" : "library and config";
    const changedWithoutBump = sameVersion && (codeChanged ?? m.changedResources).length > 0;
    return { ...m, ...(codeChanged ? { codeChangedResources: codeChanged } : {}), cause, changedWithoutBump };
  });
  return { modules, attribution: { library: { base: base.library.version, head: head.library.version, changed: libraryChanged }, configChanged, method } };
}

/** Synthesizes both refs and reports every resource change, classified by security weight. */
export function review(o: ReviewOptions): ReviewReport {
  // Bad plan files fail before minutes of synth.
  const plans = (o.plans ?? []).map((p) => readPlan(p.stack, p.file));
  const s = sides(o, { kind: "config", configPath: o.config });
  const planned = applyPlans(classify(diffStacks(s.base.stacks, s.head.stacks), reviewContext(s.base.stacks, s.head.stacks)), plans, {
    base: s.base.stacks,
    head: s.head.stacks,
  });
  const { modules, attribution } = attributeModules(o, s.base, s.head);
  return buildReport({
    base: s.baseId,
    head: s.headId,
    changes: planned.changes,
    plan: planned.coverage,
    attribution,
    modules,
    suppressions: suppressions(s.base.stacks, s.head.stacks),
    guardrailViolations: violations(s.base, s.head),
  });
}

/**
 * Version discipline over every example: violations (empty when the change is versioned properly).
 * Base synthesizes head's example configs where it can read them: only the same input tells a module
 * change from a config change.
 */
export function checkVersions(o: { repo: string; base: string; head?: string }): { violations: string[]; modules: ReturnType<typeof moduleChanges> } {
  const headConfig = (example: string) => fileAtRef(o.repo, o.head, join("examples", example, "lakehouse.yaml"));
  const base = synthSide("base", o.repo, o.base, { kind: "examples", configOf: headConfig });
  // Where base cannot read head's config (it uses a field base does not know), head synthesizes
  // base's config instead: the same input on both sides again, so a config edit is not taken for a
  // module change in either direction.
  const unreadable = new Set(base.unreadableConfigs ?? []);
  const baseConfig = (example: string) => (unreadable.has(example) ? fileAtRef(o.repo, o.base, join("examples", example, "lakehouse.yaml")) : undefined);
  const s = { base, head: synthSide("head", o.repo, o.head, { kind: "examples", configOf: baseConfig }) };
  const modules = moduleChanges(s.base.stacks, s.head.stacks);
  const changelogBase = fileAtRef(o.repo, o.base, "CHANGELOG.md") ?? "";
  const changelogHead = fileAtRef(o.repo, o.head, "CHANGELOG.md") ?? "";
  return { violations: versionViolations(modules, changelogBase, changelogHead), modules };
}
