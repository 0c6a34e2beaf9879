import { z } from "zod";
import { KMS_KEY_ARN, S3_BUCKET_NAME, cronSchedule } from "../../modules/core/validate";
import { formatPath } from "../../modules/core/errors";
import { clusteringKeyProblem, parseViewDefinition, viewSourceProblem } from "../../modules/snowflake/semi-structured-table/sql";
import { EVENT_TIME_FORMATS, EVENT_TIME_FORMAT_HINT } from "../../modules/snowflake/snowpipe/sql";
import { JSON_PATH, JSON_PATH_HINT } from "../../modules/snowflake/sql";
import { PLATFORM_SCHEMAS, logDatabaseName, sourceTableName, tenantSchemaName } from "./names";
import { DEFAULT_PROVIDER_VERSIONS, PROVIDER_VERSION_FLOORS, providerConstraintProblem } from "./provider-versions";
import { AWS_REGIONS, SNOWFLAKE_RESERVED } from "./regions";
import { BACKUP_STORAGE_MINIMUM_DAYS } from "../../modules/aws/backup-vault";
import { SOURCE_TYPES, applyCatalog } from "./catalog";
import { SUBSCRIPTION_ENDPOINTS } from "../../modules/aws/alert-topic";
import { EXEMPT_ROLE_ARN, SCP_TARGET_ID } from "../../modules/aws/log-guard-scp";

/** AWS's quotas the config is checked against (Service Quotas: IAM, Lambda). */
export const AWS_QUOTA_LIMITS = {
  /** IAM roles per account, by default. */
  iamRolesDefault: 1000,
  /** IAM roles per account, at most (a quota increase stops here). */
  iamRolesHard: 5000,
  /** Lambda concurrent executions per account and region, by default. */
  lambdaConcurrencyDefault: 1000,
  /** Lambda keeps at least this much of a region's pool unreserved: reservations beyond it are refused. */
  unreservedConcurrencyMinimum: 100,
} as const;

/** Roles a tenant in an account of its own is applied and planned as, unless it names others. */
export const DEFAULT_TENANT_DEPLOY_ROLE = "lakehouse-deploy";
export const DEFAULT_TENANT_PLAN_ROLE = "lakehouse-plan";

/*
 * Every field carries its description in the schema (`.describe`, last in its chain: zod drops a
 * description given before a refine), so the JSON Schema for editors and the configuration reference
 * (docs/configuration.md) say the same; a test fails on a key without one.
 */

const bucketSafeSlug = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, "must be lower-case letters and digits, words joined by single '-' (it is part of S3 bucket and Snowflake names)");

const notReserved = (s: string) => !SNOWFLAKE_RESERVED.has(s.toUpperCase().replace(/-/g, "_"));
const RESERVED_MESSAGE = "is a reserved word in Snowflake and cannot name a table or schema";

const sourceName = z
  .string()
  .max(40, "must be at most 40 characters")
  .regex(/^[a-z][a-z0-9_]*$/, "must be lower-case letters, digits and '_', starting with a letter (it names a Snowflake table)")
  .refine(notReserved, RESERVED_MESSAGE);

const viewName = z.string().regex(/^[A-Z][A-Z0-9_]{0,254}$/, "must be an upper-case Snowflake identifier ([A-Z][A-Z0-9_]*)").refine(notReserved, RESERVED_MESSAGE);

const retentionDays = z.number().int().positive("must be a positive number of days");

const cron = cronSchedule();

const awsRegion = z.enum(AWS_REGIONS, { message: "is not a known AWS region" });

const canary = z.strictObject({
  enabled: z.boolean().optional().describe("Whether the canary runs. Default true; false leaves its task suspended, so nothing alerts when the source goes quiet."),
  windowMinutes: z
    .number()
    .int()
    .min(5, "must be at least 5 minutes")
    .max(10080)
    .optional()
    .describe("Minutes without a loaded row before the canary alerts, 5-10080. Rows count by PARSE_TIME (when they were loaded). Default 60; a longer window notices a silent source later."),
  suppressionMinutes: z.number().int().min(0).max(43200).optional().describe("Minutes the canary stays quiet after an alert, 0-43200. Default 1440."),
  schedule: cron.optional().describe("When the check runs. Five cron fields and a time zone; default every 15 minutes, '*/15 * * * * UTC'."),
});

const transition = z
  .strictObject({
    days: z.number().int().min(0).describe("Days after a file is written when it moves. Before the retention ends, and at least 30 for STANDARD_IA and ONEZONE_IA."),
    storageClass: z.enum(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]).describe("The S3 storage class the files move to."),
  })
  .describe("A move of files to a cheaper S3 storage class, some days after they were written.");

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN").describe("An IAM role ARN, arn:aws:iam::<account>:role/<name>.");
const iamRoleNameSchema = z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM role name (1-64 of [A-Za-z0-9+=,.@_-])");
const awsAccountId = z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id");

const firehose = z.strictObject({
  source: z.enum(["direct-put", "kinesis"]).describe("Where records enter the delivery stream. direct-put: producers call PutRecordBatch on it; kinesis: a Kinesis data stream in front."),
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
      retentionHours: z.number().int().min(24, "must be 24-8760 hours").max(8760, "must be 24-8760 hours").optional().describe("Hours records stay readable in the stream, 24-8760. Default 24."),
    })
    .optional()
    .describe("source kinesis: the stream's capacity and retention."),
  producerRoleArns: z.array(roleArn).optional().describe("source kinesis: the roles allowed to put records into the stream. No other may; default: nobody."),
});

