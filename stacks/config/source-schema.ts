import { z } from "zod";
import { KMS_KEY_ARN, S3_BUCKET_NAME } from "../../modules/core/validate";
import { clusteringKeyProblem, parseViewDefinition } from "../../modules/snowflake/semi-structured-table/sql";
import { EVENT_TIME_FORMATS, EVENT_TIME_FORMAT_HINT } from "../../modules/snowflake/snowpipe/sql";
import { JSON_PATH, JSON_PATH_HINT } from "../../modules/snowflake/sql";
import { SOURCE_TYPES } from "./source-types";
import { RESERVED_MESSAGE, awsAccountId, canary, notReserved, retentionDays, roleArn, transition } from "./fields";

/** The config of one log source (`tenants[].sources[]`): where its files are, how they arrive, what they load into. */

const sourceName = z
  .string()
  .max(40, "must be at most 40 characters")
  .regex(/^[a-z][a-z0-9_]*$/, "must be lower-case letters, digits and '_', starting with a letter (it names a Snowflake table)")
  .refine(notReserved, RESERVED_MESSAGE);

const viewName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,254}$/, "must be an upper-case Snowflake identifier ([A-Z][A-Z0-9_]*)")
  .refine(notReserved, RESERVED_MESSAGE);

const firehose = z.strictObject({
  source: z
    .enum(["direct-put", "kinesis"])
    .describe("Where records enter the delivery stream. direct-put: producers call PutRecordBatch on it; kinesis: a Kinesis data stream in front."),
  bufferSizeMB: z
    .number()
    .int()
    .min(64, "must be 64-128 MiB: smaller files cost Snowpipe more per GB")
    .max(128, "must be 64-128 MiB (Firehose's maximum is 128)")
    .optional()
    .describe("MiB buffered (before GZIP) before a flush, 64-128. Default 128."),
  bufferIntervalSeconds: z
    .number()
    .int()
    .min(60, "must be 60-600 seconds")
    .max(600, "must be 60-600 seconds: ingest delay stays under 10 minutes")
    .optional()
    .describe("Longest wait in seconds before a flush, 60-600. Ingest delay stays under 10 minutes; default 300."),
  transformLambdaArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/, "must be a Lambda function ARN")
    .optional()
    .describe("A Lambda function that transforms records before delivery. In the tenant's account and region; default: none."),
  stream: z
    .strictObject({
      shardCount: z.number().int().min(1).max(1000).optional().describe("Provisioned shards, 1-1000. Default: on-demand capacity."),
      retentionHours: z
        .number()
        .int()
        .min(24, "must be 24-8760 hours")
        .max(8760, "must be 24-8760 hours")
        .optional()
        .describe("Hours records stay readable in the stream, 24-8760. Default 24."),
    })
    .optional()
    .describe("source kinesis: the stream's capacity and retention."),
  producerRoleArns: z.array(roleArn).optional().describe("source kinesis: the roles allowed to put records into the stream. No other may; default: nobody."),
});

