/**
 * What the review reads out of the SQL and schedules the Snowflake modules emit: a cleaner's purge
 * (purgeStatement in modules/snowflake/table-cleaner/sql.ts), an account monitor's expected changes (tableChangesSelect in modules/snowflake/account-monitors/sql.ts,
 * and the shape before account-monitors 0.3.0) and expected suspended tasks (suspendedTasksSelect), a
 * task's schedule. The SQL is ours, so
 * these read our shapes; anything else reads as "not recognised" and falls back to a line diff.
 */

/** A SQL string literal starting at `i` (`'…'`, quotes doubled): its value and the index after it. */
function literalAt(sql: string, i: number): { value: string; end: number } | undefined {
  if (sql[i] !== "'") return undefined;
  let value = "";
  for (let k = i + 1; k < sql.length; k++) {
    if (sql[k] !== "'") value += sql[k];
    else if (sql[k + 1] === "'") {
      value += "'";
      k++;
    } else return { value, end: k + 1 };
  }
  return undefined;
}

/** `('a', 'b', …)` starting at `i`: the values and the index after the `)`. */
function literalListAt(sql: string, i: number): { values: string[]; end: number } | undefined {
  if (sql[i] !== "(") return undefined;
  const values: string[] = [];
  let k = i + 1;
  for (;;) {
    while (/\s/.test(sql[k] ?? "")) k++;
    const lit = literalAt(sql, k);
    if (!lit) return undefined;
    values.push(lit.value);
    k = lit.end;
    while (/\s/.test(sql[k] ?? "")) k++;
    if (sql[k] === ",") k++;
    else if (sql[k] === ")") return { values, end: k + 1 };
    else return undefined;
  }
}

const DAYS_PER: Record<string, number> = {
  day: 1,
  days: 1,
  d: 1,
  dd: 1,
  week: 7,
  weeks: 7,
  w: 7,
  month: 30,
  months: 30,
  mm: 30,
  year: 365,
  years: 365,
  y: 365,
  yy: 365,
  yyyy: 365,
  hour: 1 / 24,
  hours: 1 / 24,
  h: 1 / 24,
  hh: 1 / 24,
};

export interface Purge {
  readonly table: string;
  /** The time expression compared, as written: `COALESCE(EVENT_TIME, PARSE_TIME)`, `PARSE_TIME`. */
  readonly column: string;
  readonly retentionDays: number;
}

