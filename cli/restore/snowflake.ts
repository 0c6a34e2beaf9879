import { copyStatement, literal } from "../../modules/snowflake/sql";
import { qualified } from "../../modules/core/naming";
import type { SourceRestoreNames } from "./backup";

/**
 * The Snowflake side of restore, against the smallest client it needs. `lakehouse backfill` is getting
 * a Snowflake SQL API client (`SqlClient { query(sql, binds?) }`), the shared COPY transformation and
 * the SOURCE_FILE de-duplication; at merge this file switches to those (same shapes, on purpose).
 */
export type SqlRow = Readonly<Record<string, unknown>>;

export interface SqlClient {
  /** Runs one statement; `binds` fill its `?` in order. Resolves to the result rows, keyed by column name. */
  query(sql: string, binds?: readonly unknown[]): Promise<readonly SqlRow[]>;
}

/** A statement Snowflake refused or did not answer, with the statement's first line. */
export class SnowflakeError extends Error {}

/** Runs a statement; a failure becomes a SnowflakeError naming what was being done. */
export async function run(client: SqlClient, what: string, sql: string, binds?: readonly unknown[]): Promise<readonly SqlRow[]> {
  try {
    return await client.query(sql, binds);
  } catch (e) {
    throw new SnowflakeError(`${what} failed: ${e instanceof Error ? e.message : String(e)} (statement: ${sql.split("\n")[0]}…)`);
  }
}

/** COPY FILES = (…) takes at most 1,000 names per statement. */
export const MAX_COPY_FILES = 1000;

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * `--into`: a schema (the table is `<TABLE>_RESTORED` there), `SCHEMA.TABLE` or `DATABASE.SCHEMA.TABLE`
 * (unquoted identifiers, upper-cased as Snowflake does). Without it, `<TABLE>_RESTORED` in the tenant's schema.
 */
export function restoreTarget(names: SourceRestoreNames, into: string | undefined): { target: string } | { problem: string } {
  const defaultTable = `${names.table}_RESTORED`;
  if (into === undefined) return { target: qualified(names.database, names.schema, defaultTable) };
  const parts = into.split(".");
  if (parts.length > 3 || parts.some((p) => !IDENT.test(p))) {
    return { problem: `must be a schema, SCHEMA.TABLE or DATABASE.SCHEMA.TABLE of unquoted identifiers (letters, digits, _ and $, not starting with a digit), not '${into}'` };
  }
  const up = parts.map((p) => p.toUpperCase());
  if (up.length === 1) return { target: qualified(names.database, up[0], defaultTable) };
  if (up.length === 2) return { target: qualified(names.database, up[0], up[1]) };
  return { target: up.join(".") };
}

/** The restore table, made like the source's log table (same columns, clustering and comment). */
export function createTargetStatement(target: string, names: SourceRestoreNames): string {
  return `CREATE TABLE IF NOT EXISTS ${target} LIKE ${qualified(names.database, names.schema, names.table)}`;
}

/** Which of the candidate file names the target already holds (one bind: a JSON array of names). */
export function alreadyLoadedStatement(target: string): string {
  return `SELECT DISTINCT SOURCE_FILE FROM ${target} WHERE SOURCE_FILE IN (SELECT VALUE::VARCHAR FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))))`;
}

export interface RestoreCopyParts {
  readonly target: string;
  readonly names: SourceRestoreNames;
  readonly eventTimeField: string;
  readonly eventTimeFormat: string;
  /** File names relative to the `<TABLE>_BACKUP` stage's URL (the object key without the source's key prefix). */
  readonly files: readonly string[];
}

/**
 * The source's own COPY transformation (the pipe's: DATA, load time, EVENT_TIME, SOURCE_FILE, row)
 * over the `<TABLE>_BACKUP` stage, limited to the given files.
 */