const delivery = z.strictObject({
  kind: z
    .enum(["native", "puller", "firehose", "kafka"])
    .optional()
    .describe(
      "How files reach the bucket. native (the source's own delivery), puller (a function), firehose (a stream) or kafka (a sink); required unless the type gives it.",
    ),
  servicePrincipal: z
    .string()
    .regex(/^[a-z0-9.-]+\.amazonaws\.com$/, "must be an AWS service principal such as cloudtrail.amazonaws.com")
    .optional()
    .describe("kind native: the AWS service that writes the files. For example cloudtrail.amazonaws.com; it may write the source's prefix only."),
  writerRoleArns: z
    .array(roleArn)
    .optional()
    .describe("IAM roles allowed to write the source's prefix. The puller's, stream's or consumer's own role is added to them."),
  organizationTrail: z
    .strictObject({
      trailArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail\/[A-Za-z0-9._-]{3,128}$/,
          "must be a CloudTrail trail ARN, arn:aws:cloudtrail:<region>:<management account>:trail/<name>",
        )
        .describe(
          "The organization trail's ARN, in the organization's management account. Only it may write: its ARN is the bucket and key policies' aws:SourceArn.",
        ),
      organizationId: z
        .string()
        .regex(/^o-[a-z0-9]{10,32}$/, "must be an AWS Organizations id, o- and 10-32 lower-case letters or digits")
        .describe("The organization's id. The trail writes under <prefix>AWSLogs/<organizationId>/ (and its management account's <prefix>AWSLogs/<account>/)."),
    })
    .optional()
    .describe(
      "kind native, cloudtrail.amazonaws.com: an organization trail of another account writes the source's prefix, instead of a trail of the tenant's account. The bucket and key admit that trail by its ARN (CloudTrail User Guide, organization trails); default: a trail of the tenant's account.",
    ),
  puller: z
    .enum(["google-workspace", "okta"])
    .optional()
    .describe("kind puller: which puller to build. A Lambda function from runtime/puller (module aws/log-puller)."),
  scheduleMinutes: z
    .number()
    .int()
    .min(1, "must be 1-10 minutes")
    .max(10, "must be 1-10 minutes: ingest delay stays under 10 minutes")
    .optional()
    .describe("kind puller or kafka: minutes between runs, 1-10. Ingest delay stays under 10 minutes; default 5."),
  options: z
    .strictObject({
      subject: z.email("must be an e-mail address").optional().describe("google-workspace: the admin user the service account impersonates."),
      applications: z
        .array(
          z
            .string()
            .regex(/^[a-z_]+$/, "must be a Reports application name such as login")
            .describe("A Reports application name, such as login."),
        )
        .min(1)
        .optional()
        .describe("google-workspace: the Reports applications to pull. For example [admin, login, token, drive]."),
      orgUrl: z
        .string()
        .regex(/^https:\/\/[A-Za-z0-9.-]+$/, "must be https://<host> without a path")
        .optional()
        .describe("okta: the org's address, https://<org>.okta.com. No path."),
      pageSize: z.number().int().min(1).max(1000).optional().describe("Records per API page, 1-1000. Default 1000, both APIs' maximum."),
    })
    .optional()
    .describe("kind puller: the source's non-secret options. Credentials go into the puller's secret, never here."),
  firehose: firehose
    .optional()
    .describe("kind firehose: the delivery stream. Module aws/firehose-delivery, fed directly or by a Kinesis stream (aws/kinesis-stream)."),
  kafka: z
    .strictObject({
      bootstrapServers: z
        .array(
          z
            .string()
            .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port")
            .describe("A broker, host:port."),
        )
        .min(1, "needs at least one broker")
        .describe("The cluster's bootstrap servers. MSK, Redpanda or any Kafka-API cluster."),
      topic: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,249}$/, "must be a Kafka topic name (1-249 of [A-Za-z0-9._-])")
        .describe("The topic whose records land in the source's prefix."),
      consumerGroup: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,249}$/, "must be 1-249 of [A-Za-z0-9._-]")
        .optional()
        .describe("The consumer group. Default <organization>-<environment>-<tenant>-<source>."),
      auth: z
        .enum(["scram-sha-512", "mtls"])
        .describe(
          "How the consumer authenticates, always over TLS. scram-sha-512 (user and password) or mtls (client certificate); the credentials go into its secret out of band.",
        ),
      vpc: z
        .strictObject({
          subnetIds: z
            .array(
              z
                .string()
                .regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id (subnet-…)")
                .describe("A subnet id, subnet-…."),
            )
            .min(1, "needs at least one subnet")
            .describe("Subnets the consumer's Lambda function runs in."),
          securityGroupIds: z
            .array(
              z
                .string()
                .regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id (sg-…)")
                .describe("A security group id, sg-…."),
            )
            .min(1, "needs at least one security group")
            .describe("Security groups of the consumer's Lambda function."),
        })
        .describe("The cluster's network. The consumer runs in these subnets with these security groups."),
      fromBeginning: z
        .boolean()
        .optional()
        .describe("Where a group with no committed offset starts. true: at the earliest retained record; false: at new records. Default true."),
      targetObjectMb: z.number().min(1).max(100).optional().describe("Target object size, uncompressed MiB, 1-100. Default 64."),
    })
    .optional()
    .describe(
      "kind kafka: the topic to consume. Its records land in the source's prefix, moved by a Lambda function from runtime/kafka (module aws/kafka-ingest).",
    ),
});

