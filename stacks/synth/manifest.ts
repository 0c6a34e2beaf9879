import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PlannedStack } from "./plan";

/** A synth output folder: its manifest.json and its stacks (`<outdir>/stacks/<name>/cdk.tf.json`). */

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