const delivery = z.strictObject({
  kind: z
    .enum(["native", "puller", "firehose", "kafka"])
    .optional()
    .describe("How files reach the bucket. native (the source's own delivery), puller (a function), firehose (a stream) or kafka (a sink); required unless the type gives it."),
  servicePrincipal: z
    .string()
    .regex(/^[a-z0-9.-]+\.amazonaws\.com$/, "must be an AWS service principal such as cloudtrail.amazonaws.com")
    .optional()
    .describe("kind native: the AWS service that writes the files. For example cloudtrail.amazonaws.com; it may write the source's prefix only."),
  writerRoleArns: z.array(roleArn).optional().describe("IAM roles allowed to write the source's prefix. The puller's, stream's or consumer's own role is added to them."),
  organizationTrail: z
    .strictObject({
      trailArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail\/[A-Za-z0-9._-]{3,128}$/, "must be a CloudTrail trail ARN, arn:aws:cloudtrail:<region>:<management account>:trail/<name>")
        .describe("The organization trail's ARN, in the organization's management account. Only it may write: its ARN is the bucket and key policies' aws:SourceArn."),
      organizationId: z
        .string()
        .regex(/^o-[a-z0-9]{10,32}$/, "must be an AWS Organizations id, o- and 10-32 lower-case letters or digits")
        .describe("The organization's id. The trail writes under <prefix>AWSLogs/<organizationId>/ (and its management account's <prefix>AWSLogs/<account>/)."),
    })
    .optional()
    .describe(
      "kind native, cloudtrail.amazonaws.com: an organization trail of another account writes the source's prefix, instead of a trail of the tenant's account. The bucket and key admit that trail by its ARN (CloudTrail User Guide, organization trails); default: a trail of the tenant's account.",
    ),
  puller: z.enum(["google-workspace", "okta"]).optional().describe("kind puller: which puller to build. A Lambda function from runtime/puller (module aws/log-puller)."),
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
        .array(z.string().regex(/^[a-z_]+$/, "must be a Reports application name such as login").describe("A Reports application name, such as login."))
        .min(1)
        .optional()
        .describe("google-workspace: the Reports applications to pull. For example [admin, login, token, drive]."),
      orgUrl: z.string().regex(/^https:\/\/[A-Za-z0-9.-]+$/, "must be https://<host> without a path").optional().describe("okta: the org's address, https://<org>.okta.com. No path."),
      pageSize: z.number().int().min(1).max(1000).optional().describe("Records per API page, 1-1000. Default 1000, both APIs' maximum."),
    })
    .optional()
    .describe("kind puller: the source's non-secret options. Credentials go into the puller's secret, never here."),
  firehose: firehose.optional().describe("kind firehose: the delivery stream. Module aws/firehose-delivery, fed directly or by a Kinesis stream (aws/kinesis-stream)."),
  kafka: z
    .strictObject({
      bootstrapServers: z
        .array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port").describe("A broker, host:port."))
        .min(1, "needs at least one broker")
        .describe("The cluster's bootstrap servers. MSK, Redpanda or any Kafka-API cluster."),
      topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, "must be a Kafka topic name (1-249 of [A-Za-z0-9._-])").describe("The topic whose records land in the source's prefix."),
      consumerGroup: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,249}$/, "must be 1-249 of [A-Za-z0-9._-]")
        .optional()
        .describe("The consumer group. Default <organization>-<environment>-<tenant>-<source>."),
      auth: z.enum(["scram-sha-512", "mtls"]).describe("How the consumer authenticates, always over TLS. scram-sha-512 (user and password) or mtls (client certificate); the credentials go into its secret out of band."),
      vpc: z
        .strictObject({
          subnetIds: z
            .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id (subnet-…)").describe("A subnet id, subnet-…."))
            .min(1, "needs at least one subnet")
            .describe("Subnets the consumer's Lambda function runs in."),
          securityGroupIds: z
            .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id (sg-…)").describe("A security group id, sg-…."))
            .min(1, "needs at least one security group")
            .describe("Security groups of the consumer's Lambda function."),
        })
        .describe("The cluster's network. The consumer runs in these subnets with these security groups."),
      fromBeginning: z.boolean().optional().describe("Where a group with no committed offset starts. true: at the earliest retained record; false: at new records. Default true."),
      targetObjectMb: z.number().min(1).max(100).optional().describe("Target object size, uncompressed MiB, 1-100. Default 64."),
    })
    .optional()
    .describe("kind kafka: the topic to consume. Its records land in the source's prefix, moved by a Lambda function from runtime/kafka (module aws/kafka-ingest)."),
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
      .describe("The bucket's name. In the tenant's region (S3 notifies only queues of the bucket's region, and Snowflake's queue is in the tenant's); no dots."),
    prefix: z
      .string()
      .max(512, "must be at most 512 characters")
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.\-/]*\/$/, "must be a key prefix of letters, digits, '_', '.', '-' and '/', ending in '/'")
      .refine((p) => !p.includes("//") && !p.split("/").includes(".."), "must not contain '//' or a '..' segment")
      .describe("Where the source's files are in the bucket, ending in '/'. For example AWSLogs/o-a1b2c3d4e5/ for an organization trail; the access role reads under it and nothing else."),
    accountId: awsAccountId.describe("The AWS account that owns the bucket. The access role reads across accounts when it is not the tenant's; its owner adds the printed bucket policy statements either way."),
    kmsKeyArn: z
      .string()
      .regex(KMS_KEY_ARN, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
      .optional()
      .describe("The KMS key the bucket's objects are encrypted with (SSE-KMS). The access role may decrypt with it through S3 only, and the printed key policy statement lets it; default: none (SSE-S3)."),
  })
  .describe("A bucket someone else owns that holds the source's files. The library builds the Snowflake side and the access role, never the bucket's policy, notification or lifecycle: lakehouse external-access prints what its owner adds (docs/cross-account-sources.md).");

export const sourceSchema = z
  .strictObject({
    name: sourceName.describe("The source's name. Its Snowflake table is the name in upper case; its key prefix defaults to <name>/."),
    type: z
      .enum(SOURCE_TYPES)
      .optional()
      .describe("A known log source from the catalog. It fills in delivery, file suffix, event time, wrapped records and views (stacks/config/catalog.ts); anything stated here besides overrides it."),
    delivery: delivery.optional().describe("How the files arrive. Required unless the type gives it; with a type, only what differs."),
    existingBucket: existingBucket
      .optional()
      .describe("Read the source's files where they already are, in a bucket the lakehouse does not own. Only native delivery; nothing of it is made in the tenant's bucket (no notification, retention or writer). Default: the tenant's bucket."),
    keyPrefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_\-/]*\/$/, "must be lower-case letters, digits, '_', '-' and '/', ending in '/'")
      .optional()
      .describe("Where the source's files land in the tenant's bucket. Default <name>/; it must not overlap another source's prefix (notifications, retention and access are per prefix)."),
    fileSuffix: z
      .string()
      .regex(/^\.[a-z0-9.]+$/, "must look like .json.gz")
      .optional()
      .describe("Only files ending in this suffix are loaded. The pipe's bucket notification and lakehouse backfill filter on it, and a Firehose delivery writes it as its file extension. Default: the type's, else every file under the prefix."),
    eventTimeField: z
      .string()
      .regex(JSON_PATH, `must be ${JSON_PATH_HINT}`)
      .optional()
      .describe("JSON path of the event time in each event. Within each wrapped record when wrappedRecords is set; required unless the type gives it."),
    eventTimeFormat: z
      .enum(EVENT_TIME_FORMATS, { message: EVENT_TIME_FORMAT_HINT })
      .optional()
      .describe("How the event time is written. AUTO (ISO-8601, as text), EPOCH_S or EPOCH_MS (a number): only forms a COPY can read without failing (docs/loading.md). Default AUTO."),
    fileFormat: z.enum(["json", "parquet"]).optional().describe("What the files are. json (NDJSON or, with jsonArray, one array) or parquet (each row one event); default json."),
    jsonArray: z.boolean().optional().describe("Files hold one top-level JSON array of events. Loaded with STRIP_OUTER_ARRAY; default false."),
    wrappedRecords: z
      .string()
      .regex(JSON_PATH, `must be ${JSON_PATH_HINT}`)
      .optional()
      .describe("JSON path of the array of events in each file record. For example Records (CloudTrail): the table then holds one row per event, flattened from a landing table by a task every minute."),
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
          .describe("A select list, or a whole SELECT … FROM the source's table. For example event_time, data:actor.alternateId::string AS actor; no join and no clause after the table."),
      )
      .optional()
      .describe("Views over the source's table, by view name. Names are upper-case Snowflake identifiers; a type adds its own views (<TABLE>_<SUFFIX>), and a view of the same name here replaces one."),
    canary: canary.optional().describe("The log canary: it alerts when the source goes quiet. A task that checks for newly loaded rows and a running pipe; unset fields come from defaults.canary."),
    retentionDays: retentionDays.optional().describe("Days the source's files stay in S3 before they expire. Default: the tenant's retentionDays; never below defaults.retentionFloorDays."),
    tableRetentionDays: retentionDays
      .optional()
      .describe("Days rows stay in the Snowflake table after their load. The cleaner purges older ones; at most retentionDays (S3). Default: the source's retentionDays."),
    purgeOn: z
      .literal("load_time", { message: "cleaners purge by load time only since 0.5.0: an event's own time can be forged (1970, 2099) to be purged early or kept forever; remove purgeOn (docs/upgrading/0.5.0.md)" })
      .optional()
      .describe("Which time the cleaner purges by: load_time only. The only one since 0.5.0, as the time an event claims can be 1970 or 2099 (docs/upgrading/0.5.0.md); kept so configs that state it still read."),
    transitions: z.array(transition).optional().describe("Moves of the source's files to cheaper storage classes. Default: defaults.transitions (none unless set)."),
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
      .describe("JSON paths under DATA that get search optimization. EQUALITY search; it needs Snowflake Enterprise edition and is billed per table. Default: none."),
  })
  .describe("One log source of the tenant. Its prefix in the tenant's bucket, how files arrive there, and the Snowflake table and views they load into.");