/** A cleaner's purge: `DELETE FROM <table> WHERE <time> < DATEADD(<unit>, -<n>, …)`; else undefined. */
export function purgeOf(sql: unknown): Purge | undefined {
  if (typeof sql !== "string") return undefined;
  const m = /^\s*DELETE\s+FROM\s+(\S+)\s+WHERE\s+(.+?)\s*<=?\s*DATEADD\(\s*'?([a-z]+)'?\s*,\s*-\s*(\d+)\s*,/is.exec(sql);
  const per = m ? DAYS_PER[m[3].toLowerCase()] : undefined;
  if (!m || per === undefined) return undefined;
  return { table: m[1], column: m[2].replace(/\s+/g, " ").trim(), retentionDays: Number(m[4]) * per };
}

/**
 * One expected (not alerted) kind of change: role, object, statement type, the task whose runs may make
 * it, and — in monitors before account-monitors 0.3.0 — the exact statement text; `*` = any.
 */
export interface Exemption {
  readonly role: string;
  readonly object: string;
  readonly type: string;
  readonly task: string;
  readonly statement: string;
}

const ANY = { object: "*", type: "*", task: "*", statement: "*" } as const;

/**
 * The expected changes of a log-table-changes monitor, one exemption per role × object × type (× task):
 * - the list it joins, `(VALUES ('ROLE', 'DB.S.T', 'DELETE', 'DB.S.T_CLEANER'), …) x (ROLE_NAME,
 *   OBJECT_NAME, QUERY_TYPE, TASK_NAME)` (account-monitors 0.3.0 on);
 * - the conditions of earlier versions, `(ROLE_NAME = '…' [AND QUERY_TYPE IN (…)] [AND TRIM(QUERY_TEXT)
 *   IN (…)])`, so a review across the upgrade compares like with like.
 */
export function monitorExemptions(sql: unknown): Exemption[] {
  if (typeof sql !== "string") return [];
  const out: Exemption[] = [];
  const head = /\(VALUES\s*/.exec(sql);
  if (head && /\)\s*x\s*\(ROLE_NAME, OBJECT_NAME, QUERY_TYPE, TASK_NAME\)/.test(sql)) {
    let k = head.index + head[0].length;
    for (;;) {
      const row = literalListAt(sql, k);
      if (!row || row.values.length !== 4) break;
      const [role, object, type, task] = row.values;
      out.push({ ...ANY, role, object, type, task });
      k = row.end;
      while (/\s/.test(sql[k] ?? "")) k++;
      if (sql[k] !== ",") break;
      k++;
      while (/\s/.test(sql[k] ?? "")) k++;
    }
  }
  for (const m of sql.matchAll(/\(ROLE_NAME = /g)) {
    const role = literalAt(sql, m.index + m[0].length);
    if (!role) continue;
    let k = role.end;
    let types = ["*"];
    let statements = ["*"];
    const typeHead = " AND QUERY_TYPE IN ";
    if (sql.startsWith(typeHead, k)) {
      const list = literalListAt(sql, k + typeHead.length);
      if (!list) continue;
      types = list.values;
      k = list.end;
    }
    const textHead = " AND TRIM(QUERY_TEXT) IN ";
    if (sql.startsWith(textHead, k)) {
      const list = literalListAt(sql, k + textHead.length);
      if (!list) continue;
      statements = list.values;
    }
    for (const type of types) for (const statement of statements) out.push({ ...ANY, role: role.value, type, statement });
  }
  return out;
}

/** Tasks a suspended-tasks monitor expects suspended (`… || t."name" NOT IN ('A.B.C', …)`). */
export function expectedSuspendedTasks(sql: unknown): string[] {
  if (typeof sql !== "string") return [];
  const head = /t\."name"\s+NOT IN\s+/.exec(sql);
  return head ? (literalListAt(sql, head.index + head[0].length)?.values ?? []) : [];
}

const within = (wide: string, narrow: string) => wide === "*" || wide === narrow;
const covers = (b: Exemption, a: Exemption) =>
  b.role === a.role && within(b.object, a.object) && within(b.type, a.type) && within(b.task, a.task) && within(b.statement, a.statement);
/** Limited to named objects or statements (not a role's whole kind of change). */
const narrow = (e: Exemption) => e.object !== "*" || e.statement !== "*";

function describe(e: Exemption): string {
  if (e.object === "*" && e.type === "*" && e.task === "*" && e.statement === "*") return "every change";
  const what =
    e.statement !== "*"
      ? `${e.type === "*" ? "" : `${e.type} `}'${e.statement}'`
      : e.type === "*"
        ? "every change"
        : e.object === "*"
          ? `every ${e.type}`
          : e.type;
  const where = e.object === "*" ? "" : ` to ${e.object}`;
  const when = e.task === "*" ? (e.object === "*" ? "" : " by any statement") : ` in runs of ${e.task}`;
  return `${what}${where}${when}`;
}

/** An exemption one side has, and how a reviewer reads it. */
export interface ExemptionChange {
  readonly exemption: Exemption;
  readonly text: string;
}

/**
 * How a monitor's exemptions moved, described for a reviewer. `added`: exemptions in `after` that no
 * exemption of `before` covered, beyond those that only replace a dropped narrow exemption of the same
 * role and statement type (`changed`: a cleaner whose table was renamed, or the upgrade from statement
 * texts to tables and tasks).
 */
export function exemptionDiff(
  before: unknown,
  after: unknown,
): { added: ExemptionChange[]; changed: (ExemptionChange & { from: Exemption; to: Exemption })[] } {
  const old = monitorExemptions(before);
  const now = monitorExemptions(after);
  const roles = new Set(old.map((e) => e.role));
  const fresh = now.filter((a) => !old.some((b) => covers(b, a)));
  const dropped = old.filter((b) => !now.some((a) => covers(a, b)));
  const added: ExemptionChange[] = [];
  const changed: (ExemptionChange & { from: Exemption; to: Exemption })[] = [];
  for (const e of fresh) {
    const i = dropped.findIndex((d) => d.role === e.role && d.type === e.type && narrow(d) && narrow(e) && (e.task !== "*" || d.task === "*"));
    if (i >= 0) {
      changed.push({ exemption: e, from: dropped[i], to: e, text: `${e.role}: ${describe(dropped[i])} → ${describe(e)}` });
      dropped.splice(i, 1);
    } else added.push({ exemption: e, text: `${roles.has(e.role) ? "" : "new exempt role "}${e.role}: ${describe(e)}` });
  }
  return { added, changed };
}

/** exemptionDiff as text, for a reader. */
export function exemptionChanges(before: unknown, after: unknown): { added: string[]; changed: string[] } {
  const d = exemptionDiff(before, after);
  return { added: d.added.map((e) => e.text), changed: d.changed.map((e) => e.text) };
}

/** Exemptions in `after` that widen what `before` exempted (see exemptionChanges). */
export function exemptionsAdded(before: unknown, after: unknown): string[] {
  return exemptionChanges(before, after).added;
}

// ---- schedules -----------------------------------------------------------------------------------

const NAMES: Record<string, number> = {
  SUN: 0,
  MON: 1,
  TUE: 2,
  WED: 3,
  THU: 4,
  FRI: 5,
  SAT: 6,
  JAN: 1,
  FEB: 2,
  MAR: 3,
  APR: 4,
  MAY: 5,
  JUN: 6,
  JUL: 7,
  AUG: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
};
const valueOf = (s: string) => (/^\d+$/.test(s) ? Number(s) : NAMES[s.toUpperCase()]);

/** How many values of [min, max] one cron field matches, or undefined when it cannot be read. */
function fieldCount(field: string, min: number, max: number): number | undefined {
  let total = 0;
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return undefined;
    let lo: number | undefined;
    let hi: number | undefined;
    if (range === "*" || range === "?") [lo, hi] = [min, max];
    else if (range.includes("-")) [lo, hi] = range.split("-").map(valueOf);
    else if (/^L$|^\d+L$|^\w+#\d$/i.test(range)) [lo, hi] = [0, 0];
    else [lo, hi] = [valueOf(range), stepText === undefined ? valueOf(range) : max];
    if (lo === undefined || hi === undefined || Number.isNaN(lo) || Number.isNaN(hi) || hi < lo) return undefined;
    total += Math.floor((hi - lo) / step) + 1;
  }
  return total;
}

/** Average minutes between runs of a cron expression (`m h dom mon dow [TZ]`), or undefined. */
export function cronIntervalMinutes(cron: string): number | undefined {
  const f = cron.trim().split(/\s+/);
  if (f.length < 5) return undefined;
  const minutes = fieldCount(f[0], 0, 59);
  const hours = fieldCount(f[1], 0, 23);
  const doms = fieldCount(f[2], 1, 31);
  const months = fieldCount(f[3], 1, 12);
  const dows = fieldCount(f[4], 0, 6);
  if (!minutes || !hours || !doms || !months || !dows) return undefined;
  const anyDom = f[2] === "*" || f[2] === "?";
  const anyDow = f[4] === "*" || f[4] === "?";
  // Cron runs on a day matching day-of-month OR day-of-week when both are restricted.
  const dayShare = anyDom && anyDow ? 1 : anyDom ? Math.min(dows, 7) / 7 : anyDow ? Math.min(doms, 31) / 30.44 : Math.min(1, doms / 30.44 + dows / 7);
  const runsPerDay = minutes * hours * dayShare * (Math.min(months, 12) / 12);
  return 1440 / runsPerDay;
}

/**
 * Minutes between runs of a task's schedule as synthesized: `{ using_cron }`, `{ minutes }`,
 * `{ seconds }`, or the older string form (`5 MINUTE`, `USING CRON …`).
 */
export function scheduleIntervalMinutes(schedule: unknown): number | undefined {
  if (typeof schedule === "string") {
    const cron = /^USING CRON (.+)$/i.exec(schedule.trim());
    if (cron) return cronIntervalMinutes(cron[1]);
    const minutes = /^(\d+)\s*MINUTES?$/i.exec(schedule.trim());
    return minutes ? Number(minutes[1]) : undefined;
  }
  if (typeof schedule !== "object" || schedule === null) return undefined;
  const s = (Array.isArray(schedule) ? schedule[0] : schedule) as Record<string, unknown> | undefined;
  if (!s) return undefined;
  if (typeof s.using_cron === "string") return cronIntervalMinutes(s.using_cron);
  const n = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);
  if (n(s.minutes) !== undefined) return n(s.minutes);
  if (n(s.seconds) !== undefined) return n(s.seconds)! / 60;
  if (n(s.hours) !== undefined) return n(s.hours)! * 60;
  return undefined;
}

/** `every 15 min`, `every 2 h`, `every 1.5 days`, for messages. */
export function describeInterval(minutes: number): string {
  const round = (x: number) => String(Math.round(x * 10) / 10);
  if (minutes < 1) return `every ${round(minutes * 60)} s`;
  if (minutes < 120) return `every ${round(minutes)} min`;
  if (minutes < 2880) return `every ${round(minutes / 60)} h`;
  return `every ${round(minutes / 1440)} days`;
}

/**
 * The command that loads what a replaced pipe missed: files that arrive between the old pipe's drop
 * and the new one's creation raise no notification the new pipe sees, and nothing refreshes them. The
 * tenant and environment come from the stack's name (`tenant-<id>-<env>`), the source from the pipe's
 * (`<SOURCE>_PIPE`); the window is the apply's, which only the person applying knows.
 */
export function pipeGapBackfill(stack: string, pipe: Record<string, unknown> | undefined): string {
  const names = /^tenant-(.+)-([a-z][a-z0-9]{0,9})$/.exec(stack);
  const source = /^([A-Z][A-Z0-9_]*)_PIPE$/.exec(String(pipe?.name ?? ""))?.[1].toLowerCase();
  return `lakehouse backfill --config <config> --env ${names?.[2] ?? "<env>"} --tenant ${names?.[1] ?? "<tenant>"} --source ${source ?? "<source>"} --from <when the apply started> --to <when it ended>`;
}