export function restoreCopyStatement(p: RestoreCopyParts): string {
  if (p.files.length === 0 || p.files.length > MAX_COPY_FILES) throw new Error(`a COPY names 1 to ${MAX_COPY_FILES} files, not ${p.files.length}`);
  const base = copyStatement({
    table: p.target,
    stage: qualified(p.names.database, p.names.schema, p.names.backupStage),
    fileFormat: qualified(p.names.database, p.names.schema, p.names.fileFormat),
    eventTimeField: p.eventTimeField,
    eventTimeFormat: p.eventTimeFormat,
    onError: "CONTINUE",
  });
  // FILES goes right after the FROM ( … ) block, before FILE_FORMAT.
  return base.replace("\n)\nFILE_FORMAT", `\n)\nFILES = (${p.files.map(literal).join(", ")})\nFILE_FORMAT`);
}

/** A value of a result row by column name, whatever its case (COPY answers in lower case, queries in upper). */
function column(row: SqlRow, name: string): unknown {
  const found = Object.keys(row).find((k) => k.toLowerCase() === name.toLowerCase());
  return found === undefined ? undefined : row[found];
}

/**
 * The SOURCE_FILE values among `candidates` that the target holds. Candidates are each file's name
 * relative to the stage and its full key: Snowflake documents METADATA$FILENAME as "the full path to
 * the data file" without saying relative to what, and either way the same object gets the same value
 * through the live stage and the backup stage (both end in the source's key prefix).
 */
export async function alreadyLoaded(client: SqlClient, target: string, files: readonly { readonly key: string; readonly name: string }[]): Promise<Set<string>> {
  const names = files.flatMap((f) => [f.name, f.key]);
  const rows = await run(client, `finding files already in ${target}`, alreadyLoadedStatement(target), [JSON.stringify(names)]);
  const present = new Set(rows.map((r) => String(column(r, "SOURCE_FILE"))));
  return new Set(files.filter((f) => present.has(f.name) || present.has(f.key)).map((f) => f.key));
}

export interface FileLoad {
  readonly loaded: boolean;
  readonly rows?: number;
  /** Status and first error of a file COPY did not load. */
  readonly error?: string;
}

/**
 * COPY's answer per file: one row per file (`file`, `status`, `rows_loaded`, `first_error`), `file` being
 * the stage path or URL, so it is matched by its ending. A file COPY does not mention is left out of
 * the map: COPY skips files its load history says it loaded into this table before, and the caller
 * asks the table whether they are there rather than assume it.
 */
export function copyResults(rows: readonly SqlRow[], files: readonly string[]): Map<string, FileLoad> {
  const out = new Map<string, FileLoad>();
  for (const name of files) {
    const row = rows.find((r) => {
      const file = column(r, "file");
      return typeof file === "string" && (file === name || file.endsWith(`/${name}`));
    });
    if (row === undefined) continue;
    const status = String(column(row, "status") ?? "");
    const rowsLoaded = Number(column(row, "rows_loaded") ?? 0);
    if (status === "LOADED" || status === "PARTIALLY_LOADED") out.set(name, { loaded: true, rows: rowsLoaded, ...(status === "PARTIALLY_LOADED" ? { error: `PARTIALLY_LOADED: ${String(column(row, "first_error") ?? "")}` } : {}) });
    else out.set(name, { loaded: false, error: `${status || "no status"}: ${String(column(row, "first_error") ?? "")}`.trim() });
  }
  return out;
}

/**
 * The Snowflake client the CLI loads with. This build has none of its own: the SQL API client is
 * `lakehouse backfill`'s (cli/snowflake-sql-api.ts), and restore switches to it at merge. Until then
 * a run does the S3 side (requests, progress, state) and reports readable files it cannot load.
 */
export function snowflakeClientFromEnvironment(): { client?: SqlClient; unavailable?: string } {
  return { unavailable: "loading needs the Snowflake SQL API client of `lakehouse backfill`, which this build does not have yet" };
}