const backupStorageClass = z.enum(["DEEP_ARCHIVE", "GLACIER", "GLACIER_IR"]);

const tenantBackup = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe("Whether this tenant is backed up. Default true when the environment has backup; false, with disabledReason, leaves the tenant without a backup vault."),
    disabledReason: z
      .string()
      .min(20, "must be a written reason of at least 20 characters")
      .optional()
      .describe("Why this tenant has no backup (enabled: false). At least 20 characters: a tenant without a backup is a decision to write down."),
    storageClass: backupStorageClass.optional().describe("Archive class of the tenant's backups. Default: the environment's, else DEEP_ARCHIVE."),
    retentionDays: retentionDays.optional().describe("Days backups are kept. Default: the environment's, else the tenant's retentionDays."),
    region: awsRegion
      .optional()
      .describe(
        "Region of the tenant's vault. Default: the tenant's. Another region must be one of the environment's regions that hold tenants (it has an access-log bucket and an alert topic there); data locality is the config's choice: keep it within the tenant's jurisdiction.",
      ),
    restoreReady: z
      .boolean()
      .optional()
      .describe("Restores of this tenant can be loaded into Snowflake. Each source gets a stage on the vault that its integration may read; default false."),
  });

export const tenantSchema = z
  .strictObject({
    id: bucketSafeSlug(20)
      .refine(notReserved, RESERVED_MESSAGE)
      .refine((id) => !PLATFORM_SCHEMAS.includes(tenantSchemaName(id)), `names a schema the platform makes in the log database (${PLATFORM_SCHEMAS.join(", ")})`)
      .describe("The tenant's id. Part of its bucket, key, role and stack names, and (upper-case) the name of its Snowflake schema."),
    displayName: z.string().min(1).max(100).optional().describe("A readable name for the tenant. Used in the comment of its Snowflake schema; default: the id."),
    region: awsRegion.describe("The AWS region of the tenant's data. Its bucket, key and pipelines are there, and its logs load into the environment's Snowflake account of the same region."),
    retentionDays: retentionDays.optional().describe("Days the tenant's files stay in S3 before they expire. For sources that set none; default: defaults.retentionDays (365)."),
    environments: z
      .array(z.string().describe("The name of an environment (environments[].name)."))
      .min(1)
      .optional()
      .describe("The environments the tenant is deployed to. Default: every environment."),
    objectLock: z
      .strictObject({
        mode: z
          .enum(["GOVERNANCE", "COMPLIANCE"])
          .describe("How strict the lock is. COMPLIANCE: nobody, the account's root user included, can delete a locked version or shorten its lock; GOVERNANCE: principals allowed s3:BypassGovernanceRetention can."),
        days: z.number().int().min(1).describe("Days each new object version stays locked. At most the tenant's retentionDays."),
      })
      .optional()
      .describe("Object lock (write once, read many) of the tenant's log files. Every new version in the log bucket is locked; default: none."),
    access: z
      .strictObject({
        readers: z
          .array(roleArn)
          .min(1, "list at least one role, or leave readers out")
          .optional()
          .describe("Roles that may assume the read role, <prefix>-read, which lists and reads the tenant's prefixes and decrypts with its key. Only these roles are trusted; without readers there is no read role."),
        operators: z
          .array(roleArn)
          .min(1, "list at least one role, or leave operators out")
          .optional()
          .describe("Roles that may assume the operations role, <prefix>-ops, which also writes under the tenant's prefixes (never deletes), and with a backup the restore role. Only these roles are trusted; without operators there are neither."),
      })
      .optional()
      .describe(
        "Who may assume the tenant's AWS roles, by IAM role ARN (any account, e.g. SSO permission-set roles). Only the named roles are trusted, never a principal tag (anyone who may tag themselves or pass session tags would get in); a role nobody is named for is not made. Default: none.",
      ),
    awsAccountId: awsAccountId
      .optional()
      .describe(
        "The AWS account the tenant's resources live in, when not its environments' (a customer in an account of its own). Its stack's providers assume deployRoleName there (planRoleName for a plan with TF_VAR_lakehouse_read_only=true), and its IAM roles and Lambda concurrency count against that account's quotas. Default: the environment's awsAccountId.",
      ),
    deployRoleName: iamRoleNameSchema.optional().describe("With awsAccountId: the role in that account the tenant's stack is applied as. Default lakehouse-deploy."),
    planRoleName: iamRoleNameSchema.optional().describe("With awsAccountId: the read-only role in that account a plan refreshes the tenant's stack as. Default lakehouse-plan."),
    backup: tenantBackup.optional().describe("This tenant's backup, over its environment's. The environment's backup turns backups on."),
    sources: z.array(sourceSchema).min(1, "a tenant needs at least one source").describe("The tenant's log sources, at least one."),
  })
  .describe("A tenant. Its log bucket, KMS key, Snowflake schema and roles in its region, and its log sources; a stack of its own in each of its environments.");

const snowflakeAccount = z
  .strictObject({
    region: awsRegion.describe("The AWS region the account runs in. The tenants of this region load into it."),
    organization: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "must be a Snowflake organization name").describe("The account's Snowflake organization name. The provider's organization_name."),
    account: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "must be a Snowflake account name")
      .describe("The account's name in its organization. The provider's account_name; credentials are never in the config (the provider reads them from its environment)."),
    role: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, "must be a Snowflake role name")
      .optional()
      .describe(
        "Role Terraform works as in this account (every provider of the stacks sets it), made with exactly the privileges the stacks need by lakehouse bootstrap snowflake. The tenant roles are granted to it, so it keeps managing the objects the tenants' pipeline roles own. Default <ORGANIZATION>_LAKEHOUSE_DEPLOYER.",
      ),
    warehouse: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, "must be a Snowflake warehouse name")
      .optional()
      .describe("Warehouse the providers connect with, made by lakehouse bootstrap snowflake (views read policy references, which needs a warehouse in the connection). Default <ORGANIZATION>_LAKEHOUSE_DEPLOY."),
  })
  .describe("A Snowflake account of the environment in one AWS region.");

