/**
 * Unit prices: ONE table, every entry with its unit, the date it was read and where. AWS entries are
 * us-east-1 on-demand list prices (first tier); Snowflake's are on-demand list prices for an account
 * on AWS in a US region. Override any of them with `lakehouse cost --prices <file>` (see
 * overrides.ts); nothing else in the cost model holds a price.
 *
 * `read`: "recalled" — written from the public pricing page as last read (around `asOf`); these
 * machines cannot reach the pages, so the figure was not re-read on the day it was written down.
 * "stored copy" — also seen in a stored copy of the page (`seen`), reachable here through a search
 * index; the copy's own date is unknown. `unsure` says what is doubtful about an entry.
 */
export interface PriceEntry {
  /** Price of one `unit`, in `currency`. */
  readonly value: number;
  /** USD, or Snowflake credits (turned into USD with the edition's credit price). */
  readonly currency: "USD" | "credits";
  /** Short unit, as the table prints it (GB-month, 1k requests, …). */
  readonly unit: string;
  /** What exactly is priced. */
  readonly what: string;
  /** When the figure was read (year-month). */
  readonly asOf: string;
  readonly source: string;
  readonly read: "recalled" | "stored copy";
  /** The stored copy that showed the figure (read: "stored copy"). */
  readonly seen?: string;
  readonly unsure?: string;
}

const S3 = "https://aws.amazon.com/s3/pricing/";
const LAMBDA = "https://aws.amazon.com/lambda/pricing/";
const FIREHOSE = "https://aws.amazon.com/firehose/pricing/";
const KINESIS = "https://aws.amazon.com/kinesis/data-streams/pricing/";
const SNOWFLAKE_PRICING = "https://www.snowflake.com/en/pricing-options/";
const SNOWFLAKE_CONSUMPTION = "https://www.snowflake.com/legal-files/CreditConsumptionTable.pdf";
const SNOWPIPE_COSTS = "https://docs.snowflake.com/en/user-guide/data-load-snowpipe-billing";

const usd = (value: number, unit: string, what: string, source: string, more: Partial<PriceEntry> = {}): PriceEntry => ({
  value,
  currency: "USD",
  unit,
  what,
  asOf: "2025-06",
  source,
  read: "recalled",
  ...more,
});
const credits = (value: number, unit: string, what: string, source: string, more: Partial<PriceEntry> = {}): PriceEntry => ({
  value,
  currency: "credits",
  unit,
  what,
  asOf: "2025-06",
  source,
  read: "recalled",
  ...more,
});

