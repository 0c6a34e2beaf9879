import { z } from "zod";

/**
 * The state of one restore request (tenant, source, date range), kept as JSON in the tenant's log
 * bucket and written after every step, so the same command from any machine picks up where the last
 * run stopped. The functions here are the transitions, free of I/O.
 */

export const TIERS = ["Bulk", "Standard", "Expedited"] as const;
export type Tier = (typeof TIERS)[number];

/** Storage classes whose objects must be restored before anyone can read them. */
export const ARCHIVED_CLASSES: ReadonlySet<string> = new Set(["GLACIER", "DEEP_ARCHIVE"]);

/** What HeadObject's `x-amz-restore` says: no restore, one under way, or a readable copy until `expiry`. */
export type RestoreStatus = { readonly kind: "none" } | { readonly kind: "ongoing" } | { readonly kind: "restored"; readonly expiry?: string };

const objectSchema = z.object({
  storageClass: z.string(),
  size: z.number().int().min(0),
  /** Archived (GLACIER, DEEP_ARCHIVE): must be restored before it can be read. */
  archived: z.boolean(),
  /** Restore requests this tool sent (one RestoreObject, or a place in a batch job's manifest). */
  requests: z.number().int().min(0),
  requestedAt: z.string().optional(),
  /** How the last request went: `object` (RestoreObject) or the index of the batch job. */
  requestedVia: z.union([z.literal("object"), z.number().int().min(0)]).optional(),
  /** The last HeadObject's `x-amz-restore`, and when it was read. */
  restore: z.enum(["none", "ongoing", "restored"]).optional(),
  checkedAt: z.string().optional(),
  restoredAt: z.string().optional(),
  restoreExpiry: z.string().optional(),
  loadedAt: z.string().optional(),
  /** `copied` by our COPY, or `already-loaded`: its SOURCE_FILE was in the target before (not copied again). */
  loadedBy: z.enum(["copied", "already-loaded"]).optional(),
  rowsLoaded: z.number().int().min(0).optional(),
  /** The COPY's status and first error for a file it did not load (LOAD_FAILED …), or loaded only partly (then with `loadedAt`). */
  loadError: z.string().optional(),
});
export type ObjectState = z.infer<typeof objectSchema>;

const batchJobSchema = z.object({
  index: z.number().int().min(0),
  manifestKey: z.string(),
  manifestEtag: z.string(),
  /** CreateJob's idempotency token: a retried CreateJob with it cannot start a second job. */
  clientRequestToken: z.string(),
  keys: z.number().int().min(0),
  preparedAt: z.string(),
  jobId: z.string().optional(),
  createdAt: z.string().optional(),
  /** The last DescribeJob status (New, Preparing, Ready, Active, Complete, Failed, Cancelled, …). */
  status: z.string().optional(),
  checkedAt: z.string().optional(),
});
export type BatchJobState = z.infer<typeof batchJobSchema>;

export const stateSchema = z.object({
  version: z.literal(1),
  environment: z.string(),
  tenant: z.string(),
  source: z.string(),
  from: z.string(),
  to: z.string(),
  vaultBucket: z.string(),
  keyPrefix: z.string(),
  /** Fully qualified table the files are loaded into. */
  target: z.string(),
  tier: z.enum(TIERS),
  days: z.number().int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  runs: z.number().int().min(0),
  objects: z.record(z.string(), objectSchema),
  batchJobs: z.array(batchJobSchema),
  /** COPY statements run for this request. */
  copies: z.number().int().min(0),
});
export type RestoreState = z.infer<typeof stateSchema>;

export interface RequestIdentity {
  readonly environment: string;
  readonly tenant: string;
  readonly source: string;
  readonly from: string;
  readonly to: string;
  readonly vaultBucket: string;
  readonly keyPrefix: string;
  readonly target: string;
  readonly tier: Tier;
  readonly days: number;
}

export function newState(id: RequestIdentity, now: string): RestoreState {
  return { version: 1, ...id, createdAt: now, updatedAt: now, runs: 0, objects: {}, batchJobs: [], copies: 0 };
}

/** Reads a state document; a broken one is an error that names the problem, never a silent restart. */
export function parseState(text: string, where: string): RestoreState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`);
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`${where}: not a restore state: ${first.path.join(".") || "(root)"}: ${first.message}`);
  }
  return parsed.data;
}

/**
 * The state of an earlier run must be of the same request. The date range, tenant and source are in
 * its key; the vault and prefix come from config. The target is where earlier files were loaded:
 * loading the rest elsewhere would split the restore, so a different target is refused.
 */
export function identityConflict(state: RestoreState, id: RequestIdentity): { option: string; message: string } | undefined {
  if (state.target !== id.target) {
    return {
      option: "--into",
      message: `this restore loads into ${state.target} (earlier runs did); rerun with --into ${state.target}, or restore another range`,
    };
  }
  if (state.vaultBucket !== id.vaultBucket || state.keyPrefix !== id.keyPrefix) {
    return {
      option: "--source",
      message: `the saved restore reads s3://${state.vaultBucket}/${state.keyPrefix}, the config now says s3://${id.vaultBucket}/${id.keyPrefix}`,
    };
  }
  return undefined;
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly storageClass: string;
}