const backend = z
  .discriminatedUnion("kind", [
    z
      .strictObject({
        kind: z.literal("local").describe("Which backend: local files or an S3 bucket."),
        directory: z
          .string()
          .min(1)
          .refine((d) => !/[$%]\{/.test(d), "must not contain '${' or '%{' (backend settings are read literally by Terraform, evaluated by OpenTofu)")
          .optional()
          .describe(
            "Folder of the state files, one <stack>.tfstate each. Default terraform-state. No '$' or '%' before '{': Terraform reads backend settings as written, while OpenTofu 1.8+ evaluates them (early evaluation), so no escape means the same to both.",
          ),
      })
      .describe("State files on the machine that runs Terraform, one per stack (the embedded default)."),
    z
      .strictObject({
        kind: z.literal("s3").describe("Which backend: local files or an S3 bucket."),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name").describe("The S3 bucket that holds the state. It must exist before the first apply."),
        region: awsRegion.describe("The state bucket's region."),
        keyPrefix: z.string().regex(/^[A-Za-z0-9_\-/]+$/, "must be a key prefix").optional().describe("Prefix of the state keys, <keyPrefix>/<stack>.tfstate. Default security-lakehouse."),
      })
      .describe("State in an S3 bucket: one key per stack, encrypted, with S3-native locking (use_lockfile, Terraform 1.10 or later)."),
  ]);

export const environmentSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9]{0,9}$/, "must be 1-10 lower-case letters and digits, e.g. prod")
      .describe("The environment's name. Part of its stack names (platform-<env>, tenant-<id>-<env>), bucket names and Snowflake database (<ORG>_LOGS_<ENV>)."),
    awsAccountId: z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id").describe("The environment's AWS account. Its buckets, keys, roles and pipelines are made there."),
    backend: backend.optional().describe("Where Terraform keeps each stack's state. Default: local files under terraform-state/."),
    snowflakeAccounts: z
      .array(snowflakeAccount)
      .min(1, "at least one Snowflake account is required")
      .describe("The environment's Snowflake accounts, one per region. Each region that holds a tenant of the environment needs one."),
    providerVersions: z
      .strictObject(
        Object.fromEntries(
          (Object.keys(PROVIDER_VERSION_FLOORS) as (keyof typeof PROVIDER_VERSION_FLOORS)[]).map((name) => [
            name,
            z
              .string()
              .superRefine((c, ctx) => {
                const problem = providerConstraintProblem(name, c);
                if (problem) ctx.addIssue({ code: "custom", message: problem });
              })
              .optional()
              .describe(`Terraform version constraint of the ${name} provider. Default "${DEFAULT_PROVIDER_VERSIONS[name]}"; it must not admit versions below ${PROVIDER_VERSION_FLOORS[name]}.`),
          ]),
        ) as Record<keyof typeof PROVIDER_VERSION_FLOORS, z.ZodOptional<z.ZodString>>,
      )
      .optional()
      .describe("Version constraints of this environment's providers. They let one environment take a provider release first."),
    auditTrail: z
      .boolean()
      .optional()
      .describe("Whether CloudTrail records reads and writes of log files. Data events on the environment's log buckets; default true, and false leaves no record of who read, wrote or deleted log files."),
    alertDelivery: z
      .strictObject({
        sns: z
          .strictObject({
            subscriptions: z
              .array(
                z
                  .strictObject({
                    protocol: z.enum(["email", "https", "sqs", "lambda"]).describe("How SNS delivers: email, https, sqs or lambda."),
                    endpoint: z.string().min(3).describe("Where SNS delivers, by protocol. An e-mail address, an https:// URL, an SQS queue ARN or a Lambda function ARN."),
                  })
                  .superRefine((sub, ctx) => {
                    // What the alert-topic module accepts for the protocol, reported here at the config path.
                    const endpoint = SUBSCRIPTION_ENDPOINTS[sub.protocol].safeParse(sub.endpoint);
                    if (!endpoint.success) ctx.addIssue({ code: "custom", path: ["endpoint"], message: `${endpoint.error.issues[0].message} (protocol ${sub.protocol})` });
                  })
                  .describe("One subscription of the alert topic."),
              )
              .min(1, "at least one subscription is required: alerts must reach someone")
              .describe("Who the topic delivers alerts to, at least one."),
          })
          .optional()
          .describe("SNS delivery: an encrypted alert topic per region. Snowflake publishes alerts to it, and the tenants' alarms (pullers, streams, consumers, vaults) go there too."),
        email: z
          .strictObject({
            recipients: z
              .array(z.email("must be an e-mail address").describe("An e-mail address, verified for a user of every Snowflake account of the environment."))
              .min(1)
              .max(50, "at most 50 recipients: Amazon SES, which sends Snowflake's e-mail notifications, takes 50 per message")
              .refine((r) => new Set(r.map((a) => a.toLowerCase())).size === r.length, "must not list an address twice")
              .describe("The addresses alerts are mailed to, 1-50, each once. At most 50: Amazon SES, which sends Snowflake's mails, takes 50 recipients per message."),
          })
          .optional()
          .describe(
            "E-mail delivery through Snowflake. Each recipient must be the verified e-mail address of a user of every Snowflake account of the environment before apply (CREATE NOTIFICATION INTEGRATION fails otherwise).",
          ),
        schedule: cron.optional().describe("When the delivery task sends new alerts. Five cron fields and a time zone; default every 5 minutes, '*/5 * * * * UTC'."),
      })
      .refine((d) => d.sns !== undefined || d.email !== undefined, "needs sns or email: alerts must leave the warehouse")
      .optional()
      .describe("Where alerts go: SNS, e-mail or both. Without it, alerts stay in the MONITORING.ALERTS table."),
    backup: z
      .strictObject({
        adminRoleArns: z
          .array(roleArn)
          .min(1, "at least one: the role Terraform applies with, or after the first apply nobody could manage the vaults")
          .describe("Roles that may still manage the vaults. The role Terraform applies with, a break-glass role: the vault policy denies everyone else."),
        deployRoleArn: roleArn
          .optional()
          .describe("The role the tenant stacks' vault provider assumes to apply the vaults, one of adminRoleArns: the vaults are always applied as a role their policy trusts. A plan with TF_VAR_lakehouse_read_only=true does not assume it. Default: the first of adminRoleArns."),
        planRoleArns: z
          .array(roleArn)
          .optional()
          .describe("Read-only roles a plan refreshes the vaults as (the CI plan role). The vault policy lets them list the vault and nothing more. Default: none."),
        storageClass: backupStorageClass.optional().describe("Archive class of the backups. Default DEEP_ARCHIVE, which bills at least 180 days (GLACIER and GLACIER_IR 90)."),
        retentionDays: retentionDays.optional().describe("Days backups are kept. Default: each tenant's retentionDays."),
        objectLock: z
          .strictObject({
            mode: z.enum(["GOVERNANCE", "COMPLIANCE"]).describe("How strict the lock is. COMPLIANCE: no one can delete a locked backup early, so it survives a compromised administrator; GOVERNANCE yields to anyone allowed s3:BypassGovernanceRetention."),
            days: z.number().int().min(1).describe("Days every backup version stays locked. At most each tenant's backup retention."),
          })
          .optional()
          .describe("Object lock of every backup version. Default: COMPLIANCE for defaults.retentionFloorDays days."),
        staleAfterHours: z.number().int().min(1).max(168).optional().describe("Hours without a new backup before a tenant's vault alarms, 1-168. Default 24."),
      })
      .optional()
      .describe(
        "Backups: each tenant's bucket replicates into a vault. The tenant's own vault in its region (aws/backup-vault: versioned, object-locked, archive storage), with alarms on failed replication and on backups that stopped coming; tenants override the class and retention under backup. Default: no backups.",
      ),
    logGuard: z
      .strictObject({
        managementRoleArn: roleArn.describe("Role Terraform assumes to manage the SCP. In the organization's management account."),
        targetIds: z
          .array(SCP_TARGET_ID.describe("An organization root (r-…), OU (ou-…) or account id."))
          .min(1, "at least one target is required")
          .describe("Roots, OUs or accounts the SCP is attached to."),
        exemptRoleArns: z
          .array(EXEMPT_ROLE_ARN.describe("An IAM role ARN; * is allowed in the account and the name."))
          .min(1, "at least one exempt role is required, or nobody could deploy the buckets")
          .describe("Roles still allowed to change the buckets and keys. The deploying role, a break-glass role: each one listed is outside the guard, so keep the list short."),
      })
      .optional()
      .describe("An SCP that makes the log buckets and keys tamper-proof. A service control policy of the organization for this environment's buckets and keys; default: none."),
  })
  .describe("An environment (prod, dev…). Its AWS account, state, Snowflake accounts, alerts and backups; a platform stack and a stack per tenant.");