export const PRICES = {
  // S3 storage, first 50 TB tier.
  "s3.storage.STANDARD": usd(0.023, "GB-month", "S3 Standard storage", S3),
  "s3.storage.STANDARD_IA": usd(0.0125, "GB-month", "S3 Standard-IA storage (30 days minimum)", S3),
  "s3.storage.ONEZONE_IA": usd(0.01, "GB-month", "S3 One Zone-IA storage (30 days minimum)", S3),
  "s3.storage.INTELLIGENT_TIERING.frequent": usd(0.023, "GB-month", "S3 Intelligent-Tiering, Frequent Access tier", S3),
  "s3.storage.INTELLIGENT_TIERING.infrequent": usd(0.0125, "GB-month", "S3 Intelligent-Tiering, Infrequent Access tier (after 30 days unread)", S3),
  "s3.storage.INTELLIGENT_TIERING.archiveInstant": usd(0.004, "GB-month", "S3 Intelligent-Tiering, Archive Instant Access tier (after 90 days unread)", S3),
  "s3.storage.GLACIER_IR": usd(0.004, "GB-month", "S3 Glacier Instant Retrieval storage (90 days minimum)", S3),
  "s3.storage.GLACIER": usd(0.0036, "GB-month", "S3 Glacier Flexible Retrieval storage (90 days minimum)", S3),
  "s3.storage.DEEP_ARCHIVE": usd(0.00099, "GB-month", "S3 Glacier Deep Archive storage (180 days minimum)", S3),
  "s3.intelligentTiering.monitoring": usd(0.0025, "1k objects", "S3 Intelligent-Tiering monitoring and automation, per 1,000 objects a month", S3),
  // Requests.
  "s3.request.put": usd(0.005, "1k requests", "PUT, COPY, POST, LIST requests to S3 Standard", S3),
  "s3.request.get": usd(0.0004, "1k requests", "GET and other requests to S3 Standard", S3),
  "s3.transition.STANDARD_IA": usd(0.01, "1k transitions", "lifecycle transitions into Standard-IA", S3),
  "s3.transition.ONEZONE_IA": usd(0.01, "1k transitions", "lifecycle transitions into One Zone-IA", S3),
  "s3.transition.INTELLIGENT_TIERING": usd(0.01, "1k transitions", "lifecycle transitions into Intelligent-Tiering", S3),
  "s3.transition.GLACIER_IR": usd(0.02, "1k transitions", "lifecycle transitions into Glacier Instant Retrieval", S3),
  "s3.transition.GLACIER": usd(0.03, "1k transitions", "lifecycle transitions into Glacier Flexible Retrieval", S3, {
    unsure: "was $0.05 before the 2021 price cut; $0.03 is the figure as last read",
  }),
  "s3.transition.DEEP_ARCHIVE": usd(0.05, "1k transitions", "lifecycle transitions into Glacier Deep Archive (= its PUT price)", S3),
  // Retrieval for a restore (bulk tier where there is one).
  "s3.retrieval.DEEP_ARCHIVE.bulk": usd(0.0025, "GB", "Glacier Deep Archive bulk retrieval (within 48 hours)", S3),
  "s3.retrieval.DEEP_ARCHIVE.bulkRequests": usd(0.025, "1k requests", "Glacier Deep Archive bulk restore requests", S3),
  "s3.retrieval.GLACIER.bulk": usd(0, "GB", "Glacier Flexible Retrieval bulk retrieval (5-12 hours)", S3, {
    unsure: "bulk retrieval from Glacier Flexible Retrieval is listed as free; not re-read",
  }),
  "s3.retrieval.GLACIER.bulkRequests": usd(0, "1k requests", "Glacier Flexible Retrieval bulk restore requests", S3, {
    unsure: "listed as free with bulk retrieval; not re-read",
  }),
  "s3.retrieval.GLACIER_IR": usd(0.03, "GB", "Glacier Instant Retrieval data retrieval", S3),
  "s3.request.get.GLACIER_IR": usd(0.01, "1k requests", "GET requests to Glacier Instant Retrieval", S3),
  // Other AWS services.
  "lambda.requests": usd(0.2, "1M requests", "Lambda requests", LAMBDA),
  "lambda.compute.arm64": usd(0.0000133334, "GB-s", "Lambda duration, arm64, first tier", LAMBDA),
  "secretsmanager.secret": usd(0.4, "secret-month", "a Secrets Manager secret", "https://aws.amazon.com/secrets-manager/pricing/"),
  "secretsmanager.api": usd(0.05, "10k calls", "Secrets Manager API calls", "https://aws.amazon.com/secrets-manager/pricing/"),
  "kms.key": usd(1, "key-month", "a customer-managed KMS key", "https://aws.amazon.com/kms/pricing/", {
    unsure: "a rotated key adds $1/month for each of its first two rotations (yearly rotation: $2-3/month from the second year); not counted",
  }),
  "firehose.ingest": usd(0.029, "GB", "Firehose ingestion, Direct PUT or Kinesis source, each record rounded up to 5 KB (first 500 TB/month)", FIREHOSE, {
    read: "stored copy",
    seen: "https://aws.amazon.com/de/kinesis/data-firehose/pricing/ (the 5 KB rounding, for Direct PUT and a Kinesis stream as source; not the $/GB)",
  }),
  "kinesis.onDemand.streamHour": usd(0.04, "stream-hour", "Kinesis Data Streams on-demand, per stream", KINESIS),
  "kinesis.onDemand.ingest": usd(0.08, "GB", "Kinesis on-demand data in, each record rounded up to 1 KB", KINESIS, {
    read: "stored copy",
    seen: "https://aws.amazon.com/kinesis/data-streams/pricing/ (the 1 KB rounding; not the $/GB)",
  }),
  "kinesis.onDemand.retrieval": usd(0.04, "GB", "Kinesis on-demand data read", KINESIS),
  "kinesis.onDemand.extendedRetention": usd(0.1, "GB-month", "Kinesis on-demand retention beyond 24 hours, up to 7 days", KINESIS, { unsure: "not re-read" }),
  "kinesis.longTermRetention": usd(0.023, "GB-month", "Kinesis retention beyond 7 days", KINESIS, { unsure: "not re-read" }),
  "kinesis.provisioned.shardHour": usd(0.015, "shard-hour", "Kinesis provisioned shard", KINESIS),
  "kinesis.provisioned.putUnits": usd(0.014, "1M units", "Kinesis provisioned PUT payload units of 25 KB", KINESIS),
  "kinesis.provisioned.extendedRetention": usd(0.02, "shard-hour", "Kinesis provisioned retention beyond 24 hours", KINESIS),
  "cloudtrail.dataEvents": usd(0.1, "100k events", "CloudTrail data events delivered", "https://aws.amazon.com/cloudtrail/pricing/"),
  // Snowflake.
  "snowflake.credit.standard": usd(2, "credit", "a Snowflake credit, Standard edition, on demand", SNOWFLAKE_PRICING),
  "snowflake.credit.enterprise": usd(3, "credit", "a Snowflake credit, Enterprise edition, on demand", SNOWFLAKE_PRICING),
  "snowflake.credit.businessCritical": usd(4, "credit", "a Snowflake credit, Business Critical edition, on demand", SNOWFLAKE_PRICING),
  "snowflake.storage": usd(23, "TB-month", "Snowflake storage, on demand, US (compressed; 1 TB = 1,024 GB)", SNOWFLAKE_PRICING, {
    unsure: "$23/TB-month is the US figure as last read; older price lists showed $40 on demand and $23 with capacity",
  }),
  "snowflake.snowpipe.perGB": credits(0.0037, "GB", "Snowpipe, per GB loaded (text formats uncompressed, Parquet as stored)", SNOWPIPE_COSTS, {
    read: "stored copy",
    seen: `${SNOWPIPE_COSTS} (a fixed credit amount per GB, all editions) and https://seemoredata.io/blog/snowflakes-new-snowpipe-pricing (0.0037)`,
    unsure: "the 0.0037 figure was seen on a third-party page, not in Snowflake's consumption table",
  }),
  "snowflake.snowpipe.per1000Files": credits(0, "1k files", "Snowpipe, per 1,000 files (0 since the per-GB model; 0.06 credits before it)", SNOWPIPE_COSTS, {
    read: "stored copy",
    seen: `${SNOWPIPE_COSTS} (the former model: compute plus 0.06 credits per 1,000 files)`,
  }),
  "snowflake.serverlessTask.perComputeHour": credits(0.9, "compute-hour", "a serverless task, per hour of XSMALL-equivalent compute", SNOWFLAKE_CONSUMPTION, {
    unsure: "the 0.9 multiplier of the Serverless Feature Credit Table as last read; cloud services not counted",
  }),
} as const satisfies Record<string, PriceEntry>;

export type PriceKey = keyof typeof PRICES;
export type Prices = Readonly<Record<PriceKey, number>>;

export const PRICE_KEYS = Object.keys(PRICES) as PriceKey[];

/** The table's values, by key. */
export function listPrices(): Prices {
  return Object.fromEntries(PRICE_KEYS.map((k) => [k, PRICES[k].value])) as Prices;
}

/** Editions whose credit price is in the table. */
export const EDITIONS = ["standard", "enterprise", "businessCritical"] as const;
export type Edition = (typeof EDITIONS)[number];

export function creditPriceKey(edition: Edition): PriceKey {
  return `snowflake.credit.${edition}`;
}
