import { MONITOR_KINDS } from "../../modules/snowflake/account-monitors";
import type { ResolvedBackup, ResolvedEnvironment, ResolvedLakehouse, ResolvedSource, ResolvedTenant } from "../../stacks/config/resolve";
import type { Assumptions } from "./assumptions";
import { cronRate } from "./cron";
import { PRICES, PriceKey, Prices, creditPriceKey } from "./prices";
import { SourceVolume, VolumeTable, defaultGbPerDay, volumeKey } from "./volume";

/**
 * The cost model: pure functions from the resolved config, volumes, prices and assumptions to lines
 * of `quantity × unit price = $/month`, per source, tenant and environment. Steady state: every
 * source has run longer than its retention, so each storage class holds `daily GB × days in it`.
 */

export type Vendor = "aws" | "snowflake";

export interface CostLine {
  readonly environment: string;
  /** The tenant's id, or PLATFORM for the environment's shared pieces. */
  readonly tenant: string;
  /** The source, or undefined for what is the tenant's (KMS key, backups) or the platform's. */
  readonly source?: string;
  readonly vendor: Vendor;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  /** USD per unit (a Snowflake line's credits per unit × the edition's credit price). */
  readonly unitPrice: number;
  /** quantity × unitPrice. */
  readonly usd: number;
  /** The table's price keys this line's unit price comes from. */
  readonly prices: readonly PriceKey[];
  /** Every month, or once per restore (not in monthly totals). */
  readonly recurrence: "monthly" | "per-restore";
  readonly note?: string;
  /** Task lines: the task's cron schedule. */
  readonly cron?: string;
}

export interface TenantEstimate {
  readonly id: string;
  readonly region: string;
  readonly lines: readonly CostLine[];
  readonly monthlyUsd: number;
  readonly perRestoreUsd: number;
}

export interface EnvironmentEstimate {
  readonly name: string;
  readonly tenants: readonly TenantEstimate[];
  readonly platform: { readonly lines: readonly CostLine[]; readonly monthlyUsd: number };
  readonly monthlyUsd: number;
  readonly awsUsd: number;
  readonly snowflakeUsd: number;
}

export interface Estimate {
  readonly environments: readonly EnvironmentEstimate[];
  readonly volumes: Readonly<Record<string, SourceVolume>>;
  readonly prices: Prices;
  readonly assumptions: Assumptions;
  /** What the estimate leaves out, in words. */
  readonly notCounted: readonly string[];
}

export const PLATFORM = "(platform)";

/** A tenant's backups: the vault's storage class, days kept, and the vault. */
/** What the cost model reads of a tenant's backup (the resolved config's, or a seed's inputs). */
export type BackupSettings = Pick<ResolvedBackup, "storageClass" | "retentionDays" | "vaultBucketName">;

/** The one place that reads a tenant's backup settings: the vault the config gives it, or none. */
export function backupOf(tenant: ResolvedTenant): BackupSettings | undefined {
  return tenant.backup;
}

/** Module defaults the config does not expose (test/cost.test.ts compares them with the golden synth output). */
export const MODULE_DEFAULTS = {
  /** snowflake/table-cleaner's schedule. */
  cleanerCron: "0 3 * * * UTC",
  /** snowflake/record-flattener's schedule (runs only when its stream has data). */
  flattenerCron: "* * * * * UTC",
  /** snowflake/account-monitors' schedule. */
  monitorCron: "*/15 * * * * UTC",
  /** snowflake/alert-delivery's schedule. */
  alertDeliveryCron: "*/5 * * * * UTC",
  /** delivery.scheduleMinutes of pullers and Kafka consumers. */
  scheduleMinutes: 5,
  /** aws/firehose-delivery buffering. */
  firehoseBufferMiB: 128,
  firehoseIntervalSeconds: 300,
  /** aws/kafka-ingest target object size (uncompressed). */
  kafkaTargetObjectMiB: 64,
  /** aws/kinesis-stream retention. */
  kinesisRetentionHours: 24,
} as const;

