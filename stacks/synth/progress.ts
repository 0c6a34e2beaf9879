/** How far a synth is: stacks written of all stacks, and the one just written. */
export interface SynthProgress {
  readonly stacksDone: number;
  readonly stacksTotal: number;
  /** The stack just written; none in the first call (all stacks built, none written yet). */
  readonly stack?: string;
}

/** A per-stack callback that counts stacks written of `total` for `onProgress` (which first hears 0 of `total`). */
export function progressReporter(total: number, onProgress?: (progress: SynthProgress) => void): ((stack: string) => void) | undefined {
  if (!onProgress) return undefined;
  let done = 0;
  onProgress({ stacksDone: 0, stacksTotal: total });
  return (stack) => onProgress({ stacksDone: ++done, stacksTotal: total, stack });
}