const warehouseSettings = (what: string, quota: number) =>
  z
    .strictObject({
      size: z.enum(["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE"]).optional().describe("Warehouse size. Default XSMALL."),
      monthlyCreditQuota: z.number().positive().optional().describe(`Credits a month before the warehouse is suspended. Its resource monitor suspends it at the quota; default ${quota}.`),
      autoSuspendSeconds: z.number().int().min(60).max(3600).optional().describe("Idle seconds before the warehouse suspends, 60-3600. Default 60."),
    })
    .optional()
    .describe(what);

export const defaultsSchema = z
  .strictObject({
    retentionDays: retentionDays.optional().describe("Days files stay in S3 before they expire. For tenants and sources that set none, and for the audit trail; default 365."),
    retentionFloorDays: retentionDays
      .optional()
      .describe("No retention may be set below this many days. Tenants, sources and backups alike; also the backups' default lock. Default 90; lowering it lets logs be deleted sooner."),
    canary: canary.omit({ enabled: true }).optional().describe("Canary settings of every source. A source's own canary overrides them."),
    warehouse: warehouseSettings("The query warehouse of every Snowflake account. For analysts and detections.", 100),
    backfillWarehouse: warehouseSettings("The backfill warehouse of every Snowflake account. lakehouse backfill runs its COPY batches on it.", 20),
    monitors: z
      .strictObject({
        lookbackMarginMinutes: z
          .number()
          .int()
          .min(15)
          .max(1440)
          .optional()
          .describe("Extra minutes each monitor looks back, 15-1440. Beyond its ACCOUNT_USAGE view's documented latency; at least two schedule intervals. Default 60."),
        suppressionMinutes: z.number().int().min(0).max(43200).optional().describe("Minutes a subject alerted once stays quiet. What happens meanwhile is reported when it ends; default 1440."),
        longQueryMinutes: z.number().int().min(1).max(1440).optional().describe("Queries running longer than this many minutes are reported. Default 60."),
        schedule: cron.optional().describe("When every monitor runs. Five cron fields and a time zone; default every 15 minutes, '*/15 * * * * UTC'."),
      })
      .optional()
      .describe("The account monitors of every environment. Load and task failures, long queries, log table changes."),
    timeTravelDays: z
      .number()
      .int()
      .min(0)
      .max(90)
      .optional()
      .describe("Snowflake Time Travel days of the log data, 0-90. For the log databases, schemas and tables; beyond 1 needs Enterprise edition. Default 7; fewer days leave less time to recover changed or dropped data."),
    accessLogRetentionDays: retentionDays.optional().describe("Days S3 server access logs are kept, in each region's access-log bucket. Default 365."),
    transitions: z.array(transition).optional().describe("Storage-class transitions of sources that set none. Default: none (files stay in STANDARD)."),
  })
  .describe("Defaults that tenants and sources inherit unless they set their own. Each built-in default is the secure and boring choice.");

/** Quotas of one AWS account where they were raised from AWS's defaults (Service Quotas). */
const accountQuotas = z
  .strictObject({
    iamRoles: z
      .number()
      .int()
      .min(1)
      .max(AWS_QUOTA_LIMITS.iamRolesHard, `IAM allows at most ${AWS_QUOTA_LIMITS.iamRolesHard.toLocaleString("en-US")} roles per account`)
      .optional()
      .describe("IAM roles the account may hold, 1-5000. Default 1000 (AWS's default quota)."),
    lambdaConcurrentExecutions: z
      .number()
      .int()
      .min(AWS_QUOTA_LIMITS.unreservedConcurrencyMinimum)
      .optional()
      .describe("Lambda concurrent executions per region, the account's regional pool. Default 1000; 100 of it always stay unreserved."),
  })
  .describe("The quotas of one AWS account, where they were raised from AWS's defaults.");

const lakehouseShape = z.strictObject({
    organization: bucketSafeSlug(15).describe("Your organization's short name, such as acme. It begins the names of buckets, keys and IAM roles, and of Snowflake databases, roles and warehouses."),
    environments: z.array(environmentSchema).min(1, "at least one environment is required").describe("The environments, at least one."),
    defaults: defaultsSchema.optional(),
    tenants: z.array(tenantSchema).min(1, "at least one tenant is required").describe("The tenants, at least one."),
    awsQuotas: z
      .record(awsAccountId, accountQuotas)
      .optional()
      .describe(
        'Raised quotas per AWS account id ("111111111111": { iamRoles: 2500 }). The config is refused when an account would receive more IAM roles, or reserve more Lambda concurrency in a region, than its quotas allow (docs/accounts.md). Default: AWS\'s default quotas.',
      ),
});

/** The whole config schema: shape, then the cross-field checks. */
export const lakehouseConfigSchema = lakehouseShape
  .superRefine((value, ctx) => crossCheck(value, (path, message) => ctx.addIssue({ code: "custom", path, message })))
  .describe(
    "The lakehouse config: organization × environments × tenants × log sources. Written as YAML (checked by editors against schema/lakehouse.schema.json) or built in TypeScript as a LakehouseConfigInput. Unknown keys are errors, so a typo never silently falls back to a default.",
  );

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/** The array at `v`, or none if a shape error left something else there (already reported). */
function list<T>(v: readonly T[] | undefined): readonly T[] {
  return Array.isArray(v) ? v : [];
}

export type LakehouseConfigInput = z.input<typeof lakehouseConfigSchema>;
export type LakehouseConfig = z.output<typeof lakehouseConfigSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
/** A source with its catalog entry applied and the config checked: delivery kind and event time known. */
export type EffectiveSourceConfig = Omit<SourceConfig, "delivery" | "eventTimeField"> & {
  readonly delivery: NonNullable<SourceConfig["delivery"]> & { readonly kind: NonNullable<NonNullable<SourceConfig["delivery"]>["kind"]> };
  readonly eventTimeField: string;
};
export type TenantConfig = z.output<typeof tenantSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;

/** Built-in defaults, each the secure and boring choice; `defaults:` in the config overrides them. */
export const BUILT_IN_DEFAULTS = {
  retentionDays: 365,
  retentionFloorDays: 90,
  canary: { windowMinutes: 60, suppressionMinutes: 1440, schedule: "*/15 * * * * UTC" },
  timeTravelDays: 7,
  accessLogRetentionDays: 365,
  transitions: [] as z.output<typeof transition>[],
};

export type IssueSink = (path: (string | number)[], message: string) => void;

/**
 * Checks across fields: uniqueness, references, floors. Each problem carries its own path. It reads
 * its input defensively (`list`, `isObject`) because it also runs on configs with shape errors, so
 * that one run reports every problem (see `crossCheckProblems`).
 */