/** Days a storage class bills at least (early deletion or transition is charged up to it). */
const MINIMUM_DAYS: Record<string, number> = {
  STANDARD: 0,
  STANDARD_IA: 30,
  ONEZONE_IA: 30,
  INTELLIGENT_TIERING: 0,
  GLACIER_IR: 90,
  GLACIER: 90,
  DEEP_ARCHIVE: 180,
};
/** Per archived object: 32 KB of index at the archive's price and 8 KB of name and metadata at Standard's. */
const ARCHIVE_OVERHEAD_KB = { archive: 32, standard: 8 } as const;
/** Intelligent-Tiering moves an object unread for 30 days to Infrequent Access, for 90 to Archive Instant Access. */
const INTELLIGENT_TIERS = [
  { tier: "frequent", from: 0, to: 30 },
  { tier: "infrequent", from: 30, to: 90 },
  { tier: "archiveInstant", from: 90, to: Infinity },
] as const;
const KB_PER_GB = 1024 * 1024;
const GB_PER_TB = 1024;

export interface EstimateOptions {
  readonly prices: Prices;
  readonly assumptions: Assumptions;
  /** GB/day per `<tenant>/<source>`; a source missing from it gets its default. */
  readonly volumes?: VolumeTable;
  /** Only this environment. */
  readonly environment?: string;
}

/** What flows through one source per day, before pricing. */
export interface SourceFlow {
  /** Uncompressed GB of events per day (the volume). */
  readonly eventsGb: number;
  /** Uncompressed GB written to the bucket and loaded per day (events, plus a puller's re-read overlap). */
  readonly writtenGb: number;
  /** GB per day as stored in S3 (gzip). */
  readonly storedGb: number;
  readonly objects: number;
  /** Lambda invocations per day (pullers, Kafka consumers). */
  readonly invocations: number;
  readonly secondsPerInvocation: number;
  readonly stateReads: number;
  readonly stateWrites: number;
  /** How the numbers came about, for the lines' notes. */
  readonly how: string;
}

const fmt = (n: number, digits = 3) => (Number.isInteger(n) ? String(n) : n.toPrecision(digits).replace(/\.?0+$/, ""));

/** Objects, invocations and bytes of a source per day, by its delivery. */
export function sourceFlow(source: ResolvedSource, gbPerDay: number, a: Assumptions): SourceFlow {
  const d = source.config.delivery;
  const stored = (written: number) => written / a.compressionRatio;
  const none = { invocations: 0, secondsPerInvocation: 0, stateReads: 0, stateWrites: 0 };
  const native = (why: string): SourceFlow => {
    const objects = gbPerDay === 0 ? 0 : Math.max(a["native.objectsPerDay"], (gbPerDay * 1024) / a["native.objectMiB"]);
    return {
      eventsGb: gbPerDay,
      writtenGb: gbPerDay,
      storedGb: stored(gbPerDay),
      objects,
      ...none,
      how: `${why}: max(${fmt(a["native.objectsPerDay"])}, GB/day ÷ ${fmt(a["native.objectMiB"])} MiB) objects a day`,
    };
  };
  if (d.kind === "puller" && d.puller !== undefined) {
    const scheduleSeconds = (d.scheduleMinutes ?? MODULE_DEFAULTS.scheduleMinutes) * 60;
    const windowSeconds = a["puller.windowSeconds"];
    const writingEvery = Math.max(scheduleSeconds, windowSeconds);
    const factor = 1 + a["puller.overlapSeconds"] / writingEvery;
    const written = gbPerDay * factor;
    const windows = 86400 / windowSeconds;
    const parts = Math.max(1, Math.ceil(((written / windows) * 1024) / a["puller.targetObjectMiB"]));
    const invocations = 86400 / scheduleSeconds;
    const seconds = a["lambda.puller.secondsPerRun"] + a["lambda.puller.secondsPerGB"] * (written / invocations);
    return {
      eventsGb: gbPerDay,
      writtenGb: written,
      storedGb: stored(written),
      objects: gbPerDay === 0 ? 0 : windows * parts,
      invocations,
      secondsPerInvocation: seconds,
      stateReads: invocations,
      stateWrites: 86400 / writingEvery,
      how: `puller every ${scheduleSeconds / 60} min, ${windowSeconds} s windows, ${a["puller.overlapSeconds"]} s re-read per run (×${fmt(factor)} written)`,
    };
  }
  if (d.kind === "kafka" && d.kafka !== undefined) {
    const scheduleSeconds = (d.scheduleMinutes ?? MODULE_DEFAULTS.scheduleMinutes) * 60;
    const runs = 86400 / scheduleSeconds;
    const target = d.kafka.targetObjectMb ?? MODULE_DEFAULTS.kafkaTargetObjectMiB;
    const partitions = a["kafka.partitions"];
    const perPartitionRun = gbPerDay / runs / partitions;
    const objects = gbPerDay === 0 ? 0 : runs * partitions * Math.max(1, Math.ceil((perPartitionRun * 1024) / target));
    return {
      eventsGb: gbPerDay,
      writtenGb: gbPerDay,
      storedGb: stored(gbPerDay),
      objects,
      invocations: runs,
      secondsPerInvocation: a["lambda.kafka.secondsPerRun"] + a["lambda.kafka.secondsPerGB"] * (gbPerDay / runs),
      stateReads: 0,
      stateWrites: 0,
      how: `Kafka consumer every ${scheduleSeconds / 60} min, ${fmt(partitions)} partition(s), ${target} MiB objects`,
    };
  }
  if (d.kind === "firehose" && d.firehose !== undefined) {
    const interval = d.firehose.bufferIntervalSeconds ?? MODULE_DEFAULTS.firehoseIntervalSeconds;
    const buffer = d.firehose.bufferSizeMB ?? MODULE_DEFAULTS.firehoseBufferMiB;
    const objects = gbPerDay === 0 ? 0 : Math.max(86400 / interval, (gbPerDay * 1024) / buffer);
    return { eventsGb: gbPerDay, writtenGb: gbPerDay, storedGb: stored(gbPerDay), objects, ...none, how: `Firehose flushes at ${buffer} MiB or ${interval} s` };
  }
  return native(d.kind === "native" ? "native delivery" : `${d.kind} writer run elsewhere (writerRoleArns)`);
}

