/**
 * From the listed candidates to COPY batches: which files are already loaded, how the
 * already-loaded query is restricted to the range, and batches bounded by count and bytes.
 */
import { NameRange } from "./sql";
import { COPY_FILES_LIMIT } from "../../modules/snowflake/snowpipe/sql";
import { Candidate, Listing, dayFolder } from "./listing";

const DAY_MS = 86_400_000;

/** A key's name as the stage sees it (`FILES = (…)` is relative to the stage's URL, the source's prefix). */
export function stageRelative(key: string, keyPrefix: string): string {
  if (!key.startsWith(keyPrefix)) throw new Error(`${key} is not under the source's prefix ${keyPrefix}`);
  return key.slice(keyPrefix.length);
}

/**
 * The object key a loaded row's SOURCE_FILE (METADATA$FILENAME) names. Snowflake's documentation
 * has said both "the full path" and "the path in the stage" for external stages; both spellings
 * are read (see the README, "Backfill: not checked here").
 */
export function keyOfLoaded(sourceFile: string, keyPrefix: string): string {
  return sourceFile.startsWith(keyPrefix) ? sourceFile : `${keyPrefix}${sourceFile}`;
}

export interface LoadedQueryParts {
  /** SOURCE_FILE ranges covering every listed day folder, in both spellings. */
  readonly ranges: readonly NameRange[];
  /** Files found by LastModified, in both spellings, in chunks the query takes at once. */
  readonly nameChunks: readonly (readonly string[])[];
}

/**
 * What the already-loaded query asks for: per date root, the names from its first listed day folder
 * up to (not including) the day after the last — every file of the listed days sorts in between;
 * the files without a date folder by name.
 */
export function loadedQueryParts(listing: Listing, keyPrefix: string, chunk = 1000): LoadedQueryParts {
  const ranges: NameRange[] = [];
  if (listing.days) {
    for (const root of listing.dateRoots) {
      const from = `${root}${dayFolder(listing.days.firstMs)}`;
      const to = `${root}${dayFolder(listing.days.lastMs + DAY_MS)}`;
      ranges.push({ from, to }, { from: stageRelative(from, keyPrefix), to: stageRelative(to, keyPrefix) });
    }
  }
  const names = listing.candidates.filter((c) => c.by === "lastModified").flatMap((c) => [c.key, stageRelative(c.key, keyPrefix)]);
  const nameChunks: string[][] = [];
  for (let i = 0; i < names.length; i += chunk) nameChunks.push(names.slice(i, i + chunk));
  return { ranges, nameChunks };
}

export interface Batch {
  readonly files: readonly Candidate[];
  readonly bytes: number;
}

/**
 * Files in key order (date folders sort by time) into batches of at most `maxFiles` (≤ 1,000, the
 * FILES limit) and `maxBytes` — a file bigger than `maxBytes` goes alone.
 */
export function planBatches(files: readonly Candidate[], maxFiles: number, maxBytes: number): Batch[] {
  if (!Number.isInteger(maxFiles) || maxFiles < 1 || maxFiles > COPY_FILES_LIMIT) throw new Error(`maxFiles must be 1-${COPY_FILES_LIMIT}, not ${maxFiles}`);
  if (!(maxBytes > 0)) throw new Error(`maxBytes must be positive, not ${maxBytes}`);
  const sorted = [...files].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const batches: Batch[] = [];
  let current: Candidate[] = [];
  let bytes = 0;
  for (const f of sorted) {
    if (current.length > 0 && (current.length >= maxFiles || bytes + f.size > maxBytes)) {
      batches.push({ files: current, bytes });
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.size;
  }
  if (current.length > 0) batches.push({ files: current, bytes });
  return batches;
}

// ---- cost --------------------------------------------------------------------------------------

export type WarehouseSize = "XSMALL" | "SMALL" | "MEDIUM" | "LARGE" | "XLARGE";

/** Credits an hour of a standard warehouse (Snowflake's published rates). */
export const CREDITS_PER_HOUR: Readonly<Record<WarehouseSize, number>> = { XSMALL: 1, SMALL: 2, MEDIUM: 4, LARGE: 8, XLARGE: 16 };

/**
 * The throughput the estimate assumes: gzip NDJSON an XSMALL warehouse loads in an hour through a
 * COPY with a transformation, doubling with each size (each size has twice the nodes; COPY loads
 * files in parallel). An assumption, not a measurement: no Snowflake account was reachable to
 * measure it. A real run reports the rate it saw, to replace this with.
 */
export const ASSUMED_GB_PER_HOUR_XSMALL = 20;

export interface Estimate {
  readonly size: WarehouseSize;
  readonly gbPerHour: number;
  readonly hours: number;
  readonly credits: number;
}

/**
 * Time and credits to load `bytes` on a warehouse of `size`: the load time at the assumed rate
 * (billed at least 60 seconds per resume), plus the idle time before auto-suspend.
 */
export function estimate(bytes: number, size: WarehouseSize, autoSuspendSeconds: number): Estimate {
  const gbPerHour = ASSUMED_GB_PER_HOUR_XSMALL * CREDITS_PER_HOUR[size];
  const hours = bytes / 1e9 / gbPerHour;
  const billed = bytes === 0 ? 0 : Math.max(hours, 60 / 3600) + autoSuspendSeconds / 3600;
  return { size, gbPerHour, hours, credits: billed * CREDITS_PER_HOUR[size] };
}
