/** The account monitors' queries over ACCOUNT_USAGE and INFORMATION_SCHEMA, and how their events become alerts. */
import { ALERT_MESSAGE_CHARS, ALERT_SEVERITIES, notSuppressed, suppressionStatement, type AlertStoreNames } from "../alert-store/sql";
import { literal } from "../sql";

/**
 * A state monitor (a condition that holds now, such as a suspended task) as two statements run in
 * order by one task:
 * 1. alert for each row of `firing` (columns TENANT, SUBJECT, MESSAGE) whose kind and subject has no
 *    active suppression;
 * 2. the suppression bookkeeping (see `suppressionStatement`).
 */
export function monitorStatements(p: {
  readonly store: AlertStoreNames;
  readonly kind: string;
  readonly severity: (typeof ALERT_SEVERITIES)[number];
  /** A SELECT of TENANT, SUBJECT, MESSAGE: what should alert now. */
  readonly firing: string;
  readonly suppressionMinutes: number;
}): string[] {
  const kind = literal(p.kind);
  return [
    [
      `INSERT INTO ${p.store.alerts} (ALERT_ID, ALERT_TIME, KIND, SEVERITY, TENANT, SUBJECT, MESSAGE)`,
      `SELECT UUID_STRING(), CURRENT_TIMESTAMP(), ${kind}, '${p.severity}', f.TENANT, f.SUBJECT, LEFT(f.MESSAGE, ${ALERT_MESSAGE_CHARS})`,
      `FROM (${p.firing.split("\n").join("\n  ")}) f`,
      `WHERE ${notSuppressed(p.store, kind, "f.SUBJECT")}`,
    ].join("\n"),
    suppressionStatement({ store: p.store, kind, suppressionMinutes: String(p.suppressionMinutes) }),
  ];
}

/**
 * An event monitor over an ACCOUNT_USAGE view, as three statements run in order by one task. The view
 * trails events by up to its documented latency, so every run looks back `lookbackMinutes` (latency
 * plus a margin over the schedule): runs overlap, and nothing falls between them. De-duplication is
 * by event, not by time window:
 * 1. record each event of `firing` (columns TENANT, SUBJECT, EVENT_KEY, EVENT_TIME, DETAIL) not seen
 *    before in MONITOR_EVENTS — an event stays in the lookback of later runs, but is recorded once;
 * 2. alert, per subject not suppressed, with the events recorded since that subject's last alert of
 *    this kind: events recorded during a suppression are reported together when it ends, never
 *    dropped and never reported twice;
 * 3. the suppression bookkeeping.
 * A run that dies between them is completed by the next (each statement is idempotent).
 */
