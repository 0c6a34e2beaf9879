import type { TimeRange } from "./types";

/** Checks a key prefix: empty or ending in "/", no leading "/" (S3 would keep it as an empty segment). */
export function validatePrefix(prefix: string): string {
  if (prefix.startsWith("/")) throw new Error(`prefix "${prefix}" must not start with "/"`);
  if (prefix !== "" && !prefix.endsWith("/")) throw new Error(`prefix "${prefix}" must end with "/"`);
  return prefix;
}

/**
 * The key of one object of a window:
 * `<prefix>YYYY/MM/DD/HH/<source>_<slotStart>_<slotEnd>_<part>.json.gz` (UTC, hour of the slot start).
 * Derived only from the source, the slot and the part number, so a retried run overwrites.
 */
export function objectKey(prefix: string, source: string, slot: TimeRange, part: number): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(source)) throw new Error(`source name "${source}" must be lower-case letters, digits and "-"`);
  if (!Number.isInteger(part) || part < 0 || part > 9999) throw new Error(`part ${part} must be an integer 0..9999`);
  const d = new Date(slot.startMs);
  const hourPath = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}/`;
  return `${validatePrefix(prefix)}${hourPath}${source}_${compactTime(slot.startMs)}_${compactTime(slot.endMs)}_${String(part).padStart(4, "0")}.json.gz`;
}

/** `2026-01-02T03:04:05.678Z` → `20260102T030405678Z` (sortable, no characters that need escaping). */
export function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, "");
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
