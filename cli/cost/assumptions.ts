import { EDITIONS, Edition } from "./prices";

/**
 * What the estimate assumes beyond the config and the prices: each with its unit and why. Override
 * any with `lakehouse cost --prices <file>` under `assumptions:` (see overrides.ts). Where a value
 * mirrors a module or runtime default it says which (test/cost.test.ts checks those against the code
 * and the golden synth output).
 */
export interface AssumptionEntry<T = number> {
  readonly value: T;
  readonly unit: string;
  readonly why: string;
}

const a = (value: number, unit: string, why: string): AssumptionEntry => ({ value, unit, why });

export const ASSUMPTIONS = {
  daysPerMonth: a(365 / 12, "days", "an average month (730 hours), as AWS bills GB-months and hours"),
  compressionRatio: a(8, "× (uncompressed ÷ gzip)", "gzip of NDJSON log events is typically 8-10×; the low end is taken"),
  "snowflake.compressionRatio": a(
    8,
    "× (uncompressed ÷ table bytes)",
    "Snowflake's columnar compression of the VARIANT rows, taken equal to gzip's (not measured here)",
  ),
  "snowflake.failSafeDays": a(7, "days", "fail-safe of a permanent table (Snowflake's fixed 7 days)"),
  "snowflake.landingTimeTravelDays": a(1, "days", "snowflake/record-flattener: landingDataRetentionDays default"),
  "puller.windowSeconds": a(300, "s", "runtime/puller: PULLER_WINDOW_SECONDS default; one object (part) per window"),
  "puller.overlapSeconds": a(
    300,
    "s",
    "runtime/puller: PULLER_OVERLAP_SECONDS default; each run re-reads this much into its first window's object, so it is written and loaded twice",
  ),
  "puller.targetObjectMiB": a(64, "MiB", "runtime/puller: PULLER_TARGET_OBJECT_MB default (uncompressed)"),
  "lambda.memoryMB": a(1024, "MB", "aws/log-puller and aws/kafka-ingest memoryMb default (the config cannot change it)"),
  "lambda.puller.secondsPerRun": a(2, "s per invocation", "state read, token, secret, puts on a warm arm64 function (not measured in AWS)"),
  "lambda.puller.secondsPerGB": a(
    600,
    "s per GB fetched",
    "API-bound: about 1.7 MB/s, i.e. a page of 1,000 events of ~1.5 KB each per ~0.9 s (not measured against the real APIs)",
  ),
  "lambda.kafka.secondsPerRun": a(10, "s per invocation", "TLS and SASL connection, consumer group join, commit (not measured in AWS)"),
  "lambda.kafka.secondsPerGB": a(40, "s per GB read", "gzip and put dominate: the puller benchmark writes ~29 MB/s (npm run bench:puller)"),
  "kafka.partitions": a(1, "partitions", "partitions of a topic: at least one object per partition per run with data"),
  "native.objectsPerDay": a(288, "objects per day", "native delivery (CloudTrail, VPC flow logs, Route 53 resolver, GuardDuty) writes about every 5 minutes"),
  "native.objectMiB": a(64, "MiB", "largest uncompressed object a native delivery writes before starting another"),
  "stream.recordKB": a(
    1,
    "KB per record",
    "average record a producer puts into Firehose or Kinesis (one event per record); Firehose bills each record as at least 5 KB",
  ),
  "task.canarySeconds": a(1, "s per run", "snowflake/log-canary: a count over recent rows and an insert"),
  "task.cleanerSeconds": a(10, "s per run", "snowflake/table-cleaner: one DELETE a day"),
  "task.flattenerSeconds": a(3, "s per run", "snowflake/record-flattener: one INSERT … FLATTEN per run, a run per minute with new files"),
  "task.landingCleanerSeconds": a(5, "s per run", "snowflake/table-cleaner on a landing table (7 days of rows)"),
  "task.monitorSeconds": a(5, "s per run", "snowflake/account-monitors: ACCOUNT_USAGE views are slow to scan"),
  "task.alertDeliverySeconds": a(1, "s per run", "snowflake/alert-delivery: reads new alerts, sends them"),
  "warehouse.quotaUsed": a(1, "fraction of monthlyCreditQuota", "1 = the resource monitor's quota, an upper bound: the warehouse is suspended there"),
  "backup.standardDays": a(1, "days", "the vault's day-0 lifecycle transition runs about a day after an object lands; until then it is S3 Standard"),
  "restore.days": a(7, "days of one tenant's logs", "one restore: a week of one tenant's backups"),
  "restore.keepDays": a(7, "days", "the restored (temporary) copy is kept this long, billed as S3 Standard"),
  noncurrentDays: a(30, "days", "aws/log-bucket and aws/backup-vault: an expired object stays this long as a noncurrent version"),
} as const satisfies Record<string, AssumptionEntry>;

export const EDITION_ASSUMPTION: AssumptionEntry<Edition> = {
  value: "enterprise",
  unit: `one of ${EDITIONS.join(", ")}`,
  why: "the Snowflake edition whose credit price applies",
};

export type AssumptionKey = keyof typeof ASSUMPTIONS;
export type Assumptions = Readonly<Record<AssumptionKey, number>> & { readonly "snowflake.edition": Edition };

export const ASSUMPTION_KEYS = Object.keys(ASSUMPTIONS) as AssumptionKey[];

export function listAssumptions(): Assumptions {
  return {
    ...(Object.fromEntries(ASSUMPTION_KEYS.map((k) => [k, ASSUMPTIONS[k].value])) as Record<AssumptionKey, number>),
    "snowflake.edition": EDITION_ASSUMPTION.value,
  };
}

/**
 * Default uncompressed GB/day of a source when `--volume` gives none: by catalog type, else by
 * delivery kind. Placeholders of a plausible order of magnitude so the table has a shape; pass
 * `--volume` for an estimate of your own.
 */
export const DEFAULT_GB_PER_DAY = {
  byType: { cloudtrail: 2, okta: 0.2, "google-workspace": 1, "github-audit": 0.1, guardduty: 0.01, "route53-resolver": 5, "vpc-flow": 10 },
  byKind: { native: 1, puller: 0.5, firehose: 10, kafka: 10 },
} as const;
