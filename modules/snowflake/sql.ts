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

/** Where alerts, suppressions and the monitors' seen events live (the platform's alert store). */
export interface AlertStoreNames {
  /** `DB.MONITORING.ALERTS` */
  readonly alerts: string;
  /** `DB.MONITORING.ALERT_SUPPRESSIONS` */
  readonly suppressions: string;
  /** `DB.MONITORING.MONITOR_EVENTS`: every event an account monitor has seen, once. */
  readonly events: string;
}

/**
 * A SQL string literal for any text: quotes doubled and backslashes doubled, because Snowflake reads
 * backslash escapes inside single quotes (`\\'` would otherwise end nothing and let the rest run).
 */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

export const CANARY_KIND = "LOG_CANARY";
export const PIPE_KIND = "PIPE_NOT_RUNNING";
/** The kinds a tenant's pipeline role may raise, through its tenant's alert procedure only. */
export const TENANT_ALERT_KINDS = [CANARY_KIND, PIPE_KIND] as const;
export const ALERT_SEVERITIES = ["HIGH", "MEDIUM", "LOW"] as const;
/** Longest suppression any monitor or canary may ask for (30 days), also enforced by the tenant procedures. */
export const MAX_SUPPRESSION_MINUTES = 43200;
/** Alert texts are cut to this many characters, so one alert row is bounded (delivery batches by bytes). */
export const ALERT_MESSAGE_CHARS = 2000;

/**
 * The suppression bookkeeping shared by every kind: every alert of `kind` (and `subject`, when given)
 * from the last `suppressionMinutes` that has none gets a suppression lasting `suppressionMinutes` from
 * the alert — idempotent, so a run that dies before it is repaired by the next. `subject` may be a
 * literal or a bind (`:SUBJECT`), as may `suppressionMinutes` in the tenant procedures.
 */
function suppressionStatement(p: { readonly store: AlertStoreNames; readonly kind: string; readonly subject?: string; readonly suppressionMinutes: string }): string {
  const ownSubject = p.subject === undefined ? "" : ` AND a.SUBJECT = ${p.subject}`;
  const back = /^\d+$/.test(p.suppressionMinutes) ? `-${p.suppressionMinutes}` : `-1 * ${p.suppressionMinutes}`;
  return [
    `INSERT INTO ${p.store.suppressions} (KIND, SUBJECT, SUPPRESSED_UNTIL)`,
    `SELECT a.KIND, a.SUBJECT, DATEADD(minute, ${p.suppressionMinutes}, a.ALERT_TIME)`,
    `FROM ${p.store.alerts} a`,
    `WHERE a.KIND = ${p.kind}${ownSubject} AND a.ALERT_TIME >= DATEADD(minute, ${back}, CURRENT_TIMESTAMP())`,
    `  AND NOT EXISTS (SELECT 1 FROM ${p.store.suppressions} s WHERE s.KIND = a.KIND AND s.SUBJECT = a.SUBJECT AND s.SUPPRESSED_UNTIL >= DATEADD(minute, ${p.suppressionMinutes}, a.ALERT_TIME))`,
  ].join("\n");
}

/** `NOT EXISTS` an active suppression of `kind` for `subject` (SQL expressions). */
const notSuppressed = (store: AlertStoreNames, kind: string, subject: string) =>
  `NOT EXISTS (SELECT 1 FROM ${store.suppressions} s WHERE s.KIND = ${kind} AND s.SUBJECT = ${subject} AND s.SUPPRESSED_UNTIL > CURRENT_TIMESTAMP())`;

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

/** `DB.MONITORING.RAISE_ALERT_<SCHEMA>`: the one way a tenant's pipeline role raises an alert. */
export function tenantAlertProcedureName(store: AlertStoreNames, tenantSchema: string): string {
  const [database, schema] = store.alerts.split(".");
  return `${database}.${schema}.RAISE_ALERT_${tenantSchema}`;
}

/** Arguments of a tenant's alert procedure, in order (upper-case: the provider quotes argument names). */
export const TENANT_ALERT_ARGUMENTS = [
  { name: "KIND", type: "VARCHAR" },
  { name: "SEVERITY", type: "VARCHAR" },
  { name: "SUBJECT", type: "VARCHAR" },
  { name: "MESSAGE", type: "VARCHAR" },
  { name: "SUPPRESSION_MINUTES", type: "NUMBER" },
] as const;

