/**
 * Test doubles for the backfill engine: an in-memory bucket with ListObjectsV2's prefix, delimiter
 * and paging rules, and an in-memory Snowflake (`SqlClient`) that executes the statements the
 * backfill emits — progress rows, the already-loaded query, COPY with FILES and FORCE = FALSE load
 * metadata, the query history — and records every COPY's FILES list, so tests can check that no
 * file was loaded twice. The moto tests (test/runtime/backfill.moto.ts) check the listing against
 * a real S3 server.
 */
import { BACKFILL_PROGRESS_COLUMNS } from "../../modules/snowflake/backfill-warehouse";
import type { ListPage, ObjectLister, StoredObject } from "../../cli/backfill/listing";
import { SnowflakeSqlError, type SqlBind, type SqlClient, type SqlResult, type SqlRow, type QueryOptions } from "../../cli/snowflake-sql-api";

export class MemoryLister implements ObjectLister {
  readonly objects: StoredObject[];
  pages = 0;
  /** Throws on this page call (1-based): an interruption mid-listing. */
  failOnPage?: number;
  /** Every (prefix, delimiter) listed. */
  readonly listed: string[] = [];

  constructor(
    objects: readonly StoredObject[],
    private readonly pageSize = 1000,
  ) {
    this.objects = [...objects].sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async page(prefix: string, delimiter: "/" | undefined, token: string | undefined): Promise<ListPage> {
    this.pages++;
    if (this.failOnPage === this.pages) throw new Error(`S3 ListObjectsV2 s3://test/${prefix} failed: simulated interruption`);
    if (token === undefined) this.listed.push(`${prefix}${delimiter ? " (/)" : ""}`);
    // S3 lists objects and common prefixes together, in key order; MaxKeys counts both.
    const entries: ({ object: StoredObject } | { prefix: string })[] = [];
    const seen = new Set<string>();
    for (const o of this.objects) {
      if (!o.key.startsWith(prefix)) continue;
      const rest = o.key.slice(prefix.length);
      const cut = delimiter ? rest.indexOf(delimiter) : -1;
      if (cut >= 0) {
        const p = prefix + rest.slice(0, cut + 1);
        if (!seen.has(p)) {
          entries.push({ prefix: p });
          seen.add(p);
        }
      } else entries.push({ object: o });
    }
    const start = token ? Number(token) : 0;
    const slice = entries.slice(start, start + this.pageSize);
    return {
      objects: slice.flatMap((e) => ("object" in e ? [e.object] : [])),
      prefixes: slice.flatMap((e) => ("prefix" in e ? [e.prefix] : [])),
      next: start + this.pageSize < entries.length ? String(start + this.pageSize) : undefined,
    };
  }
}

/** Where the fake stops, to simulate the client dying: before the statement reaches Snowflake, or after it committed. */
export type CrashPoint = {
  readonly statement: "progress" | "copy" | "loaded" | "history";
  readonly index: number;
  readonly when: "before" | "after" | "running";
};

export interface FakeSnowflakeOptions {
  readonly progressTable: string;
  readonly bucket: string;
  readonly keyPrefix: string;
  /** Rows a file yields (its content). */
  readonly rowsOf: (stageName: string) => number;
  /** How SOURCE_FILE spells a file: the key from the bucket root, or the name in the stage. @default "bucket" */
  readonly spelling?: "bucket" | "stage";
}

export class SimulatedCrash extends Error {}

export class FakeSnowflake implements SqlClient {
  /** SOURCE_FILE values per table, one per loaded row. */
  readonly tables = new Map<string, string[]>();
  readonly progress: Record<string, string | null>[] = [];
  /** Every COPY that ran: its table, FILES list (stage names) and query tag. */
  readonly copies: { table: string; files: string[]; tag?: string }[] = [];
  /** Statements run, by kind. */
  readonly counts = { progress: 0, copy: 0, loaded: 0, history: 0, read: 0 };
  readonly statements: { sql: string; binds: readonly SqlBind[] }[] = [];
  crash?: CrashPoint;
  /** COPYs still running in the background (a client that died does not stop them): tag → polls of the history left. */
  readonly running = new Map<string, { polls: number; apply: () => void; id: string }>();
  /** The next COPY fails with this Snowflake error. */
  failNextCopy?: SnowflakeSqlError;
  private loadMetadata = new Map<string, Set<string>>();

  constructor(private readonly o: FakeSnowflakeOptions) {}

  /** Rows the pipe loaded (no COPY load metadata: the pipe's history is its own). */
  pipeLoaded(table: string, stageNames: readonly string[]): void {
    for (const n of stageNames) this.addRows(table, n);
  }

  /** How many times each stage name was in a COPY's FILES. */
  timesCopied(): Map<string, number> {
    const m = new Map<string, number>();
    for (const c of this.copies) for (const f of c.files) m.set(f, (m.get(f) ?? 0) + 1);
    return m;
  }

  private addRows(table: string, name: string): number {
    const spelled = (this.o.spelling ?? "bucket") === "bucket" ? `${this.o.keyPrefix}${name}` : name;
    const rows = this.o.rowsOf(name);
    const list = this.tables.get(table) ?? [];
    for (let i = 0; i < rows; i++) list.push(spelled);
    this.tables.set(table, list);
    return rows;
  }

  private crashCheck(statement: CrashPoint["statement"], when: "before" | "after"): void {
    const c = this.crash;
    if (c && c.statement === statement && c.index === this.counts[statement] && c.when === when) {
      this.crash = undefined;
      throw new SimulatedCrash(`simulated crash ${when} ${statement} #${c.index}`);
    }
  }