export function eventMonitorStatements(p: {
  readonly store: AlertStoreNames;
  readonly kind: string;
  readonly severity: (typeof ALERT_SEVERITIES)[number];
  /** A SELECT of TENANT, SUBJECT, EVENT_KEY (unique per event), EVENT_TIME, DETAIL over the lookback. */
  readonly firing: string;
  readonly lookbackMinutes: number;
  readonly suppressionMinutes: number;
  /** What the events are, for an alert with several: `failed task runs`. */
  readonly plural: string;
}): string[] {
  const kind = literal(p.kind);
  // An event recorded at SEEN_AT has EVENT_TIME <= SEEN_AT, and a run only sees events of its lookback:
  // remembering events seen within the lookback is enough to never record one twice.
  const seenWindow = `DATEADD(minute, -${p.lookbackMinutes}, CURRENT_TIMESTAMP())`;
  // An event waits for its alert at most one suppression (plus a run): older pending events cannot exist.
  const pendingWindow = `DATEADD(minute, -${p.lookbackMinutes + p.suppressionMinutes}, CURRENT_TIMESTAMP())`;
  const details = `LISTAGG(e.DETAIL, '; ') WITHIN GROUP (ORDER BY e.EVENT_TIME, e.EVENT_KEY)`;
  return [
    [
      `INSERT INTO ${p.store.events} (KIND, EVENT_KEY, TENANT, SUBJECT, EVENT_TIME, DETAIL, SEEN_AT)`,
      `SELECT ${kind}, f.EVENT_KEY, f.TENANT, f.SUBJECT, f.EVENT_TIME, LEFT(f.DETAIL, ${ALERT_MESSAGE_CHARS}), CURRENT_TIMESTAMP()`,
      `FROM (${p.firing.split("\n").join("\n  ")}) f`,
      `WHERE NOT EXISTS (SELECT 1 FROM ${p.store.events} e WHERE e.KIND = ${kind} AND e.EVENT_KEY = f.EVENT_KEY AND e.SEEN_AT >= ${seenWindow})`,
    ].join("\n"),
    [
      `INSERT INTO ${p.store.alerts} (ALERT_ID, ALERT_TIME, KIND, SEVERITY, TENANT, SUBJECT, MESSAGE)`,
      `SELECT UUID_STRING(), CURRENT_TIMESTAMP(), ${kind}, '${p.severity}', MIN(e.TENANT), e.SUBJECT,`,
      `  LEFT(CASE WHEN COUNT(*) = 1 THEN MIN(e.DETAIL) ELSE CAST(COUNT(*) AS VARCHAR) || ' ${p.plural}: ' || ${details} END, ${ALERT_MESSAGE_CHARS})`,
      `FROM ${p.store.events} e`,
      `LEFT JOIN (SELECT SUBJECT, MAX(ALERT_TIME) AS LAST_ALERT FROM ${p.store.alerts} WHERE KIND = ${kind} AND ALERT_TIME >= ${pendingWindow} GROUP BY SUBJECT) l ON l.SUBJECT = e.SUBJECT`,
      `WHERE e.KIND = ${kind} AND e.SEEN_AT >= ${pendingWindow} AND (l.LAST_ALERT IS NULL OR e.SEEN_AT > l.LAST_ALERT)`,
      `  AND ${notSuppressed(p.store, kind, "e.SUBJECT")}`,
      `GROUP BY e.SUBJECT`,
    ].join("\n"),
    suppressionStatement({ store: p.store, kind, suppressionMinutes: String(p.suppressionMinutes) }),
  ];
}

/**
 * The documented latency of each ACCOUNT_USAGE view a monitor reads, in minutes (Snowflake, "Account
 * Usage", ACCOUNT_USAGE views table; each view's page says the same). COPY_HISTORY: 2 hours, but "up
 * to 2 days" for a table with fewer than 32 DML statements and 100 rows added since it was last
 * updated there (footnote 2) — a source whose every file fails is such a table, so the monitor waits
 * for the 2 days.
 */
export const ACCOUNT_USAGE_LATENCY_MINUTES = {
  ACCESS_HISTORY: 180,
  COPY_HISTORY: 2 * 24 * 60,
  QUERY_HISTORY: 45,
  TASK_HISTORY: 45,
} as const;

/** Lookback of one account monitor: its view's latency plus the margin over the schedule. */
export interface AccountMonitorParts {
  readonly database: string;
  readonly lookbackMinutes: number;
}

const since = (column: string, minutes: number) => `${column} >= DATEADD(minute, -${minutes}, CURRENT_TIMESTAMP())`;

/** Tenant id back from a tenant schema name (ids have no '_', so this is exact); '*' elsewhere. */
const tenantOf = (schemaColumn: string) => `CASE WHEN ${schemaColumn} = 'MONITORING' THEN '*' ELSE LOWER(REPLACE(${schemaColumn}, '_', '-')) END`;

/**
 * Files whose COPY (Snowpipe included) into a table of the database did not fully load — failed,
 * partially loaded or skipped — one event per table and file; subject: the table.
 */
