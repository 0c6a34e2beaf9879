/**
 * The load: how a staged file becomes rows of a log table. The pipe, `lakehouse backfill` and
 * `lakehouse restore` all load through the one transformation here (docs/loading.md).
 */
import { textLiteral } from "../sql";

// One definition of how a staged file becomes rows, such that no value in a record can make a COPY skip
// that record or its file (docs/loading.md). What it rests on, from Snowflake's documentation:
// - COPY INTO <table>, ON_ERROR (https://docs.snowflake.com/en/sql-reference/sql/copy-into-table): for
//   JSON files, CONTINUE loads the records before a parse error and skips the rest of the file, and a
//   conversion or transformation error follows Snowpipe's default SKIP_FILE whatever ON_ERROR says; for
//   Parquet, a parse error skips the file; "All ON_ERROR values work as expected when loading structured
//   data files (CSV, TSV, etc.) with either parsing or transformation errors".
// - So JSON sources load as CSV with one column per line (FIELD_DELIMITER = NONE, no escapes, no
//   enclosing quotes): every line is a row of its own, parsed by the COPY's transformation, and a line
//   that is not JSON is kept as text instead of failing anything.
// - Transforming data during a load, "Supported functions"
//   (https://docs.snowflake.com/en/user-guide/data-load-transform#supported-functions): every function
//   below is on that list — CHECK_JSON, PARSE_JSON, IFF, NVL, LENGTH, SUBSTR, TO_VARCHAR, CONCAT (||),
//   CAST (::), GET_PATH (:), TRY_CAST, TRY_TO_NUMBER, TO_TIMESTAMP_TZ. TRY_PARSE_JSON and
//   TRY_TO_TIMESTAMP_* are not on it, so a parse is guarded by CHECK_JSON and a conversion by a range.
/**
 * How an event's time is written in its record: `AUTO` (ISO-8601 and the other forms Snowflake's AUTO
 * reads, as text), `EPOCH_S` / `EPOCH_MS` (a number of seconds / milliseconds since 1970). A custom
 * format would need TRY_TO_TIMESTAMP_TZ(value, format), which is not among the functions a COPY may use.
 */
export const EVENT_TIME_FORMATS = ["AUTO", "EPOCH_S", "EPOCH_MS"] as const;

export type EventTimeFormat = (typeof EVENT_TIME_FORMATS)[number];

export const EVENT_TIME_FORMAT_HINT =
  "must be AUTO (ISO-8601), EPOCH_S or EPOCH_MS: a custom format would need TRY_TO_TIMESTAMP_TZ, which is not among the functions Snowflake supports in a COPY (see docs/loading.md)";

/**
 * The times an event's own timestamp may claim for EVENT_TIME: from 2000-01-01 to one day after the
 * row's load (clock skew). Outside it EVENT_TIME is NULL: a device at 1970 or a forged 2099 cannot place
 * an event outside every time window; its claimed time stays in DATA. Retention never reads it.
 */
export const EVENT_TIME_FLOOR = "2000-01-01T00:00:00Z";

export const EVENT_TIME_AHEAD_OF_LOAD = "1 DAY";

/** The floor as seconds since 1970, and a ceiling (2100-01-01) that keeps TO_TIMESTAMP_TZ in range. */
const EPOCH_FLOOR_SECONDS = 946_684_800;

const EPOCH_CEILING_SECONDS = 4_102_444_800;

/**
 * Lines up to this many characters are parsed into DATA (within the 128 MB a VARIANT holds since
 * Snowflake's 2025_03 size limits); a longer one is kept in RAW_TEXT.
 */
export const MAX_PARSED_RECORD_CHARS = 64 * 1024 * 1024;

/** RAW_TEXT keeps at most this many characters of a line (its column is VARCHAR(16777216)). */
export const RAW_TEXT_CHARS = 16 * 1024 * 1024;

/** `$1:id.time` — a path into the staged record. */
export function stagedPath(path: string): string {
  return `$1:${path}`;
}

