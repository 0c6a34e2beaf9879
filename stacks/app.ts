import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { App, TerraformStack } from "cdktf";
import { LakehouseValidationError } from "../modules/core/errors";
import { nearest } from "../modules/core/suggest";
import { GuardrailError, GuardrailViolation, guardrailViolations } from "../modules/core/guardrails";
import { LakehouseConfig } from "./config/schema";
import { ResolvedLakehouse, resolveConfig } from "./config/resolve";
import { PlatformStack } from "./platform-stack";
import { TenantStack } from "./tenant-stack";

/** A stack the config builds, and the stacks it depends on (by name), in build order. */
export interface PlannedStack {
  readonly name: string;
  readonly dependencies: readonly string[];
}

/** Every stack a config builds, without constructing any: per environment its platform stack, then its tenants'. */
export function plannedStacks(lakehouse: ResolvedLakehouse): PlannedStack[] {
  return lakehouse.environments.flatMap((env) => [
    { name: env.platformStackName, dependencies: [] },
    // The tenant's schema lives in the platform's database, its access logs in the platform's bucket.
    ...env.tenants.map((t) => ({ name: t.stackName, dependencies: [env.platformStackName] })),
  ]);
}

/**
 * The stack names matching any of `globs` (`*` any run of characters, `?` one), in build order. A glob
 * matching no stack is an error naming the nearest stack, so a typo never synthesizes nothing quietly.
 */
export function selectStacks(names: readonly string[], globs: readonly string[]): string[] {
  const patterns = globs.map((g) => ({ glob: g, re: new RegExp(`^${g.split(/([*?])/).map((p) => (p === "*" ? ".*" : p === "?" ? "." : p.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("")}$`) }));
  const unmatched = patterns.filter((p) => !names.some((n) => p.re.test(n)));
  if (unmatched.length > 0) {
    throw new LakehouseValidationError(
      "--stack",
      unmatched.map((p) => {
        const near = nearest(p.glob.replace(/[*?]/g, ""), names);
        return { path: p.glob, message: `matches no stack${near ? ` (did you mean ${near}?)` : ""}; the stacks are ${names.join(", ")}` };
      }),
    );
  }
  return names.filter((n) => patterns.some((p) => p.re.test(n)));
}

/**
 * Adds one platform stack per environment and one stack per tenant per environment to `app` — or,
 * with `only`, just the stacks named there: the others are not constructed at all (a tenant's stack
 * refers to its platform by names, never by construct, so it needs nothing else built).
 */
export function buildLakehouse(
  app: App,
  config: LakehouseConfig,
  only?: ReadonlySet<string>,
): { platform: PlatformStack[]; tenants: TenantStack[] } {
  const lakehouse = resolveConfig(config);
  const wanted = (name: string) => !only || only.has(name);
  const platform: PlatformStack[] = [];
  const tenants: TenantStack[] = [];
  for (const env of lakehouse.environments) {
    const platformStack = wanted(env.platformStackName) ? new PlatformStack(app, lakehouse, env) : undefined;
    if (platformStack) platform.push(platformStack);
    for (const tenant of env.tenants) {
      if (!wanted(tenant.stackName)) continue;
      const stack = new TenantStack(app, lakehouse, env, tenant);
      if (platformStack) stack.addDependency(platformStack);
      tenants.push(stack);
    }
  }
  return { platform, tenants };
}

/** What cdktf recorded in a synth output's manifest that the config cannot tell: its version, and annotations per stack. */
export interface ManifestFacts {
  readonly version: string;
  readonly annotations: ReadonlyMap<string, unknown[]>;
}

export function readManifest(outdir: string): ManifestFacts {
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as { version: string; stacks: Record<string, { annotations?: unknown[] }> };
  return { version: manifest.version, annotations: new Map(Object.entries(manifest.stacks).map(([name, s]) => [name, s.annotations ?? []])) };
}

/**
 * Rewrites `<outdir>/manifest.json` for `stacks` (in that order), with their dependencies from the
 * config rather than from the constructs: a stack synthesized alone, or in a worker of its own, keeps
 * its dependencies. Keys sorted, so the file does not depend on how the stacks were synthesized.
 */
