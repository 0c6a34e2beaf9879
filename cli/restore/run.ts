import type { S3Client } from "@aws-sdk/client-s3";
import type { S3ControlClient } from "@aws-sdk/client-s3-control";
import { type SourceRestoreNames, batchManifestKey, batchReportPrefix } from "./backup";
import type { SqlClient } from "../snowflake-sql-api";
import { MAX_COPY_FILES, alreadyLoaded, copyResults, createTargetStatement, restoreCopyStatement, run } from "./snowflake";
import {
  type Counts,
  type RequestIdentity,
  type RestoreState,
  applyHead,
  batches,
  countPhases,
  identityConflict,
  isArchivedUnloaded,
  keysIn,
  markRequested,
  mergeListing,
  newState,
  FINISHED_JOB_STATUSES,
} from "./state";
import {
  clientRequestToken,
  createRestoreJob,
  describeJobStatus,
  headRestore,
  listPrefixes,
  manifestCsv,
  mapLimit,
  putManifest,
  readState,
  requestRestore,
  tierProblem,
  writeState,
} from "./vault";
import { isRangeKey } from "./range";
import { LakehouseError } from "../../modules/core/errors";

/** Everything one restore request needs, decided from the command line and the config. */
export interface RestorePlan {
  readonly identity: RequestIdentity;
  /** The tenant's log bucket: state, batch manifests and reports live there (the vault is write-protected). */
  readonly stateBucket: string;
  readonly stateKey: string;
  /** `<keyPrefix>YYYY/MM/DD/` of every day in the range. */
  readonly prefixes: readonly string[];
  /** The range's days, `YYYY/MM/DD`. */
  readonly rangeDays: ReadonlySet<string>;
  readonly names: SourceRestoreNames;
  readonly accountId: string;
  /** Over `threshold` objects to request (and a tier Batch Operations offers), one S3 Batch Operations job instead, run as `roleArn` (the tenant's batch role). */
  readonly batch: { readonly threshold: number; readonly roleArn: string };
  /** Files per COPY (≤ 1,000). */
  readonly copyBatchSize: number;
  /** `backup.restoreReady` of the tenant: false means its `<PREFIX>_BACKUP_STAGE` stages do not exist. */
  readonly restoreReady: boolean;
  /** S3 requests in flight at once (HeadObject, RestoreObject). */
  readonly concurrency: number;
}

export interface RestoreDeps {
  readonly s3: S3Client;
  /** Made only when a batch job is needed. */
  readonly s3control?: () => S3ControlClient;
  /** Absent: nothing is loaded, and the pass says why (`loadBlocked`). */
  readonly sql?: SqlClient;
  /** Why there is no `sql`, for the report. */
  readonly sqlUnavailable?: string;
  readonly now?: () => Date;
}

/** A restore input problem found only once the vault was read (e.g. a tier the objects' class does not offer). */
export class RestoreInputError extends LakehouseError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message, "usage");
  }
}

export interface PassReport {
  readonly stateUri: string;
  readonly dryRun: boolean;
  /** Objects the listing found / of which new to the state. */
  readonly listed: number;
  readonly added: number;
  /** This pass: objects whose restore was requested one by one / through batch jobs. */
  readonly requested: number;
  readonly batchRequested: number;
  /** Batch jobs created this pass (job ids), and every job's last known status. */
  readonly jobsCreated: readonly string[];
  readonly jobs: readonly { readonly index: number; readonly jobId?: string; readonly status?: string; readonly keys: number }[];
  /** This pass: files copied in, files found already loaded, COPY statements run, files COPY did not load. */
  readonly copied: number;
  readonly alreadyLoaded: number;
  readonly copies: number;
  readonly loadFailures: readonly { readonly key: string; readonly error: string }[];
  /** Why readable files were not loaded this pass, if they were not. */
  readonly loadBlocked?: string;
  /** Dry run: what a real pass would do now. */
  readonly wouldRequest?: number;
  readonly wouldBatch?: boolean;
  readonly wouldLoad?: number;
  readonly sql?: readonly string[];
  readonly counts: Counts;
  /** Every object loaded (or nothing to restore): the restore is done. */
  readonly complete: boolean;
}

/**
 * One pass of a restore: read the state (or start one), list the range's day prefixes in the vault,
 * finish or check batch jobs, read the restore status of every archived object not yet loaded,
 * request the restores nobody requested, and load what is readable. The state is written after each
 * step; a pass never waits for a restore.
 */
