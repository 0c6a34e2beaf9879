import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { App } from "cdktf";
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

/**
 * Synthesizes the lakehouse into `outdir` atomically: everything is written to a fresh sibling
 * folder first and moved into place only when synth succeeded, so a failure leaves the previous
 * output (or nothing) behind, never a half-written tree.
 */
export function synthLakehouse(config: LakehouseConfig, outdir: string): { stacks: string[] } {
  const target = resolve(outdir);
  // Parent folders made here are removed again if synth fails: a failure leaves nothing behind.
  const createdParent = mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.synth-`));
  try {
    const app = new App({ outdir: staging, skipValidation: false });
    const { platform, tenants } = buildLakehouse(app, config);
    app.synth();
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return { stacks: [...platform, ...tenants].map((s) => s.node.id) };
  } catch (e) {
    rmSync(createdParent ?? staging, { recursive: true, force: true });
    throw e;
  }
}
