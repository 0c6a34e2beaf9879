import { qualified } from "../../modules/core/naming";
import { type BoundStatement, loadedFilesQuery } from "../backfill/sql";
import { COPY_FILES_LIMIT, backfillCopyStatement } from "../../modules/snowflake/snowpipe/sql";
import { keyOfLoaded } from "../backfill/plan";
import { type SqlBind, type SqlClient, type SqlResult, type SqlRow, cell } from "../snowflake-sql-api";
import { type SourceRestoreNames, liveTable } from "./backup";
import { LakehouseError } from "../../modules/core/errors";

/**
 * The Snowflake side of restore, over the shared SQL API client (cli/snowflake-sql-api.ts) and the
 * load statements of modules/snowflake/snowpipe/sql.ts (the pipe's COPY transformation, the
 * file-list COPY) and backfill's already-loaded query (cli/backfill/sql.ts).
 */

/** A statement Snowflake refused or did not answer, with the statement's first line. */
export class SnowflakeError extends LakehouseError {
  constructor(message: string) {
    super(message, "failed");
  }
}

/** Runs a statement; a failure becomes a SnowflakeError naming what was being done. */
export async function run(client: SqlClient, what: string, sql: string, binds?: readonly SqlBind[]): Promise<SqlResult> {
  try {
    return await client.query(sql, binds);
  } catch (e) {
    throw new SnowflakeError(`${what} failed: ${e instanceof Error ? e.message : String(e)} (statement: ${sql.split("\n")[0]}…)`);
  }
}

/** COPY FILES = (…) takes at most 1,000 names per statement. */
export const MAX_COPY_FILES = COPY_FILES_LIMIT;

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
    return {
      problem: `must be a schema, SCHEMA.TABLE or DATABASE.SCHEMA.TABLE of unquoted identifiers (letters, digits, _ and $, not starting with a digit), not '${into}'`,
    };
  }
  const up = parts.map((p) => p.toUpperCase());
  if (up.length === 1) return { target: qualified(names.database, up[0], defaultTable) };
  if (up.length === 2) return { target: qualified(names.database, up[0], up[1]) };
  return { target: up.join(".") };
}

/** The restore table, made like the source's log table (same columns, clustering and comment). */
export function createTargetStatement(target: string, names: SourceRestoreNames): string {
  return `CREATE TABLE IF NOT EXISTS ${target} LIKE ${liveTable(names)}`;
}

/**
 * The COPY of `files` (names relative to the backup stage's URL) into `target`: backfill's COPY
 * (the pipe's transformation, file format and ON_ERROR; FORCE = FALSE; LOAD_UNCERTAIN_FILES = TRUE,
 * which backups older than the 64 days of load metadata need) over the backup stage.
 */
export function restoreCopyStatement(target: string, names: SourceRestoreNames, files: readonly string[]): string {
  return backfillCopyStatement({ ...names.copy, table: target }, files);
}

/** Names per already-loaded query (each file is asked in both spellings). */
const NAMES_PER_QUERY = 1000;

/**
 * The already-loaded queries for `files`: backfill's (SOURCE_FILE IN …), each file in both
 * spellings of METADATA$FILENAME (relative to the stage, and the whole key): the same object gets
 * the same value through the live stage and the backup stage, both ending in the source's prefix.
 */
export function alreadyLoadedQueries(target: string, files: readonly { readonly key: string; readonly name: string }[]): BoundStatement[] {
  const names = files.flatMap((f) => [f.name, f.key]);
  const out: BoundStatement[] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_QUERY) out.push(loadedFilesQuery(target, [], names.slice(i, i + NAMES_PER_QUERY)));
  return out;
}

/** The keys among `files` whose SOURCE_FILE (in either spelling) the target holds. */
export async function alreadyLoaded(
  client: SqlClient,
  target: string,
  keyPrefix: string,
  files: readonly { readonly key: string; readonly name: string }[],
): Promise<Set<string>> {
  const present = new Set<string>();
  for (const q of alreadyLoadedQueries(target, files)) {
    const result = await run(client, `finding files already in ${target}`, q.sql, q.binds);
    for (const row of result.rows) {
      const name = cell(row, "SOURCE_FILE");
      if (name !== null) present.add(keyOfLoaded(name, keyPrefix));
    }
  }
  return new Set(files.filter((f) => present.has(f.key)).map((f) => f.key));
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
      const file = cell(r, "file");
      return typeof file === "string" && (file === name || file.endsWith(`/${name}`));
    });
    if (row === undefined) continue;
    const status = cell(row, "status") ?? "";
    const rowsLoaded = Number(cell(row, "rows_loaded") ?? 0);
    const firstError = cell(row, "first_error") ?? "";
    if (status === "LOADED" || status === "PARTIALLY_LOADED")
      out.set(name, { loaded: true, rows: rowsLoaded, ...(status === "PARTIALLY_LOADED" ? { error: `PARTIALLY_LOADED: ${firstError}` } : {}) });
    else out.set(name, { loaded: false, error: `${status || "no status"}: ${firstError}`.trim() });
  }
  return out;
}
