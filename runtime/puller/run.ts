import { randomUUID } from "node:crypto";
import { BudgetExhaustedError, RetryingHttpClient, type HttpStats, type RetryPolicy } from "./http";
import { objectKey, validatePrefix } from "./keys";
import { jsonLogger } from "./log";
import { NdjsonObjectWriter, type WrittenObject } from "./object-writer";
import { loadState, saveState } from "./state";
import { systemClock, type Clock, type LogSource, type Logger, type ObjectStore } from "./types";
import { planWindows } from "./windows";

export interface RunSettings {
  /** Key prefix of the source's objects, ending in "/" (e.g. `okta/`). */
  readonly prefix: string;
  readonly stateKey: string;
  readonly windowMs: number;
  readonly lagMs: number;
  readonly overlapMs: number;
  readonly initialLookbackMs: number;
  /** Uncompressed NDJSON bytes per object (≤ 100 MiB). */
  readonly targetObjectBytes: number;
  /** Wall time after which no new window starts and no wait begins; keep it well below the Lambda timeout. */
  readonly budgetMs: number;
}

export interface RunOptions extends RunSettings {
  readonly source: LogSource;
  readonly store: ObjectStore;
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly runId?: string;
  readonly retryPolicy?: RetryPolicy;
  readonly random?: () => number;
}

export interface RunResult {
  readonly runId: string;
  /** `complete`: every closed window was pulled; `budget`: stopped early, the rest is for the next run. */
  readonly status: "complete" | "budget";
  readonly windowsPlanned: number;
  readonly windowsWritten: number;
  readonly records: number;
  readonly objects: readonly WrittenObject[];
  readonly cursorBefore: string | undefined;
  readonly cursorAfter: string | undefined;
  readonly http: HttpStats;
}

/**
 * One run: load state → pull each closed window since the cursor (the first one widened by the
 * overlap) → write its objects → save the cursor once every object of the finished windows is
 * written. Any error throws and leaves the state as it was; running out of budget saves the
 * windows finished so far and returns `budget`.
 */
export async function runPuller(options: RunOptions): Promise<RunResult> {
  const clock = options.clock ?? systemClock;
  const runId = options.runId ?? randomUUID();
  const log = (options.log ?? jsonLogger()).child({ runId, source: options.source.name });
  validateSettings(options);
  const startedMs = clock.now();
  const deadlineMs = startedMs + options.budgetMs;
  const http = new RetryingHttpClient({ policy: options.retryPolicy, clock, random: options.random, deadlineMs, log });
  const objects: WrittenObject[] = [];
  let records = 0;
  let windowsWritten = 0;
  let status: RunResult["status"] = "complete";
  let cursorBefore: string | undefined;
  let cursorMs: number | undefined;
  let windowsPlanned = 0;

  try {
    const state = await loadState(options.store, options.stateKey, options.source.name);
    cursorBefore = state?.cursor;
    cursorMs = state ? Date.parse(state.cursor) : undefined;
    const windows = planWindows({ cursorMs, nowMs: startedMs, ...options });
    windowsPlanned = windows.length;
    log.info("run_start", { cursor: cursorBefore ?? null, windowsPlanned, budgetMs: options.budgetMs });

    for (const w of windows) {
      if (clock.now() >= deadlineMs) {
        status = "budget";
        break;
      }
      const writer = new NdjsonObjectWriter({
        store: options.store,
        keyFor: (part) => objectKey(options.prefix, options.source.name, w.slot, part),
        targetBytes: options.targetObjectBytes,
      });
      let windowRecords = 0;
      try {
        for await (const page of options.source.fetch(w.fetch, { http, log })) {
          for (const record of page.records) await writer.append(record);
          windowRecords += page.records.length;
          if (clock.now() >= deadlineMs) throw new BudgetExhaustedError("inside a window");
        }
        objects.push(...(await writer.close()));
      } catch (err) {
        if (!(err instanceof BudgetExhaustedError)) throw err;
        // Objects this window already put keep their keys; the next run starts this window again and overwrites them.
        log.warn("window_abandoned", {
          windowStart: iso(w.slot.startMs),
          windowEnd: iso(w.slot.endMs),
          reason: err.message,
          objectsPutSoFar: writer.written.length,
        });
        status = "budget";
        break;
      }
      windowsWritten++;
      records += windowRecords;
      cursorMs = w.slot.endMs;
      log.info("window_written", {
        windowStart: iso(w.slot.startMs),
        windowEnd: iso(w.slot.endMs),
        fetchStart: iso(w.fetch.startMs),
        records: windowRecords,
        objects: writer.written.length,
        keys: writer.written.map((o) => o.key),
      });
    }

    const cursorAfter = cursorMs === undefined ? undefined : iso(cursorMs);
    if (windowsWritten > 0 && cursorAfter !== undefined) {
      await saveState(options.store, options.stateKey, {
        version: 1,
        source: options.source.name,
        cursor: cursorAfter,
        updatedAt: iso(clock.now()),
        lastRunId: runId,
        lastRunWindows: windowsWritten,
        lastRunObjects: objects.length,
        lastRunRecords: records,
      });
    }
    log.info(status === "budget" ? "run_budget_reached" : "run_complete", {
      cursorBefore: cursorBefore ?? null,
      cursorAfter: cursorAfter ?? null,
      windowsPlanned,
      windowsWritten,
      records,
      objects: objects.length,
      bytesUncompressed: objects.reduce((n, o) => n + o.uncompressedBytes, 0),
      bytesCompressed: objects.reduce((n, o) => n + o.compressedBytes, 0),
      httpRequests: http.stats.requests,
      httpRetries: http.stats.retries,
      durationMs: clock.now() - startedMs,
    });
    return { runId, status, windowsPlanned, windowsWritten, records, objects, cursorBefore, cursorAfter, http: http.stats };
  } catch (err) {
    log.error("run_failed", {
      error: err,
      cursor: cursorBefore ?? null,
      windowsPlanned,
      windowsWrittenBeforeFailure: windowsWritten,
      objectsPutBeforeFailure: objects.length,
      httpRequests: http.stats.requests,
      httpRetries: http.stats.retries,
    });
    throw err;
  }
}

function validateSettings(s: RunSettings): void {
  validatePrefix(s.prefix);
  const problems: string[] = [];
  if (s.stateKey === "" || s.stateKey.endsWith("/")) problems.push(`stateKey "${s.stateKey}" must name an object`);
  if (s.stateKey.startsWith(s.prefix) && s.prefix !== "")
    problems.push(`stateKey "${s.stateKey}" must not be under the data prefix "${s.prefix}" (Snowpipe would load it)`);
  for (const [name, v] of Object.entries({ windowMs: s.windowMs, budgetMs: s.budgetMs })) if (!(v > 0)) problems.push(`${name} must be > 0, got ${v}`);
  for (const [name, v] of Object.entries({ lagMs: s.lagMs, overlapMs: s.overlapMs, initialLookbackMs: s.initialLookbackMs }))
    if (!(v >= 0)) problems.push(`${name} must be >= 0, got ${v}`);
  if (problems.length > 0) throw new Error(`invalid puller settings: ${problems.join("; ")}`);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