export function writeManifest(outdir: string, stacks: readonly PlannedStack[], facts: ManifestFacts): void {
  const entries = stacks.map((s) => [
    s.name,
    {
      annotations: facts.annotations.get(s.name) ?? [],
      constructPath: s.name,
      dependencies: s.dependencies,
      name: s.name,
      stackMetadataPath: `stacks/${s.name}/metadata.json`,
      synthesizedStackPath: `stacks/${s.name}/cdk.tf.json`,
      workingDirectory: `stacks/${s.name}`,
    },
  ]);
  writeFileSync(join(outdir, "manifest.json"), `${JSON.stringify({ stacks: Object.fromEntries(entries), version: facts.version }, null, 2)}\n`);
}

/** Every stack synthesized into `outdir` (`<outdir>/stacks/<name>/cdk.tf.json`), by name. */
export function synthesizedStacks<T = Record<string, unknown>>(outdir: string): { name: string; json: T }[] {
  const dir = join(outdir, "stacks");
  if (!existsSync(dir)) throw new Error(`${outdir} holds no synth output (no stacks/ folder)`);
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, json: JSON.parse(readFileSync(join(dir, name, "cdk.tf.json"), "utf8")) as T }));
}

/**
 * Guardrail violations of every stack synthesized into `outdir`, each named by stack, construct
 * path and rule. For apps that synthesize modules themselves (see examples/direct-modules).
 */
export function checkGuardrails(outdir: string): (GuardrailViolation & { stack: string })[] {
  return synthesizedStacks<Parameters<typeof guardrailViolations>[0]>(outdir).flatMap(({ name, json }) => guardrailViolations(json).map((v) => ({ stack: name, ...v })));
}

/**
 * Applies the guardrails to a synth output: `enforce` throws a GuardrailError naming every violation;
 * `report` writes them to `<outdir>/guardrails.json` (for review tooling) and lets the output stand.
 */
export function enforceGuardrails(outdir: string, mode: "enforce" | "report" = "enforce"): void {
  const violations = checkGuardrails(outdir);
  if (mode === "report") writeFileSync(join(outdir, "guardrails.json"), JSON.stringify(violations, null, 2));
  else if (violations.length > 0) throw new GuardrailError(violations);
}

/**
 * Synthesizes the lakehouse into `outdir` atomically: everything is written to a fresh sibling
 * folder first, checked against the guardrails, and moved into place only when both succeeded, so a failure leaves the previous
 * output (or nothing) behind, never a half-written tree.
 */
export interface SynthOptions {
  /**
   * `enforce`: a guardrail violation fails synth and nothing is written. `report`: the output is
   * written with the violations listed in `<outdir>/guardrails.json` — for review tooling, which
   * must show a violating change rather than stop at it. @default "enforce"
   */
  readonly guardrails?: "enforce" | "report";
  /** Only the stacks matching these globs (see `selectStacks`); the others are not constructed. @default every stack */
  readonly stacks?: readonly string[];
  /**
   * Called once the stacks are built (`stacksDone` 0) and after each stack is written, e.g. for a
   * progress line. @default no progress reported
   */
  readonly onProgress?: (progress: SynthProgress) => void;
}

/** How far a synth is: stacks written of all stacks, and the one just written. */
export interface SynthProgress {
  readonly stacksDone: number;
  readonly stacksTotal: number;
  /** The stack just written; none in the first call (all stacks built, none written yet). */
  readonly stack?: string;
}

/** The guardrails mode a CLI run asks for (`LAKEHOUSE_GUARDRAILS=report` is set by `lakehouse review`). */
export function guardrailsModeFromEnv(): "enforce" | "report" {
  return process.env.LAKEHOUSE_GUARDRAILS === "report" ? "report" : "enforce";
}

/**
 * Stacks per cdktf App. Synthesizing in batches keeps a process's memory bounded by the batch, not
 * the config: a construct tree is dropped once its batch is written. Each stack's output does not
 * depend on which others share its App, so batching never changes a byte.
 */
export const STACKS_PER_APP = 50;

/** The stacks a synth of `config` with `globs` builds, in build order (all of them without globs). */
export function stacksToSynth(config: LakehouseConfig, globs?: readonly string[]): PlannedStack[] {
  const planned = plannedStacks(resolveConfig(config));
  if (!globs || globs.length === 0) return planned;
  const chosen = new Set(selectStacks(planned.map((p) => p.name), globs));
  return planned.filter((p) => chosen.has(p.name));
}