/**
 * A bucket the lakehouse reads but does not own (an organization trail's bucket in a log-archive
 * account): the source builds the Snowflake side and the access role, and `lakehouse external-access`
 * prints what the bucket's owner adds to its bucket and key policies (stacks/external-access.ts).
 */
const existingBucket = z
  .strictObject({
    name: z
      .string()
      .regex(S3_BUCKET_NAME, "must be an S3 bucket name without dots (3-63 of a-z, 0-9 and '-', starting and ending with a letter or digit)")
      .describe(
        "The bucket's name. In the tenant's region (S3 notifies only queues of the bucket's region, and Snowflake's queue is in the tenant's); no dots.",
      ),
    prefix: z
      .string()
      .max(512, "must be at most 512 characters")
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.\-/]*\/$/, "must be a key prefix of letters, digits, '_', '.', '-' and '/', ending in '/'")
      .refine((p) => !p.includes("//") && !p.split("/").includes(".."), "must not contain '//' or a '..' segment")
      .describe(
        "Where the source's files are in the bucket, ending in '/'. For example AWSLogs/o-a1b2c3d4e5/ for an organization trail; the access role reads under it and nothing else.",
      ),
    accountId: awsAccountId.describe(
      "The AWS account that owns the bucket. The access role reads across accounts when it is not the tenant's; its owner adds the printed bucket policy statements either way.",
    ),
    kmsKeyArn: z
      .string()
      .regex(KMS_KEY_ARN, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
      .optional()
      .describe(
        "The KMS key the bucket's objects are encrypted with (SSE-KMS). The access role may decrypt with it through S3 only, and the printed key policy statement lets it; default: none (SSE-S3).",
      ),
  })
  .describe(
    "A bucket someone else owns that holds the source's files. The library builds the Snowflake side and the access role, never the bucket's policy, notification or lifecycle: lakehouse external-access prints what its owner adds (docs/cross-account-sources.md).",
  );

