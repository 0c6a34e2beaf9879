import { createHash } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, RestoreObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateJobCommand, DescribeJobCommand, type S3ControlClient } from "@aws-sdk/client-s3-control";
import { type ListedObject, type RestoreStatus, type Tier, parseRestoreHeader, parseState, type RestoreState } from "./state";
import { partitionOfArn, s3BucketArn } from "../../modules/core/arn";
import { LakehouseError } from "../../modules/core/errors";

/**
 * The S3 side of restore: listing the vault by day prefix, reading restore status, requesting
 * restores one by one or through an S3 Batch Operations job, and the state document in the tenant's
 * log bucket (conditional writes, so two runs of the same restore cannot overwrite each other).
 */

/** An S3 failure restore cannot go on from, with the bucket and key it concerns. */
export class VaultError extends LakehouseError {
  constructor(message: string) {
    super(message, "failed");
  }
}

/** Another run wrote the state since this one read it. */
export class StateConflictError extends LakehouseError {
  constructor(message: string) {
    super(message, "failed");
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return `${e?.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}: ${e?.message ?? String(err)}`;
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string; Code?: string })?.name ?? (err as { Code?: string })?.Code;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
  return results;
}

/** Every object under the given prefixes (one ListObjectsV2 series per prefix, a few prefixes at a time). */
export async function listPrefixes(s3: S3Client, bucket: string, prefixes: readonly string[], concurrency = 4): Promise<ListedObject[]> {
  const perPrefix = await mapLimit(prefixes, concurrency, async (prefix) => {
    const found: ListedObject[] = [];
    let token: string | undefined;
    do {
      let res;
      try {
        res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      } catch (e) {
        if (errorName(e) === "NoSuchBucket")
          throw new VaultError(`the backup vault s3://${bucket} does not exist (is backup configured for this tenant and environment, and applied?)`);
        throw new VaultError(`listing s3://${bucket}/${prefix} failed: ${describe(e)}`);
      }
      for (const o of res.Contents ?? []) {
        if (o.Key === undefined) continue;
        found.push({ key: o.Key, size: o.Size ?? 0, storageClass: o.StorageClass ?? "STANDARD" });
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return found;
  });
  return perPrefix.flat();
}

/** HeadObject: the object's storage class and what `x-amz-restore` says. */
export async function headRestore(s3: S3Client, bucket: string, key: string): Promise<{ storageClass: string; status: RestoreStatus }> {
  try {
    const res = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { storageClass: res.StorageClass ?? "STANDARD", status: parseRestoreHeader(res.Restore) };
  } catch (e) {
    throw new VaultError(`HeadObject s3://${bucket}/${key} failed: ${describe(e)}`);
  }
}

/** The tiers S3 offers per archive class (Deep Archive has no Expedited retrieval). */
export function tierProblem(storageClass: string, tier: Tier): string | undefined {
  if (storageClass === "DEEP_ARCHIVE" && tier === "Expedited") return "Deep Archive objects cannot be restored with the Expedited tier (only Standard or Bulk)";
  return undefined;
}

export type RestoreAnswer = "accepted" | "already-restored" | "in-progress";

/**
 * RestoreObject for one object: 202 accepted, 200 already restored (S3 then only extends the copy's
 * days), 409 RestoreAlreadyInProgress: a request is under way, which is no failure.
 */
export async function requestRestore(s3: S3Client, bucket: string, key: string, tier: Tier, days: number): Promise<RestoreAnswer> {
  try {
    const res = await s3.send(new RestoreObjectCommand({ Bucket: bucket, Key: key, RestoreRequest: { Days: days, GlacierJobParameters: { Tier: tier } } }));
    return res.$metadata.httpStatusCode === 200 ? "already-restored" : "accepted";
  } catch (e) {
    if (errorName(e) === "RestoreAlreadyInProgress" || httpStatus(e) === 409) return "in-progress";
    const hint = errorName(e) === "GlacierExpeditedRetrievalNotAvailable" ? " (Expedited capacity is not available now: use --tier standard)" : "";
    throw new VaultError(`RestoreObject s3://${bucket}/${key} (${tier}, ${days} days) failed: ${describe(e)}${hint}`);
  }
}

/** The saved state and its ETag, or undefined when this restore has none yet. */
export async function readState(s3: S3Client, bucket: string, key: string): Promise<{ state: RestoreState; etag: string } | undefined> {
  let res;
  try {
    res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (e) {
    if (errorName(e) === "NoSuchKey" || httpStatus(e) === 404) {
      if (errorName(e) === "NoSuchBucket") throw new VaultError(`the tenant log bucket s3://${bucket} (where restore keeps its state) does not exist`);
      return undefined;
    }
    throw new VaultError(`reading the restore state s3://${bucket}/${key} failed: ${describe(e)}`);
  }
  const text = res.Body ? await res.Body.transformToString("utf8") : "";
  return { state: parseState(text, `s3://${bucket}/${key}`), etag: res.ETag ?? "" };
}

/**
 * Writes the state: only if nobody else wrote it since we read it (If-Match the ETag read, or
 * If-None-Match * for the first write). No encryption headers: the log bucket's default SSE-KMS
 * applies, which its policy allows (it refuses only puts that name another algorithm or key).
 */
export async function writeState(s3: S3Client, bucket: string, key: string, state: RestoreState, etag: string | undefined): Promise<string> {
  try {
    const res = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: `${JSON.stringify(state, null, 1)}\n`,
        ContentType: "application/json",
        ...(etag ? { IfMatch: etag } : { IfNoneMatch: "*" }),
      }),
    );
    return res.ETag ?? "";
  } catch (e) {
    if (errorName(e) === "PreconditionFailed" || httpStatus(e) === 412) {
      throw new StateConflictError(
        `another run of this restore wrote s3://${bucket}/${key} since this one read it; nothing of this run is lost that a rerun will not redo: run the command again (one run at a time)`,
      );
    }
    throw new VaultError(`writing the restore state s3://${bucket}/${key} failed: ${describe(e)}`);
  }
}