export function loadFailuresSelect(p: AccountMonitorParts): string {
  const table = `TABLE_CATALOG_NAME || '.' || TABLE_SCHEMA_NAME || '.' || TABLE_NAME`;
  return [
    `SELECT ${tenantOf("TABLE_SCHEMA_NAME")} AS TENANT, ${table} AS SUBJECT, ${table} || '|' || FILE_NAME AS EVENT_KEY, MAX(LAST_LOAD_TIME) AS EVENT_TIME,`,
    `  FILE_NAME || ' ' || LOWER(MAX(STATUS)) || ': ' || COALESCE(MAX(FIRST_ERROR_MESSAGE), 'no error reported') AS DETAIL`,
    `FROM SNOWFLAKE.ACCOUNT_USAGE.COPY_HISTORY`,
    `WHERE TABLE_CATALOG_NAME = ${literal(p.database)} AND UPPER(STATUS) <> 'LOADED' AND ${since("LAST_LOAD_TIME", p.lookbackMinutes)}`,
    `GROUP BY TABLE_CATALOG_NAME, TABLE_SCHEMA_NAME, TABLE_NAME, FILE_NAME`,
  ].join("\n");
}

/** States of a finished task run that are not failures (a SKIPPED run's WHEN was false, or it would have overlapped). */
export const TASK_SUCCESS_STATES = ["SUCCEEDED", "SKIPPED"] as const;

/**
 * Task runs in the database that did not succeed — FAILED, FAILED_AND_AUTO_SUSPENDED, CANCELLED and
 * any state Snowflake adds — one event per run; subject: the task.
 */
export function taskFailuresSelect(p: AccountMonitorParts): string {
  const task = `DATABASE_NAME || '.' || SCHEMA_NAME || '.' || NAME`;
  return [
    `SELECT ${tenantOf("SCHEMA_NAME")} AS TENANT, ${task} AS SUBJECT, ${task} || '|' || COALESCE(QUERY_ID, CAST(RUN_ID AS VARCHAR)) AS EVENT_KEY, COMPLETED_TIME AS EVENT_TIME,`,
    `  STATE || ': ' || COALESCE(ERROR_MESSAGE, 'no error reported') AS DETAIL`,
    `FROM SNOWFLAKE.ACCOUNT_USAGE.TASK_HISTORY`,
    `WHERE DATABASE_NAME = ${literal(p.database)} AND STATE NOT IN (${TASK_SUCCESS_STATES.map(literal).join(", ")}) AND ${since("COMPLETED_TIME", p.lookbackMinutes)}`,
  ].join("\n");
}

/** Queries (any database) that ran longer than the threshold, each an event of its own. */
export function longQueriesSelect(p: AccountMonitorParts & { readonly thresholdMinutes: number }): string {
  return [
    `SELECT '*' AS TENANT, QUERY_ID AS SUBJECT, QUERY_ID AS EVENT_KEY, END_TIME AS EVENT_TIME,`,
    `  'query ran ' || CAST(CAST(FLOOR(TOTAL_ELAPSED_TIME / 60000) AS INTEGER) AS VARCHAR) || ' minutes (user ' || COALESCE(USER_NAME, '?') || ', warehouse ' || COALESCE(WAREHOUSE_NAME, 'serverless') || ')' AS DETAIL`,
    `FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY`,
    `WHERE TOTAL_ELAPSED_TIME > ${p.thresholdMinutes * 60000} AND ${since("END_TIME", p.lookbackMinutes)}`,
  ].join("\n");
}

/** Statement types (QUERY_HISTORY.QUERY_TYPE) an expected change may name. */
export const TABLE_CHANGE_TYPES = [
  "ALTER_TABLE",
  "ALTER_TABLE_MODIFY_COLUMN",
  "ALTER_TABLE_DROP_COLUMN",
  "DROP",
  "TRUNCATE_TABLE",
  "DELETE",
  "UPDATE",
  "MERGE",
] as const;
export type TableChangeType = (typeof TABLE_CHANGE_TYPES)[number];

/** Writes that only add rows: loads and inserts are how logs arrive, not a change to report. */
export const APPEND_QUERY_TYPES = ["INSERT", "COPY", "MULTI_TABLE_INSERT"] as const;

/**
 * Kinds of object whose redefinition (ACCESS_HISTORY.object_modified_by_ddl) the tamper monitor
 * reports: where the logs are (database, schemas, tables), and what feeds or purges them (streams,
 * pipes, tasks — a cleaner task rewritten to purge everything would otherwise run as an expected
 * purge). Views are derived and not watched here.
 */
export const WATCHED_DDL_DOMAINS = ["DATABASE", "SCHEMA", "TABLE", "STREAM", "PIPE", "TASK"] as const;

