/**
 * The date range of a restore → the key prefixes to list. Backups keep the log bucket's layout,
 * `<keyPrefix>YYYY/MM/DD/HH/<file>` (UTC hours), so a day is one prefix and nothing outside the range
 * is ever listed.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Longest range one restore covers: ten years of days (a vault keeps nothing longer). */
export const MAX_RANGE_DAYS = 3660;

/** A calendar date `YYYY-MM-DD` as UTC milliseconds, or a reason it is not one. */
export function parseDate(text: string): { ms: number } | { problem: string } {
  const m = DATE.exec(text);
  if (!m) return { problem: `must be a date YYYY-MM-DD, not '${text}'` };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return { problem: `is not a calendar date: '${text}'` };
  return { ms };
}

const DAY_MS = 86_400_000;

/** Every day from `from` to `to`, both included, as `YYYY/MM/DD`. */
export function daysInRange(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let t = fromMs; t <= toMs; t += DAY_MS) {
    const d = new Date(t);
    days.push(`${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")}`);
  }
  return days;
}

/** The prefixes to list for a source: `<keyPrefix>YYYY/MM/DD/`, one per day of the range. */
export function rangePrefixes(keyPrefix: string, fromMs: number, toMs: number): string[] {
  return daysInRange(fromMs, toMs).map((day) => `${keyPrefix}${day}/`);
}

/** Whether a listed key is a backup file of the range: `<keyPrefix>YYYY/MM/DD/HH/<file>` with a day of the range (and an hour 00-23). */
export function isRangeKey(key: string, keyPrefix: string, days: ReadonlySet<string>): boolean {
  if (!key.startsWith(keyPrefix)) return false;
  const m = /^(\d{4}\/\d{2}\/\d{2})\/(\d{2})\/[^/].*$/.exec(key.slice(keyPrefix.length));
  return m !== null && days.has(m[1]) && Number(m[2]) < 24;
}