/**
 * The EVENT_TIME expression: the time `record` claims at `path`, or NULL when it is missing, not a
 * time, or outside [EVENT_TIME_FLOOR, `loadTime` + EVENT_TIME_AHEAD_OF_LOAD]. Only forms that cannot
 * fail: TRY_CAST of the text for AUTO; for epochs TRY_TO_NUMBER, and TO_TIMESTAMP_TZ only of a number
 * already inside 2000..2100 (any other value gives it NULL, so it never sees one out of its range).
 */
export function eventTimeExpression(path: string, format: EventTimeFormat, record: string, loadTime: string): string {
  const value = `${record}:${path}::VARCHAR`;
  let claimed: string;
  if (format === "AUTO") claimed = `TRY_CAST(${value} AS TIMESTAMP_TZ)`;
  else {
    const [scale, per] = format === "EPOCH_S" ? [0, 1] : [3, 1000];
    const n = `TRY_TO_NUMBER(${value})`;
    claimed = `TO_TIMESTAMP_TZ(IFF(${n} BETWEEN ${EPOCH_FLOOR_SECONDS * per} AND ${EPOCH_CEILING_SECONDS * per}, ${n}, NULL), ${scale})`;
  }
  return `IFF(${claimed} BETWEEN '${EVENT_TIME_FLOOR}'::TIMESTAMP_TZ AND ${loadTime} + INTERVAL '${EVENT_TIME_AHEAD_OF_LOAD}', ${claimed}, NULL)`;
}

/** Columns every semi-structured log table has, in COPY order. */
export const LOG_TABLE_COLUMNS = ["DATA", "PARSE_TIME", "EVENT_TIME", "SOURCE_FILE", "SOURCE_FILE_ROW", "RAW_TEXT", "PARSE_ERROR"] as const;

/**
 * What the staged files are: `JSON` — JSON documents one per line (NDJSON), read as lines by a CSV
 * file format and parsed in the transformation; `JSON_ARRAY` — one JSON array per file, parsed by a
 * JSON file format with STRIP_OUTER_ARRAY (its elements arrive as `$1`); `PARQUET` — each row one
 * object in `$1`.
 */
export type LoadFormat = "JSON" | "JSON_ARRAY" | "PARQUET";

export interface CopyStatementParts {
  readonly table: string;
  readonly stage: string;
  readonly fileFormat: string;
  readonly eventTimeField: string;
  readonly eventTimeFormat: EventTimeFormat;
  readonly onError: "CONTINUE" | "SKIP_FILE" | "ABORT_STATEMENT";
  /** @default "JSON" */
  readonly format?: LoadFormat;
}

/**
 * The staged line as text. A CSV format turns a line of exactly `\N` into NULL (its NULL_IF default,
 * which provider 2.11 cannot clear: an empty list is not sent); NVL gives the line back.
 */
const LINE = `NVL($1, '\\\\N')`;

/** The line is parsed when it is short enough and CHECK_JSON finds nothing wrong ("no error would occur when parsing"). */
const PARSES = `LENGTH(${LINE}) <= ${MAX_PARSED_RECORD_CHARS} AND CHECK_JSON(${LINE}) IS NULL`;

/** The parsed record, or NULL: PARSE_JSON only ever sees a line CHECK_JSON accepted; 'd' keeps the last of duplicate keys. */
const PARSED_LINE = `PARSE_JSON(IFF(${PARSES}, ${LINE}, NULL), 'd')`;