/** Operations of object_modified_by_ddl that change nothing already there (a new object, a read). */
export const HARMLESS_DDL_OPERATIONS = ["CREATE", "DESCRIBE", "SHOW"] as const;

/**
 * A change to a log table that is expected and not reported: by `role` (QUERY_HISTORY.ROLE_NAME), to
 * one of `tables`, of one of `queryTypes`, and — when `task` is given — only in a run of that task
 * (TASK_HISTORY.QUERY_ID is the statement's query or its root). Each cleaner's purge: its pipeline
 * role, its own table, DELETE, in a run of its own task. Nothing matches on statement text.
 */
export interface ExpectedTableChange {
  readonly role: string;
  /** `DB.SCHEMA.TABLE` names. @default every object */
  readonly tables?: readonly string[];
  /** Statement types, of `TABLE_CHANGE_TYPES`. @default every statement type */
  readonly queryTypes?: readonly TableChangeType[];
  /** `DB.SCHEMA.TASK`. @default made by any statement of the role */
  readonly task?: string;
}

/** Columns of the expected-change list in the tamper monitor (`*` = any). */
export const EXPECTED_CHANGE_COLUMNS = ["ROLE_NAME", "OBJECT_NAME", "QUERY_TYPE", "TASK_NAME"] as const;

/** One VALUES row per role × table × type of each expected change. */
function expectedChangeRows(expected: readonly ExpectedTableChange[]): string[] {
  return expected.flatMap((e) =>
    (e.tables ?? ["*"]).flatMap((table) => (e.queryTypes ?? ["*"]).map((type) => `(${[e.role, table, type, e.task ?? "*"].map(literal).join(", ")})`)),
  );
}

/**
 * Tamper detection from what Snowflake records a statement did, not from its text: every object a
 * successful statement wrote (ACCESS_HISTORY.objects_modified) or redefined (object_modified_by_ddl)
 * in the database — the database itself, any schema and table (the alert store included) — each
 * statement once, with its type and role from QUERY_HISTORY, unless expected. Reported:
 * - writes that are not appends (DELETE, UPDATE, MERGE, TRUNCATE, CREATE … AS SELECT, unloads, and
 *   any statement whose type is unknown), the database named only through the object;
 * - redefinitions of the watched domains that are not a CREATE (ALTER — retention to zero, renames,
 *   swaps —, DROP, REPLACE, UNDROP, …), on the database, a schema, or an object in it;
 * - writes whose object list Snowflake truncated to its sentinel (`TRUNCATED`): they cannot be cleared.
 * Names are compared without double quotes, so a quoted spelling is the same object.
 */