/**
 * Runs `fn` with cdktf's token-creation stack traces left unformatted. cdktf captures a full stack
 * trace for every token it creates (into a plain object, kept as `creationStack` for rare error
 * messages); formatting and keeping those strings was a third of synth time and of its memory
 * (README "Performance"). Errors keep their stacks: they are formatted as before (by the previous
 * `Error.prepareStackTrace` if one was installed, such as source-map-support's). Restored on return.
 */
export function withoutTokenStackTraces<T>(fn: () => T): T {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    if (!(error instanceof Error)) return "";
    return previous ? previous(error, frames) : `${String(error)}${frames.map((f) => `\n    at ${String(f)}`).join("")}`;
  };
  try {
    return fn();
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/** Synthesizes `names` into `outdir` (`<outdir>/stacks/…`), `STACKS_PER_APP` at a time; returns what the manifests recorded. */
export function synthStacksInto(config: LakehouseConfig, names: readonly string[], outdir: string, onStackWritten?: (stack: string) => void): ManifestFacts {
  let version = "";
  const annotations = new Map<string, unknown[]>();
  mkdirSync(join(outdir, "stacks"), { recursive: true });
  for (let i = 0; i < names.length; i += STACKS_PER_APP) {
    const batch = join(outdir, `.batch-${i / STACKS_PER_APP}`);
    withoutTokenStackTraces(() => {
      const app = new App({ outdir: batch, skipValidation: false });
      const { platform, tenants } = buildLakehouse(app, config, new Set(names.slice(i, i + STACKS_PER_APP)));
      if (onStackWritten) for (const stack of [...platform, ...tenants]) afterWritten(stack, onStackWritten);
      app.synth();
    });
    const facts = readManifest(batch);
    version = facts.version;
    for (const [name, a] of facts.annotations) annotations.set(name, a);
    for (const name of readdirSync(join(batch, "stacks"))) renameSync(join(batch, "stacks", name), join(outdir, "stacks", name));
    rmSync(batch, { recursive: true, force: true });
  }
  return { version, annotations };
}

/**
 * A fresh sibling folder of `outdir` to write into: `commit` moves it into place, `abort` removes it
 * (and any parent folders made for it), so a failure leaves the previous output (or nothing) behind,
 * never a half-written tree.
 */
export function stagingFor(outdir: string): { readonly staging: string; commit(): void; abort(): void } {
  const target = resolve(outdir);
  const createdParent = mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.synth-`));
  return {
    staging,
    commit: () => {
      if (existsSync(target)) rmSync(target, { recursive: true, force: true });
      renameSync(staging, target);
    },
    abort: () => rmSync(createdParent ?? staging, { recursive: true, force: true }),
  };
}

/**
 * Synthesizes the lakehouse (or the stacks `options.stacks` names) into `outdir` in this process,
 * checked against the guardrails, atomically. `synthLakehouseInParallel` spreads the same over processes.
 */
export function synthLakehouse(config: LakehouseConfig, outdir: string, options: SynthOptions = {}): { stacks: string[] } {
  const out = stagingFor(outdir);
  try {
    const planned = stacksToSynth(config, options.stacks);
    const progress = progressReporter(planned.length, options.onProgress);
    const facts = synthStacksInto(config, planned.map((p) => p.name), out.staging, progress);
    finishOutput(out.staging, planned, facts, options);
    out.commit();
    return { stacks: planned.map((p) => p.name) };
  } catch (e) {
    out.abort();
    throw e;
  }
}

/** The last steps of every synth: the manifest, then the guardrails over the whole output. */
export function finishOutput(staging: string, planned: readonly PlannedStack[], facts: ManifestFacts, options: SynthOptions): void {
  writeManifest(staging, planned, facts);
  enforceGuardrails(staging, options.guardrails);
}

/** Calls `then` once cdktf has written `stack` (App.synth writes the stacks in turn). */
function afterWritten(stack: TerraformStack, then: (stack: string) => void): void {
  const synthesizer = stack.synthesizer;
  stack.synthesizer = {
    synthesize: (session) => {
      synthesizer.synthesize(session);
      then(stack.node.id);
    },
  };
}

/** A per-stack callback that counts stacks written of `total` for `onProgress` (which first hears 0 of `total`). */
export function progressReporter(total: number, onProgress?: (progress: SynthProgress) => void): ((stack: string) => void) | undefined {
  if (!onProgress) return undefined;
  let done = 0;
  onProgress({ stacksDone: 0, stacksTotal: total });
  return (stack) => onProgress({ stacksDone: ++done, stacksTotal: total, stack });
}