export function crossCheck(c: {
  organization?: string;
  environments: z.output<typeof environmentSchema>[];
  defaults?: z.output<typeof defaultsSchema>;
  tenants: z.output<typeof tenantSchema>[];
}, issue: IssueSink): void {
  tokenMarkers(c, [], issue);
  const floor = c.defaults?.retentionFloorDays ?? BUILT_IN_DEFAULTS.retentionFloorDays;
  const defaultRetention = c.defaults?.retentionDays ?? BUILT_IN_DEFAULTS.retentionDays;
  if (defaultRetention < floor) issue(["defaults", "retentionDays"], `${defaultRetention} is below the retention floor of ${floor} days`);

  const envNames = new Map<string, number>();
  list(c.environments).forEach((env, i) => {
    if (!isObject(env)) return;
    const backup = isObject(env.backup) ? env.backup : undefined;
    if (backup?.deployRoleArn !== undefined && !list(backup.adminRoleArns).includes(backup.deployRoleArn))
      issue(["environments", i, "backup", "deployRoleArn"], "must be one of adminRoleArns: the vaults' policy denies their configuration to every other role");
    const first = envNames.get(env.name);
    if (first !== undefined) issue(["environments", i, "name"], `duplicate environment '${env.name}' (also environments[${first}])`);
    else envNames.set(env.name, i);
    const envPath = ["environments", i];
    const alerts = isObject(env.alertDelivery) ? env.alertDelivery : undefined;
    const subscriptions = list(isObject(alerts?.sns) ? alerts.sns.subscriptions : undefined);
    unique(subscriptions, (sub) => (isObject(sub) ? `${sub.protocol} ${sub.endpoint}` : undefined), [...envPath, "alertDelivery", "sns", "subscriptions"], "subscription", issue);
    unique(list(isObject(alerts?.email) ? alerts.email.recipients : undefined), String, [...envPath, "alertDelivery", "email", "recipients"], "recipient", issue);
    unique(list(isObject(env.backup) ? env.backup.adminRoleArns : undefined), String, [...envPath, "backup", "adminRoleArns"], "role", issue);
    unique(list(isObject(env.backup) ? env.backup.planRoleArns : undefined), String, [...envPath, "backup", "planRoleArns"], "role", issue);
    if (isObject(env.logGuard)) {
      unique(list(env.logGuard.targetIds), String, [...envPath, "logGuard", "targetIds"], "target", issue);
      unique(list(env.logGuard.exemptRoleArns), String, [...envPath, "logGuard", "exemptRoleArns"], "role", issue);
    }
    const regions = new Map<string, number>();
    list(env.snowflakeAccounts).forEach((acct, j) => {
      if (!isObject(acct)) return;
      const seen = regions.get(acct.region);
      if (seen !== undefined) issue(["environments", i, "snowflakeAccounts", j, "region"], `duplicate region '${acct.region}' (also snowflakeAccounts[${seen}])`);
      else regions.set(acct.region, j);
    });
  });

  const tenantIds = new Map<string, number>();
  list(c.tenants).forEach((tenant, t) => {
    if (!isObject(tenant)) return;
    const first = tenantIds.get(tenant.id);
    if (first !== undefined) issue(["tenants", t, "id"], `duplicate tenant id '${tenant.id}' (also tenants[${first}])`);
    else tenantIds.set(tenant.id, t);

    const tenantRetention = tenant.retentionDays ?? defaultRetention;
    if (tenant.retentionDays !== undefined && tenant.retentionDays < floor)
      issue(["tenants", t, "retentionDays"], `${tenant.retentionDays} is below the retention floor of ${floor} days`);

    unique(list(tenant.environments), String, ["tenants", t, "environments"], "environment", issue);
    if (isObject(tenant.access))
      for (const key of ["readers", "operators"] as const) unique(list(tenant.access[key]), String, ["tenants", t, "access", key], "role", issue);
    const envs = tenant.environments !== undefined ? list(tenant.environments) : [...envNames.keys()];
    list(tenant.environments).forEach((name, e) => {
      if (!envNames.has(name)) issue(["tenants", t, "environments", e], `unknown environment '${name}'`);
    });
    for (const name of envs) {
      const env = c.environments[envNames.get(name) ?? -1];
      if (env && !list(env.snowflakeAccounts).some((a) => isObject(a) && a.region === tenant.region))
        issue(["tenants", t, "region"], `no Snowflake account for region '${tenant.region}' in environment '${name}' (data stays in the tenant's region)`);
      if (env && tenant.awsAccountId !== undefined && tenant.awsAccountId === env.awsAccountId)
        issue(["tenants", t, "awsAccountId"], `is environment '${name}''s own account: leave awsAccountId out for a tenant in its environment's account`);
    }
    if (tenant.awsAccountId === undefined)
      for (const key of ["deployRoleName", "planRoleName"] as const)
        if (tenant[key] !== undefined) issue(["tenants", t, key], "only with awsAccountId (a tenant in its environment's account is applied as the environment's role)");

    const sourceNames = new Map<string, number>();
    const prefixes: { prefix: string; index: number }[] = [];
    /** Per source: whether its files land in the tenant's own bucket (not an existingBucket). */
    const ownBucketSources: boolean[] = [];
    /** Organization trails named by the tenant's sources, by ARN: the source index. */
    const trails = new Map<string, number>();
    list(tenant.sources).forEach((stated, s) => {
      if (!isObject(stated)) return;
      const path = ["tenants", t, "sources", s];
      const source = applyCatalog(stated);
      if (isObject(source) && source.eventTimeField === undefined)
        issue([...path, "eventTimeField"], "required: the JSON path of each event's time (or a type whose catalog entry gives it)");
      if (isObject(source) && source.fileFormat === "parquet")
        for (const key of ["jsonArray", "wrappedRecords"] as const)
          if (source[key] !== undefined) issue([...path, key], "is for JSON files; this source's files are Parquet (fileFormat: parquet)");
      if (isObject(source) && source.wrappedRecords !== undefined && list(tenant.sources).some((o) => isObject(o) && o.name === `${source.name}_files`))
        issue([...path, "wrappedRecords"], `needs the table name ${source.name}_files for its landing table, but another source has that name`);
      const seen = sourceNames.get(source.name);
      if (seen !== undefined) issue([...path, "name"], `duplicate source '${source.name}' (also sources[${seen}])`);
      else sourceNames.set(source.name, s);

      // A source on an existing bucket has nothing in the tenant's bucket: no prefix there, no retention, no writer.
      const existing = isObject(source.existingBucket) ? source.existingBucket : undefined;
      if (existing) {
        ownBucketSources.push(false);
        checkExistingBucket(source, existing, tenant, path, issue);
      } else {
        ownBucketSources.push(true);
        const prefix = String(source.keyPrefix ?? `${source.name}/`);
        const overlap = prefixes.find((p) => p.prefix.startsWith(prefix) || prefix.startsWith(p.prefix));
        if (overlap) issue([...path, source.keyPrefix ? "keyPrefix" : "name"], `key prefix '${prefix}' overlaps sources[${overlap.index}] ('${overlap.prefix}'); S3 notifications and retention need disjoint prefixes`);
        prefixes.push({ prefix, index: s });
      }

      const retention = source.retentionDays ?? tenantRetention;
      if (source.retentionDays !== undefined && source.retentionDays < floor)
        issue([...path, "retentionDays"], `${source.retentionDays} is below the retention floor of ${floor} days`);
      if (source.tableRetentionDays !== undefined && source.tableRetentionDays > retention && !existing)
        issue([...path, "tableRetentionDays"], `${source.tableRetentionDays} days in Snowflake but S3 keeps the files only ${retention} days: S3 may keep longer, never shorter`);
      const transitions = existing ? [] : (source.transitions ?? c.defaults?.transitions ?? []);
      list(transitions).forEach((tr, k) => {
        if (!isObject(tr)) return;
        if (tr.days >= retention)
          issue([...path, source.transitions ? "transitions" : "retentionDays", ...(source.transitions ? [k, "days"] : [])], `transition to ${tr.storageClass} at day ${tr.days} is not before the retention of ${retention} days`);
        if ((tr.storageClass === "STANDARD_IA" || tr.storageClass === "ONEZONE_IA") && tr.days < 30)
          issue([...path, "transitions", k, "days"], `${tr.storageClass} needs at least 30 days`);
      });

      if (isObject(source.views) && typeof source.name === "string" && typeof tenant.id === "string") {
        // A view may name its table's database only where the tenant has one database.
        const databases = typeof c.organization === "string" ? envs.filter((e): e is string => typeof e === "string" && envNames.has(e)).map((e) => logDatabaseName(c.organization!, e)) : [];
        const own = { databases, schema: tenantSchemaName(tenant.id), table: sourceTableName(source.name) };
        for (const [name, view] of Object.entries(source.views)) {
          const parsed = typeof view === "string" ? parseViewDefinition(view) : undefined;
          const problem = parsed && !("problem" in parsed) ? viewSourceProblem(parsed.from, own) : undefined;
          if (problem) issue([...path, "views", name], problem);
        }
      }

      unique(list(source.searchOptimizationPaths), String, [...path, "searchOptimizationPaths"], "path", issue);
      const d = source.delivery;
      if (isObject(d)) {
        unique(list(d.writerRoleArns), String, [...path, "delivery", "writerRoleArns"], "role", issue);
        if (isObject(d.firehose)) unique(list(d.firehose.producerRoleArns), String, [...path, "delivery", "firehose", "producerRoleArns"], "role", issue);
      }
      if (!isObject(d)) {
        issue([...path, "delivery"], "required: how the files arrive (or a type whose catalog entry gives it)");
        return;
      }
      if (d.kind === undefined) issue([...path, "delivery", "kind"], "required: native, puller, firehose or kafka (or a type whose catalog entry gives it)");
      if (d.kind === "native" && !d.servicePrincipal && !d.writerRoleArns?.length && !existing)
        issue([...path, "delivery"], "native delivery needs the servicePrincipal (or writerRoleArns) that writes the files");
      if (d.organizationTrail !== undefined) {
        if (d.kind !== undefined && d.kind !== "native") issue([...path, "delivery", "organizationTrail"], `only for native delivery by CloudTrail (this source is ${d.kind})`);
        else if (d.servicePrincipal !== "cloudtrail.amazonaws.com")
          issue([...path, "delivery", "organizationTrail"], `needs servicePrincipal cloudtrail.amazonaws.com (or type cloudtrail): an organization trail is CloudTrail's${d.servicePrincipal ? `, not ${d.servicePrincipal}'s` : ""}`);
        if (existing) issue([...path, "delivery", "organizationTrail"], "the source reads an existing bucket: which trail writes there is its owner's bucket policy, not the lakehouse's");
        const trail = d.organizationTrail.trailArn;
        const seen = trails.get(trail);
        if (seen !== undefined) issue([...path, "delivery", "organizationTrail", "trailArn"], `trail ${trail} also writes sources[${seen}]: a trail delivers to one bucket prefix`);
        else trails.set(trail, s);
      }
      if (d.kind !== "native" && d.kind !== undefined && d.servicePrincipal)
        issue([...path, "delivery", "servicePrincipal"], `only native delivery writes as a service; a ${d.kind} writes with writerRoleArns`);
      if (d.kind !== "firehose" && d.kind !== undefined && d.firehose !== undefined) issue([...path, "delivery", "firehose"], `only for kind firehose (this source is ${d.kind})`);
      if (d.kind === "firehose" && isObject(d.firehose) && d.firehose.source !== "kinesis") {
        for (const key of ["stream", "producerRoleArns"] as const)
          if (d.firehose[key] !== undefined)
            issue([...path, "delivery", "firehose", key], "only for source kinesis (a direct-PUT delivery stream has no resource policy: grant producers firehose:PutRecordBatch in their own policies)");
      }
      if (d.kind !== "kafka" && d.kind !== undefined && d.kafka !== undefined) issue([...path, "delivery", "kafka"], `only for kind kafka (this source is ${d.kind})`);
      if (d.kind === "kafka") {
        for (const key of ["puller", "options"] as const)
          if (d[key] !== undefined) issue([...path, "delivery", key], "only for kind puller (this source is kafka)");
        if (!d.kafka && d.scheduleMinutes !== undefined) issue([...path, "delivery", "scheduleMinutes"], "needs delivery.kafka (without it the source only grants writerRoleArns)");
      } else if (d.kind !== "puller" && d.kind !== undefined) {
        for (const key of ["puller", "options"] as const)
          if (d[key] !== undefined) issue([...path, "delivery", key], `only for kind puller (this source is ${d.kind})`);
        if (d.scheduleMinutes !== undefined) issue([...path, "delivery", "scheduleMinutes"], `only for kinds puller and kafka (this source is ${d.kind})`);
      } else if (d.puller) {
        const o = d.options ?? {};
        const need = (key: keyof typeof o, what: string) => {
          if (o[key] === undefined) issue([...path, "delivery", "options", key], `required for the ${d.puller} puller (${what})`);
        };
        if (d.puller === "google-workspace") {
          need("subject", "the admin the service account impersonates");
          need("applications", "the Reports applications to pull");
          if (o.orgUrl !== undefined) issue([...path, "delivery", "options", "orgUrl"], "only for the okta puller");
        } else {
          need("orgUrl", "https://<org>.okta.com");
          for (const key of ["subject", "applications"] as const)
            if (o[key] !== undefined) issue([...path, "delivery", "options", key], "only for the google-workspace puller");
        }
      } else {
        for (const key of ["scheduleMinutes", "options"] as const)
          if (d[key] !== undefined) issue([...path, "delivery", key], "needs delivery.puller (without it the source only grants writerRoleArns)");
      }
    });
    if (ownBucketSources.length > 0 && !ownBucketSources.includes(true))
      issue(["tenants", t, "sources"], "every source reads an existing bucket: at least one must land in the tenant's own bucket, which is made for every tenant and states its retention per source");
    if (tenant.objectLock && tenant.objectLock.days > tenantRetention)
      issue(["tenants", t, "objectLock", "days"], `locks objects for ${tenant.objectLock.days} days, longer than the tenant's retention of ${tenantRetention} days`);
    checkBackup(c, tenant, t, envs, tenantRetention, floor, issue);
  });
  checkExistingBucketReaders(c, issue);
}

/**
 * A source on an existing bucket: its files are someone else's, delivered by them (native), kept by
 * their lifecycle, in the tenant's region. What the tenant's bucket would state for it is refused,
 * naming where it belongs.
 */
function checkExistingBucket(
  source: Record<string, unknown>,
  existing: Record<string, unknown>,
  tenant: z.output<typeof tenantSchema>,
  path: (string | number)[],
  issue: IssueSink,
): void {
  const why = "the source reads an existing bucket";
  if (source.keyPrefix !== undefined) issue([...path, "keyPrefix"], `is where files land in the tenant's bucket, but ${why}: its files are under existingBucket.prefix`);
  for (const key of ["retentionDays", "transitions"] as const)
    if (source[key] !== undefined) issue([...path, key], `${why}, whose owner keeps its files (its lifecycle, not the lakehouse's); tableRetentionDays sets how long the table keeps rows`);
  const d = isObject(source.delivery) ? source.delivery : undefined;
  if (d?.kind !== undefined && d.kind !== "native")
    issue([...path, "delivery", "kind"], `must be native: ${why}, and the library builds no ${d.kind} to write into a bucket it does not own (its owner's delivery writes there)`);
  if (d?.writerRoleArns !== undefined) issue([...path, "delivery", "writerRoleArns"], `${why}: who writes there is its owner's bucket policy, which the lakehouse does not make`);
  const key = typeof existing.kmsKeyArn === "string" ? existing.kmsKeyArn.split(":")[3] : undefined;
  if (key !== undefined && key !== tenant.region)
    issue([...path, "existingBucket", "kmsKeyArn"], `is a key in ${key}, but the bucket is in the tenant's region ${tenant.region} (S3 encrypts only with keys of the bucket's region)`);
}

/**
 * Every pipe reading an existing bucket needs an event notification on it to its own queue, and S3
 * refuses two notifications of one event type with overlapping prefixes (REFERENCE.md, AWS ↔ Snowflake
 * wiring): two pipes — two sources, or one tenant's source in two environments — may not read
 * overlapping prefixes of one bucket.
 */
function checkExistingBucketReaders(c: { environments: z.output<typeof environmentSchema>[]; tenants: z.output<typeof tenantSchema>[] }, issue: IssueSink): void {
  const readers: { bucket: string; prefix: string; env: string; at: (string | number)[] }[] = [];
  const allEnvs = list(c.environments).filter(isObject).map((e) => e.name);
  list(c.tenants).forEach((tenant, t) => {
    if (!isObject(tenant)) return;
    const envs = tenant.environments !== undefined ? list(tenant.environments) : allEnvs;
    list(tenant.sources).forEach((source, s) => {
      const e = isObject(source) && isObject(source.existingBucket) ? source.existingBucket : undefined;
      if (!e || typeof e.name !== "string" || typeof e.prefix !== "string") return;
      const at = ["tenants", t, "sources", s, "existingBucket", "prefix"];
      for (const env of envs) {
        const other = readers.find((r) => r.bucket === e.name && (r.prefix.startsWith(e.prefix) || e.prefix.startsWith(r.prefix)));
        if (other) {
          const who = formatPath(other.at) === formatPath(at) ? `this source in environment '${other.env}' too` : `${formatPath(other.at)} ('${other.prefix}', environment '${other.env}')`;
          issue(at, `s3://${e.name}/${e.prefix} (environment '${env}') overlaps ${who}: each pipe needs an event notification on the bucket, and S3 refuses two with overlapping prefixes`);
          return;
        }
        readers.push({ bucket: e.name, prefix: e.prefix, env, at });
      }
    });
  });
}

/**
 * Entries of a list that each become a construct or a policy entry of their own must be unique: a
 * duplicate would otherwise pass validation and then crash synth ("There is already a Construct with
 * name …"). Each later duplicate is reported at its own path, naming the first.
 */
function unique<T>(entries: readonly T[], keyOf: (entry: T) => string | undefined, path: (string | number)[], what: string, issue: IssueSink): void {
  const first = new Map<string, number>();
  entries.forEach((entry, i) => {
    const key = keyOf(entry);
    if (key === undefined) return;
    const seen = first.get(key);
    if (seen !== undefined) issue([...path, i], `duplicate ${what} '${key}' (also ${formatPath([...path, seen])})`);
    else first.set(key, i);
  });
}

/**
 * cdktf's token markers (`${TfToken[…]}` and its list and map forms): the synthesizer would take
 * one for a reference of its own and resolve it, so config text that spells one could never stay
 * text (docs/config-strings.md). Config is data: no string or key of it is a token.
 */
const TOKEN_MARKER = /[$#&]\{TfToken\[/;

function tokenMarkers(value: unknown, path: (string | number)[], issue: IssueSink): void {
  const message = "contains a cdktf token marker (TfToken[…]): config strings are text, never references";
  if (typeof value === "string") {
    if (TOKEN_MARKER.test(value)) issue(path, message);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => tokenMarkers(v, [...path, i], issue));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (TOKEN_MARKER.test(k)) issue([...path, k], message);
      tokenMarkers(v, [...path, k], issue);
    }
  }
}

