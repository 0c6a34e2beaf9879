/**
 * `lakehouse backfill`'s work, independent of the command line: list the source's objects in the
 * range, leave out what is already loaded, COPY the rest in batches through the pipe's own
 * transformation, and record every step in the progress table so an interrupted run continues
 * where it stopped without loading a file twice.
 *
 * Why a file is never loaded twice:
 * - the pipe's files: the already-loaded query reads SOURCE_FILE of the table (and, for a wrapped
 *   source, of its per-event table too: the landing table's cleaner purges after 7 days) within the
 *   range, and leaves those files out — the pipe's load history is not the table's load metadata,
 *   so COPY itself would not skip them;
 * - files the pipe is still loading: objects modified in the last `pipeQuietMs` are left to it;
 * - a crash after a COPY and before its BATCH_LOADED row: the rerun's already-loaded query finds the
 *   rows that COPY committed;
 * - a COPY still running in Snowflake when the client died: the rerun waits, by the batch's QUERY_TAG,
 *   until no statement of the run is running before it lists and checks;
 * - and FORCE = FALSE: Snowflake's own load metadata of the table (64 days) skips files an earlier
 *   COPY of the backfill loaded.
 * A file whose COPY produced no row (empty, or every row an error) is not in SOURCE_FILE; its
 * batch's BATCH_LOADED row keeps a resumed run from trying it again.
 */
import { BackfillProgressEvent, BackfillRunKey, loadedFilesQuery, progressInsert, progressQuery, runningQueriesQuery, BoundStatement } from "./sql";
import { CopyStatementParts, backfillCopyStatement } from "../../modules/snowflake/snowpipe/sql";
import { SnowflakeSqlError, SqlClient, SqlResult, cell } from "../snowflake-sql-api";
import { Candidate, Listing, ObjectLister, listCandidates } from "./listing";
import { Batch, Estimate, WarehouseSize, estimate, keyOfLoaded, loadedQueryParts, planBatches, stageRelative } from "./plan";
import { iso } from "./range";

/** One source of one tenant in one environment, as the config resolves it. */
export interface BackfillTarget {
  readonly tenant: string;
  readonly source: string;
  readonly bucket: string;
  readonly region: string;
  /** The source's prefix (the stage's URL path), ending in '/'. */
  readonly keyPrefix: string;
  /** The pipe's notification suffix; none: every object under the prefix. */
  readonly suffix?: string;
  /** The pipe's COPY parts: target table (a wrapped source's landing table), stage, file format, transformation, ON_ERROR. */
  readonly copy: CopyStatementParts;
  /** Tables whose SOURCE_FILE says a file is loaded: the target, and a wrapped source's per-event table. */
  readonly loadedTables: readonly string[];
  /** `DB.BACKFILL.PROGRESS` */
  readonly progressTable: string;
  readonly database: string;
  /** The backfill warehouse the config makes for this account. */
  readonly warehouse: { readonly name: string; readonly size: WarehouseSize; readonly autoSuspendSeconds: number };
  /** The table cleaner's retention, in days after each row's load (a backfilled row too: it stays this long from its backfill). */
  readonly tableRetentionDays: number;
}

export interface BackfillOptions {
  readonly fromMs: number;
  readonly toMs: number;
  /** Files per COPY, at most 1,000. */
  readonly maxFiles: number;
  /** Bytes per COPY (as listed in S3); a bigger file goes alone. */
  readonly maxBytes: number;
  readonly dryRun: boolean;
  /** Objects modified this recently are left to the pipe. @default 30 minutes */
  readonly pipeQuietMs?: number;
  /** Wait between checks for a COPY an interrupted run left running. @default 10 seconds */
  readonly runningPollMs?: number;
  /** Give up waiting for such a COPY after this long. @default 3 hours (the warehouse cancels a statement after 2) */
  readonly runningMaxWaitMs?: number;
}

export type BackfillEvent =
  | { readonly kind: "resuming"; readonly runId: string; readonly batchesLoaded: number; readonly unfinishedBatches: number }
  | { readonly kind: "waiting"; readonly running: readonly string[] }
  | { readonly kind: "listing"; readonly requests: number; readonly candidates: number }
  | { readonly kind: "planned"; readonly files: number; readonly bytes: number; readonly batches: number }
  | { readonly kind: "batch"; readonly done: number; readonly total: number; readonly files: number; readonly bytes: number; readonly rows: number };

export interface BackfillDeps {
  readonly lister: ObjectLister;
  /** Snowflake; none plans from S3 alone (a dry run without credentials: already-loaded files are not known). */
  readonly sql?: SqlClient;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly newRunId: () => string;
  readonly onEvent?: (event: BackfillEvent) => void;
}

