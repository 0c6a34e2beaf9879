/**
 * Builders for the SQL the Snowflake modules emit, kept in one place so every string is
 * syntax-checked by the tests (test/sql-syntax.test.ts, scripts/check-sql.py) and easy to review.
 */

/**
 * A path into a JSON record, as users write it: `id.time`, `events[0].name`, `"@timestamp"`,
 * `detail."user-name"`. Element names are case-sensitive in Snowflake; quoting keeps odd ones literal.
 */
export const JSON_PATH = /^(?:[A-Za-z_][A-Za-z0-9_$]*|"[^"\\']+")(?:\.(?:[A-Za-z_][A-Za-z0-9_$]*|"[^"\\']+")|\[\d+\])*$/;
export const JSON_PATH_HINT = `a JSON path such as id.time, events[0].name or "@timestamp"`;

/** Snowflake date/time format characters; no quotes, so it cannot break out of its literal. */
export const TIMESTAMP_FORMAT = /^(AUTO|[A-Za-z0-9 :.,_\-/+"]{1,64})$/;

/** `$1:id.time` — a path into the staged record (the first column of a JSON file format). */
export function stagedPath(path: string): string {
  return `$1:${path}`;
}

/**
 * The EVENT_TIME expression of the COPY: TRY_TO_TIMESTAMP_TZ on the value as text, so a missing or
 * malformed timestamp gives NULL and never fails a load. `AUTO` reads ISO-8601 and integer epochs
 * (seconds, milliseconds, … chosen by magnitude); any other value is a Snowflake format string.
 */
export function eventTimeExpression(path: string, format: string): string {
  const value = `${stagedPath(path)}::VARCHAR`;
  return format === "AUTO" ? `TRY_TO_TIMESTAMP_TZ(${value})` : `TRY_TO_TIMESTAMP_TZ(${value}, '${format}')`;
}

/** Columns every semi-structured log table has, in COPY order. */
export const LOG_TABLE_COLUMNS = ["DATA", "PARSE_TIME", "EVENT_TIME", "SOURCE_FILE", "SOURCE_FILE_ROW"] as const;

export interface CopyStatementParts {
  readonly table: string;
  readonly stage: string;
  readonly fileFormat: string;
  readonly eventTimeField: string;
  readonly eventTimeFormat: string;
  readonly onError: "CONTINUE" | "SKIP_FILE" | "ABORT_STATEMENT";
}

/**
 * The pipe's COPY. PARSE_TIME is METADATA$START_SCAN_TIME (CURRENT_TIMESTAMP is not allowed for load
 * time in a pipe); the file name and row number let anyone trace a row to its object.
 */
export function copyStatement(p: CopyStatementParts): string {
  return [
    `COPY INTO ${p.table} (${LOG_TABLE_COLUMNS.join(", ")})`,
    `FROM (`,
    `  SELECT $1, METADATA$START_SCAN_TIME, ${eventTimeExpression(p.eventTimeField, p.eventTimeFormat)}, METADATA$FILENAME, METADATA$FILE_ROW_NUMBER`,
    `  FROM @${p.stage}`,
    `)`,
    `FILE_FORMAT = (FORMAT_NAME = '${p.fileFormat}')`,
    `ON_ERROR = ${p.onError}`,
  ].join("\n");
}

/** A view body: the user's select list over the log table. */
export function viewStatement(selectList: string, table: string): string {
  return `SELECT\n  ${selectList.trim()}\nFROM ${table}`;
}

/** Search optimization on one VARIANT path (table-level enabling does not cover VARIANT). */
export function searchOptimizationStatements(table: string, path: string): { add: string; drop: string } {
  const on = `ON EQUALITY(DATA:${path})`;
  return {
    add: `ALTER TABLE ${table} ADD SEARCH OPTIMIZATION ${on}`,
    drop: `ALTER TABLE ${table} DROP SEARCH OPTIMIZATION ${on}`,
  };
}

/**
 * A light guard on user-written select lists before they reach a CREATE VIEW: one expression list,
 * no statement separators or comments that could smuggle a second statement, balanced quotes and
 * parentheses. Full parsing happens in the tests; this catches mistakes at synth with a clear message.
 */
export function selectListProblem(selectList: string): string | undefined {
  if (selectList.trim() === "") return "must not be empty";
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < selectList.length; i++) {
    const c = selectList[i];
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return "has a ')' without its '('";
    else if (c === ";") return "must not contain ';' (one select list, not statements)";
    else if ((c === "-" && selectList[i + 1] === "-") || (c === "/" && selectList[i + 1] === "*")) return "must not contain comments";
  }
  if (quote) return `has an unclosed ${quote}`;
  if (depth !== 0) return "has unbalanced parentheses";
  if (/^\s*select\b/i.test(selectList)) return "is the select list only, without the SELECT keyword";
  return undefined;
}

// ---- monitoring ---------------------------------------------------------------------------------

/** Where alerts and suppressions live (the platform's alert store). */
export interface AlertStoreNames {
  /** `DB.MONITORING.ALERTS` */
  readonly alerts: string;
  /** `DB.MONITORING.ALERT_SUPPRESSIONS` */
  readonly suppressions: string;
}

/** A SQL string literal (single quotes doubled). */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export interface CanaryParts {
  readonly store: AlertStoreNames;
  /** Fully qualified log table. */
  readonly table: string;
  readonly tenant: string;
  readonly windowMinutes: number;
  readonly suppressionMinutes: number;
}

export const CANARY_KIND = "LOG_CANARY";

/**
 * The log canary, as two statements run in order by one task:
 * 1. raise an alert when no row was loaded (by PARSE_TIME, so late-arriving events cannot cause a
 *    false alarm) within the window, unless a suppression of this canary is still active;
 * 2. give every alert of this canary from the last `suppressionMinutes` that has none a suppression
 *    lasting `suppressionMinutes` from the alert — idempotent, so a run that dies between the two is
 *    repaired by the next.
 */
export function canaryStatements(p: CanaryParts): string[] {
  const kind = literal(CANARY_KIND);
  const subject = literal(p.table);
  return [
    [
      `INSERT INTO ${p.store.alerts} (ALERT_TIME, KIND, SEVERITY, TENANT, SUBJECT, MESSAGE)`,
      `SELECT CURRENT_TIMESTAMP(), ${kind}, 'HIGH', ${literal(p.tenant)}, ${subject}, 'no rows loaded in the last ${p.windowMinutes} minutes'`,
      `FROM (SELECT COUNT(*) AS LOADED FROM ${p.table} WHERE PARSE_TIME >= DATEADD(minute, -${p.windowMinutes}, CURRENT_TIMESTAMP())) w`,
      `WHERE w.LOADED = 0`,
      `  AND NOT EXISTS (SELECT 1 FROM ${p.store.suppressions} s WHERE s.KIND = ${kind} AND s.SUBJECT = ${subject} AND s.SUPPRESSED_UNTIL > CURRENT_TIMESTAMP())`,
    ].join("\n"),
    [
      `INSERT INTO ${p.store.suppressions} (KIND, SUBJECT, SUPPRESSED_UNTIL)`,
      `SELECT a.KIND, a.SUBJECT, DATEADD(minute, ${p.suppressionMinutes}, a.ALERT_TIME)`,
      `FROM ${p.store.alerts} a`,
      `WHERE a.KIND = ${kind} AND a.SUBJECT = ${subject} AND a.ALERT_TIME >= DATEADD(minute, -${p.suppressionMinutes}, CURRENT_TIMESTAMP())`,
      `  AND NOT EXISTS (SELECT 1 FROM ${p.store.suppressions} s WHERE s.KIND = a.KIND AND s.SUBJECT = a.SUBJECT AND s.SUPPRESSED_UNTIL >= DATEADD(minute, ${p.suppressionMinutes}, a.ALERT_TIME))`,
    ].join("\n"),
  ];
}

/** Statements run in order by one task, as a Snowflake Scripting block. */
export function scriptingBlock(statements: readonly string[]): string {
  return ["BEGIN", ...statements.map((s) => `${s.split("\n").map((l) => `  ${l}`).join("\n")};`), "END"].join("\n");
}

/**
 * The table cleaner's purge: rows older than the retention by event time (falling back to load time
 * when EVENT_TIME is NULL, so unparsable events are still purged) or by load time.
 */
export function purgeStatement(table: string, retentionDays: number, purgeOn: "event_time" | "load_time"): string {
  const time = purgeOn === "event_time" ? "COALESCE(EVENT_TIME, PARSE_TIME)" : "PARSE_TIME";
  return `DELETE FROM ${table} WHERE ${time} < DATEADD(day, -${retentionDays}, CURRENT_TIMESTAMP())`;
}