export const sourceSchema = z
  .strictObject({
    name: sourceName.describe("The source's name. Its Snowflake table is the name in upper case; its key prefix defaults to <name>/."),
    type: z
      .enum(SOURCE_TYPES)
      .optional()
      .describe(
        "A known log source from the catalog. It fills in delivery, file suffix, event time, wrapped records and views (stacks/config/catalog.ts); anything stated here besides overrides it.",
      ),
    delivery: delivery.optional().describe("How the files arrive. Required unless the type gives it; with a type, only what differs."),
    existingBucket: existingBucket
      .optional()
      .describe(
        "Read the source's files where they already are, in a bucket the lakehouse does not own. Only native delivery; nothing of it is made in the tenant's bucket (no notification, retention or writer). Default: the tenant's bucket.",
      ),
    keyPrefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_\-/]*\/$/, "must be lower-case letters, digits, '_', '-' and '/', ending in '/'")
      .optional()
      .describe(
        "Where the source's files land in the tenant's bucket. Default <name>/; it must not overlap another source's prefix (notifications, retention and access are per prefix).",
      ),
    fileSuffix: z
      .string()
      .regex(/^\.[a-z0-9.]+$/, "must look like .json.gz")
      .optional()
      .describe(
        "Only files ending in this suffix are loaded. The pipe's bucket notification and lakehouse backfill filter on it, and a Firehose delivery writes it as its file extension. Default: the type's, else every file under the prefix.",
      ),
    eventTimeField: z
      .string()
      .regex(JSON_PATH, `must be ${JSON_PATH_HINT}`)
      .optional()
      .describe("JSON path of the event time in each event. Within each wrapped record when wrappedRecords is set; required unless the type gives it."),
    eventTimeFormat: z
      .enum(EVENT_TIME_FORMATS, { message: EVENT_TIME_FORMAT_HINT })
      .optional()
      .describe(
        "How the event time is written. AUTO (ISO-8601, as text), EPOCH_S or EPOCH_MS (a number): only forms a COPY can read without failing (docs/loading.md). Default AUTO.",
      ),
    fileFormat: z
      .enum(["json", "parquet"])
      .optional()
      .describe("What the files are. json (NDJSON or, with jsonArray, one array) or parquet (each row one event); default json."),
    jsonArray: z.boolean().optional().describe("Files hold one top-level JSON array of events. Loaded with STRIP_OUTER_ARRAY; default false."),
    wrappedRecords: z
      .string()
      .regex(JSON_PATH, `must be ${JSON_PATH_HINT}`)
      .optional()
      .describe(
        "JSON path of the array of events in each file record. For example Records (CloudTrail): the table then holds one row per event, flattened from a landing table by a task every minute.",
      ),
    views: z
      .record(
        viewName,
        // crossCheck checks which table a whole SELECT reads.
        z
          .string()
          .superRefine((view, ctx) => {
            const parsed = parseViewDefinition(view);
            if ("problem" in parsed) ctx.addIssue({ code: "custom", message: parsed.problem });
          })
          .describe(
            "A select list, or a whole SELECT … FROM the source's table. For example event_time, data:actor.alternateId::string AS actor; no join and no clause after the table.",
          ),
      )
      .optional()
      .describe(
        "Views over the source's table, by view name. Names are upper-case Snowflake identifiers; a type adds its own views (<TABLE>_<SUFFIX>), and a view of the same name here replaces one.",
      ),
    canary: canary
      .optional()
      .describe(
        "The log canary: it alerts when the source goes quiet. A task that checks for newly loaded rows and a running pipe; unset fields come from defaults.canary.",
      ),
    retentionDays: retentionDays
      .optional()
      .describe("Days the source's files stay in S3 before they expire. Default: the tenant's retentionDays; never below defaults.retentionFloorDays."),
    tableRetentionDays: retentionDays
      .optional()
      .describe(
        "Days rows stay in the Snowflake table after their load. The cleaner purges older ones; at most retentionDays (S3). Default: the source's retentionDays.",
      ),
    purgeOn: z
      .literal("load_time", {
        message:
          "cleaners purge by load time only since 0.5.0: an event's own time can be forged (1970, 2099) to be purged early or kept forever; remove purgeOn (docs/upgrading/0.5.0.md)",
      })
      .optional()
      .describe(
        "Which time the cleaner purges by: load_time only. The only one since 0.5.0, as the time an event claims can be 1970 or 2099 (docs/upgrading/0.5.0.md); kept so configs that state it still read.",
      ),
    transitions: z
      .array(transition)
      .optional()
      .describe("Moves of the source's files to cheaper storage classes. Default: defaults.transitions (none unless set)."),
    clusteringKeys: z
      .array(
        z
          .string()
          .min(1)
          .superRefine((k, ctx) => {
            const problem = clusteringKeyProblem(k);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          })
          .describe("A clustering key: an SQL expression over the table's columns, such as TO_DATE(EVENT_TIME)."),
      )
      .min(1)
      .optional()
      .describe("Clustering keys of the source's table. Default TO_DATE(EVENT_TIME): by event day, cheap to keep clustered."),
    searchOptimizationPaths: z
      .array(z.string().regex(JSON_PATH, `must be ${JSON_PATH_HINT}`).describe("A JSON path under the DATA column, such as actor.email."))
      .optional()
      .describe(
        "JSON paths under DATA that get search optimization. EQUALITY search; it needs Snowflake Enterprise edition and is billed per table. Default: none.",
      ),
  })
  .describe("One log source of the tenant. Its prefix in the tenant's bucket, how files arrive there, and the Snowflake table and views they load into.");

export type SourceConfig = z.output<typeof sourceSchema>;
/** A source with its catalog entry applied and the config checked: delivery kind and event time known. */
export type EffectiveSourceConfig = Omit<SourceConfig, "delivery" | "eventTimeField"> & {
  readonly delivery: NonNullable<SourceConfig["delivery"]> & { readonly kind: NonNullable<NonNullable<SourceConfig["delivery"]>["kind"]> };
  readonly eventTimeField: string;
};
