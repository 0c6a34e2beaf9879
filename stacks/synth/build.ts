import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { LakehouseConfig } from "../config/schema";
import { resolveConfig } from "../config/resolve";
import { PlatformStack } from "../platform-stack";
import { TenantStack } from "../tenant-stack";
import { ManifestFacts, readManifest } from "./manifest";

/** The stacks as constructs, and their synthesis into Terraform JSON, a batch of them per cdktf App. */

/**
 * Adds one platform stack per environment and one stack per tenant per environment to `app` — or,
 * with `only`, just the stacks named there: the others are not constructed at all (a tenant's stack
 * refers to its platform by names, never by construct, so it needs nothing else built).
 */
export function buildLakehouse(app: App, config: LakehouseConfig, only?: ReadonlySet<string>): { platform: PlatformStack[]; tenants: TenantStack[] } {
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

/**
 * Stacks per cdktf App. Synthesizing in batches keeps a process's memory bounded by the batch, not
 * the config: a construct tree is dropped once its batch is written. Each stack's output does not
 * depend on which others share its App, so batching never changes a byte.
 */
export const STACKS_PER_APP = 50;

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