/** Storage-class segments of an object's life: [from, to) days, the last one running on as a noncurrent version. */
export function lifecycleSegments(
  transitions: ResolvedSource["transitions"],
  retentionDays: number,
  noncurrentDays: number,
): { storageClass: string; from: number; to: number }[] {
  const steps = [{ days: 0, storageClass: "STANDARD" }, ...[...transitions].sort((x, y) => x.days - y.days)];
  return steps.map((s, i) => ({ storageClass: s.storageClass, from: s.days, to: i + 1 < steps.length ? steps[i + 1].days : retentionDays + noncurrentDays }));
}

class LineBuilder {
  readonly lines: CostLine[] = [];
  constructor(
    private readonly env: string,
    private readonly tenant: string,
    readonly p: Prices,
    private readonly a: Assumptions,
  ) {}

  /** USD per credit for the edition. */
  get creditUsd(): number {
    return this.p[creditPriceKey(this.a["snowflake.edition"])];
  }

  add(l: Omit<CostLine, "environment" | "tenant" | "usd" | "recurrence"> & { recurrence?: CostLine["recurrence"] }): void {
    this.lines.push({ environment: this.env, tenant: this.tenant, ...l, recurrence: l.recurrence ?? "monthly", usd: l.quantity * l.unitPrice });
  }

  /** A priced AWS line: quantity in the price's unit. */
  aws(source: string | undefined, item: string, quantity: number, key: PriceKey, note?: string, recurrence?: CostLine["recurrence"]): void {
    this.add({ source, vendor: "aws", item, quantity, unit: PRICES[key].unit, unitPrice: this.p[key], prices: [key], note, recurrence });
  }

  /** A Snowflake line priced in credits per unit (× the credit price). */
  credits(source: string | undefined, item: string, quantity: number, unit: string, key: PriceKey, note?: string, cron?: string): void {
    const perUnit = this.p[key];
    const editionKey = creditPriceKey(this.a["snowflake.edition"]);
    this.add({
      source,
      vendor: "snowflake",
      item,
      quantity,
      unit,
      unitPrice: perUnit * this.creditUsd,
      prices: [key, editionKey],
      note: [`${fmt(perUnit, 4)} credits per ${unit} × $${fmt(this.creditUsd)}/credit`, note].filter(Boolean).join("; "),
      cron,
    });
  }

