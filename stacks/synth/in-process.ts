import { LakehouseConfig } from "../config/schema";
import { synthStacksInto } from "./build";
import { enforceGuardrails } from "./guardrails";
import { ManifestFacts, writeManifest } from "./manifest";
import { PlannedStack, stacksToSynth } from "./plan";
import { SynthProgress, progressReporter } from "./progress";
import { stagingFor } from "./staging";

/** How `synthLakehouse` and `synthLakehouseInParallel` synthesize. */
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

/**
 * Synthesizes the lakehouse (or the stacks `options.stacks` names) into `outdir` in this process,
 * atomically: everything is written to a fresh sibling folder first, checked against the guardrails,
 * and moved into place only when both succeeded, so a failure leaves the previous output (or nothing)
 * behind, never a half-written tree. `synthLakehouseInParallel` spreads the same over processes.
 */
export function synthLakehouse(config: LakehouseConfig, outdir: string, options: SynthOptions = {}): { stacks: string[] } {
  const out = stagingFor(outdir);
  try {
    const planned = stacksToSynth(config, options.stacks);
    const progress = progressReporter(planned.length, options.onProgress);
    const facts = synthStacksInto(
      config,
      planned.map((p) => p.name),
      out.staging,
      progress,
    );
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