/**
 * S3 Batch Operations CSV manifest (`Bucket,Key`): keys URL-encoded as the CSV format requires, with
 * `/` kept, in sorted order.
 */
export function manifestCsv(bucket: string, keys: readonly string[]): string {
  return keys.map((k) => `${bucket},${encodeURIComponent(k).replace(/%2F/g, "/")}\n`).join("");
}

export async function putManifest(s3: S3Client, bucket: string, key: string, csv: string): Promise<string> {
  try {
    const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: csv, ContentType: "text/csv" }));
    if (!res.ETag) throw new Error("no ETag in the answer");
    return res.ETag;
  } catch (e) {
    throw new VaultError(`writing the batch manifest s3://${bucket}/${key} failed: ${describe(e)}`);
  }
}

/** A token for CreateJob that is the same for the same manifest of the same restore (≤ 64 characters). */
export function clientRequestToken(stateKey: string, jobIndex: number, manifestEtag: string): string {
  return createHash("sha256").update(`${stateKey}\n${jobIndex}\n${manifestEtag}`).digest("hex").slice(0, 64);
}

export interface BatchRestoreJob {
  readonly accountId: string;
  /** Role S3 Batch Operations assumes (trusts batchoperations.s3.amazonaws.com; restores in the vault, reads the manifest, writes the report). */
  readonly roleArn: string;
  readonly stateBucket: string;
  readonly manifestKey: string;
  readonly manifestEtag: string;
  readonly reportPrefix: string;
  readonly tier: Exclude<Tier, "Expedited">;
  readonly days: number;
  readonly clientRequestToken: string;
  readonly description: string;
}

/** The CreateJob request: S3InitiateRestoreObject over the CSV manifest, a report of failed tasks only. */
export function createJobInput(job: BatchRestoreJob) {
  // The state bucket is in the batch role's partition (Batch Operations works within one).
  const stateBucketArn = s3BucketArn(partitionOfArn(job.roleArn) ?? "aws", job.stateBucket);
  return {
    AccountId: job.accountId,
    ConfirmationRequired: false,
    Operation: { S3InitiateRestoreObject: { ExpirationInDays: job.days, GlacierJobTier: job.tier === "Bulk" ? ("BULK" as const) : ("STANDARD" as const) } },
    Manifest: {
      Spec: { Format: "S3BatchOperations_CSV_20180820" as const, Fields: ["Bucket" as const, "Key" as const] },
      Location: { ObjectArn: `${stateBucketArn}/${job.manifestKey}`, ETag: job.manifestEtag.replace(/"/g, "") },
    },
    Report: {
      Enabled: true,
      Bucket: stateBucketArn,
      Prefix: job.reportPrefix,
      Format: "Report_CSV_20180820" as const,
      ReportScope: "FailedTasksOnly" as const,
    },
    Priority: 10,
    RoleArn: job.roleArn,
    ClientRequestToken: job.clientRequestToken,
    Description: job.description.slice(0, 256),
  };
}

export async function createRestoreJob(s3control: S3ControlClient, job: BatchRestoreJob): Promise<string> {
  try {
    const res = await s3control.send(new CreateJobCommand(createJobInput(job)));
    if (!res.JobId) throw new Error("no JobId in the answer");
    return res.JobId;
  } catch (e) {
    throw new VaultError(`S3 Batch Operations CreateJob (restore of the ${job.manifestKey} manifest) failed: ${describe(e)}`);
  }
}

export async function describeJobStatus(s3control: S3ControlClient, accountId: string, jobId: string): Promise<string> {
  try {
    const res = await s3control.send(new DescribeJobCommand({ AccountId: accountId, JobId: jobId }));
    return res.Job?.Status ?? "unknown";
  } catch (e) {
    throw new VaultError(`S3 Batch Operations DescribeJob ${jobId} failed: ${describe(e)}`);
  }
}
