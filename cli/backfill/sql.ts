/** `lakehouse backfill`'s statements: its progress table, the look-ups of loaded files and running loads, with bind variables. */
import { literal, textLiteral } from "../../modules/snowflake/sql";

/** A statement with `?` placeholders and their values, in order (the SQL API binds them). */
export interface BoundStatement {
  readonly sql: string;
  readonly binds: readonly (string | number | null)[];
}

/** What a backfill run writes to the progress table, one row per event (the table is append-only). */
export type BackfillStatus = "RUN_STARTED" | "BATCH_STARTED" | "BATCH_LOADED" | "BATCH_FAILED" | "RUN_FINISHED";

/** What makes two runs the same backfill: tenant, source, target table and range (instants as ISO-8601 with offset). */
export interface BackfillRunKey {
  readonly tenant: string;
  readonly source: string;
  readonly targetTable: string;
  readonly rangeFrom: string;
  readonly rangeTo: string;
}

export interface BackfillProgressEvent extends BackfillRunKey {
  readonly runId: string;
  /** 0 for the run's own rows. */
  readonly batch: number;
  readonly status: BackfillStatus;
  /** BATCH_STARTED: the batch's file names, relative to the stage. */
  readonly files?: readonly string[];
  readonly fileCount?: number;
  readonly bytes?: number;
  readonly rowsLoaded?: number;
  readonly errors?: number;
  readonly queryTag?: string;
  readonly message?: string;
}

/** How the CLI writes instants for TO_TIMESTAMP_TZ: `2024-01-02T03:00:00.000+00:00`. */
export const BACKFILL_TIMESTAMP_FORMAT = `YYYY-MM-DD"T"HH24:MI:SS.FF3TZH:TZM`;

/** One progress row. RECORDED_AT is the column's default (CURRENT_TIMESTAMP()). */
export function progressInsert(table: string, e: BackfillProgressEvent): BoundStatement {
  const ts = `TO_TIMESTAMP_TZ(?, '${BACKFILL_TIMESTAMP_FORMAT}')`;
  return {
    sql: [
      `INSERT INTO ${table} (RUN_ID, TENANT, SOURCE, TARGET_TABLE, RANGE_FROM, RANGE_TO, BATCH, STATUS, FILES, FILE_COUNT, BYTES, ROWS_LOADED, ERRORS, QUERY_TAG, MESSAGE)`,
      `SELECT ?, ?, ?, ?, ${ts}, ${ts}, ?, ?, PARSE_JSON(?), ?, ?, ?, ?, ?, ?`,
    ].join("\n"),
    binds: [
      e.runId,
      e.tenant,
      e.source,
      e.targetTable,
      e.rangeFrom,
      e.rangeTo,
      e.batch,
      e.status,
      e.files === undefined ? null : JSON.stringify(e.files),
      e.fileCount ?? null,
      e.bytes ?? null,
      e.rowsLoaded ?? null,
      e.errors ?? null,
      e.queryTag ?? null,
      e.message === undefined ? null : e.message.slice(0, 2000),
    ],
  };
}

/** The rows of the latest run of this backfill (same tenant, source, table and range), oldest first; none if it never ran. */
export function progressQuery(table: string, key: BackfillRunKey): BoundStatement {
  const ts = `TO_TIMESTAMP_TZ(?, '${BACKFILL_TIMESTAMP_FORMAT}')`;
  return {
    sql: [
      `SELECT RUN_ID, BATCH, STATUS, FILES, FILE_COUNT, BYTES, ROWS_LOADED, ERRORS, QUERY_TAG`,
      `FROM ${table}`,
      `WHERE RUN_ID = (`,
      `  SELECT RUN_ID FROM ${table}`,
      `  WHERE TENANT = ? AND SOURCE = ? AND TARGET_TABLE = ? AND RANGE_FROM = ${ts} AND RANGE_TO = ${ts}`,
      `  ORDER BY RECORDED_AT DESC`,
      `  LIMIT 1`,
      `)`,
      `ORDER BY RECORDED_AT, BATCH`,
    ].join("\n"),
    binds: [key.tenant, key.source, key.targetTable, key.rangeFrom, key.rangeTo],
  };
}

/** A half-open range of SOURCE_FILE values: `from <= SOURCE_FILE < to`. */
export interface NameRange {
  readonly from: string;
  readonly to: string;
}

/**
 * The files of `table` already loaded among those the backfill considers: SOURCE_FILE within the
 * key ranges of the listed date folders, or equal to one of `names` (files found by LastModified).
 * Restricting it so lets Snowflake prune micro-partitions by the column's min/max instead of
 * reading every file name the table has.
 */
export function loadedFilesQuery(table: string, ranges: readonly NameRange[], names: readonly string[]): BoundStatement {
  if (ranges.length === 0 && names.length === 0) throw new Error("loadedFilesQuery: no ranges and no names");
  const conditions = ranges.map(() => `(SOURCE_FILE >= ? AND SOURCE_FILE < ?)`);
  if (names.length > 0) conditions.push(`SOURCE_FILE IN (${names.map(() => "?").join(", ")})`);
  return {
    sql: `SELECT DISTINCT SOURCE_FILE\nFROM ${table}\nWHERE ${conditions.join("\n  OR ")}`,
    binds: [...ranges.flatMap((r) => [r.from, r.to]), ...names],
  };
}

/** Execution states of a statement that has not finished (QUERY_HISTORY). */
export const UNFINISHED_QUERY_STATES = ["RUNNING", "QUEUED", "RESUMING_WAREHOUSE", "BLOCKED"] as const;

/**
 * The current user's statements with one of `tags` that are still running (the COPY of an
 * interrupted run keeps running in Snowflake after the client is gone). The information schema's
 * query history is the last 7 days; without END_TIME_RANGE_END it includes running statements.
 */
export function runningQueriesQuery(database: string, tags: readonly string[]): BoundStatement {
  if (tags.length === 0) throw new Error("runningQueriesQuery: no tags");
  return {
    sql: [
      `SELECT QUERY_ID, QUERY_TAG, EXECUTION_STATUS`,
      `FROM TABLE(${database}.INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER(RESULT_LIMIT => 10000))`,
      `WHERE QUERY_TAG IN (${tags.map(() => "?").join(", ")})`,
      `  AND EXECUTION_STATUS IN (${UNFINISHED_QUERY_STATES.map(literal).join(", ")})`,
    ].join("\n"),
    binds: [...tags],
  };
}

/** A bound statement with its values written in as literals: what runs, for syntax checks and logs. */
export function renderBound(s: BoundStatement): string {
  let i = 0;
  const out = s.sql.replace(/\?/g, () => {
    const v = s.binds[i++];
    if (v === undefined) throw new Error(`renderBound: more placeholders than the ${s.binds.length} values`);
    return v === null ? "NULL" : typeof v === "number" ? String(v) : textLiteral(v);
  });
  if (i !== s.binds.length) throw new Error(`renderBound: ${s.binds.length} values for ${i} placeholders`);
  return out;
}