  /** A serverless task: its runs a month × seconds each, in XSMALL compute-hours. */
  task(source: string | undefined, item: string, cron: string, runsPerMonth: number, seconds: number, note?: string): void {
    const exact = cronRate(cron).exact ? "" : " (cron counted as every value of the fields not understood: an upper bound)";
    this.credits(
      source,
      item,
      (runsPerMonth * seconds) / 3600,
      "compute-hour",
      "snowflake.serverlessTask.perComputeHour",
      `${fmt(runsPerMonth, 4)} runs × ${fmt(seconds)} s${exact}${note ? `; ${note}` : ""}`,
      cron,
    );
  }
}

/** S3 storage of a flow of `storedGb` and `objects` a day through the lifecycle segments: GB-month lines per class, overhead, monitoring, transitions. */
function storageLines(
  b: LineBuilder,
  source: string | undefined,
  what: string,
  storedGb: number,
  objects: number,
  segments: { storageClass: string; from: number; to: number }[],
  a: Assumptions,
  noncurrentDays: number,
): void {
  const days = a.daysPerMonth;
  segments.forEach((seg, i) => {
    const span = seg.to - seg.from;
    if (span <= 0) return;
    const billed = Math.max(span, MINIMUM_DAYS[seg.storageClass] ?? 0);
    const last = i === segments.length - 1;
    const range = `days ${seg.from}-${last ? `${seg.to - noncurrentDays} + ${noncurrentDays} noncurrent` : seg.to}`;
    const early = billed > span ? `; billed ${billed} days, the class's minimum` : "";
    if (seg.storageClass === "INTELLIGENT_TIERING") {
      for (const t of INTELLIGENT_TIERS) {
        const tierDays = Math.max(0, Math.min(billed, t.to) - t.from);
        if (tierDays > 0)
          b.aws(
            source,
            `${what} INTELLIGENT_TIERING ${t.tier} storage, ${range}`,
            storedGb * tierDays,
            `s3.storage.INTELLIGENT_TIERING.${t.tier}`,
            `${fmt(storedGb)} GB/day × ${fmt(tierDays)} days in the tier`,
          );
      }
      b.aws(
        source,
        `${what} INTELLIGENT_TIERING monitoring`,
        (objects * billed) / 1000,
        "s3.intelligentTiering.monitoring",
        `${fmt(objects)} objects/day × ${billed} days`,
      );
    } else {
      b.aws(
        source,
        `${what} ${seg.storageClass} storage, ${range}`,
        storedGb * billed,
        `s3.storage.${seg.storageClass}` as PriceKey,
        `${fmt(storedGb)} GB/day × ${billed} days${early}`,
      );
    }
    if (seg.storageClass === "GLACIER" || seg.storageClass === "DEEP_ARCHIVE") {
      const resident = objects * billed;
      b.aws(
        source,
        `${what} ${seg.storageClass} per-object index (32 KB each)`,
        (resident * ARCHIVE_OVERHEAD_KB.archive) / KB_PER_GB,
        `s3.storage.${seg.storageClass}` as PriceKey,
        `${fmt(resident)} objects resident`,
      );
      b.aws(
        source,
        `${what} ${seg.storageClass} per-object metadata (8 KB each, at Standard)`,
        (resident * ARCHIVE_OVERHEAD_KB.standard) / KB_PER_GB,
        "s3.storage.STANDARD",
        `${fmt(resident)} objects resident`,
      );
    }
    if (seg.storageClass !== "STANDARD")
      b.aws(
        source,
        `${what} lifecycle transitions to ${seg.storageClass}`,
        (objects * days) / 1000,
        `s3.transition.${seg.storageClass}` as PriceKey,
        `${fmt(objects)} objects/day`,
      );
  });
}

