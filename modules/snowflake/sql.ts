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

// ---- loading (Snowpipe, `lakehouse backfill`, `lakehouse restore`) -----------------------------------
//
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

/** A string literal for any text, file names included: the same as `literal`, under the name its callers use. */
export function textLiteral(value: string): string {
  return literal(value);
}

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

export interface FlattenStatementParts {
  /** The per-event log table written. */
  readonly table: string;
  /** The append-only stream on the landing table (one row per file) read. */
  readonly stream: string;
  /** JSON path of the array of events in each landed record, e.g. `Records`. */
  readonly recordsPath: string;
  /** JSON path of the event time within each event, and its format (as `eventTimeExpression`). */
  readonly eventTimeField: string;
  readonly eventTimeFormat: EventTimeFormat;
}

/**
 * One row per event from the landed files, and no landed record lost: every element of the records
 * array becomes a row with EVENT_TIME from that element (clamped as the load's, against its file's
 * PARSE_TIME), PARSE_TIME and SOURCE_FILE of its file, and its index in the array as SOURCE_FILE_ROW;
 * a landed row without such an array — a line that did not parse (RAW_TEXT), or a record with no array
 * at the path (a CloudTrail digest file, say) — is kept whole with its line number and PARSE_ERROR
 * saying why. An empty array gives no row. Reading the stream in the INSERT advances it when the
 * INSERT commits, so a failed run is retried whole by the next.
 */