/** A tenant's backup in each of its environments: turned on by the environment, retention within the class's and the lock's bounds. */
function checkBackup(
  c: { environments: z.output<typeof environmentSchema>[]; tenants: z.output<typeof tenantSchema>[] },
  tenant: z.output<typeof tenantSchema>,
  t: number,
  envs: readonly string[],
  tenantRetention: number,
  floor: number,
  issue: IssueSink,
): void {
  const b = isObject(tenant.backup) ? tenant.backup : undefined;
  const path = ["tenants", t, "backup"];
  if (b?.enabled === false && !b.disabledReason) issue([...path, "disabledReason"], "required with enabled: false: a tenant without a backup is a decision to write down");
  if (b?.disabledReason && b.enabled !== false) issue([...path, "disabledReason"], "only with enabled: false");
  if (b?.enabled === false) return;
  for (const name of envs) {
    const env = list(c.environments).find((e) => isObject(e) && e.name === name);
    if (!env) continue;
    if (!isObject(env.backup)) {
      if (b) issue(path, `environment '${name}' has no backup (environments[].backup with its adminRoleArns turns backups on)`);
      continue;
    }
    // A tenant in an account of its own makes its vault's access-log bucket itself, and its alarms have no topic to reach.
    if (b?.region !== undefined && b.region !== tenant.region && tenant.awsAccountId === undefined) {
      const tenantRegions = new Set(list(c.tenants).filter((o) => isObject(o) && (o.environments ?? list(c.environments).map((e) => e.name)).includes(name)).map((o) => o.region));
      if (!tenantRegions.has(b.region))
        issue([...path, "region"], `no tenant of environment '${name}' is in ${b.region}, so it has no access-log bucket or alert topic there for the vault (regions with tenants: ${[...tenantRegions].sort().join(", ")})`);
    }
    const storageClass = b?.storageClass ?? env.backup.storageClass ?? "DEEP_ARCHIVE";
    const days = b?.retentionDays ?? env.backup.retentionDays ?? tenantRetention;
    const where = b?.retentionDays !== undefined ? [...path, "retentionDays"] : b?.storageClass !== undefined ? [...path, "storageClass"] : path;
    // A value the tenant's backup did not write says where it came from, so the fix is found there.
    const envIndex = list(c.environments).indexOf(env);
    const daysFrom =
      b?.retentionDays !== undefined ? "" : env.backup.retentionDays !== undefined ? formatPath(["environments", envIndex, "backup", "retentionDays"]) : tenant.retentionDays !== undefined ? formatPath(["tenants", t, "retentionDays"]) : "the default retention (defaults.retentionDays)";
    const classFrom = b?.storageClass !== undefined ? "" : env.backup.storageClass !== undefined ? formatPath(["environments", envIndex, "backup", "storageClass"]) : "the default backup class";
    const inherited = [daysFrom && `days from ${daysFrom}`, classFrom && `${storageClass} from ${classFrom}`].filter(Boolean);
    const from = inherited.length > 0 ? ` (inherited: ${inherited.join("; ")})` : "";
    const minimum = BACKUP_STORAGE_MINIMUM_DAYS[storageClass];
    const lockDays = env.backup.objectLock?.days ?? floor;
    if (days < minimum) issue(where, `backups kept ${days} days in ${storageClass} (environment '${name}'), which bills at least ${minimum} days: keep them longer or choose another storageClass${from}`);
    // Below the floor already reported where the tenant's retention is written: not again here.
    const floorReported = daysFrom === formatPath(["tenants", t, "retentionDays"]);
    if (days < floor && !floorReported) issue(where, `backups kept ${days} days (environment '${name}'), below the retention floor of ${floor} days${from}`);
    if (days < lockDays) issue(where, `backups kept ${days} days (environment '${name}'), but the vault's object lock holds every version ${lockDays} days${from}`);
  }
}
