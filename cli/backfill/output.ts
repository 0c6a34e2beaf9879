/** What `lakehouse backfill` prints: a progress line on a terminal, the plan, the final report. */
import { BackfillEvent, BackfillReport } from "./engine";
import { ASSUMED_GB_PER_HOUR_XSMALL } from "./plan";
import { ResolvedBackfillTarget } from "./target";

const int = (n: number) => n.toLocaleString("en-US");

/** Decimal units, as the GB/hour of the estimate. */
export function bytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m${String(Math.round(seconds % 60)).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/**
 * A one-line progress display for a terminal (stderr), rewritten in place: listing, then a bar of
 * batches with files, bytes and rows so far. `clear` erases it before the report is printed.
 */
export class ProgressLine {
  private plan?: { files: number; bytes: number; batches: number };
  private shown = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly elapsedSeconds: () => number,
  ) {}

  onEvent(e: BackfillEvent): void {
    let line: string;
    switch (e.kind) {
      case "resuming":
        line = `resuming run ${e.runId} (${e.batchesLoaded} batches loaded${e.unfinishedBatches > 0 ? `, ${e.unfinishedBatches} interrupted` : ""})`;
        break;
      case "waiting":
        line = `waiting for the interrupted run's COPY to finish in Snowflake (${e.running.join(", ")})`;
        break;
      case "listing":
        line = `listing: ${int(e.requests)} requests, ${int(e.candidates)} files in range`;
        break;
      case "planned":
        this.plan = e;
        line = `planned: ${int(e.files)} files, ${bytes(e.bytes)}, ${int(e.batches)} batches`;
        break;
      case "batch": {
        const width = 24;
        const filled = e.total === 0 ? width : Math.round((e.done / e.total) * width);
        const total = this.plan ? `/${int(this.plan.files)}` : "";
        line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${e.done}/${e.total} batches, ${int(e.files)}${total} files, ${bytes(e.bytes)}${this.plan ? `/${bytes(this.plan.bytes)}` : ""}, ${int(e.rows)} rows`;
        break;
      }
    }
    this.shown = true;
    this.write(`\r\x1b[Kbackfill: ${line}, ${duration(this.elapsedSeconds())}`);
  }

  clear(): void {
    if (this.shown) this.write("\r\x1b[K");
    this.shown = false;
  }
}

export interface ReportContext {
  readonly env: string;
  readonly target: ResolvedBackfillTarget;
  readonly role?: string;
  readonly warehouse?: string;
  readonly account?: string;
  readonly maxFiles: number;
  readonly maxBytes: number;
  /** Why Snowflake was not asked (dry run without credentials). */
  readonly noSnowflake?: string;
}

/** The report for machines: the engine's report and where it ran. */
export function reportJson(r: BackfillReport, c: ReportContext): string {
  return `${JSON.stringify(
    {
      environment: c.env,
      tenant: c.target.tenant,
      source: c.target.source,
      snowflake: c.noSnowflake ? { notAsked: c.noSnowflake } : { account: c.account, role: c.role, warehouse: c.warehouse },
      batchLimits: { files: c.maxFiles, bytes: c.maxBytes },
      estimateAssumption: `${ASSUMED_GB_PER_HOUR_XSMALL} GB/hour of gzip NDJSON per XSMALL, doubling per size (not measured)`,
      ...r,
    },
    null,
    2,
  )}\n`;
}

/** The plan (dry run) or the final report, for people. */
export function reportText(r: BackfillReport, c: ReportContext): string {
  const t = c.target;
  const e = r.plan.estimate;
  const lines: string[] = [];
  const head = r.dryRun ? "backfill plan (dry run, nothing loaded)" : r.failure ? "backfill stopped" : "backfill finished";
  lines.push(
    `${head}: ${t.tenant}/${t.source} in ${c.env}, ${r.range.from} to ${r.range.to} (end excluded)${r.runId ? `, run ${r.runId}${r.resumed ? " (resumed)" : ""}` : ""}`,
  );
  lines.push(
    `  from       ${r.target.location} (${r.target.suffix ? `files ending ${r.target.suffix}, as the pipe's notification` : "every file, as the pipe's notification"})`,
  );
  lines.push(`  into       ${r.target.table} through ${r.target.stage} (the pipe's own COPY transformation)`);
  lines.push(c.noSnowflake ? `  snowflake  not asked: ${c.noSnowflake}` : `  as         role ${c.role} on warehouse ${c.warehouse} in ${c.account}`);
  lines.push(
    `  listed     ${int(r.listed.files)} files, ${bytes(r.listed.bytes)} (${int(r.listed.byPath)} by date folder, ${int(r.listed.byLastModified)} by LastModified; ${int(r.listed.requests)} list requests${r.listed.dateFolders.length > 0 ? `; date folders under ${r.listed.dateFolders.join(", ")}` : ""})`,
  );
  lines.push(
    `  loaded     ${r.alreadyLoaded ? `${int(r.alreadyLoaded.files)} files already (${bytes(r.alreadyLoaded.bytes)})` : "not known (Snowflake not asked)"}${r.doneEarlierInRun > 0 ? `, ${int(r.doneEarlierInRun)} done earlier in this run` : ""}${r.leftToPipe > 0 ? `, ${int(r.leftToPipe)} left to the pipe` : ""}`,
  );
  lines.push(
    `  to load    ${int(r.plan.files)} files, ${bytes(r.plan.bytes)} in ${int(r.plan.batches)} batches (at most ${int(c.maxFiles)} files and ${bytes(c.maxBytes)} each)`,
  );
  lines.push(
    `  estimate   ${e.hours < 0.1 ? `${Math.round(e.hours * 60)} minutes` : `${e.hours.toFixed(1)} hours`}, ${e.credits.toFixed(2)} credits on ${e.size} (assumes ${e.gbPerHour} GB/hour: ${ASSUMED_GB_PER_HOUR_XSMALL} GB/hour per XSMALL, doubling per size, not measured; 60 s minimum and the idle time before auto-suspend billed)`,
  );
  if (!r.dryRun) {
    const l = r.loaded;
    lines.push(
      `  done       ${int(l.files)} files, ${bytes(l.bytes)}, ${int(l.rows)} rows in ${int(l.batches)} batches; ${int(l.errors)} row errors, ${int(l.failedFiles)} files failed${l.skippedBySnowflake > 0 ? `, ${int(l.skippedBySnowflake)} skipped by Snowflake's load metadata` : ""}`,
    );
    lines.push(`  took       ${duration(r.seconds)}${r.measuredGbPerHour !== undefined ? ` (loaded at ${r.measuredGbPerHour.toFixed(1)} GB/hour)` : ""}`);
  }
  for (const w of r.warnings) lines.push(`  warning    ${w}`);
  if (r.failure) lines.push(`  stopped    ${r.failure}`, `             the progress is in ${t.progressTable}: run the same command again to continue`);
  if (!r.dryRun && r.loaded.errors + r.loaded.failedFiles > 0)
    lines.push(`             rows with errors are in COPY_HISTORY / VALIDATE (ON_ERROR = ${t.copy.onError}, as the pipe)`);
  return `${lines.join("\n")}\n`;
}
