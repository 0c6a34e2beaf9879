#!/usr/bin/env node
/**
 * The upgrade check (scripts/upgrade-check.sh runs it in .ci/run, after the real-provider checks):
 *
 *   upgrade-check --base <ref> --moto <moto_server> [--record docs/upgrading.md]
 *
 * 1. synthesizes the default example as the previous release (`--base`, a git worktree of that
 *    commit, its own code and dependencies) and as this checkout;
 * 2. applies the previous release's AWS side of the stacks the emulator check applies (platform, two
 *    tenants) to moto, until the plan after apply is empty but for known emulator differences;
 * 3. plans this release's synth of the same stacks over that state, and judges the plans
 *    (tools/upgrade-gate.ts): no delete or replacement of a data-bearing resource unless the
 *    CHANGELOG's section of this release names it with an upgrade guide under docs/upgrading/;
 * 4. runs the review (`review()` of review/) from the previous release to this one with those plans,
 *    and checks that every data-bearing delete or replacement in them is critical in its report;
 * 5. proves the check can fail: a tenant whose log bucket's construct id changed is a violation and
 *    critical in the review; the same with a `moved` block is a move and passes;
 * 6. applies each reviewed saved plan, as the main workflow does, and plans again (must be empty but
 *    for emulator differences); on one tenant first shows that Terraform refuses a saved plan whose
 *    state changed after it was made ("Saved plan is stale") — what the main workflow relies on.
 *
 * Prints the figures (resources planned, updates, replacements, seconds) and, with --record, writes
 * them into the page given between its upgrade-check markers. Prints "<passed> passed, <failed>
 * failed" last. Needs TF_CLI_CONFIG_FILE (scripts/aws-provider.sh) like tools/real-providers.ts.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { inScratch, runScript } from "./script";
import { join } from "node:path";
import { review } from "../review";
import { classify } from "../review/classify";
import { diffStacks } from "../review/diff";
import { applyPlans, readPlan } from "../review/plan";
import { synthAtRef } from "../review/synth-ref";
import { emulatorDifferences, planChanges } from "./plan-check";
import { StackJson, forEmulator, retarget } from "./provider-copies";
import {
  EMULATED_STACKS,
  VALIDATED_AWS_VERSION,
  applyAndReplan,
  applyOrganizationFixture,
  mustSucceed,
  stacksOf,
  startEmulator,
  terraform,
  writeCopy,
} from "./real-providers";
import { DATA_BEARING, GateChange, PlanJson, changelogSection, gateChanges, isDelete, isReplace, judgeUpgrade } from "./upgrade-gate";

/** The config both releases synthesize: the bundled demo, as each release ships it. */
const CONFIG = join("examples", "default", "lakehouse.yaml");
/** The tenant the self-test and the stale-plan proof use (one of EMULATED_STACKS). */
const PROBE_STACK = "tenant-initech-prod";
const BEGIN = "<!-- upgrade-check:begin -->";
const END = "<!-- upgrade-check:end -->";

interface StackFigures {
  readonly stack: string;
  readonly resources: number;
  readonly creates: number;
  readonly updates: number;
  /** Of the updates: known emulator differences (tools/plan-check.ts), not the release's. */
  readonly emulatorUpdates: number;
  readonly deletes: number;
  readonly replacements: number;
  readonly moves: number;
  readonly planSeconds: number;
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

function git(repo: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
}

/** A copy of `json` whose resource `type.from` is called `type.to`, every reference to it too (a changed construct id). */
function renamed(json: StackJson, type: string, from: string, to: string): StackJson {
  const text = JSON.stringify(json).replace(new RegExp(`\\b${type}\\.${from}(?![A-Za-z0-9_-])`, "g"), `${type}.${to}`);
  const copy = JSON.parse(text) as StackJson;
  const byName = copy.resource![type];
  copy.resource![type] = Object.fromEntries(Object.entries(byName).map(([name, body]) => [name === from ? to : name, body]));
  return copy;
}

function planTo(name: string, dir: string, file: string, env: NodeJS.ProcessEnv): PlanJson {
  mustSucceed(`${name}: terraform plan`, terraform(dir, ["plan", "-input=false", "-no-color", `-out=${file}`], env));
  const json = mustSucceed(`${name}: terraform show`, terraform(dir, ["show", "-json", file], env)).stdout;
  writeFileSync(join(dir, `${file}.json`), json);
  return JSON.parse(json) as PlanJson;
}

function guidesOf(repo: string): Record<string, string> {
  const dir = join(repo, "docs", "upgrading");
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith(".md"))
      .map((f) => [`docs/upgrading/${f}`, readFileSync(join(dir, f), "utf8")]),
  );
}

