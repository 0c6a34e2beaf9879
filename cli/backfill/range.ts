import { LakehouseError } from "../../modules/core/errors";
/**
 * The time range of a backfill, from `--from` and `--to`: half-open `[from, to)` in UTC milliseconds.
 * Dates and times without an offset are UTC (the date folders of the keys are UTC); a date alone
 * means its whole day, so `--from 2024-03-01 --to 2024-03-03` is three days.
 */

/** A command-line mistake, naming the option; the CLI exits 2 (usage). */
export class BackfillUsageError extends LakehouseError {
  constructor(message: string) {
    super(message, "usage");
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export const INSTANT_HINT = "YYYY-MM-DD (a whole day, UTC) or YYYY-MM-DDTHH:MM[:SS[.sss]][Z|±HH:MM] (UTC unless an offset is given)";

const DAY_MS = 86_400_000;

/** Epoch ms of a valid calendar date and time, or undefined (no 2024-02-30, no 24:00). */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? t : undefined;
}

/**
 * One bound: `--from` starts at the instant (a date: its first millisecond), `--to` ends before it
 * (a date: after its last millisecond, i.e. the next day's start).
 */
export function parseInstant(option: "from" | "to", text: string): number {
  const bad = (why: string) => new BackfillUsageError(`--${option}: '${text}' ${why}; write ${INSTANT_HINT}`);
  const date = DATE.exec(text.trim());
  if (date) {
    const t = utc(Number(date[1]), Number(date[2]), Number(date[3]));
    if (t === undefined) throw bad("is not a calendar date");
    return option === "to" ? t + DAY_MS : t;
  }
  const dt = DATE_TIME.exec(text.trim());
  if (!dt) throw bad("is not a date or a date-time");
  const [, y, mo, d, h, mi, s, frac, zone] = dt;
  const local = utc(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s ?? 0), Number((frac ?? "0").padEnd(3, "0")));
  if (local === undefined) throw bad("is not a calendar date and time");
  if (!zone || zone.toUpperCase() === "Z") return local;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const offsetMinutes = (Number(m[2]) * 60 + Number(m[3])) * (m[1] === "+" ? 1 : -1);
  if (Number(m[2]) > 14 || Number(m[3]) > 59) throw bad(`has an offset ${zone} that no time zone has`);
  return local - offsetMinutes * 60_000;
}

export interface TimeRange {
  /** Inclusive, epoch ms (UTC). */
  readonly fromMs: number;
  /** Exclusive, epoch ms (UTC). */
  readonly toMs: number;
}

/** Both bounds, checked together: from before to, and from not in the future. */
export function parseRange(from: string | undefined, to: string | undefined, nowMs: number): TimeRange {
  if (from === undefined) throw new BackfillUsageError("backfill needs --from <date|datetime>");
  if (to === undefined) throw new BackfillUsageError("backfill needs --to <date|datetime>");
  const fromMs = parseInstant("from", from);
  const toMs = parseInstant("to", to);
  if (toMs <= fromMs) throw new BackfillUsageError(`--to (${iso(toMs)}, exclusive) must be after --from (${iso(fromMs)})`);
  if (fromMs > nowMs) throw new BackfillUsageError(`--from (${iso(fromMs)}) is in the future`);
  return { fromMs, toMs };
}

/** `2024-01-02T03:00:00.000+00:00`: the progress table's spelling (BACKFILL_TIMESTAMP_FORMAT). */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "+00:00");
}
