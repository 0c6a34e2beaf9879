import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ClassifiedChange, RANK, Severity, classify } from "../review/classify";
import { reviewContext } from "../review/context";
import { diffStacks } from "../review/diff";
import { StackSet } from "../review/synth-ref";
import { synthLakehouse } from "../stacks/synth/in-process";
import { parseConfig } from "../stacks/config/load";
import { CASES, Case, Config } from "./fixtures/review-corpus/cases";

/**
 * The review corpus: paired cases, each a config change of the default example (what a consumer's pull
 * request does), a module change (what a library change does to the synthesized JSON) or a library
 * upgrade (hand-written pairs in fixtures/review-corpus/upgrades.ts), with the highest severity the
 * review must give it and the rule of a finding at that severity. Routine work must stay below high;
 * every weakening, alone or inside routine work, must be high. docs/review.md lists the cases.
 */
const ROOT = join(__dirname, "..");
const DEFAULT: Config = parse(readFileSync(join(ROOT, "examples", "default", "lakehouse.yaml"), "utf8"));

/** Synthesizes `config` (only the stacks matching `globs`, when given), guardrails reported as `lakehouse review` does. */
function synthStacks(config: Config, globs?: string[]): StackSet {
  const dir = mkdtempSync(join(tmpdir(), "review-corpus-"));
  try {
    synthLakehouse(parseConfig(config), join(dir, "out"), { guardrails: "report", ...(globs ? { stacks: globs } : {}) });
    const stacks: StackSet = {};
    for (const name of readdirSync(join(dir, "out", "stacks")))
      stacks[name] = JSON.parse(readFileSync(join(dir, "out", "stacks", name, "cdk.tf.json"), "utf8"));
    return stacks;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Synthesized configs by their JSON text: each distinct config once. */
const synthesized = new Map<string, StackSet>();
function synth(config: Config): StackSet {
  const key = JSON.stringify(config);
  if (!synthesized.has(key)) synthesized.set(key, synthStacks(config));
  return synthesized.get(key)!;
}

/**
 * `edited`'s stacks, built from `from`'s: when only tenant entries changed, only the platform stacks
 * and the changed tenants' stacks are synthesized again (a tenant's stack reads only its own entry,
 * the organization, environments and defaults, as `lakehouse synth --changed-since` relies on).
 */
function synthEdited(from: Config, edited: Config): StackSet {
  const key = JSON.stringify(edited);
  if (synthesized.has(key)) return synthesized.get(key)!;
  const rest = (c: Config) => JSON.stringify({ ...c, tenants: undefined });
  if (rest(from) !== rest(edited)) return synth(edited);
  const byId = (c: Config) => new Map<string, string>(c.tenants.map((t: Config) => [t.id, JSON.stringify(t)]));
  const before = byId(from);
  const after = byId(edited);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((id) => before.get(id) !== after.get(id));
  const stacks: StackSet = Object.fromEntries(
    Object.entries(synth(from)).filter(([name]) => !name.startsWith("platform-") && !changed.some((id) => name.startsWith(`tenant-${id}-`))),
  );
  Object.assign(stacks, synthStacks(edited, ["platform-*", ...changed.filter((id) => after.has(id)).map((id) => `tenant-${id}-*`)]));
  synthesized.set(key, stacks);
  return stacks;
}

function reviewOf(c: Case): ClassifiedChange[] {
  let base: StackSet;
  let head: StackSet;
  if (c.pair) ({ base, head } = c.pair());
  else {
    const from = c.from ?? DEFAULT;
    const edited = structuredClone(from);
    c.edit?.(edited);
    base = synth(from);
    head = c.edit ? synthEdited(from, edited) : base;
    // A module change: what a change of the library's code does to the synthesized JSON.
    if (c.module) {
      head = structuredClone(head);
      c.module(head);
    }
  }
  return classify(diffStacks(base, head), reviewContext(base, head));
}

const highest = (changes: readonly ClassifiedChange[]): Severity | "none" =>
  changes.length === 0 ? "none" : changes.reduce<Severity>((m, c) => (RANK[c.severity] > RANK[m] ? c.severity : m), "low");
const outline = (changes: readonly ClassifiedChange[], at: Severity | "none") =>
  changes.flatMap((c) => c.findings.filter((f) => f.severity === at).map((f) => `${f.severity} ${f.rule} ${c.stack} ${c.address}: ${f.message.slice(0, 240)}`));

describe("review corpus", () => {
  test("holds at least 40 cases of every kind, routine and weakening, each named once", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    for (const kind of ["config", "consumer config", "module", "library upgrade"]) expect(CASES.filter((c) => c.kind === kind).length).toBeGreaterThan(0);
  });

  test.each(CASES.map((c) => [`${c.kind}: ${c.name}`, c] as const))("%s", (_name, c) => {
    const changes = reviewOf(c);
    const at = highest(changes);
    // Compared as text, so a failure shows what the review said at the severity it reached.
    const said = [`highest: ${at}`, ...outline(changes, at)].join("\n");
    // REVIEW_CORPUS_PRINT=1: every finding of the case, for reading the corpus (docs/review.md).
    if (process.env.REVIEW_CORPUS_PRINT === "1")
      process.stdout.write(`\n## ${c.kind}: ${c.name}\n${(["critical", "high", "medium", "low"] as const).flatMap((x) => outline(changes, x)).join("\n")}\n`);
    expect(said).toMatch(new RegExp(`^highest: ${c.severity}(\n|$)`));
    if (c.rule) expect(said).toMatch(new RegExp(`^${at} ${c.rule.replace(/\./g, "\\.")} `, "m"));
    if (c.message)
      expect(
        changes
          .flatMap((x) => x.findings)
          .filter((f) => f.rule === c.rule)
          .map((f) => f.message),
      ).toContainEqual(expect.stringMatching(c.message));
    for (const rule of c.absent ?? [])
      expect(changes.flatMap((x) => x.findings.filter((f) => f.rule === rule).map((f) => `${x.address}: ${f.message}`))).toEqual([]);
  });

  test("docs/review.md states the corpus as it is", () => {
    const doc = readFileSync(join(ROOT, "docs", "review.md"), "utf8");
    expect(doc).toContain(`${CASES.length} cases`);
    for (const c of CASES) expect(doc).toContain(c.name);
  });
});