export function flattenStatement(p: FlattenStatementParts): string {
  const records = `f.DATA:${p.recordsPath}`;
  const why = literal(`no array at ${p.recordsPath}: the record is kept whole`);
  return [
    `INSERT INTO ${p.table} (${LOG_TABLE_COLUMNS.join(", ")})`,
    `SELECT r.VALUE, f.PARSE_TIME, ${eventTimeExpression(p.eventTimeField, p.eventTimeFormat, "r.VALUE", "f.PARSE_TIME")}, f.SOURCE_FILE, r.INDEX, NULL, NULL`,
    `FROM ${p.stream} f, LATERAL FLATTEN(INPUT => ${records}, MODE => 'ARRAY') r`,
    `WHERE f.METADATA$ACTION = 'INSERT'`,
    `UNION ALL`,
    `SELECT f.DATA, f.PARSE_TIME, NULL, f.SOURCE_FILE, f.SOURCE_FILE_ROW, f.RAW_TEXT, COALESCE(f.PARSE_ERROR, ${why})`,
    `FROM ${p.stream} f`,
    `WHERE f.METADATA$ACTION = 'INSERT' AND NOT COALESCE(IS_ARRAY(${records}), FALSE)`,
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
 * `text` with everything inside quotes and parentheses blanked (same length), so keywords and
 * separators can be looked for at the top level only; or the lexical problem that stops it: no
 * statement separators or comments that could smuggle a second statement, balanced quotes and
 * parentheses. Quotes are read as Snowflake reads them ("String & binary data types", "Comments"):
 * in a '…' string a backslash escapes the next character and '' is a quote; in a "…" identifier
 * "" is a quote; $$…$$ is a string with no escapes; --, // and /* start comments. Read any other
 * way, text that looks quoted here could end its string in Snowflake and run as SQL.
 */
function topLevel(text: string): { masked: string } | { problem: string } {
  let depth = 0;
  let masked = "";
  let i = 0;
  const skipTo = (end: number) => {
    masked += " ".repeat(end - i);
    i = end;
  };
  while (i < text.length) {
    const c = text[i];
    const two = text.slice(i, i + 2);
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (; j < text.length; j++) {
        if (c === "'" && text[j] === "\\") j++;
        else if (text[j] === c) {
          if (text[j + 1] === c) j++;
          else break;
        }
      }
      if (j >= text.length) return { problem: `has an unclosed ${c}` };
      skipTo(j + 1);
    } else if (two === "$$") {
      const j = text.indexOf("$$", i + 2);
      if (j < 0) return { problem: "has an unclosed $$" };
      skipTo(j + 2);
    } else if (two === "--" || two === "//" || two === "/*") {
      return { problem: "must not contain comments" };
    } else if (c === ";") {
      return { problem: "must not contain ';' (one select list, not statements)" };
    } else {
      if (c === "(") depth++;
      else if (c === ")" && --depth < 0) return { problem: "has a ')' without its '('" };
      masked += depth > 0 || c === "(" ? " " : c;
      i++;
    }
  }
  if (depth !== 0) return { problem: "has unbalanced parentheses" };
  return { masked };
}

/**
 * A light guard on user-written select lists before they reach a CREATE VIEW (see `topLevel`).
 * Full parsing happens in the tests; this catches mistakes at synth with a clear message.
 */
export function selectListProblem(selectList: string): string | undefined {
  if (selectList.trim() === "") return "must not be empty";
  const scan = topLevel(selectList);
  if ("problem" in scan) return scan.problem;
  if (/^\s*select\b/i.test(selectList)) return "is the select list only, without the SELECT keyword";
  return undefined;
}

/**
 * What is wrong with a clustering key, an expression the provider writes into `CLUSTER BY (…)`:
 * quotes or ';', comments, an unclosed $$ string, or parentheses that do not balance (a ')' would
 * close the clause and let the rest of the key write table options).
 */
export function clusteringKeyProblem(key: string): string | undefined {
  if (/[;'"]/.test(key)) return "must be an expression without quotes or ';'";
  const scan = topLevel(key);
  return "problem" in scan ? scan.problem : undefined;
}

/**
 * A view as the config writes it: `selectList` is what goes between SELECT and FROM; `from` is the
 * table a whole statement named, one to three parts (`TABLE`, `SCHEMA.TABLE`, `DB.SCHEMA.TABLE`),
 * upper-cased unless quoted — none when only a select list was given.
 */
export interface ViewDefinition {
  readonly selectList: string;
  readonly from?: readonly string[];
}

const NAME_PART = `(?:[A-Za-z_][A-Za-z0-9_$]*|"[^"]+")`;
const TABLE_NAME = new RegExp(`^\\s*(${NAME_PART}(?:\\s*\\.\\s*${NAME_PART}){0,2})\\s*$`);

/**
 * Reads a view: a select list (`event_time, data:ip AS ip`), or a whole `SELECT <list> FROM <table>`
 * as seed 002 writes them. A whole statement may only select from one table, with nothing after
 * it: no joins, second tables, aliases, WHERE or set operations. Which table it may name is checked
 * by `viewSourceProblem`.
 */
export function parseViewDefinition(text: string): ViewDefinition | { problem: string } {
  if (!/^\s*select\b/i.test(text)) {
    const problem = selectListProblem(text);
    return problem ? { problem } : { selectList: text.trim() };
  }
  const scan = topLevel(text);
  if ("problem" in scan) return scan;
  // Not a JSON path element named from (`data:from`, `data:a.from`).
  const froms = [...scan.masked.matchAll(/(?<![:.])\bfrom\b/gi)];
  if (froms.length === 0) return { problem: "starts with SELECT but has no FROM: give the select list alone, or the whole SELECT … FROM <this table>" };
  if (froms.length > 1) return { problem: "has more than one FROM: a view selects from its own table only (no UNION or second query)" };
  const keyword = /^\s*select\b/i.exec(text)![0].length;
  const selectList = text.slice(keyword, froms[0].index).trim();
  if (selectList === "") return { problem: "selects nothing: the select list between SELECT and FROM is empty" };
  const after = text.slice(froms[0].index + 4);
  const table = TABLE_NAME.exec(after);
  if (!table) {
    const shown = after.trim().replace(/\s+/g, " ");
    return { problem: `may only select FROM its own table, with nothing after it (no JOIN, second table, alias or WHERE): got FROM ${shown.length > 60 ? `${shown.slice(0, 60)}…` : shown}` };
  }
  const from = table[1].split(/\s*\.\s*/).map((part) => (part.startsWith('"') ? part.slice(1, -1) : part.toUpperCase()));
  return { selectList, from };
}

/**
 * Whether a view's FROM names its own table: `table`, `schema.table`, or `database.schema.table`
 * with a database of `databases` (more than one: the view is made in several databases, so a
 * database cannot be named). Undefined when it does, or when only a select list was given.
 */
export function viewSourceProblem(from: readonly string[] | undefined, own: { readonly databases: readonly string[]; readonly schema: string; readonly table: string }): string | undefined {
  if (from === undefined) return undefined;
  const written = from.join(".");
  const expected = [own.databases.length === 1 ? own.databases[0] : "<database>", own.schema, own.table].join(".");
  const [table, schema, database] = [...from].reverse();
  if (table !== own.table || (schema !== undefined && schema !== own.schema)) {
    return `selects FROM ${written}, not from its own table ${expected}: a view reads its source's table only (write ${own.table}, ${own.schema}.${own.table} or the full name)`;
  }
  if (database !== undefined && !(own.databases.length === 1 && own.databases[0] === database)) {
    return own.databases.length === 1
      ? `selects FROM ${written}, not from its own table ${expected}`
      : `names the database ${database}, but the view is made in ${own.databases.length} databases (${own.databases.join(", ")}): write ${own.schema}.${own.table} or ${own.table}`;
  }
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

/**
 * A SQL string literal for any text: quotes doubled and backslashes doubled, because Snowflake reads
 * backslash escapes inside single quotes (`\\'` would otherwise end nothing and let the rest run).
 */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
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
 * A monitor as two statements run in order by one task, shared by every monitor kind:
 * 1. alert for each row of `firing` (columns TENANT, SUBJECT, MESSAGE) whose kind and subject has no
 *    active suppression;
 * 2. give every alert of this kind (and subject, when given) from the last `suppressionMinutes` that
 *    has none a suppression lasting `suppressionMinutes` from the alert — idempotent, so a run that
 *    dies between the two is repaired by the next.
 */
export function monitorStatements(p: {
  readonly store: AlertStoreNames;
  readonly kind: string;
  readonly severity: "HIGH" | "MEDIUM" | "LOW";
  /** A SELECT of TENANT, SUBJECT, MESSAGE: what should alert now. */
  readonly firing: string;
  readonly suppressionMinutes: number;
  /** Limit suppression bookkeeping to one subject (a canary's table). @default every subject of the kind */
  readonly subject?: string;
}): string[] {
  const kind = literal(p.kind);
  const ownSubject = p.subject === undefined ? "" : ` AND a.SUBJECT = ${literal(p.subject)}`;
  return [
    [
      `INSERT INTO ${p.store.alerts} (ALERT_TIME, KIND, SEVERITY, TENANT, SUBJECT, MESSAGE)`,
      `SELECT CURRENT_TIMESTAMP(), ${kind}, '${p.severity}', f.TENANT, f.SUBJECT, f.MESSAGE`,
      `FROM (${p.firing.split("\n").join("\n  ")}) f`,
      `WHERE NOT EXISTS (SELECT 1 FROM ${p.store.suppressions} s WHERE s.KIND = ${kind} AND s.SUBJECT = f.SUBJECT AND s.SUPPRESSED_UNTIL > CURRENT_TIMESTAMP())`,
    ].join("\n"),
    [
      `INSERT INTO ${p.store.suppressions} (KIND, SUBJECT, SUPPRESSED_UNTIL)`,
      `SELECT a.KIND, a.SUBJECT, DATEADD(minute, ${p.suppressionMinutes}, a.ALERT_TIME)`,
      `FROM ${p.store.alerts} a`,
      `WHERE a.KIND = ${kind}${ownSubject} AND a.ALERT_TIME >= DATEADD(minute, -${p.suppressionMinutes}, CURRENT_TIMESTAMP())`,
      `  AND NOT EXISTS (SELECT 1 FROM ${p.store.suppressions} s WHERE s.KIND = a.KIND AND s.SUBJECT = a.SUBJECT AND s.SUPPRESSED_UNTIL >= DATEADD(minute, ${p.suppressionMinutes}, a.ALERT_TIME))`,
    ].join("\n"),
  ];
}

/**
 * The log canary: alert when no row was loaded (by PARSE_TIME, so late-arriving events cannot cause
 * a false alarm) within the window; suppression is kept per table.
 */
export function canaryStatements(p: CanaryParts): string[] {
  return monitorStatements({
    store: p.store,
    kind: CANARY_KIND,
    severity: "HIGH",
    subject: p.table,
    suppressionMinutes: p.suppressionMinutes,
    firing: [
      `SELECT ${literal(p.tenant)} AS TENANT, ${literal(p.table)} AS SUBJECT, 'no rows loaded in the last ${p.windowMinutes} minutes' AS MESSAGE`,
      `FROM (SELECT COUNT(*) AS LOADED FROM ${p.table} WHERE PARSE_TIME >= DATEADD(minute, -${p.windowMinutes}, CURRENT_TIMESTAMP())) w`,
      `WHERE w.LOADED = 0`,
    ].join("\n"),
  });
}

export const PIPE_KIND = "PIPE_NOT_RUNNING";

/** A pipe whose execution state (SYSTEM$PIPE_STATUS) is anything but RUNNING: paused, stopped, stale. */
export function pipeStateSelect(tenant: string, pipe: string): string {
  return [
    `SELECT ${literal(tenant)} AS TENANT, ${literal(pipe)} AS SUBJECT, 'pipe is ' || COALESCE(s.STATE, 'in an unknown state') AS MESSAGE`,
    `FROM (SELECT JSON_EXTRACT_PATH_TEXT(SYSTEM$PIPE_STATUS(${literal(pipe)}), 'executionState') AS STATE) s`,
    `WHERE COALESCE(s.STATE, 'UNKNOWN') <> 'RUNNING'`,
  ].join("\n");
}

/** Lookback of the account-usage monitors, over `SNOWFLAKE.ACCOUNT_USAGE` views (latency up to ~45 min). */
export interface AccountMonitorParts {
  readonly database: string;
  readonly lookbackMinutes: number;
}

const since = (column: string, minutes: number) => `${column} >= DATEADD(minute, -${minutes}, CURRENT_TIMESTAMP())`;
/** Tenant id back from a tenant schema name (ids have no '_', so this is exact); '*' elsewhere. */
const tenantOf = (schemaColumn: string) => `CASE WHEN ${schemaColumn} = 'MONITORING' THEN '*' ELSE LOWER(REPLACE(${schemaColumn}, '_', '-')) END`;

/** COPY loads (Snowpipe included) into the database that failed or loaded partially, per table. */
export function loadFailuresSelect(p: AccountMonitorParts): string {
  return [
    `SELECT ${tenantOf("TABLE_SCHEMA_NAME")} AS TENANT, TABLE_CATALOG_NAME || '.' || TABLE_SCHEMA_NAME || '.' || TABLE_NAME AS SUBJECT,`,
    `  'load failed for ' || CAST(COUNT(*) AS VARCHAR) || ' file(s); first error: ' || COALESCE(MIN(FIRST_ERROR_MESSAGE), 'none reported') AS MESSAGE`,
    `FROM SNOWFLAKE.ACCOUNT_USAGE.COPY_HISTORY`,
    `WHERE TABLE_CATALOG_NAME = ${literal(p.database)} AND STATUS IN ('Load failed', 'Partially loaded') AND ${since("LAST_LOAD_TIME", p.lookbackMinutes)}`,
    `GROUP BY TABLE_CATALOG_NAME, TABLE_SCHEMA_NAME, TABLE_NAME`,
  ].join("\n");
}

/** Task runs in the database that failed, per task. */
export function taskFailuresSelect(p: AccountMonitorParts): string {
  return [
    `SELECT ${tenantOf("SCHEMA_NAME")} AS TENANT, DATABASE_NAME || '.' || SCHEMA_NAME || '.' || NAME AS SUBJECT,`,
    `  'task failed ' || CAST(COUNT(*) AS VARCHAR) || ' time(s); last error: ' || COALESCE(MAX(ERROR_MESSAGE), 'none reported') AS MESSAGE`,
    `FROM SNOWFLAKE.ACCOUNT_USAGE.TASK_HISTORY`,
    `WHERE DATABASE_NAME = ${literal(p.database)} AND STATE = 'FAILED' AND ${since("COMPLETED_TIME", p.lookbackMinutes)}`,
    `GROUP BY DATABASE_NAME, SCHEMA_NAME, NAME`,
  ].join("\n");
}

/** Queries (any database) that ran longer than the threshold, each once. */
export function longQueriesSelect(p: AccountMonitorParts & { readonly thresholdMinutes: number }): string {
  return [
    `SELECT '*' AS TENANT, QUERY_ID AS SUBJECT,`,
    `  'query ran ' || CAST(CAST(FLOOR(TOTAL_ELAPSED_TIME / 60000) AS INTEGER) AS VARCHAR) || ' minutes (user ' || COALESCE(USER_NAME, '?') || ', warehouse ' || COALESCE(WAREHOUSE_NAME, 'serverless') || ')' AS MESSAGE`,
    `FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY`,
    `WHERE TOTAL_ELAPSED_TIME > ${p.thresholdMinutes * 60000} AND ${since("END_TIME", p.lookbackMinutes)}`,
  ].join("\n");
}

/** Statement types that alter, drop, truncate or delete from a table. */
export const TABLE_CHANGE_TYPES = ["ALTER_TABLE", "ALTER_TABLE_MODIFY_COLUMN", "ALTER_TABLE_DROP_COLUMN", "DROP", "TRUNCATE_TABLE", "DELETE", "UPDATE", "MERGE"] as const;

/**
 * A change to a log table that is expected and not reported: by `role`, of one of `queryTypes` (every
 * type when omitted), and — when `statements` is given — only with exactly one of those texts (the
 * cleaners' purges, as their tasks run them).
 */
export interface ExpectedTableChange {
  readonly role: string;
  readonly queryTypes?: readonly string[];
  readonly statements?: readonly string[];
}

function expectedChangeCondition(e: ExpectedTableChange): string {
  const parts = [`ROLE_NAME = ${literal(e.role)}`];
  if (e.queryTypes) parts.push(`QUERY_TYPE IN (${e.queryTypes.map(literal).join(", ")})`);
  if (e.statements) parts.push(`TRIM(QUERY_TEXT) IN (${e.statements.map(literal).join(", ")})`);
  return `(${parts.join(" AND ")})`;
}

/**
 * Successful ALTER / DROP / TRUNCATE / DELETE (and UPDATE, MERGE) against the log database, each
 * once, unless expected (the cleaners' own purges by their role). Matched by the session database
 * or the database named in the statement text.
 */
export function tableChangesSelect(p: AccountMonitorParts & { readonly expected: readonly ExpectedTableChange[] }): string {
  const expected = p.expected.length > 0 ? `\n  AND NOT (${p.expected.map(expectedChangeCondition).join("\n    OR ")})` : "";
  return [
    `SELECT '*' AS TENANT, QUERY_ID AS SUBJECT,`,
    `  QUERY_TYPE || ' by ' || COALESCE(USER_NAME, '?') || ' as ' || COALESCE(ROLE_NAME, '?') || ': ' || LEFT(QUERY_TEXT, 200) AS MESSAGE`,
    `FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY`,
    `WHERE QUERY_TYPE IN (${TABLE_CHANGE_TYPES.map(literal).join(", ")}) AND EXECUTION_STATUS = 'SUCCESS'`,
    `  AND (DATABASE_NAME = ${literal(p.database)} OR UPPER(QUERY_TEXT) LIKE ${literal(`%${p.database}.%`)})`,
    `  AND UPPER(QUERY_TEXT) NOT LIKE '%.MONITORING.%' AND ${since("START_TIME", p.lookbackMinutes)}${expected}`,
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

/** A handed-over schema object: what the pipeline role comes to own. */
export interface OwnedObject {
  readonly type: "TABLE" | "VIEW" | "FILE FORMAT" | "STAGE" | "STREAM" | "PIPE" | "TASK";
  /** `DATABASE.SCHEMA.NAME` */
  readonly name: string;
  /** Tasks only: resumed after the handover (a disabled canary stays suspended). */
  readonly started?: boolean;
}

// A stream before the task that reads it: a task runs as its owner, who must own (or select from) the stream.
const HANDOVER_ORDER: readonly OwnedObject["type"][] = ["TABLE", "VIEW", "FILE FORMAT", "STAGE", "STREAM", "PIPE", "TASK"];

/**
 * Hands schema objects to `role`, keeping their grants, in an order where the new owner already owns
 * what the next object uses (table and stage before the pipe). A pipe is paused first and
 * force-resumed after (Snowflake keeps a transferred pipe paused); a task is suspended for the
 * transfer and resumed if it is meant to run. Wrapped in EXECUTE IMMEDIATE so any client runs it
 * as one statement.
 */
export function handoverBlock(role: string, objects: readonly OwnedObject[]): string {
  const grant = (o: OwnedObject) => `GRANT OWNERSHIP ON ${o.type} ${o.name} TO ROLE ${role} COPY CURRENT GRANTS`;
  const statements: string[] = [];
  for (const type of HANDOVER_ORDER) {
    for (const o of objects.filter((x) => x.type === type)) {
      if (type === "PIPE") statements.push(`ALTER PIPE ${o.name} SET PIPE_EXECUTION_PAUSED = TRUE`, grant(o), `SELECT SYSTEM$PIPE_FORCE_RESUME(${literal(o.name)})`);
      else if (type === "TASK") statements.push(`ALTER TASK ${o.name} SUSPEND`, grant(o), ...(o.started ? [`ALTER TASK ${o.name} RESUME`] : []));
      else statements.push(grant(o));
    }
  }
  return `EXECUTE IMMEDIATE $$\n${scriptingBlock(statements)};\n$$`;
}

/** Statements run in order by one task, as a Snowflake Scripting block. */
export function scriptingBlock(statements: readonly string[]): string {
  return ["BEGIN", ...statements.map((s) => `${s.split("\n").map((l) => `  ${l}`).join("\n")};`), "END"].join("\n");
}

/**
 * The table cleaner's purge: rows loaded longer ago than the retention, by PARSE_TIME (load time) only.
 * An event's own time never decides how long it is kept: a device at 1970 or a forged 2099 stays
 * exactly as long as any row loaded with it. The account monitors exempt exactly this text.
 */
export function purgeStatement(table: string, retentionDays: number): string {
  return `DELETE FROM ${table} WHERE PARSE_TIME < DATEADD(day, -${retentionDays}, CURRENT_TIMESTAMP())`;
}

// ---- alert delivery -------------------------------------------------------------------------------

/**
 * The delivery task's Snowflake Scripting block: every alert not yet delivered up to a cutoff is sent
 * (all of them as one JSON array to SNS; a plain-text list by e-mail), then exactly those rows get
 * DELIVERED_AT — alerts raised while sending wait for the next run.
 */
export function deliveryBlock(p: { alerts: string; snsIntegration?: string; email?: { integration: string; recipients: readonly string[] } }): string {
  const pending = `FROM ${p.alerts} WHERE DELIVERED_AT IS NULL AND ALERT_TIME <= :cutoff`;
  const lines = [
    "DECLARE",
    "  cutoff TIMESTAMP_LTZ DEFAULT CURRENT_TIMESTAMP();",
    "  pending INTEGER DEFAULT 0;",
    "  body VARCHAR DEFAULT '';",
    "  mail VARCHAR DEFAULT '';",
    "BEGIN",
    `  SELECT COUNT(*) INTO :pending ${pending};`,
    "  IF (pending > 0) THEN",
  ];
  if (p.snsIntegration) {
    lines.push(
      `    SELECT TO_JSON(ARRAY_AGG(OBJECT_CONSTRUCT('alert_time', ALERT_TIME, 'kind', KIND, 'severity', SEVERITY, 'tenant', TENANT, 'subject', SUBJECT, 'message', MESSAGE)) WITHIN GROUP (ORDER BY ALERT_TIME)) INTO :body ${pending};`,
      `    CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(:body), SNOWFLAKE.NOTIFICATION.INTEGRATION(${literal(p.snsIntegration)}));`,
    );
  }
  if (p.email) {
    lines.push(
      `    SELECT LISTAGG(SEVERITY || ' ' || KIND || ' ' || TENANT || ' ' || SUBJECT || ': ' || MESSAGE, '\\n') WITHIN GROUP (ORDER BY ALERT_TIME) INTO :mail ${pending};`,
      `    CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:mail), SNOWFLAKE.NOTIFICATION.EMAIL_INTEGRATION_CONFIG(${literal(p.email.integration)}, 'Lakehouse alerts', ARRAY_CONSTRUCT(${p.email.recipients.map(literal).join(", ")})));`,
    );
  }
  lines.push(`    UPDATE ${p.alerts} SET DELIVERED_AT = CURRENT_TIMESTAMP() WHERE DELIVERED_AT IS NULL AND ALERT_TIME <= :cutoff;`, "  END IF;", "END;");
  return lines.join("\n");
}

// ---- backfill (`lakehouse backfill`) ---------------------------------------------------------------

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
