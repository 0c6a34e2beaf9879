import { gunzipSync } from "node:zlib";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { SqlBind, SqlClient, SqlResult, SqlRow } from "../../../cli/snowflake-sql-api";

export interface MemoryRow {
  readonly DATA: unknown;
  /** The line as staged when it is not JSON: the load keeps it rather than dropping it. */
  readonly RAW_TEXT?: string;
  readonly SOURCE_FILE: string;
  readonly SOURCE_FILE_ROW: number;
}

/**
 * An in-memory stand-in for the few Snowflake statements restore runs, interpreting the SQL it is sent
 * (anything else is an error, so a changed statement fails the tests): CREATE TABLE … LIKE, the
 * SOURCE_FILE look-up and COPY INTO … FILES = (…) from a stage. COPY reads each file from S3 through
 * the stage's bucket and prefix — so a file that is still archived fails the COPY as S3 refuses the
 * read — writes one row per line (a line that is not JSON kept as RAW_TEXT) and keeps a load history per table, skipping (without a
 * result row) files it loaded into that table before, as Snowflake's COPY does.
 */
export class MemorySnowflake implements SqlClient {
  readonly tables = new Map<string, MemoryRow[]>();
  /** Every COPY: its target and the FILES list, in order. */
  readonly copies: { readonly target: string; readonly files: readonly string[] }[] = [];
  readonly statements: string[] = [];
  private readonly loadHistory = new Map<string, Set<string>>();
  /** Throws after the n-th COPY (1-based) has loaded its files: a connection lost after the commit. */
  failAfterCopy?: number;

  constructor(
    private readonly s3: S3Client,
    private readonly stages: ReadonlyMap<string, { readonly bucket: string; readonly prefix: string }>,
    /** What METADATA$FILENAME gives: the path relative to the stage URL, or the whole key. */
    private readonly fileName: "relative" | "key" = "relative",
  ) {}

  async query(sql: string, binds?: readonly SqlBind[]): Promise<SqlResult> {
    const rows = await this.rows(sql, binds ?? []);
    return { columns: rows.length > 0 ? Object.keys(rows[0]) : [], rows };
  }

  private async rows(sql: string, binds: readonly SqlBind[]): Promise<SqlRow[]> {
    this.statements.push(sql);
    let m = /^CREATE TABLE IF NOT EXISTS ([A-Z0-9_.]+) LIKE ([A-Z0-9_.]+)$/.exec(sql);
    if (m) {
      if (!this.tables.has(m[2])) throw new Error(`Table '${m[2]}' does not exist or not authorized.`);
      if (!this.tables.has(m[1])) this.tables.set(m[1], []);
      return [{ status: `Table ${m[1]} successfully created.` }];
    }
    m = /^SELECT DISTINCT SOURCE_FILE\nFROM ([A-Z0-9_.]+)\nWHERE SOURCE_FILE IN \(\?(?:, \?)*\)$/.exec(sql);
    if (m) {
      if ((sql.match(/\?/g) ?? []).length !== binds.length) throw new Error(`${binds.length} binds for the placeholders of:\n${sql}`);
      const wanted = new Set(binds.map(String));
      const present = new Set(
        this.table(m[1])
          .map((r) => r.SOURCE_FILE)
          .filter((f) => wanted.has(f)),
      );
      return [...present].map((f) => ({ SOURCE_FILE: f }));
    }
    // The restore's COPY (backfillCopyStatement in modules/snowflake/snowpipe/sql.ts): any select list over
    // one stage, an explicit FILES list and the load's own options.
    m =
      /^COPY INTO ([A-Z0-9_.]+) \(DATA, PARSE_TIME, EVENT_TIME, SOURCE_FILE, SOURCE_FILE_ROW, RAW_TEXT, PARSE_ERROR\)\nFROM \(\n {2}SELECT\n(?: {4}.+\n)+ {2}FROM @([A-Z0-9_.]+)\n\)\nFILES = \((.+)\)\nFILE_FORMAT = \(FORMAT_NAME = '[A-Z0-9_.]+_LINES'\)\nON_ERROR = CONTINUE\nFORCE = FALSE\nLOAD_UNCERTAIN_FILES = TRUE$/.exec(
        sql,
      );
    if (m) return this.copy(m[1], m[2], literals(m[3]));
    throw new Error(`MemorySnowflake does not know this statement:\n${sql}`);
  }

  private table(name: string): MemoryRow[] {
    const t = this.tables.get(name);
    if (!t) throw new Error(`Table '${name}' does not exist or not authorized.`);
    return t;
  }

  private async copy(target: string, stageName: string, files: string[]): Promise<SqlRow[]> {
    const table = this.table(target);
    const stage = this.stages.get(stageName);
    if (!stage) throw new Error(`Stage '${stageName}' does not exist or not authorized.`);
    if (files.length > 1000) throw new Error("FILES takes at most 1000 names");
    this.copies.push({ target, files });
    const history = this.loadHistory.get(target) ?? new Set<string>();
    this.loadHistory.set(target, history);
    const result: SqlRow[] = [];
    for (const name of files) {
      if (history.has(name)) continue;
      const key = `${stage.prefix}${name}`;
      const res = await this.s3.send(new GetObjectCommand({ Bucket: stage.bucket, Key: key }));
      const body = Buffer.from(await res.Body!.transformToByteArray());
      const lines = gunzipSync(body)
        .toString("utf8")
        .split("\n")
        .filter((l) => l.trim() !== "");
      lines.forEach((line, i) => table.push({ ...parsedOrRaw(line), SOURCE_FILE: this.fileName === "relative" ? name : key, SOURCE_FILE_ROW: i + 1 }));
      history.add(name);
      result.push({
        file: `s3://${stage.bucket}/${key}`,
        status: "LOADED",
        rows_parsed: String(lines.length),
        rows_loaded: String(lines.length),
        first_error: null,
      });
    }
    if (this.failAfterCopy !== undefined && this.copies.length === this.failAfterCopy) throw new Error("connection reset by peer (after the COPY committed)");
    return result.length > 0 ? result : [{ status: "Copy executed with 0 files processed." }];
  }
}

/** A line as the load keeps it: the parsed record, or the text itself. */
function parsedOrRaw(line: string): { DATA: unknown; RAW_TEXT?: string } {
  try {
    return { DATA: JSON.parse(line) };
  } catch {
    return { DATA: null, RAW_TEXT: line };
  }
}

/** `'a', 'b''c', 'd\\\\e'` → ["a", "b'c", "d\\e"] (textLiteral's escapes undone). */
function literals(list: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^'\\]|''|\\.)*)'(?:, |$)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(list)) !== null) {
    out.push(m[1].replace(/''/g, "'").replace(/\\(.)/g, "$1"));
    consumed = re.lastIndex;
  }
  if (consumed !== list.length) throw new Error(`FILES list not understood: ${list}`);
  return out;
}