function sourceLines(b: LineBuilder, env: ResolvedEnvironment, source: ResolvedSource, volume: SourceVolume, a: Assumptions): { puts: number; gets: number } {
  const days = a.daysPerMonth;
  const flow = sourceFlow(source, volume.gbPerDay, a);
  const name = source.name;
  const origin = `${fmt(volume.gbPerDay)} GB/day uncompressed (${volume.origin}); ${flow.how}`;

  // S3: storage by class and age, requests — none for a source on an existing bucket, whose owner pays
  // for its storage and requests (no Requester Pays), in its own account.
  const owned = source.existingBucket === undefined;
  const puts = owned ? (flow.objects + flow.stateWrites) * days : 0;
  const gets = owned ? (flow.objects + flow.stateReads) * days : 0;
  if (owned) {
    storageLines(
      b,
      name,
      "S3",
      flow.storedGb,
      flow.objects,
      lifecycleSegments(source.transitions, source.retentionDays, a.noncurrentDays),
      a,
      a.noncurrentDays,
    );
    b.aws(name, "S3 PUT requests (objects" + (flow.stateWrites ? " + puller state" : "") + ")", puts / 1000, "s3.request.put", origin);
    b.aws(
      name,
      "S3 GET requests (Snowpipe reads" + (flow.stateReads ? " + puller state" : "") + ")",
      gets / 1000,
      "s3.request.get",
      `${fmt(flow.objects)} objects/day`,
    );
  }

  // Delivery.
  const d = source.config.delivery;
  if (flow.invocations > 0) {
    const invocations = flow.invocations * days;
    const gbSeconds = invocations * flow.secondsPerInvocation * (a["lambda.memoryMB"] / 1024);
    const who = d.kind === "kafka" ? "Kafka consumer" : "puller";
    b.aws(name, `Lambda ${who} invocations`, invocations / 1e6, "lambda.requests", `${fmt(flow.invocations)} a day`);
    b.aws(
      name,
      `Lambda ${who} compute (arm64)`,
      gbSeconds,
      "lambda.compute.arm64",
      `${fmt(invocations, 5)} runs × ${fmt(flow.secondsPerInvocation)} s × ${fmt(a["lambda.memoryMB"] / 1024)} GB`,
    );
    b.aws(name, `Secrets Manager: the ${who}'s secret`, 1, "secretsmanager.secret");
    b.aws(name, `Secrets Manager API calls (one per run, at most)`, invocations / 10000, "secretsmanager.api");
  }
  if (d.kind === "firehose" && d.firehose !== undefined) {
    const recordKb = a["stream.recordKB"];
    const billedKb = Math.ceil(recordKb / 5) * 5;
    b.aws(
      name,
      "Firehose ingestion (records rounded up to 5 KB)",
      flow.eventsGb * days * (billedKb / recordKb),
      "firehose.ingest",
      `${fmt(flow.eventsGb * days, 4)} GB of ${fmt(recordKb)} KB records billed as ${billedKb} KB each`,
    );
    if (d.firehose.source === "kinesis") {
      const retention = d.firehose.stream?.retentionHours ?? MODULE_DEFAULTS.kinesisRetentionHours;
      const hours = days * 24;
      const extendedGb = flow.eventsGb * (Math.max(0, Math.min(retention, 168) - 24) / 24);
      const longTermGb = flow.eventsGb * (Math.max(0, retention - 168) / 24);
      const shards = d.firehose.stream?.shardCount;
      if (shards === undefined) {
        const inKb = Math.ceil(recordKb);
        b.aws(name, "Kinesis stream-hours (on-demand)", hours, "kinesis.onDemand.streamHour");
        b.aws(name, "Kinesis data in (records rounded up to 1 KB)", flow.eventsGb * days * (inKb / recordKb), "kinesis.onDemand.ingest");
        b.aws(name, "Kinesis data read by Firehose", flow.eventsGb * days, "kinesis.onDemand.retrieval");
        if (extendedGb > 0)
          b.aws(
            name,
            `Kinesis retention ${Math.min(retention, 168)} h (beyond 24 h)`,
            extendedGb,
            "kinesis.onDemand.extendedRetention",
            `${fmt(flow.eventsGb)} GB/day × ${fmt((Math.min(retention, 168) - 24) / 24)} days`,
          );
      } else {
        const records = (flow.eventsGb * days * KB_PER_GB) / recordKb;
        b.aws(name, `Kinesis shard-hours (${shards} provisioned)`, shards * hours, "kinesis.provisioned.shardHour");
        b.aws(name, "Kinesis PUT payload units (25 KB)", (records * Math.ceil(recordKb / 25)) / 1e6, "kinesis.provisioned.putUnits");
        if (retention > 24) b.aws(name, `Kinesis retention beyond 24 h (${shards} shards)`, shards * hours, "kinesis.provisioned.extendedRetention");
      }
      if (longTermGb > 0) b.aws(name, `Kinesis retention beyond 7 days (${retention} h)`, longTermGb, "kinesis.longTermRetention");
    }
  }

  // Snowflake: Snowpipe, storage, tasks.
  const loadedGb = source.config.fileFormat === "parquet" ? flow.storedGb : flow.writtenGb;
  b.credits(name, "Snowpipe files", (flow.objects * days) / 1000, "1k files", "snowflake.snowpipe.per1000Files");
  b.credits(
    name,
    `Snowpipe load (${source.config.fileFormat === "parquet" ? "Parquet, as stored" : "uncompressed"})`,
    loadedGb * days,
    "GB",
    "snowflake.snowpipe.perGB",
  );
  const tableGbPerDay = flow.writtenGb / a["snowflake.compressionRatio"];
  const storage = b.p["snowflake.storage"];
  const sf = (item: string, gb: number, note: string) =>
    b.add({
      source: name,
      vendor: "snowflake",
      item,
      quantity: gb / GB_PER_TB,
      unit: PRICES["snowflake.storage"].unit,
      unitPrice: storage,
      prices: ["snowflake.storage"],
      note,
    });
  sf(
    `Snowflake table storage, ${source.tableRetentionDays} days`,
    tableGbPerDay * source.tableRetentionDays,
    `${fmt(tableGbPerDay)} GB/day compressed (${fmt(a["snowflake.compressionRatio"])}×)`,
  );
  sf(
    `Snowflake Time Travel ${env.timeTravelDays} d + fail-safe ${a["snowflake.failSafeDays"]} d of purged rows`,
    tableGbPerDay * (env.timeTravelDays + a["snowflake.failSafeDays"]),
    "the cleaner purges a day's rows a day",
  );
  const runs = (cron: string) => cronRate(cron).runsPerDay * days;
  b.task(
    name,
    source.canary.enabled ? "log canary task" : "log canary task (suspended: canary.enabled false)",
    source.canary.schedule,
    source.canary.enabled ? runs(source.canary.schedule) : 0,
    a["task.canarySeconds"],
  );
  b.task(name, "table cleaner task", MODULE_DEFAULTS.cleanerCron, runs(MODULE_DEFAULTS.cleanerCron), a["task.cleanerSeconds"]);
  if (source.config.wrappedRecords !== undefined) {
    const landingDays = source.landingRetentionDays + a["snowflake.landingTimeTravelDays"] + a["snowflake.failSafeDays"];
    sf(
      `Snowflake landing table, ${source.landingRetentionDays} d + Time Travel + fail-safe`,
      tableGbPerDay * landingDays,
      `one row per file, kept ${landingDays} days in all`,
    );
    b.task(
      name,
      "record flattener task",
      MODULE_DEFAULTS.flattenerCron,
      Math.min(runs(MODULE_DEFAULTS.flattenerCron), flow.objects * days),
      a["task.flattenerSeconds"],
      "a run per minute with new files, at most",
    );
    b.task(name, "landing table cleaner task", MODULE_DEFAULTS.cleanerCron, runs(MODULE_DEFAULTS.cleanerCron), a["task.landingCleanerSeconds"]);
  }
  return { puts, gets };
}