export function tableChangesSelect(p: AccountMonitorParts & { readonly expected: readonly ExpectedTableChange[] }): string {
  const window = (column: string) => since(column, p.lookbackMinutes);
  const name = (json: string) => `REPLACE(${json}:objectName::VARCHAR, '"', '')`;
  const detail = `c.OPERATION || ' ' || c.OBJECT_DOMAIN || ' ' || c.OBJECT_NAME`;
  const rows = expectedChangeRows(p.expected);
  const expected =
    rows.length === 0
      ? []
      : [
          `LEFT JOIN (VALUES`,
          `    ${rows.join(",\n    ")}) x (${EXPECTED_CHANGE_COLUMNS.join(", ")})`,
          `  ON x.ROLE_NAME = q.ROLE_NAME AND x.OBJECT_NAME IN ('*', c.OBJECT_NAME) AND x.QUERY_TYPE IN ('*', q.QUERY_TYPE) AND x.TASK_NAME IN ('*', t.TASK_NAME)`,
        ];
  return [
    `SELECT '*' AS TENANT, c.QUERY_ID AS SUBJECT, c.QUERY_ID AS EVENT_KEY, MIN(c.QUERY_START_TIME) AS EVENT_TIME,`,
    `  COALESCE(MAX(q.QUERY_TYPE), 'UNKNOWN') || ' by ' || COALESCE(MAX(c.USER_NAME), '?') || ' as ' || COALESCE(MAX(q.ROLE_NAME), '?') || ': ' || LISTAGG(DISTINCT ${detail}, ', ') WITHIN GROUP (ORDER BY ${detail}) AS DETAIL`,
    `FROM (`,
    `  SELECT ah.QUERY_ID, ah.ROOT_QUERY_ID, ah.QUERY_START_TIME, ah.USER_NAME, UPPER(ah.OBJECT_MODIFIED_BY_DDL:objectDomain::VARCHAR) AS OBJECT_DOMAIN,`,
    `    ${name("ah.OBJECT_MODIFIED_BY_DDL")} AS OBJECT_NAME, UPPER(ah.OBJECT_MODIFIED_BY_DDL:operationType::VARCHAR) AS OPERATION`,
    `  FROM SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY ah`,
    `  WHERE ah.OBJECT_MODIFIED_BY_DDL IS NOT NULL AND ${window("ah.QUERY_START_TIME")}`,
    `  UNION ALL`,
    `  SELECT ah.QUERY_ID, ah.ROOT_QUERY_ID, ah.QUERY_START_TIME, ah.USER_NAME, UPPER(m.VALUE:objectDomain::VARCHAR), ${name("m.VALUE")}, 'WRITE'`,
    `  FROM SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY ah, LATERAL FLATTEN(INPUT => ah.OBJECTS_MODIFIED) m`,
    `  WHERE ${window("ah.QUERY_START_TIME")}`,
    `) c`,
    `LEFT JOIN SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY q ON q.QUERY_ID = c.QUERY_ID AND ${window("q.START_TIME")}`,
    `LEFT JOIN (`,
    `  SELECT QUERY_ID, DATABASE_NAME || '.' || SCHEMA_NAME || '.' || NAME AS TASK_NAME FROM SNOWFLAKE.ACCOUNT_USAGE.TASK_HISTORY WHERE ${window("COMPLETED_TIME")}`,
    `) t ON t.QUERY_ID IN (c.QUERY_ID, c.ROOT_QUERY_ID)`,
    ...expected,
    `WHERE (c.OBJECT_NAME = ${literal(p.database)} OR STARTSWITH(c.OBJECT_NAME, ${literal(`${p.database}.`)}) OR c.OBJECT_NAME = 'TRUNCATED')`,
    `  AND (c.OPERATION = 'WRITE' AND COALESCE(q.QUERY_TYPE, 'UNKNOWN') NOT IN (${APPEND_QUERY_TYPES.map(literal).join(", ")})`,
    `    OR c.OPERATION <> 'WRITE' AND c.OBJECT_DOMAIN IN (${WATCHED_DDL_DOMAINS.map(literal).join(", ")}) AND c.OPERATION NOT IN (${HARMLESS_DDL_OPERATIONS.map(literal).join(", ")}))`,
    ...(rows.length === 0 ? [] : [`  AND x.ROLE_NAME IS NULL`]),
    `GROUP BY c.QUERY_ID`,
  ].join("\n");
}

/** The statement that lists the database's tasks; `suspendedTasksSelect` reads its result next. */
export function showTasksStatement(database: string): string {
  return `SHOW TASKS IN DATABASE ${database}`;
}

/**
 * Tasks of the database left suspended — auto-suspended after repeated failures, or by hand — except
 * the ones meant to be (disabled canaries), from the result of `showTasksStatement` just before: task
 * state is in SHOW TASKS only, no view has it.
 */
export function suspendedTasksSelect(p: { readonly expectedSuspended: readonly string[] }): string {
  const name = `t."database_name" || '.' || t."schema_name" || '.' || t."name"`;
  const expected = p.expectedSuspended.length > 0 ? ` AND ${name} NOT IN (${p.expectedSuspended.map(literal).join(", ")})` : "";
  return [
    `SELECT ${tenantOf(`t."schema_name"`)} AS TENANT, ${name} AS SUBJECT,`,
    `  'task is suspended (owner ' || t."owner" || '): it no longer runs on its schedule' AS MESSAGE`,
    `FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) t`,
    `WHERE t."state" = 'suspended'${expected}`,
  ].join("\n");
}