  async query(sql: string, binds: readonly SqlBind[] = [], options: QueryOptions = {}): Promise<SqlResult> {
    this.statements.push({ sql, binds });
    if (sql.startsWith(`INSERT INTO ${this.o.progressTable} `)) {
      this.counts.progress++;
      this.crashCheck("progress", "before");
      const columns = /\(([^)]+)\)/.exec(sql)![1].split(", ");
      const row: Record<string, string | null> = Object.fromEntries(BACKFILL_PROGRESS_COLUMNS.map((c) => [c.name, null]));
      columns.forEach((c, i) => (row[c] = binds[i] === null ? null : String(binds[i])));
      row.RECORDED_AT = String(this.progress.length);
      this.progress.push(row);
      this.crashCheck("progress", "after");
      return result([], []);
    }
    if (sql.startsWith("SELECT RUN_ID, BATCH, STATUS")) {
      this.counts.read++;
      const [tenant, source, table, from, to] = binds;
      const mine = this.progress.filter(
        (r) => r.TENANT === tenant && r.SOURCE === source && r.TARGET_TABLE === table && r.RANGE_FROM === from && r.RANGE_TO === to,
      );
      const latest = mine.at(-1)?.RUN_ID;
      const cols = ["RUN_ID", "BATCH", "STATUS", "FILES", "FILE_COUNT", "BYTES", "ROWS_LOADED", "ERRORS", "QUERY_TAG"];
      return result(
        cols,
        this.progress.filter((r) => latest !== undefined && r.RUN_ID === latest).map((r) => cols.map((c) => r[c])),
      );
    }
    if (sql.startsWith("SELECT DISTINCT SOURCE_FILE")) {
      this.counts.loaded++;
      this.crashCheck("loaded", "before");
      const table = /FROM (\S+)/.exec(sql)![1];
      const ranges = (sql.match(/\(SOURCE_FILE >= \? AND SOURCE_FILE < \?\)/g) ?? []).length;
      const bounds = binds.slice(0, ranges * 2).map(String);
      const names = new Set(binds.slice(ranges * 2).map(String));
      const hit = (f: string) => names.has(f) || Array.from({ length: ranges }, (_, i) => f >= bounds[2 * i] && f < bounds[2 * i + 1]).some(Boolean);
      return result(
        ["SOURCE_FILE"],
        [...new Set((this.tables.get(table) ?? []).filter(hit))].map((f) => [f]),
      );
    }
    if (sql.startsWith("COPY INTO ")) {
      this.counts.copy++;
      this.crashCheck("copy", "before");
      if (this.failNextCopy) {
        const e = this.failNextCopy;
        this.failNextCopy = undefined;
        throw e;
      }
      const table = /^COPY INTO (\S+)/.exec(sql)![1];
      const filesClause = /\nFILES = \((.*)\)\n/.exec(sql)![1];
      const files = [...filesClause.matchAll(/'((?:[^'\\]|''|\\.)*)'/g)].map((m) => m[1].replace(/''/g, "'").replace(/\\(.)/g, "$1"));
      if (!/\nFORCE = FALSE\n/.test(sql)) throw new Error("the fake models FORCE = FALSE only");
      const apply = () => {
        this.copies.push({ table, files, tag: options.queryTag });
        const meta = this.loadMetadata.get(table) ?? new Set<string>();
        this.loadMetadata.set(table, meta);
        const out: (string | null)[][] = [];
        for (const f of files) {
          if (meta.has(f)) continue; // FORCE = FALSE: loaded by an earlier COPY, skipped
          meta.add(f);
          const rows = this.addRows(table, f);
          out.push([`s3://${this.o.bucket}/${this.o.keyPrefix}${f}`, "LOADED", String(rows), String(rows), "1", "0", null]);
        }
        return out;
      };
      const c = this.crash;
      if (c && c.statement === "copy" && c.index === this.counts.copy && c.when === "running") {
        this.crash = undefined;
        this.running.set(options.queryTag ?? "", { polls: 2, apply: () => void apply(), id: `q-${this.counts.copy}` });
        throw new SimulatedCrash(`simulated crash while COPY #${c.index} runs on`);
      }
      const out = apply();
      this.crashCheck("copy", "after");
      if (out.length === 0) return result(["status"], [["Copy executed with 0 files processed."]]);
      return result(["file", "status", "rows_parsed", "rows_loaded", "error_limit", "errors_seen", "first_error"], out);
    }
    if (sql.startsWith("SELECT QUERY_ID, QUERY_TAG, EXECUTION_STATUS")) {
      this.counts.history++;
      const tags = new Set(binds.map(String));
      const rows: (string | null)[][] = [];
      for (const [tag, r] of this.running) {
        if (!tags.has(tag)) continue;
        if (r.polls-- <= 0) {
          r.apply();
          this.running.delete(tag);
        } else rows.push([r.id, tag, "RUNNING"]);
      }
      return result(["QUERY_ID", "QUERY_TAG", "EXECUTION_STATUS"], rows);
    }
    throw new Error(`the fake Snowflake does not know this statement: ${sql.slice(0, 80)}`);
  }
}

function result(columns: string[], data: (string | null)[][]): SqlResult {
  const rows: SqlRow[] = data.map((values) => Object.fromEntries(columns.map((c, i) => [c, values[i] ?? null])));
  return { columns, rows };
}