export interface BackfillReport {
  readonly dryRun: boolean;
  readonly runId?: string;
  readonly resumed: boolean;
  readonly range: { readonly from: string; readonly to: string };
  readonly target: { readonly table: string; readonly stage: string; readonly location: string; readonly suffix?: string };
  readonly listed: {
    readonly files: number;
    readonly bytes: number;
    readonly byPath: number;
    readonly byLastModified: number;
    readonly requests: number;
    readonly dateFolders: readonly string[];
  };
  /** Files of the range already in the table (by SOURCE_FILE); null when Snowflake was not asked. */
  readonly alreadyLoaded: { readonly files: number; readonly bytes: number } | null;
  /** Files that loaded no row in an earlier part of this run (their BATCH_LOADED row says so). */
  readonly doneEarlierInRun: number;
  /** Files modified too recently: the pipe loads them. */
  readonly leftToPipe: number;
  readonly plan: { readonly files: number; readonly bytes: number; readonly batches: number; readonly estimate: Estimate };
  readonly loaded: {
    readonly batches: number;
    readonly files: number;
    readonly bytes: number;
    readonly rows: number;
    readonly errors: number;
    readonly failedFiles: number;
    readonly skippedBySnowflake: number;
  };
  /** Load rate this run saw (bytes of the loaded batches over their COPY time). */
  readonly measuredGbPerHour?: number;
  readonly warnings: readonly string[];
  /** Why the run stopped before loading everything (a COPY Snowflake refused); rerun to continue. */
  readonly failure?: string;
  readonly seconds: number;
}

interface BatchState {
  files?: readonly string[];
  queryTag?: string;
  loaded?: boolean;
  failed?: boolean;
  rows: number;
  errors: number;
  fileCount: number;
  bytes: number;
}

interface RunState {
  readonly runId: string;
  readonly finished: boolean;
  readonly batches: ReadonlyMap<number, BatchState>;
}

/** The latest run of this backfill from the progress table's rows, or undefined if it never ran. */
export function runStateOf(result: SqlResult): RunState | undefined {
  if (result.rows.length === 0) return undefined;
  const runId = String(cell(result.rows[0], "RUN_ID"));
  const batches = new Map<number, BatchState>();
  let finished = false;
  for (const row of result.rows) {
    const status = cell(row, "STATUS");
    const n = Number(cell(row, "BATCH"));
    if (status === "RUN_FINISHED") finished = true;
    if (n === 0) continue;
    const b = batches.get(n) ?? { rows: 0, errors: 0, fileCount: 0, bytes: 0 };
    batches.set(n, b);
    if (status === "BATCH_STARTED") {
      const files = cell(row, "FILES");
      b.files = files ? (JSON.parse(files) as string[]) : [];
      b.queryTag = cell(row, "QUERY_TAG") ?? undefined;
      b.fileCount = Number(cell(row, "FILE_COUNT") ?? 0);
      b.bytes = Number(cell(row, "BYTES") ?? 0);
    } else if (status === "BATCH_LOADED") {
      b.loaded = true;
      b.rows = Number(cell(row, "ROWS_LOADED") ?? 0);
      b.errors = Number(cell(row, "ERRORS") ?? 0);
    } else if (status === "BATCH_FAILED") {
      b.failed = true;
    }
  }
  return { runId, finished, batches };
}

/** What a COPY's result says, file by file (`file`, `status`, `rows_loaded`, `errors_seen`). */
export function copyOutcome(result: SqlResult): { files: number; rows: number; errors: number; failedFiles: number } {
  let files = 0;
  let rows = 0;
  let errors = 0;
  let failedFiles = 0;
  for (const row of result.rows) {
    // "Copy executed with 0 files processed." comes as one row with only a status.
    if (cell(row, "file") === null) continue;
    files++;
    rows += Number(cell(row, "rows_loaded") ?? 0);
    errors += Number(cell(row, "errors_seen") ?? 0);
    if (cell(row, "status") === "LOAD_FAILED") failedFiles++;
  }
  return { files, rows, errors, failedFiles };
}

const run = (sql: SqlClient, s: BoundStatement, options?: { queryTag?: string }) => sql.query(s.sql, s.binds, options);

