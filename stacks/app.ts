import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { App, TerraformStack } from "cdktf";
import { GuardrailError, GuardrailViolation, guardrailViolations } from "../modules/core/guardrails";
import { LakehouseConfig } from "./config/schema";
import { resolveConfig } from "./config/resolve";
import { PlatformStack } from "./platform-stack";
import { TenantStack } from "./tenant-stack";

/** Adds one platform stack per environment and one stack per tenant per environment to `app`. */
export function buildLakehouse(app: App, config: LakehouseConfig): { platform: PlatformStack[]; tenants: TenantStack[] } {
  const lakehouse = resolveConfig(config);
  const platform: PlatformStack[] = [];
  const tenants: TenantStack[] = [];
  for (const env of lakehouse.environments) {
    const platformStack = new PlatformStack(app, lakehouse, env);
    platform.push(platformStack);
    for (const tenant of env.tenants) {
      const stack = new TenantStack(app, lakehouse, env, tenant);
      // The tenant's schema lives in the platform's database, its access logs in the platform's bucket.
      stack.addDependency(platformStack);
      tenants.push(stack);
    }
  }
  return { platform, tenants };
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

export function synthLakehouse(config: LakehouseConfig, outdir: string, options: SynthOptions = {}): { stacks: string[] } {
  const target = resolve(outdir);
  // Parent folders made here are removed again if synth fails: a failure leaves nothing behind.
  const createdParent = mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.synth-`));
  try {
    const app = new App({ outdir: staging, skipValidation: false });
    const { platform, tenants } = buildLakehouse(app, config);
    if (options.onProgress) reportProgress([...platform, ...tenants], options.onProgress);
    app.synth();
    enforceGuardrails(staging, options.guardrails);
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return { stacks: [...platform, ...tenants].map((s) => s.node.id) };
  } catch (e) {
    rmSync(createdParent ?? staging, { recursive: true, force: true });
    throw e;
  }
}

/** Wraps each stack's synthesizer to report after it wrote its stack (App.synth writes them in turn). */
function reportProgress(stacks: TerraformStack[], onProgress: (progress: SynthProgress) => void): void {
  let done = 0;
  onProgress({ stacksDone: 0, stacksTotal: stacks.length });
  for (const stack of stacks) {
    const synthesizer = stack.synthesizer;
    stack.synthesizer = {
      synthesize: (session) => {
        synthesizer.synthesize(session);
        onProgress({ stacksDone: ++done, stacksTotal: stacks.length, stack: stack.node.id });
      },
    };
  }
}
