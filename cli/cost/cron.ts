/**
 * How often a Snowflake task's cron runs: `<minute> <hour> <day-of-month> <month> <day-of-week> <zone>`
 * (the form the config and the modules write). Numbers, `*`, ranges `a-b`, steps `x/n`, lists and
 * month / weekday names are understood; Snowflake's `L`, `W` and `#` are not, and such a field is
 * counted as `*` (an upper bound) with `exact: false`. Day-of-month and day-of-week restricted both
 * match a day if either matches (as cron does). The time zone does not change a count (DST ignored).
 */

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
  readonly values: ReadonlySet<number>;
  /** `*` (or `?`), or unparseable and counted as `*`. */
  readonly star: boolean;
  readonly exact: boolean;
}

function parseField(text: string, min: number, max: number, names: readonly string[] = [], nameBase = 0): Field {
  const all = () => new Set(Array.from({ length: max - min + 1 }, (_, i) => min + i));
  if (text === "*" || text === "?") return { values: all(), star: true, exact: true };
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    if (named >= 0) return named + nameBase;
    if (!/^\d+$/.test(token)) throw new Error(token);
    return Number(token);
  };
  try {
    const values = new Set<number>();
    for (const part of text.split(",")) {
      const [range, stepText] = part.split("/");
      const step = stepText === undefined ? 1 : Number(stepText);
      if (!Number.isInteger(step) || step < 1) throw new Error(part);
      let from: number;
      let to: number;
      if (range === "*") [from, to] = [min, max];
      else if (range.includes("-")) [from, to] = range.split("-").map(value) as [number, number];
      else [from, to] = [value(range), stepText === undefined ? value(range) : max];
      if (from < min || to > max || from > to) throw new Error(part);
      for (let v = from; v <= to; v += step) values.add(v);
    }
    return { values, star: false, exact: true };
  } catch {
    return { values: all(), star: true, exact: false };
  }
}

export interface CronRate {
  /** Runs in an average day (over a non-leap year). */
  readonly runsPerDay: number;
  /** False when a field used syntax not understood here and was counted as `*`. */
  readonly exact: boolean;
}

const cache = new Map<string, CronRate>();

/** Average runs per day of a five-field cron plus time zone. */
export function cronRate(cron: string): CronRate {
  const cached = cache.get(cron);
  if (cached) return cached;
  const fields = cron.trim().split(/\s+/);
  if (fields.length < 5) throw new Error(`not a cron schedule: '${cron}'`);
  const minute = parseField(fields[0], 0, 59);
  const hour = parseField(fields[1], 0, 23);
  const dom = parseField(fields[2], 1, 31);
  const month = parseField(fields[3], 1, 12, MONTHS, 1);
  const rawDow = parseField(fields[4], 0, 7, WEEKDAYS);
  const dow = { ...rawDow, values: new Set([...rawDow.values].map((d) => d % 7)) };
  // Days of a non-leap year (2025: 1 January is a Wednesday).
  let days = 0;
  for (let d = 0; d < 365; d++) {
    const date = new Date(Date.UTC(2025, 0, 1 + d));
    if (!month.values.has(date.getUTCMonth() + 1)) continue;
    const domHit = dom.values.has(date.getUTCDate());
    const dowHit = dow.values.has(date.getUTCDay());
    const matches = dom.star || dow.star ? domHit && dowHit : domHit || dowHit;
    if (matches) days++;
  }
  const rate = {
    runsPerDay: (minute.values.size * hour.values.size * days) / 365,
    exact: minute.exact && hour.exact && dom.exact && month.exact && rawDow.exact,
  };
  cache.set(cron, rate);
  return rate;
}