/** Runs (or, with dryRun, plans) one backfill. Throws on what it cannot know the outcome of; rerun to continue. */
export async function runBackfill(target: BackfillTarget, options: BackfillOptions, deps: BackfillDeps): Promise<BackfillReport> {
  const started = deps.now();
  const { sql } = deps;
  const warnings: string[] = [];
  const key: BackfillRunKey = {
    tenant: target.tenant,
    source: target.source,
    targetTable: target.copy.table,
    rangeFrom: iso(options.fromMs),
    rangeTo: iso(options.toMs),
  };
  const event = (e: Omit<BackfillProgressEvent, keyof BackfillRunKey>) => run(sql!, progressInsert(target.progressTable, { ...key, ...e }));

  // 1. The latest run of the same backfill: resume it unless it finished.
  let state: RunState | undefined;
  if (sql) {
    const previous = runStateOf(await run(sql, progressQuery(target.progressTable, key)));
    if (previous && !previous.finished) state = previous;
  } else {
    warnings.push("Snowflake was not asked (no credentials): files already loaded are not known, and the plan counts them as to load");
  }
  const resumed = state !== undefined;
  const runId = state?.runId ?? (options.dryRun ? undefined : deps.newRunId());
  const batchesBefore = state ? [...state.batches.values()] : [];
  if (state) {
    deps.onEvent?.({
      kind: "resuming",
      runId: state.runId,
      batchesLoaded: batchesBefore.filter((b) => b.loaded).length,
      unfinishedBatches: batchesBefore.filter((b) => !b.loaded && !b.failed).length,
    });
  }
  if (sql && !options.dryRun && !resumed)
    await event({
      runId: runId!,
      batch: 0,
      status: "RUN_STARTED",
      message: `range ${key.rangeFrom} to ${key.rangeTo}, ${options.maxFiles} files / ${options.maxBytes} bytes per batch`,
    });

  // 2. A COPY an interrupted run left running would commit after our check: wait for it first.
  const unfinishedTags = batchesBefore.filter((b) => !b.loaded && !b.failed && b.queryTag).map((b) => b.queryTag!);
  if (sql && !options.dryRun && unfinishedTags.length > 0) {
    const deadline = deps.now() + (options.runningMaxWaitMs ?? 3 * 3_600_000);
    for (;;) {
      const running = (await run(sql, runningQueriesQuery(target.database, unfinishedTags))).rows.map((r) => String(cell(r, "QUERY_ID")));
      if (running.length === 0) break;
      if (deps.now() > deadline)
        throw new Error(
          `statements of the interrupted run are still running after ${Math.round((options.runningMaxWaitMs ?? 3 * 3_600_000) / 60_000)} minutes: ${running.join(", ")}; cancel them (SYSTEM$CANCEL_QUERY) or wait, then rerun`,
        );
      deps.onEvent?.({ kind: "waiting", running });
      await deps.sleep(options.runningPollMs ?? 10_000);
    }
  }

  // 3. List the range.
  const listing: Listing = await listCandidates(deps.lister, {
    keyPrefix: target.keyPrefix,
    suffix: target.suffix,
    fromMs: options.fromMs,
    toMs: options.toMs,
    onPage: (s) => deps.onEvent?.({ kind: "listing", ...s }),
  });

  // 4. What is loaded already: by SOURCE_FILE in the range, and files of this run's loaded batches.
  let loadedKeys: Set<string> | undefined;
  if (sql) {
    loadedKeys = new Set();
    const parts = loadedQueryParts(listing, target.keyPrefix);
    const queries = [
      ...(parts.ranges.length > 0 ? [{ ranges: parts.ranges, names: [] as readonly string[] }] : []),
      ...parts.nameChunks.map((names) => ({ ranges: [], names })),
    ];
    for (const table of target.loadedTables) {
      for (const q of queries) {
        for (const row of (await run(sql, loadedFilesQuery(table, q.ranges, q.names))).rows) {
          const name = cell(row, "SOURCE_FILE");
          if (name !== null) loadedKeys.add(keyOfLoaded(name, target.keyPrefix));
        }
      }
    }
  }
  const doneInRun = new Set(batchesBefore.filter((b) => b.loaded).flatMap((b) => (b.files ?? []).map((f) => `${target.keyPrefix}${f}`)));
  const quietSince = deps.now() - (options.pipeQuietMs ?? 30 * 60_000);
  const already: Candidate[] = [];
  let doneEarlierInRun = 0;
  let leftToPipe = 0;
  const pending: Candidate[] = [];
  for (const c of listing.candidates) {
    if (loadedKeys?.has(c.key)) already.push(c);
    else if (doneInRun.has(c.key)) doneEarlierInRun++;
    else if (c.lastModifiedMs > quietSince) leftToPipe++;
    else pending.push(c);
  }
  const batches: Batch[] = planBatches(pending, options.maxFiles, options.maxBytes);
  const planBytes = pending.reduce((n, c) => n + c.size, 0);
  deps.onEvent?.({ kind: "planned", files: pending.length, bytes: planBytes, batches: batches.length });
  if (leftToPipe > 0)
    warnings.push(
      `${leftToPipe} file(s) modified in the last ${Math.round((options.pipeQuietMs ?? 30 * 60_000) / 60_000)} minutes are left to the pipe (it may be loading them now; --skip-recent-minutes 0 takes them when the pipe is stopped)`,
    );

  const listedBytes = listing.candidates.reduce((n, c) => n + c.size, 0);
  const loaded = { batches: 0, files: 0, bytes: 0, rows: 0, errors: 0, failedFiles: 0, skippedBySnowflake: 0 };
  let copyMs = 0;
  let failure: string | undefined;
  const report = (): BackfillReport => ({
    dryRun: options.dryRun,
    runId,
    resumed,
    range: { from: key.rangeFrom, to: key.rangeTo },
    target: { table: target.copy.table, stage: target.copy.stage, location: `s3://${target.bucket}/${target.keyPrefix}`, suffix: target.suffix },
    listed: {
      files: listing.candidates.length,
      bytes: listedBytes,
      byPath: listing.candidates.filter((c) => c.by === "path").length,
      byLastModified: listing.candidates.filter((c) => c.by === "lastModified").length,
      requests: listing.requests,
      dateFolders: listing.dateRoots,
    },
    alreadyLoaded: loadedKeys ? { files: already.length, bytes: already.reduce((n, c) => n + c.size, 0) } : null,
    doneEarlierInRun,
    leftToPipe,
    plan: {
      files: pending.length,
      bytes: planBytes,
      batches: batches.length,
      estimate: estimate(planBytes, target.warehouse.size, target.warehouse.autoSuspendSeconds),
    },
    loaded: { ...loaded },
    measuredGbPerHour: copyMs > 0 && loaded.bytes > 0 ? loaded.bytes / 1e9 / (copyMs / 3_600_000) : undefined,
    warnings,
    failure,
    seconds: (deps.now() - started) / 1000,
  });
  if (options.dryRun || !sql) return report();

  // 5. Load, batch by batch: BATCH_STARTED (its files), the COPY (tagged), then BATCH_LOADED.
  let next = Math.max(0, ...(state?.batches.keys() ?? [])) + 1;
  for (const [i, batch] of batches.entries()) {
    const n = next++;
    const files = batch.files.map((f) => stageRelative(f.key, target.keyPrefix));
    const queryTag = `lakehouse-backfill:${runId}:${n}`;
    await event({ runId: runId!, batch: n, status: "BATCH_STARTED", files, fileCount: files.length, bytes: batch.bytes, queryTag });
    const copyStarted = deps.now();
    let result: SqlResult;
    try {
      result = await sql.query(backfillCopyStatement(target.copy, files), [], { queryTag });
    } catch (err) {
      // Snowflake said the statement failed (nothing committed): record it and stop; a rerun retries
      // these files. Anything else (no answer) leaves the outcome unknown: the rerun finds out.
      if (err instanceof SnowflakeSqlError && (err.httpStatus === 422 || err.httpStatus === 400)) {
        failure = `batch ${n} (${files.length} files): ${err.message}`;
        await event({ runId: runId!, batch: n, status: "BATCH_FAILED", fileCount: files.length, bytes: batch.bytes, queryTag, message: err.message });
        return report();
      }
      throw err;
    }
    copyMs += deps.now() - copyStarted;
    const outcome = copyOutcome(result);
    await event({
      runId: runId!,
      batch: n,
      status: "BATCH_LOADED",
      fileCount: files.length,
      bytes: batch.bytes,
      rowsLoaded: outcome.rows,
      errors: outcome.errors,
      queryTag,
    });
    loaded.batches++;
    loaded.files += outcome.files - outcome.failedFiles;
    loaded.bytes += batch.bytes;
    loaded.rows += outcome.rows;
    loaded.errors += outcome.errors;
    loaded.failedFiles += outcome.failedFiles;
    loaded.skippedBySnowflake += files.length - outcome.files;
    deps.onEvent?.({ kind: "batch", done: i + 1, total: batches.length, files: loaded.files, bytes: loaded.bytes, rows: loaded.rows });
  }
  await event({
    runId: runId!,
    batch: 0,
    status: "RUN_FINISHED",
    fileCount: loaded.files,
    bytes: loaded.bytes,
    rowsLoaded: loaded.rows,
    errors: loaded.errors,
    message: `${loaded.batches} batches, ${already.length} files already loaded`,
  });
  return report();
}