function figuresTable(rows: readonly StackFigures[]): string[] {
  const total = (k: keyof Omit<StackFigures, "stack">) => Math.round(rows.reduce((n, r) => n + r[k], 0) * 10) / 10;
  const line = (r: Omit<StackFigures, "stack"> & { stack: string }) =>
    `| ${r.stack} | ${r.resources} | ${r.creates} | ${r.updates} (${r.emulatorUpdates}) | ${r.deletes} | ${r.replacements} | ${r.moves} | ${r.planSeconds} |`;
  return [
    "| stack | resources planned | create | update (of them emulator differences) | delete | replace | moved | plan, s |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(line),
    line({
      stack: "**all**",
      resources: total("resources"),
      creates: total("creates"),
      updates: total("updates"),
      emulatorUpdates: total("emulatorUpdates"),
      deletes: total("deletes"),
      replacements: total("replacements"),
      moves: total("moves"),
      planSeconds: total("planSeconds"),
    }),
  ];
}

function record(file: string, block: string[]): void {
  const text = readFileSync(file, "utf8");
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${file} has no ${BEGIN} … ${END} block to write the figures into`);
  writeFileSync(file, `${text.slice(0, begin + BEGIN.length)}\n${block.join("\n")}\n${text.slice(end)}`);
}

/**
 * On the probe tenant (its state: the previous release applied): the check can fail — a log bucket
 * whose construct id changed is a violation and critical in the review, the same with a moved block
 * is a move — and Terraform refuses a saved plan whose state changed after it was made.
 */
function probeChecks(
  dir: string,
  synth: { base: StackJson; head: StackJson },
  section: string,
  guides: Record<string, string>,
  env: NodeJS.ProcessEnv,
  ok: (good: boolean, message: string) => boolean,
): void {
  const headJson = synth.head;
  const bucket =
    Object.keys(headJson.resource?.aws_s3_bucket ?? {}).find((n) => n.startsWith("LogBucket_")) ?? Object.keys(headJson.resource!.aws_s3_bucket)[0];
  const to = `${bucket}Renamed`;
  const original = readFileSync(join(dir, "main.tf.json"), "utf8");
  const writeProbe = (json: StackJson) => writeFileSync(join(dir, "main.tf.json"), JSON.stringify(json, null, 2));
  try {
    // A changed construct id: the bucket is deleted under its old address and created under the new.
    const renamedCopy = renamed(JSON.parse(original) as StackJson, "aws_s3_bucket", bucket, to);
    writeProbe(renamedCopy);
    const renamedPlan = planTo(PROBE_STACK, dir, "renamed.tfplan", env);
    const caught = judgeUpgrade(gateChanges(PROBE_STACK, renamedPlan), section, guides).violations.some((v) => v.change.address === `aws_s3_bucket.${bucket}`);
    const synthBase = { [PROBE_STACK]: synth.base } as Parameters<typeof diffStacks>[0];
    const synthHead = { [PROBE_STACK]: renamed(headJson, "aws_s3_bucket", bucket, to) } as Parameters<typeof diffStacks>[0];
    const reviewed = applyPlans(classify(diffStacks(synthBase, synthHead)), [readPlan(PROBE_STACK, join(dir, "renamed.tfplan.json"))], {
      base: synthBase,
      head: synthHead,
    });
    const old = reviewed.changes.find((c) => c.stack === PROBE_STACK && c.planned?.planAddress === `aws_s3_bucket.${bucket}`);
    ok(
      caught && old?.severity === "critical",
      `self-test: a log bucket whose construct id changed (aws_s3_bucket.${bucket} → ${to}) fails the check and is ${old?.severity ?? "not reported"} in the review`,
    );
    // The same with a moved block: a move, no delete, no violation.
    writeProbe({ ...renamedCopy, moved: [{ from: `aws_s3_bucket.${bucket}`, to: `aws_s3_bucket.${to}` }] });
    const movedGate = judgeUpgrade(gateChanges(PROBE_STACK, planTo(PROBE_STACK, dir, "moved.tfplan", env)), section, guides);
    ok(
      movedGate.violations.length === 0 && movedGate.moves.some((m) => m.address === `aws_s3_bucket.${to}`),
      `self-test: with a moved block the same rename is a move (${movedGate.figures.moves} moved, ${movedGate.figures.deletes + movedGate.figures.replacements} deleted or replaced) and passes`,
    );

    // What the main workflow relies on: a saved plan whose state changed since is refused by Terraform.
    writeFileSync(join(dir, "main.tf.json"), original);
    planTo(PROBE_STACK, dir, "reviewed.tfplan", env);
    const tagged = JSON.parse(original) as StackJson;
    const body = tagged.resource!.aws_s3_bucket[bucket];
    body.tags = { ...((body.tags as Record<string, string> | undefined) ?? {}), "upgrade-check": "state-changed-after-plan" };
    writeProbe(tagged);
    mustSucceed(`${PROBE_STACK}: terraform apply (another change)`, terraform(dir, ["apply", "-input=false", "-no-color", "-auto-approve"], env));
    writeFileSync(join(dir, "main.tf.json"), original);
    const stale = terraform(dir, ["apply", "-input=false", "-no-color", "reviewed.tfplan"], env);
    ok(
      stale.status !== 0 && /Saved plan is stale/.test(stale.stderr + stale.stdout),
      `Terraform refuses a saved plan whose state changed after it was made${stale.status !== 0 ? ` ("${/Saved plan is stale/.exec(stale.stderr + stale.stdout)?.[0] ?? stale.stderr.trim().split("\n")[0]}")` : ": it applied it"}`,
    );
  } finally {
    writeFileSync(join(dir, "main.tf.json"), original);
  }
}

async function check(repo: string, base: string, moto: string, work: string, recordFile?: string): Promise<number> {
  const started = Date.now();
  const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version;
  const baseCommit = git(repo, "rev-parse", "--verify", `${base}^{commit}`);
  const baseVersion = (JSON.parse(git(repo, "show", `${baseCommit}:package.json`)) as { version: string }).version;
  const section = changelogSection(readFileSync(join(repo, "CHANGELOG.md"), "utf8"), version);
  const guides = guidesOf(repo);
  let passed = 0;
  let failed = 0;
  const ok = (good: boolean, message: string) => {
    if (good) passed++;
    else failed++;
    console.log(`${good ? "✓" : "✗"} ${message}`);
    return good;
  };

  console.log(`upgrade ${baseVersion} (${baseCommit.slice(0, 7)}) → ${version} (this checkout), the default example's ${EMULATED_STACKS.join(", ")}`);
  let t = Date.now();
  synthAtRef(repo, baseCommit, { kind: "config", configPath: CONFIG }, { outdir: join(work, "base") });
  const baseSynthSeconds = seconds(t);
  t = Date.now();
  synthAtRef(repo, undefined, { kind: "config", configPath: CONFIG }, { outdir: join(work, "head") });
  const headSynthSeconds = seconds(t);
  const baseStacks = new Map(stacksOf(join(work, "base", "config")).map((s) => [s.name, s.json]));
  const headStacks = new Map(stacksOf(join(work, "head", "config")).map((s) => [s.name, s.json]));
  console.log(`  synthesized ${baseVersion} in ${baseSynthSeconds} s, ${version} in ${headSynthSeconds} s`);

  const emulator = await startEmulator(moto, join(work, "moto.log"));
  const env = { HTTP_PROXY: emulator.endpoint, HTTPS_PROXY: emulator.endpoint, NO_PROXY: "127.0.0.1,localhost", AWS_EC2_METADATA_DISABLED: "true" };
  const target = (dir: string) => ({
    endpoint: emulator.endpoint,
    statePath: join(dir, "terraform.tfstate"),
    awsVersion: VALIDATED_AWS_VERSION,
    credentials: emulator.credentials,
  });
  const rows: StackFigures[] = [];
  const changes: GateChange[] = [];
  const planned: { stack: string; dir: string; standIns?: Record<string, string> }[] = [];
  let baseApplySeconds = 0;
  let upgradeApplySeconds = 0;
  let reviewSeconds = 0;
  try {
    for (const name of EMULATED_STACKS) {
      const dir = join(work, "upgrade", name);
      const before = baseStacks.get(name);
      const after = headStacks.get(name);
      if (!before) {
        console.log(`  ${name}: not in ${baseVersion}: nothing to upgrade`);
        continue;
      }
      if (!ok(after !== undefined, `${name}: ${version} still builds the stack`)) continue;
      const baseCopy = forEmulator(before, target(dir));
      const standIns = applyOrganizationFixture(name, baseCopy.json, dir, env);
      if (standIns) retarget(baseCopy.json, standIns);
      writeCopy(dir, baseCopy);
      t = Date.now();
      const applied = applyAndReplan(name, dir, env);
      baseApplySeconds += seconds(t);
      for (const e of applied.excused) console.log(`    emulator difference: ${e}`);
      if (
        !ok(
          applied.remaining.length === 0,
          `${name}: ${baseVersion} applied to the emulator (${applied.resources} AWS resources, ${applied.applySeconds.toFixed(0)} s); its plan after apply is empty${applied.excused.length ? " but for emulator differences" : ""}`,
        )
      ) {
        for (const c of applied.remaining) console.log(`    ${c.actions.join("/")} ${c.address}: ${c.attributes.join(", ")}`);
        continue;
      }
      const headCopy = forEmulator(after!, target(dir));
      if (standIns) retarget(headCopy.json, standIns);
      writeCopy(dir, headCopy);
      t = Date.now();
      mustSucceed(`${name}: terraform init (${version})`, terraform(dir, ["init", "-input=false", "-no-color"], env));
      const plan = planTo(name, dir, "upgrade.tfplan", env);
      const planSeconds = seconds(t);
      const stackChanges = gateChanges(name, plan);
      changes.push(...stackChanges);
      const figures = judgeUpgrade(stackChanges, section, guides).figures;
      const split = emulatorDifferences(planChanges(plan as Parameters<typeof planChanges>[0]));
      const emulatorUpdates = split.excused.filter((e) => e.change.actions.join() === "update").length;
      rows.push({ stack: name, ...figures, emulatorUpdates, planSeconds });
      planned.push({ stack: name, dir, standIns });
      console.log(
        `  ${name}: ${figures.resources} resources planned: ${figures.creates} to create, ${figures.updates} to update (${emulatorUpdates} emulator differences), ${figures.deletes} to delete, ${figures.replacements} to replace, ${figures.moves} moved (${planSeconds} s)`,
      );
      // What the release changes, attribute by attribute (the emulator's differences aside).
      for (const c of split.ours) console.log(`    ${c.actions.join("/")} ${c.address}: ${c.attributes.join(", ")}`);
    }

    // The rule, over every plan.
    const gate = judgeUpgrade(changes, section, guides);
    for (const m of gate.migrated) console.log(`    migrated: ${m.change.stack}: ${m.change.address} (${m.migration})`);
    for (const m of gate.moves) console.log(`    moved: ${m.stack}: ${m.previousAddress} → ${m.address}`);
    ok(
      gate.violations.length === 0,
      `no data-bearing resource deleted or replaced without its migration in the CHANGELOG's ${version} section${gate.violations.length ? ":" : ""}`,
    );
    for (const v of gate.violations) console.log(`    ${v.why}`);

    // The review, given the plans: every data-bearing delete or replacement is critical in its report.
    t = Date.now();
    const report = review({
      repo,
      base: baseCommit,
      config: CONFIG,
      plans: planned.map((p) => ({ stack: p.stack, file: join(p.dir, "upgrade.tfplan.json") })),
    });
    reviewSeconds = seconds(t);
    const s = report.summary;
    console.log(
      `  review ${baseVersion} → ${version} (${reviewSeconds} s): ${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.low} low; ${s.replaced} replaced, ${s.deleted} deleted; ${report.plan.message}`,
    );
    const dataLoss = changes.filter((c) => DATA_BEARING[c.type] !== undefined && (isDelete(c.actions) || isReplace(c.actions)));
    const notCritical = dataLoss.filter(
      (c) => !report.changes.some((r) => r.stack === c.stack && r.planned?.planAddress === c.address && r.severity === "critical"),
    );
    ok(
      notCritical.length === 0,
      `the review calls every data-bearing delete or replacement in the plans critical (${dataLoss.length} in them)${notCritical.length ? `; not: ${notCritical.map((c) => `${c.stack} ${c.address}`).join(", ")}` : ""}`,
    );

    const probe = planned.find((p) => p.stack === PROBE_STACK);
    if (probe === undefined) ok(false, `${PROBE_STACK} was not planned: no self-test`);
    else probeChecks(probe.dir, { base: baseStacks.get(PROBE_STACK)!, head: headStacks.get(PROBE_STACK)! }, section, guides, env, ok);

    // The upgrade applied: each reviewed saved plan (the probe's is stale now: planned afresh), then
    // the plan after it must be empty but for emulator differences.
    for (const p of planned) {
      t = Date.now();
      const result = applyAndReplan(p.stack, p.dir, env, p.stack === PROBE_STACK ? {} : { savedPlan: "upgrade.tfplan" });
      upgradeApplySeconds += seconds(t);
      ok(
        result.remaining.length === 0,
        `${p.stack}: ${version} applied over ${baseVersion} (${result.applySeconds.toFixed(0)} s); the plan after it is empty${result.excused.length ? " but for emulator differences" : ""}`,
      );
      for (const c of result.remaining) console.log(`    ${c.actions.join("/")} ${c.address}: ${c.attributes.join(", ")}`);
    }
  } finally {
    emulator.process.kill();
  }

  const total = seconds(started);
  const figures = [
    `Last run: ${new Date().toISOString().slice(0, 10)}, ${baseVersion} (\`${baseCommit.slice(0, 7)}\`) → ${version}, hashicorp/aws ${VALIDATED_AWS_VERSION} on moto ${motoVersion(moto)}; ${passed} passed, ${failed} failed.`,
    "",
    ...figuresTable(rows),
    "",
    `Seconds: synth ${baseVersion} ${baseSynthSeconds}, synth ${version} ${headSynthSeconds}, apply ${baseVersion} ${Math.round(baseApplySeconds)}, plans ${Math.round(rows.reduce((n, r) => n + r.planSeconds, 0))}, review ${reviewSeconds}, apply ${version} ${Math.round(upgradeApplySeconds)}; in all ${Math.round(total)} (2 cores).`,
  ];
  console.log("");
  for (const l of figures) console.log(l);
  if (recordFile) {
    record(recordFile, figures);
    console.log(`figures written into ${recordFile}`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

function motoVersion(moto: string): string {
  try {
    return execFileSync(join(moto, "..", "python"), ["-c", "import moto; print(moto.__version__)"], { encoding: "utf8" }).trim();
  } catch {
    return "(version unknown)";
  }
}

async function main(args: string[]): Promise<number> {
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const base = value("--base");
  const moto = value("--moto");
  if (!base || !moto) throw new Error("usage: upgrade-check --base <ref> --moto <moto_server> [--record docs/upgrading.md]");
  if (!process.env.TF_CLI_CONFIG_FILE) throw new Error("TF_CLI_CONFIG_FILE is not set: run scripts/upgrade-check.sh, which builds the provider and its mirror");
  const repo = git(process.cwd(), "rev-parse", "--show-toplevel");
  return inScratch("upgrade-check", (work) => check(repo, base, moto, work, value("--record")));
}

if (require.main === module) runScript("upgrade-check", main);