/**
 * The body of a tenant's alert procedure (Snowflake Scripting, EXECUTE AS OWNER): the tenant's
 * pipeline role holds USAGE on this procedure and no privilege on the alert store, so the owner's
 * rights are the only way its canaries write alerts — with the tenant written here, not by the
 * caller, and only about the tenant's own schema. A call with another kind, severity, subject or a
 * suppression beyond 30 days is refused (the task fails, and TASK_FAILURE reports it). MESSAGE NULL
 * means "not firing": only the suppression bookkeeping runs.
 */
export function tenantAlertProcedureBody(p: { readonly store: AlertStoreNames; readonly tenant: string; readonly tenantSchema: string }): string {
  const [database] = p.store.alerts.split(".");
  const prefix = `${database}.${p.tenantSchema}.`;
  const allowed = [
    `KIND IN (${TENANT_ALERT_KINDS.map(literal).join(", ")})`,
    `SEVERITY IN (${ALERT_SEVERITIES.map(literal).join(", ")})`,
    `STARTSWITH(SUBJECT, ${literal(prefix)})`,
    `SUPPRESSION_MINUTES BETWEEN 0 AND ${MAX_SUPPRESSION_MINUTES}`,
  ].join(" AND ");
  const refusal = `alert refused: tenant ${p.tenant} raises only ${TENANT_ALERT_KINDS.join(" and ")} alerts about objects in ${prefix}*`;
  const indent = (s: string) => s.split("\n").map((l) => `  ${l}`).join("\n");
  return [
    "DECLARE",
    `  refused EXCEPTION (-20001, ${literal(refusal)});`,
    "BEGIN",
    `  IF (NOT COALESCE(${allowed}, FALSE)) THEN`,
    "    RAISE refused;",
    "  END IF;",
    indent(
      [
        `INSERT INTO ${p.store.alerts} (ALERT_ID, ALERT_TIME, KIND, SEVERITY, TENANT, SUBJECT, MESSAGE)`,
        `SELECT UUID_STRING(), CURRENT_TIMESTAMP(), :KIND, :SEVERITY, ${literal(p.tenant)}, :SUBJECT, LEFT(m.MESSAGE, ${ALERT_MESSAGE_CHARS})`,
        `FROM (SELECT :MESSAGE AS MESSAGE) m`,
        `WHERE m.MESSAGE IS NOT NULL AND ${notSuppressed(p.store, ":KIND", ":SUBJECT")};`,
      ].join("\n"),
    ),
    indent(`${suppressionStatement({ store: p.store, kind: ":KIND", subject: ":SUBJECT", suppressionMinutes: ":SUPPRESSION_MINUTES" })};`),
    "  RETURN 'done';",
    "END",
  ].join("\n");
}

/**
 * One check of a canary: a CALL of the tenant's alert procedure whose MESSAGE argument is a scalar
 * subquery — the reason when the check fires, NULL when it does not.
 */
function tenantAlertCall(p: { readonly procedure: string; readonly kind: string; readonly subject: string; readonly suppressionMinutes: number; readonly message: string }): string {
  return [`CALL ${p.procedure}(${literal(p.kind)}, 'HIGH', ${literal(p.subject)}, (`, `  ${p.message.split("\n").join("\n  ")}`, `), ${p.suppressionMinutes})`].join("\n");
}

export interface CanaryParts {
  /** The tenant's alert procedure (`tenantAlertProcedureName`). */
  readonly procedure: string;
  /** Fully qualified log table. */
  readonly table: string;
  readonly windowMinutes: number;
  readonly suppressionMinutes: number;
}

/**
 * The log canary: alert when no row was loaded (by PARSE_TIME, so late-arriving events cannot cause
 * a false alarm) within the window; suppression is kept per table.
 */
export function canaryCall(p: CanaryParts): string {
  return tenantAlertCall({
    procedure: p.procedure,
    kind: CANARY_KIND,
    subject: p.table,
    suppressionMinutes: p.suppressionMinutes,
    message: [
      `SELECT 'no rows loaded in the last ${p.windowMinutes} minutes'`,
      `FROM (SELECT COUNT(*) AS LOADED FROM ${p.table} WHERE PARSE_TIME >= DATEADD(minute, -${p.windowMinutes}, CURRENT_TIMESTAMP())) w`,
      `WHERE w.LOADED = 0`,
    ].join("\n"),
  });
}

