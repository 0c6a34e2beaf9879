import type { ObjectStore } from "./types";

/** The state object: where the next run starts, plus what the last run did (for people reading it). */
export interface PullerState {
  readonly version: 1;
  readonly source: string;
  /** ISO time: the end of the last window whose objects were all written. */
  readonly cursor: string;
  readonly updatedAt: string;
  readonly lastRunId: string;
  readonly lastRunWindows: number;
  readonly lastRunObjects: number;
  readonly lastRunRecords: number;
}

/** Reads the state, or undefined when there is none yet; a state that is not ours or not readable is an error. */
export async function loadState(store: ObjectStore, key: string, source: string): Promise<PullerState | undefined> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new Error(`state object ${key} is not JSON; fix or remove it by hand (the puller will not guess a cursor)`);
  }
  const s = parsed as Partial<PullerState>;
  if (s.version !== 1) throw new Error(`state object ${key} has version ${String(s.version)}; this runtime reads version 1`);
  if (s.source !== source) throw new Error(`state object ${key} belongs to source "${String(s.source)}", not "${source}"`);
  if (typeof s.cursor !== "string" || Number.isNaN(Date.parse(s.cursor))) throw new Error(`state object ${key} has no valid "cursor" (ISO time)`);
  return parsed as PullerState;
}

export async function saveState(store: ObjectStore, key: string, state: PullerState): Promise<void> {
  await store.put(key, Buffer.from(JSON.stringify(state, null, 2) + "\n"), "application/json");
}