export async function restorePass(plan: RestorePlan, deps: RestoreDeps, options: { readonly dryRun: boolean }): Promise<PassReport> {
  const now = () => (deps.now ? deps.now() : new Date()).toISOString();
  const { s3 } = deps;
  const id = plan.identity;
  const stateUri = `s3://${plan.stateBucket}/${plan.stateKey}`;

  // 1. The state of earlier runs, if any.
  const saved = await readState(s3, plan.stateBucket, plan.stateKey);
  const state: RestoreState = saved?.state ?? newState(id, now());
  let etag = saved?.etag;
  if (saved) {
    const conflict = identityConflict(saved.state, id);
    if (conflict) throw new RestoreInputError(conflict.option, conflict.message);
    // Tier and days apply to requests from now on.
    state.tier = id.tier;
    state.days = id.days;
  }
  state.runs++;
  const save = async () => {
    if (options.dryRun) return;
    state.updatedAt = now();
    etag = await writeState(s3, plan.stateBucket, plan.stateKey, state, etag);
  };

  // 2. The range's objects in the vault (only its day prefixes are listed).
  const listed = (await listPrefixes(s3, id.vaultBucket, plan.prefixes)).filter((o) => isRangeKey(o.key, id.keyPrefix, plan.rangeDays));
  const { added } = mergeListing(state, listed);
  await save();

  // 3. Batch jobs of earlier runs: create the ones whose CreateJob did not get through (same token:
  //    S3 answers with the job it already made, if it did), check the unfinished ones.
  const jobsCreated: string[] = [];
  const s3control = memo(deps.s3control);
  for (const job of state.batchJobs) {
    if (options.dryRun) break;
    if (job.jobId === undefined) {
      job.jobId = await createRestoreJob(s3control(), {
        accountId: plan.accountId,
        roleArn: plan.batch.roleArn,
        stateBucket: plan.stateBucket,
        manifestKey: job.manifestKey,
        manifestEtag: job.manifestEtag,
        reportPrefix: batchReportPrefix(plan.stateKey),
        tier: state.tier === "Expedited" ? "Standard" : state.tier,
        days: state.days,
        clientRequestToken: job.clientRequestToken,
        description: jobDescription(id),
      });
      job.createdAt = now();
      jobsCreated.push(job.jobId);
      await save();
    } else if (job.status === undefined || !FINISHED_JOB_STATUSES.has(job.status)) {
      job.status = await describeJobStatus(s3control(), plan.accountId, job.jobId);
      job.checkedAt = now();
      await save();
    }
  }

  // 4. Restore status of every archived object not loaded yet (and of restored copies past their expiry).
  const checkTime = Date.parse(now());
  const toCheck = Object.keys(state.objects)
    .sort()
    .filter((k) => {
      const o = state.objects[k];
      if (!isArchivedUnloaded(o)) return false;
      if (o.restore !== "restored") return true;
      return o.restoreExpiry !== undefined && Date.parse(o.restoreExpiry) <= checkTime;
    });
  for (const chunk of batches(toCheck, 200)) {
    const heads = await mapLimit(chunk, plan.concurrency, (k) => headRestore(s3, id.vaultBucket, k));
    chunk.forEach((k, i) => applyHead(state.objects[k], heads[i].status, now()));
    await save();
  }

  // 5. Request the restores nobody requested (or whose restored copy ran out before it was loaded).
  const toRequest = keysIn(state, "to-request");
  for (const k of toRequest) {
    const problem = tierProblem(state.objects[k].storageClass, id.tier);
    if (problem) throw new RestoreInputError("--tier", `${problem}: s3://${id.vaultBucket}/${k} is ${state.objects[k].storageClass}`);
  }
  const useBatch = toRequest.length > plan.batch.threshold && id.tier !== "Expedited";
  let requested = 0;
  let batchRequested = 0;
  if (!options.dryRun && toRequest.length > 0) {
    if (useBatch) {
      const index = state.batchJobs.length;
      const manifestKey = batchManifestKey(plan.stateKey, index);
      const manifestEtag = await putManifest(s3, plan.stateBucket, manifestKey, manifestCsv(id.vaultBucket, toRequest));
      const token = clientRequestToken(plan.stateKey, index, manifestEtag);
      const job: RestoreState["batchJobs"][number] = { index, manifestKey, manifestEtag, clientRequestToken: token, keys: toRequest.length, preparedAt: now() };
      state.batchJobs.push(job);
      markRequested(state, toRequest, index, now());
      batchRequested = toRequest.length;
      // Saved before CreateJob: if the job is made and this process dies, the next run's CreateJob with
      // the same token gets the same job instead of a second one.
      await save();
      job.jobId = await createRestoreJob(s3control(), {
        accountId: plan.accountId,
        roleArn: plan.batch.roleArn,
        stateBucket: plan.stateBucket,
        manifestKey,
        manifestEtag,
        reportPrefix: batchReportPrefix(plan.stateKey),
        tier: id.tier === "Bulk" ? "Bulk" : "Standard",
        days: id.days,
        clientRequestToken: token,
        description: jobDescription(id),
      });
      job.createdAt = now();
      jobsCreated.push(job.jobId);
      await save();
    } else {
      for (const chunk of batches(toRequest, 100)) {
        // Each answer is recorded as it comes, and saved even when a later request of the chunk fails.
        try {
          await mapLimit(chunk, plan.concurrency, async (k) => {
            const answer = await requestRestore(s3, id.vaultBucket, k, id.tier, id.days);
            markRequested(state, [k], "object", now());
            if (answer === "already-restored") applyHead(state.objects[k], { kind: "restored" }, now());
            else state.objects[k].restore = "ongoing";
            requested++;
          });
        } finally {
          await save();
        }
      }
    }
  }

  // 6. Load what is readable, in COPY batches, skipping files the target already holds.
  const ready = keysIn(state, "ready");
  let copied = 0;
  let already = 0;
  const loadFailures: { key: string; error: string }[] = [];
  let loadBlocked: string | undefined;
  let sql: string[] | undefined;
  const names = plan.names;
  if (ready.length > 0 && !plan.restoreReady) {
    loadBlocked = `tenant ${id.tenant}'s backup is not restore-ready, so its backup stages (${names.copy.stage} and the other sources') do not exist: set backup: { restoreReady: true } on the tenant in the config and apply the tenant's stack, then run the same command again; ${ready.length} readable files wait`;
  } else if (ready.length > 0 && !options.dryRun && deps.sql === undefined)
    loadBlocked = `${deps.sqlUnavailable ?? "no Snowflake client"}: ${ready.length} readable files wait`;
  if (options.dryRun && ready.length > 0) {
    const first = batches(ready, plan.copyBatchSize)[0].map((k) => k.slice(id.keyPrefix.length));
    sql = [createTargetStatement(id.target, names), restoreCopyStatement(id.target, names, first)];
  }
  if (!options.dryRun && loadBlocked === undefined && ready.length > 0 && deps.sql !== undefined) {
    const client = deps.sql;
    await run(client, `creating ${id.target}`, createTargetStatement(id.target, names));
    for (const chunk of batches(ready, Math.min(plan.copyBatchSize, MAX_COPY_FILES))) {
      const files = chunk.map((key) => ({ key, name: key.slice(id.keyPrefix.length) }));
      const present = await alreadyLoaded(client, id.target, id.keyPrefix, files);
      for (const k of present) {
        Object.assign(state.objects[k], { loadedAt: now(), loadedBy: "already-loaded" as const });
        already++;
      }
      const rest = files.filter((f) => !present.has(f.key));
      if (rest.length > 0) {
        const { rows } = await run(
          client,
          `loading ${rest.length} files into ${id.target}`,
          restoreCopyStatement(
            id.target,
            names,
            rest.map((f) => f.name),
          ),
        );
        state.copies++;
        const results = copyResults(
          rows,
          rest.map((f) => f.name),
        );
        const unmentioned = rest.filter((f) => !results.has(f.name));
        // COPY skips, without a row, files its load history has for this table: the table decides.
        const found = unmentioned.length > 0 ? await alreadyLoaded(client, id.target, id.keyPrefix, unmentioned) : new Set<string>();
        for (const f of rest) {
          const o = state.objects[f.key];
          const r = results.get(f.name);
          if (r?.loaded) {
            Object.assign(o, {
              loadedAt: now(),
              loadedBy: "copied" as const,
              ...(r.rows !== undefined ? { rowsLoaded: r.rows } : {}),
              ...(r.error ? { loadError: r.error } : {}),
            });
            copied++;
          } else if (r === undefined && found.has(f.key)) {
            Object.assign(o, { loadedAt: now(), loadedBy: "already-loaded" as const });
            already++;
          } else {
            o.loadError = r?.error ?? "COPY neither loaded nor reported this file, and the target does not hold it";
            loadFailures.push({ key: f.key, error: o.loadError });
          }
        }
      }
      await save();
    }
  }

  const counts = countPhases(state);
  return {
    stateUri,
    dryRun: options.dryRun,
    listed: listed.length,
    added,
    requested,
    batchRequested,
    jobsCreated,
    jobs: state.batchJobs.map((j) => ({ index: j.index, ...(j.jobId ? { jobId: j.jobId } : {}), ...(j.status ? { status: j.status } : {}), keys: j.keys })),
    copied,
    alreadyLoaded: already,
    copies: state.copies,
    loadFailures,
    ...(loadBlocked ? { loadBlocked } : {}),
    ...(options.dryRun ? { wouldRequest: toRequest.length, wouldBatch: useBatch, wouldLoad: ready.length, ...(sql ? { sql } : {}) } : {}),
    counts,
    complete: counts.total === counts.loaded,
  };
}

function jobDescription(id: RequestIdentity): string {
  return `lakehouse restore ${id.environment}/${id.tenant}/${id.source} ${id.from}..${id.to}`;
}

function memo<T>(make: (() => T) | undefined): () => T {
  let made: T | undefined;
  return () => {
    if (make === undefined) throw new Error("restore needs an S3 Control client for batch jobs, and none was given");
    made ??= make();
    return made;
  };
}