/** The select list of a load, one expression per column of `loadColumns(format)`. */
function loadExpressions(p: Pick<CopyStatementParts, "eventTimeField" | "eventTimeFormat" | "format">): string[] {
  const loadTime = "METADATA$START_SCAN_TIME";
  if ((p.format ?? "JSON") !== "JSON") {
    return ["$1", loadTime, eventTimeExpression(p.eventTimeField, p.eventTimeFormat, "$1", loadTime), "METADATA$FILENAME", "METADATA$FILE_ROW_NUMBER"];
  }
  const tooLarge = `'record of ' || TO_VARCHAR(LENGTH(${LINE})) || ' characters is over the ${MAX_PARSED_RECORD_CHARS} a load parses'`;
  return [
    PARSED_LINE,
    loadTime,
    eventTimeExpression(p.eventTimeField, p.eventTimeFormat, PARSED_LINE, loadTime),
    "METADATA$FILENAME",
    "METADATA$FILE_ROW_NUMBER",
    `IFF(${PARSES}, NULL, SUBSTR(${LINE}, 1, ${RAW_TEXT_CHARS}))`,
    `IFF(LENGTH(${LINE}) > ${MAX_PARSED_RECORD_CHARS}, ${tooLarge}, CHECK_JSON(${LINE})) || IFF(LENGTH(${LINE}) > ${RAW_TEXT_CHARS}, ': RAW_TEXT keeps its first ${RAW_TEXT_CHARS} characters', '')`,
  ];
}

/**
 * The columns a load writes: all of LOG_TABLE_COLUMNS for lines; a record the file format parsed itself
 * (a Parquet row, a JSON array's element) is never text, so RAW_TEXT and PARSE_ERROR stay NULL.
 */
export function loadColumns(format: LoadFormat = "JSON"): readonly string[] {
  return format === "JSON" ? LOG_TABLE_COLUMNS : LOG_TABLE_COLUMNS.slice(0, 5);
}

/**
 * The COPY transformation, the one definition of how a staged record becomes a row: the pipe, the
 * backfill and the restore all load through it. PARSE_TIME is METADATA$START_SCAN_TIME (CURRENT_TIMESTAMP
 * is not for load time in a pipe); the file name and row (line) number trace a row to its object.
 */
export function copyTransformation(p: Pick<CopyStatementParts, "stage" | "eventTimeField" | "eventTimeFormat" | "format">): string {
  const expressions = loadExpressions(p);
  return ["SELECT", ...expressions.map((e, i) => `  ${e}${i < expressions.length - 1 ? "," : ""}`), `FROM @${p.stage}`].join("\n");
}

/** `COPY INTO <table> (<columns>) FROM (<transformation>)` and then `options`, one per line. */
function copyInto(p: CopyStatementParts, options: readonly string[]): string {
  return [
    `COPY INTO ${p.table} (${loadColumns(p.format).join(", ")})`,
    `FROM (`,
    ...copyTransformation(p)
      .split("\n")
      .map((line) => `  ${line}`),
    `)`,
    ...options,
  ].join("\n");
}

/** The pipe's COPY: the transformation over every file the pipe is notified of. */
export function copyStatement(p: CopyStatementParts): string {
  return copyInto(p, [`FILE_FORMAT = (FORMAT_NAME = '${p.fileFormat}')`, `ON_ERROR = ${p.onError}`]);
}

/** `FILES = (…)` takes at most this many names (Snowflake's limit). */
export const COPY_FILES_LIMIT = 1000;

/**
 * The backfill's COPY: the pipe's own transformation, file format and ON_ERROR over exactly `files`
 * (names relative to the stage, at most COPY_FILES_LIMIT). FORCE = FALSE keeps Snowflake's load
 * metadata of the table (64 days) as a second guard against loading a file twice;
 * LOAD_UNCERTAIN_FILES = TRUE loads files whose load status Snowflake no longer knows (staged more
 * than 64 days ago), which COPY would otherwise skip without an error. Which files were already
 * loaded by the pipe (whose load history the table's metadata does not hold) the caller decides.
 */
export function backfillCopyStatement(p: CopyStatementParts, files: readonly string[]): string {
  if (files.length === 0) throw new Error("backfillCopyStatement: no files");
  if (files.length > COPY_FILES_LIMIT) throw new Error(`backfillCopyStatement: ${files.length} files, but FILES takes at most ${COPY_FILES_LIMIT}`);
  return copyInto(p, [
    `FILES = (${files.map(textLiteral).join(", ")})`,
    `FILE_FORMAT = (FORMAT_NAME = '${p.fileFormat}')`,
    `ON_ERROR = ${p.onError}`,
    `FORCE = FALSE`,
    `LOAD_UNCERTAIN_FILES = TRUE`,
  ]);
}