/** Adds the objects a listing found that the state does not know yet; known ones are kept as they are. */
export function mergeListing(state: RestoreState, listed: readonly ListedObject[]): { added: number } {
  let added = 0;
  for (const o of listed) {
    if (state.objects[o.key] !== undefined) continue;
    state.objects[o.key] = { storageClass: o.storageClass, size: o.size, archived: ARCHIVED_CLASSES.has(o.storageClass), requests: 0 };
    added++;
  }
  return { added };
}

/** Parses `x-amz-restore`: `ongoing-request="true"`, or `ongoing-request="false", expiry-date="…"`, or absent. */
export function parseRestoreHeader(header: string | undefined): RestoreStatus {
  if (header === undefined || header.trim() === "") return { kind: "none" };
  const ongoing = /ongoing-request="(true|false)"/.exec(header);
  if (!ongoing) throw new Error(`unexpected x-amz-restore header: ${header}`);
  if (ongoing[1] === "true") return { kind: "ongoing" };
  const expiry = /expiry-date="([^"]+)"/.exec(header);
  return expiry ? { kind: "restored", expiry: new Date(expiry[1]).toISOString() } : { kind: "restored" };
}

/**
 * What a HeadObject of an archived object says, applied. A copy that was restored and is gone again
 * (its days ran out before it was loaded) is no longer restored: it has to be requested again.
 */
export function applyHead(o: ObjectState, status: RestoreStatus, now: string): void {
  o.restore = status.kind;
  o.checkedAt = now;
  if (status.kind === "restored") {
    o.restoredAt ??= now;
    if (status.expiry) o.restoreExpiry = status.expiry;
  } else if (o.restoredAt !== undefined) {
    delete o.restoredAt;
    delete o.restoreExpiry;
  }
}

/** Archived, and neither loaded nor failed to load: its restore status matters. */
export function isArchivedUnloaded(o: ObjectState): boolean {
  return o.archived && o.loadedAt === undefined && o.loadError === undefined;
}

/** Job statuses after which a job restores nothing more (S3 Batch Operations' JobStatus values). */
export const FINISHED_JOB_STATUSES: ReadonlySet<string> = new Set(["Complete", "Failed", "Cancelled"]);

export type Phase = "loaded" | "load-failed" | "ready" | "restoring" | "batch-queued" | "to-request";

/**
 * Where an object stands:
 * - `loaded`: in the target (copied by us, or found there already);
 * - `load-failed`: readable, but its COPY reported it not loaded (kept out of automatic retries);
 * - `ready`: readable now (not archived, or a restored copy) and not loaded;
 * - `restoring`: a restore is under way (seen in x-amz-restore);
 * - `batch-queued`: in the manifest of a batch job that has not finished, and not yet seen restoring;
 * - `to-request`: archived, not restored, nothing under way: a restore must be requested.
 */
export function phaseOf(o: ObjectState, jobs: readonly BatchJobState[]): Phase {
  if (o.loadedAt !== undefined) return "loaded";
  if (o.loadError !== undefined) return "load-failed";
  if (!o.archived || o.restore === "restored") return "ready";
  if (o.restore === "ongoing") return "restoring";
  if (typeof o.requestedVia === "number") {
    const job = jobs.find((j) => j.index === o.requestedVia);
    if (job !== undefined && !(job.status !== undefined && FINISHED_JOB_STATUSES.has(job.status))) return "batch-queued";
  }
  return "to-request";
}

export type Counts = Record<Phase, number> & { readonly total: number; readonly bytes: number };

export function countPhases(state: RestoreState): Counts {
  const counts: Record<Phase, number> = { loaded: 0, "load-failed": 0, ready: 0, restoring: 0, "batch-queued": 0, "to-request": 0 };
  let bytes = 0;
  for (const o of Object.values(state.objects)) {
    counts[phaseOf(o, state.batchJobs)]++;
    bytes += o.size;
  }
  return { ...counts, total: Object.keys(state.objects).length, bytes };
}

/** Keys in one phase, sorted (so batches and manifests are the same on every machine). */
export function keysIn(state: RestoreState, phase: Phase): string[] {
  return Object.keys(state.objects)
    .filter((k) => phaseOf(state.objects[k], state.batchJobs) === phase)
    .sort();
}

/** Records restore requests sent for `keys`: by RestoreObject, or as part of batch job `via`. */
export function markRequested(state: RestoreState, keys: readonly string[], via: "object" | number, now: string): void {
  for (const k of keys) {
    const o = state.objects[k];
    o.requests++;
    o.requestedAt = now;
    o.requestedVia = via;
  }
}

/** Splits a list into batches of at most `size` (COPY FILES takes at most 1,000 names). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`batch size must be a positive whole number, not ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