function backupLines(b: LineBuilder, backup: BackupSettings, flows: { storedGb: number; objects: number }[], a: Assumptions): void {
  const storedGb = flows.reduce((n, f) => n + f.storedGb, 0);
  const objects = flows.reduce((n, f) => n + f.objects, 0);
  const days = a.daysPerMonth;
  const vault = `backup vault ${backup.vaultBucketName}`;
  b.aws(
    undefined,
    `${vault}: replication writes`,
    (objects * days) / 1000,
    "s3.request.put",
    `${fmt(objects)} objects/day replicated (same region: no transfer charge)`,
  );
  const standardDays = Math.min(a["backup.standardDays"], backup.retentionDays);
  const segments = [
    { storageClass: "STANDARD", from: 0, to: standardDays },
    { storageClass: backup.storageClass, from: standardDays, to: backup.retentionDays + a.noncurrentDays },
  ];
  storageLines(b, undefined, "backup", storedGb, objects, segments, a, a.noncurrentDays);

  // One restore: `restore.days` of this tenant's backups, bulk where the class has it.
  const restoreGb = storedGb * a["restore.days"];
  const restoreObjects = objects * a["restore.days"];
  const what = `restore of ${fmt(a["restore.days"])} days (${fmt(restoreGb, 4)} GB, ${fmt(restoreObjects, 4)} objects)`;
  if (backup.storageClass === "GLACIER_IR") {
    b.aws(undefined, `${what}: retrieval`, restoreGb, "s3.retrieval.GLACIER_IR", "instant", "per-restore");
    b.aws(undefined, `${what}: GET requests`, restoreObjects / 1000, "s3.request.get.GLACIER_IR", undefined, "per-restore");
    return;
  }
  const tier = backup.storageClass === "DEEP_ARCHIVE" ? "DEEP_ARCHIVE" : "GLACIER";
  b.aws(
    undefined,
    `${what}: bulk retrieval`,
    restoreGb,
    `s3.retrieval.${tier}.bulk`,
    tier === "DEEP_ARCHIVE" ? "within 48 hours" : "5-12 hours",
    "per-restore",
  );
  b.aws(undefined, `${what}: bulk restore requests`, restoreObjects / 1000, `s3.retrieval.${tier}.bulkRequests`, undefined, "per-restore");
  b.aws(
    undefined,
    `${what}: restored copy for ${fmt(a["restore.keepDays"])} days`,
    restoreGb * (a["restore.keepDays"] / days),
    "s3.storage.STANDARD",
    "billed as S3 Standard while it is kept",
    "per-restore",
  );
  b.aws(undefined, `${what}: GET requests`, restoreObjects / 1000, "s3.request.get", undefined, "per-restore");
}