/** A pipe whose execution state (SYSTEM$PIPE_STATUS) is anything but RUNNING: paused, stopped, stale. */
export function pipeStateCall(p: { readonly procedure: string; readonly pipe: string; readonly suppressionMinutes: number }): string {
  return tenantAlertCall({
    procedure: p.procedure,
    kind: PIPE_KIND,
    subject: p.pipe,
    suppressionMinutes: p.suppressionMinutes,
    message: [
      `SELECT 'pipe is ' || COALESCE(s.STATE, 'in an unknown state')`,
      `FROM (SELECT JSON_EXTRACT_PATH_TEXT(SYSTEM$PIPE_STATUS(${literal(p.pipe)}), 'executionState') AS STATE) s`,
      `WHERE COALESCE(s.STATE, 'UNKNOWN') <> 'RUNNING'`,
    ].join("\n"),
  });
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
export const TABLE_CHANGE_TYPES = ["ALTER_TABLE", "ALTER_TABLE_MODIFY_COLUMN", "ALTER_TABLE_DROP_COLUMN", "DROP", "TRUNCATE_TABLE", "DELETE", "UPDATE", "MERGE"] as const;

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
  /** @default every statement type */
  readonly queryTypes?: readonly string[];
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

/** SNS's limit on one message (Amazon SNS quotas: 256 KB, counted in bytes). */
export const SNS_MESSAGE_LIMIT_BYTES = 262144;

/** A delivery channel: how one alert becomes part of a message, and how many fit in one. */
interface DeliveryChannel {
  /** The ALERTS column stamped when this channel delivered the row. */
  readonly column: "SNS_DELIVERED_AT" | "EMAIL_DELIVERED_AT";
  /** One alert as text (an SQL expression over the row), every field cut to a bound. */
  readonly item: string;
  /** Between items (an SQL string literal's content) and its length in bytes; around the items. */
  readonly separator: string;
  readonly separatorBytes: number;
  readonly prefix: string;
  readonly suffix: string;
  /** Most alerts and bytes (items and separators) in one message. */
  readonly maxRows: number;
  readonly maxBytes: number;
  /** The CALL that sends `:body`. */
  readonly send: string;
}

/** Every field of an alert cut to a bound, so one alert is at most about 3 KB, 18 KB if every character needs a JSON escape. */
const BOUNDED_FIELDS = {
  alert_id: "ALERT_ID",
  alert_time: "ALERT_TIME",
  kind: "LEFT(KIND, 64)",
  severity: "LEFT(SEVERITY, 16)",
  tenant: "LEFT(TENANT, 64)",
  subject: "LEFT(SUBJECT, 512)",
  message: `LEFT(MESSAGE, ${ALERT_MESSAGE_CHARS})`,
} as const;

/**
 * The SNS channel: a JSON array of alerts per message, at most 100 alerts and 200,000 bytes — under
 * SNS's 256 KB with room for what Snowflake's notification wraps around it (unverified: the size of
 * that envelope is not documented).
 */
export function snsChannel(integration: string): DeliveryChannel {
  return {
    column: "SNS_DELIVERED_AT",
    item: `TO_JSON(OBJECT_CONSTRUCT(${Object.entries(BOUNDED_FIELDS).map(([k, v]) => `'${k}', ${v}`).join(", ")}))`,
    separator: ",",
    separatorBytes: 1,
    prefix: "[",
    suffix: "]",
    maxRows: 100,
    maxBytes: 200000,
    send: `CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(:body), SNOWFLAKE.NOTIFICATION.INTEGRATION(${literal(integration)}))`,
  };
}

/**
 * The e-mail channel: a plain-text list, one alert a line, at most 200 alerts and 100,000 bytes per
 * mail (our bound, for a mail a person reads; Snowflake documents none we could find).
 */
export function emailChannel(integration: string, recipients: readonly string[]): DeliveryChannel {
  return {
    column: "EMAIL_DELIVERED_AT",
    item: `${BOUNDED_FIELDS.severity} || ' ' || ${BOUNDED_FIELDS.kind} || ' ' || ${BOUNDED_FIELDS.tenant} || ' ' || ${BOUNDED_FIELDS.subject} || ': ' || ${BOUNDED_FIELDS.message}`,
    separator: "\\n",
    separatorBytes: 1,
    prefix: "",
    suffix: "",
    maxRows: 200,
    maxBytes: 100000,
    send: `CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body), SNOWFLAKE.NOTIFICATION.EMAIL_INTEGRATION_CONFIG(${literal(integration)}, 'Lakehouse alerts', ARRAY_CONSTRUCT(${recipients.map(literal).join(", ")})))`,
  };
}

/** Messages each channel sends at most per run; what is left waits for the next run. */
export const DELIVERY_BATCHES_PER_RUN = 20;

/**
 * The delivery task's Snowflake Scripting block. Each channel delivers on its own: it claims a batch of
 * the alerts it has not delivered yet (oldest first, at most its rows and bytes — the byte count of the
 * very text it sends), sends that batch as one message, and stamps its own column on exactly those rows;
 * up to DELIVERY_BATCHES_PER_RUN messages a run. A failed send stops the run before its stamp, so that
 * batch is sent again next run (at least once), and a failing e-mail never re-sends what SNS already
 * delivered. DELIVERED_AT is stamped once every configured channel has delivered a row: rows delivered
 * before per-channel delivery existed carry it and are never sent again. Alerts written without an
 * ALERT_ID get one first. No trailing `;` (the provider would see a difference on every plan).
 */
export function deliveryBlock(p: { readonly alerts: string; readonly snsIntegration?: string; readonly email?: { readonly integration: string; readonly recipients: readonly string[] } }): string {
  const channels = [...(p.snsIntegration ? [snsChannel(p.snsIntegration)] : []), ...(p.email ? [emailChannel(p.email.integration, p.email.recipients)] : [])];
  if (channels.length === 0) throw new Error("deliveryBlock: no channel");
  const order = "ORDER BY ALERT_TIME, ALERT_ID";
  const loop = (c: DeliveryChannel) => [
    `  FOR i IN 1 TO ${DELIVERY_BATCHES_PER_RUN} DO`,
    `    batch := UUID_STRING();`,
    `    UPDATE ${p.alerts} SET DELIVERY_BATCH = :batch WHERE ALERT_ID IN (`,
    `      SELECT b.ALERT_ID FROM (`,
    `        SELECT ALERT_ID, ROW_NUMBER() OVER (${order}) AS N,`,
    `          SUM(OCTET_LENGTH(${c.item}) + ${c.separatorBytes}) OVER (${order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BYTES`,
    `        FROM ${p.alerts} WHERE ${c.column} IS NULL AND DELIVERED_AT IS NULL AND ALERT_ID IS NOT NULL`,
    `      ) b WHERE b.N <= ${c.maxRows} AND b.BYTES <= ${c.maxBytes - c.prefix.length - c.suffix.length}`,
    `    );`,
    `    SELECT COUNT(*), ${c.prefix ? `'${c.prefix}' || ` : ""}LISTAGG(${c.item}, '${c.separator}') WITHIN GROUP (${order})${c.suffix ? ` || '${c.suffix}'` : ""} INTO :sent, :body FROM ${p.alerts} WHERE DELIVERY_BATCH = :batch;`,
    `    IF (sent = 0) THEN`,
    `      BREAK;`,
    `    END IF;`,
    `    ${c.send};`,
    `    UPDATE ${p.alerts} SET ${c.column} = CURRENT_TIMESTAMP() WHERE DELIVERY_BATCH = :batch;`,
    `  END FOR;`,
  ];
  return [
    "DECLARE",
    "  batch VARCHAR DEFAULT '';",
    "  sent INTEGER DEFAULT 0;",
    "  body VARCHAR DEFAULT '';",
    "BEGIN",
    `  UPDATE ${p.alerts} SET ALERT_ID = UUID_STRING() WHERE ALERT_ID IS NULL AND DELIVERED_AT IS NULL;`,
    ...channels.flatMap(loop),
    `  UPDATE ${p.alerts} SET DELIVERED_AT = CURRENT_TIMESTAMP() WHERE DELIVERED_AT IS NULL AND ${channels.map((c) => `${c.column} IS NOT NULL`).join(" AND ")};`,
    "END",
  ].join("\n");
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
