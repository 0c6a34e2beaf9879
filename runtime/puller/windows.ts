import type { TimeRange } from "./types";

export interface WindowPlanInput {
  /** End of the last fully written window (the state's cursor); undefined on the first run. */
  readonly cursorMs: number | undefined;
  readonly nowMs: number;
  /** Window length; windows are aligned to multiples of it (epoch-based) so keys repeat on retries. */
  readonly windowMs: number;
  /** Events younger than this are left for the next run (the API may not have them all yet). */
  readonly lagMs: number;
  /** Re-fetch this much before the cursor in the first window of a run (late events). */
  readonly overlapMs: number;
  /** How far back the first run (no state) starts. */
  readonly initialLookbackMs: number;
}

export interface PlannedWindow {
  /** The grid slot: names the objects, and its end becomes the cursor once they are written. */
  readonly slot: TimeRange;
  /** What is asked of the API: the slot, widened by the overlap for the run's first window. */
  readonly fetch: TimeRange;
}

/**
 * The windows a run should pull, oldest first: grid-aligned slots from the cursor up to
 * `now - lag` (only closed slots, so a retried run asks for exactly the same slots again).
 */
export function planWindows(input: WindowPlanInput): PlannedWindow[] {
  const { cursorMs, nowMs, windowMs, lagMs, overlapMs, initialLookbackMs } = input;
  for (const [name, value] of Object.entries({ windowMs, lagMs, overlapMs, initialLookbackMs, nowMs })) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`planWindows: ${name} must be a finite number >= 0, got ${value}`);
  }
  if (windowMs === 0) throw new Error("planWindows: windowMs must be > 0");
  if (cursorMs !== undefined && !Number.isFinite(cursorMs)) throw new Error(`planWindows: cursorMs must be finite, got ${cursorMs}`);
  const limit = floorTo(nowMs - lagMs, windowMs);
  let start = cursorMs ?? floorTo(nowMs - lagMs - initialLookbackMs, windowMs);
  const windows: PlannedWindow[] = [];
  while (true) {
    // A cursor off the grid (the window length changed) gets a short first slot back onto it.
    const end = floorTo(start, windowMs) + windowMs;
    if (end > limit) break;
    const first = windows.length === 0 && cursorMs !== undefined;
    windows.push({
      slot: { startMs: start, endMs: end },
      fetch: { startMs: first ? Math.max(0, start - overlapMs) : start, endMs: end },
    });
    start = end;
  }
  return windows;
}

function floorTo(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}