const sum = (lines: readonly CostLine[], pick: (l: CostLine) => boolean = () => true) =>
  lines.filter((l) => l.recurrence === "monthly" && pick(l)).reduce((n, l) => n + l.usd, 0);

/** The estimate, environment by environment. */
export function estimateCost(lakehouse: ResolvedLakehouse, o: EstimateOptions): Estimate {
  const a = o.assumptions;
  const volumes: Record<string, SourceVolume> = {};
  const volumeOf = (t: ResolvedTenant, s: ResolvedSource) => {
    const v = o.volumes?.get(volumeKey(t.id, s.name)) ?? { gbPerDay: defaultGbPerDay(s), origin: "default" as const };
    volumes[volumeKey(t.id, s.name)] = v;
    return v;
  };
  const environments = lakehouse.environments
    .filter((env) => o.environment === undefined || env.name === o.environment)
    .map((env): EnvironmentEstimate => {
      let puts = 0;
      let gets = 0;
      const tenants = env.tenants.map((t): TenantEstimate => {
        const b = new LineBuilder(env.name, t.id, o.prices, a);
        const flows: SourceFlow[] = [];
        for (const s of t.sources) {
          const v = volumeOf(t, s);
          // The vault replicates the tenant's bucket only: a source on an existing bucket is not in it.
          if (!s.existingBucket) flows.push(sourceFlow(s, v.gbPerDay, a));
          const r = sourceLines(b, env, s, v, a);
          puts += r.puts;
          gets += r.gets;
        }
        b.aws(undefined, "KMS key of the tenant's bucket", 1, "kms.key");
        const backup = backupOf(t);
        if (backup) backupLines(b, backup, flows, a);
        return {
          id: t.id,
          region: t.region,
          lines: b.lines,
          monthlyUsd: sum(b.lines),
          perRestoreUsd: b.lines.filter((l) => l.recurrence === "per-restore").reduce((n, l) => n + l.usd, 0),
        };
      });

      const p = new LineBuilder(env.name, PLATFORM, o.prices, a);
      const runs = (cron: string) => cronRate(cron).runsPerDay * a.daysPerMonth;
      for (const region of env.regions) {
        const quota = env.warehouse.monthlyCreditQuota * a["warehouse.quotaUsed"];
        const creditKey = creditPriceKey(a["snowflake.edition"]);
        p.add({
          vendor: "snowflake",
          item: `query warehouse ${env.warehouse.name} (${region}), ${env.warehouse.size}`,
          quantity: quota,
          unit: "credits",
          unitPrice: p.creditUsd,
          prices: [creditKey],
          note: `the resource monitor's monthlyCreditQuota of ${env.warehouse.monthlyCreditQuota} × ${fmt(a["warehouse.quotaUsed"])}: an upper bound, not a forecast`,
        });
        // The backfill warehouse runs only during backfills; its resource monitor's quota bounds it.
        const backfillQuota = env.backfill.monthlyCreditQuota * a["warehouse.quotaUsed"];
        p.add({
          vendor: "snowflake",
          item: `backfill warehouse ${env.backfill.warehouseName} (${region}), ${env.backfill.size}`,
          quantity: backfillQuota,
          unit: "credits",
          unitPrice: p.creditUsd,
          prices: [creditKey],
          note: `the resource monitor's monthlyCreditQuota of ${env.backfill.monthlyCreditQuota} × ${fmt(a["warehouse.quotaUsed"])}: an upper bound, spent only in months with backfills`,
        });
        const monitorCron = env.monitors.schedule ?? MODULE_DEFAULTS.monitorCron;
        for (const task of Object.keys(MONITOR_KINDS))
          p.task(undefined, `account monitor ${task} (${region})`, monitorCron, runs(monitorCron), a["task.monitorSeconds"]);
        if (env.config.alertDelivery) {
          const cron = env.config.alertDelivery.schedule ?? MODULE_DEFAULTS.alertDeliveryCron;
          p.task(undefined, `alert delivery task (${region})`, cron, runs(cron), a["task.alertDeliverySeconds"]);
        }
      }
      if (env.config.auditTrail !== false) {
        p.aws(
          undefined,
          "audit trail: CloudTrail data events on the log buckets",
          (puts + gets) / 100000,
          "cloudtrail.dataEvents",
          "every PUT and GET counted above",
        );
      }
      const all = [...tenants.flatMap((t) => t.lines), ...p.lines];
      return {
        name: env.name,
        tenants,
        platform: { lines: p.lines, monthlyUsd: sum(p.lines) },
        monthlyUsd: sum(all),
        awsUsd: sum(all, (l) => l.vendor === "aws"),
        snowflakeUsd: sum(all, (l) => l.vendor === "snowflake"),
      };
    });
  return { environments, volumes, prices: o.prices, assumptions: a, notCounted: notCounted(lakehouse) };
}

function notCounted(lakehouse: ResolvedLakehouse): string[] {
  const tuned = new Set<string>();
  for (const env of lakehouse.environments)
    for (const t of env.tenants)
      for (const s of t.sources) if (s.config.searchOptimizationPaths?.length || s.config.clusteringKeys?.length) tuned.add(`${t.id}/${s.name}`);
  return [
    `search optimization and automatic clustering (storage and serverless credits${tuned.size > 0 ? `; asked for by ${[...tuned].join(", ")}` : ""})`,
    "queries beyond the warehouse's quota line, Snowflake cloud services (free up to 10% of daily compute), data transfer out",
    "CloudWatch logs, metrics and alarms, X-Ray traces, EventBridge Scheduler, SQS dead-letter queues, SNS alerts",
    "S3 server access logs and the audit trail's own bucket, KMS requests (bucket keys are on), free tiers",
    "the Kafka consumers' VPC (NAT gateway or endpoints) and the Kafka cluster itself",
  ];
}
