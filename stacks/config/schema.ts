import { z } from "zod";
import { cronSchedule } from "../../modules/core/validate";
import { formatPath } from "../../modules/core/errors";
import { clusteringKeyProblem, parseViewDefinition, viewSourceProblem } from "../../modules/snowflake/semi-structured-table/sql";
import { EVENT_TIME_FORMATS, EVENT_TIME_FORMAT_HINT } from "../../modules/snowflake/snowpipe/sql";
import { JSON_PATH, JSON_PATH_HINT } from "../../modules/snowflake/sql";
import { PLATFORM_SCHEMAS, logDatabaseName, sourceTableName, tenantSchemaName } from "./names";
import { PROVIDER_VERSION_FLOORS, providerConstraintProblem } from "../providers";
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

/**
 * The lakehouse config: organization × environments × tenants × log sources. Written as YAML
 * (checked by editors against schema/lakehouse.schema.json) or built in TypeScript as a
 * `LakehouseConfigInput`. Unknown keys are errors, so a typo never silently falls back to a default.
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

const canary = z.strictObject({
  /** Whether the canary runs (its task is started). */
  enabled: z.boolean().optional(),
  /** Rows loaded (by PARSE_TIME) within this many minutes mean the source is alive. */
  windowMinutes: z.number().int().min(5, "must be at least 5 minutes").max(10080).optional(),
  /** After an alert, the same canary stays quiet this long. */
  suppressionMinutes: z.number().int().min(0).max(43200).optional(),
  /** When the check runs. */
  schedule: cron.optional(),
});

const transition = z.strictObject({
  days: z.number().int().min(0),
  storageClass: z.enum(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]),
});

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN");
const iamRoleNameSchema = z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM role name (1-64 of [A-Za-z0-9+=,.@_-])");

const firehose = z.strictObject({
  /** Where records enter: `direct-put` (producers call PutRecordBatch on the delivery stream) or `kinesis` (a Kinesis data stream in front). */
  source: z.enum(["direct-put", "kinesis"]),
  /** Flush when this many MiB (before GZIP) are buffered, 64-128. Default 128. */
  bufferSizeMB: z.number().int().min(64, "must be 64-128 MiB: smaller files cost Snowpipe more per GB").max(128, "must be 64-128 MiB (Firehose's maximum is 128)").optional(),
  /** Flush after this many seconds at most, 60-600 (ingest delay stays under 10 minutes). Default 300. */
  bufferIntervalSeconds: z.number().int().min(60, "must be 60-600 seconds").max(600, "must be 60-600 seconds: ingest delay stays under 10 minutes").optional(),
  /** A Lambda function that transforms records before delivery (in the tenant's account and region). */
  transformLambdaArn: z.string().regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/, "must be a Lambda function ARN").optional(),
  /** source kinesis: the stream's capacity and retention. */
  stream: z
    .strictObject({
      /** Provisioned shards, 1-1000. Default: on-demand capacity. */
      shardCount: z.number().int().min(1).max(1000).optional(),
      /** Hours records stay readable, 24-8760. Default 24. */
      retentionHours: z.number().int().min(24, "must be 24-8760 hours").max(8760, "must be 24-8760 hours").optional(),
    })
    .optional(),
  /** source kinesis: the only roles allowed to put records into the stream (default: nobody). */
  producerRoleArns: z.array(roleArn).optional(),
});

const delivery = z.strictObject({
  /** How files reach the bucket: the source's native delivery, a puller function, a stream, a Kafka sink. Required unless the source's type gives it. */
  kind: z.enum(["native", "puller", "firehose", "kafka"]).optional(),
  /** A native delivery service allowed to write the source's prefix, e.g. cloudtrail.amazonaws.com. */
  servicePrincipal: z.string().regex(/^[a-z0-9.-]+\.amazonaws\.com$/, "must be an AWS service principal such as cloudtrail.amazonaws.com").optional(),
  /** IAM roles allowed to write the source's prefix (pullers, streams, sinks). */
  writerRoleArns: z.array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN")).optional(),
  /** kind puller: which puller to build (a Lambda function from runtime/puller, module aws/log-puller). */
  puller: z.enum(["google-workspace", "okta"]).optional(),
  /** kind puller or kafka: run every N minutes, 1-10 (ingest delay stays under 10 minutes). Default 5. */
  scheduleMinutes: z.number().int().min(1, "must be 1-10 minutes").max(10, "must be 1-10 minutes: ingest delay stays under 10 minutes").optional(),
  /** kind puller: the source's non-secret options (credentials go into the puller's secret, never here). */
  options: z
    .strictObject({
      /** google-workspace: the admin user the service account impersonates. */
      subject: z.email("must be an e-mail address").optional(),
      /** google-workspace: Reports applications to pull, e.g. [admin, login, token, drive]. */
      applications: z.array(z.string().regex(/^[a-z_]+$/, "must be a Reports application name such as login")).min(1).optional(),
      /** okta: https://<org>.okta.com (no path). */
      orgUrl: z.string().regex(/^https:\/\/[A-Za-z0-9.-]+$/, "must be https://<host> without a path").optional(),
      /** Page size, 1-1000 (both APIs' maximum). */
      pageSize: z.number().int().min(1).max(1000).optional(),
    })
    .optional(),
  /** kind firehose: a delivery stream (module aws/firehose-delivery), fed directly or by a Kinesis stream (aws/kinesis-stream). */
  firehose: firehose.optional(),
  /** kind kafka: the topic to move into the source's prefix (a Lambda from runtime/kafka, module aws/kafka-ingest). */
  kafka: z
    .strictObject({
      /** The cluster's bootstrap servers, host:port (MSK, Redpanda or any Kafka-API cluster). */
      bootstrapServers: z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port")).min(1, "needs at least one broker"),
      /** The topic whose records land in the source's prefix. */
      topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, "must be a Kafka topic name (1-249 of [A-Za-z0-9._-])"),
      /** The consumer group. Default <organization>-<environment>-<tenant>-<source>. */
      consumerGroup: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, "must be 1-249 of [A-Za-z0-9._-]").optional(),
      /** How the consumer authenticates, always over TLS; the credentials go into its secret out of band. */
      auth: z.enum(["scram-sha-512", "mtls"]),
      /** The cluster's network: the consumer runs in these subnets with these security groups. */
      vpc: z.strictObject({
        subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id (subnet-…)")).min(1, "needs at least one subnet"),
        securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id (sg-…)")).min(1, "needs at least one security group"),
      }),
      /** A group with no committed offset starts at the earliest retained record (true) or at new records. Default true. */
      fromBeginning: z.boolean().optional(),
      /** Target object size, uncompressed MiB, 1-100. Default 64. */
      targetObjectMb: z.number().min(1).max(100).optional(),
    })
    .optional(),
});

export const sourceSchema = z.strictObject({
  name: sourceName,
  /**
   * A known log source from the catalog (stacks/config/catalog.ts): fills in delivery, file suffix,
   * event time, wrapped records and views; anything stated here besides overrides it.
   */
  type: z.enum(SOURCE_TYPES).optional(),
  /** How the files arrive. Required unless the type gives it; with a type, only what differs. */
  delivery: delivery.optional(),
  keyPrefix: z.string().regex(/^[a-z0-9][a-z0-9_\-/]*\/$/, "must be lower-case letters, digits, '_', '-' and '/', ending in '/'").optional(),
  fileSuffix: z.string().regex(/^\.[a-z0-9.]+$/, "must look like .json.gz").optional(),
  /** JSON path of the event time in each event (within each wrapped record when wrappedRecords is set). Required unless the type gives it. */
  eventTimeField: z.string().regex(JSON_PATH, `must be ${JSON_PATH_HINT}`).optional(),
  /** AUTO (ISO-8601, as text), EPOCH_S or EPOCH_MS (a number). Default AUTO. Only forms a COPY can read without failing (docs/loading.md). */
  eventTimeFormat: z.enum(EVENT_TIME_FORMATS, { message: EVENT_TIME_FORMAT_HINT }).optional(),
  /** What the files are: json (NDJSON or, with jsonArray, one array) or parquet (each row one event). Default json. */
  fileFormat: z.enum(["json", "parquet"]).optional(),
  /** Files hold one top-level JSON array of events (loaded with STRIP_OUTER_ARRAY). */
  jsonArray: z.boolean().optional(),
  /**
   * JSON path of the array of events inside each file record, e.g. Records (CloudTrail): the table
   * then holds one row per event, flattened from a landing table by a task every minute.
   */
  wrappedRecords: z.string().regex(JSON_PATH, `must be ${JSON_PATH_HINT}`).optional(),
  views: z
    .record(
      viewName,
      // A select list, or a whole SELECT … FROM <this table> (crossCheck checks which table).
      z.string().superRefine((view, ctx) => {
        const parsed = parseViewDefinition(view);
        if ("problem" in parsed) ctx.addIssue({ code: "custom", message: parsed.problem });
      }),
    )
    .optional(),
  canary: canary.optional(),
  retentionDays: retentionDays.optional(),
  /** Days rows stay in the Snowflake table after their load (the cleaner purges older ones); at most retentionDays (S3). */
  tableRetentionDays: retentionDays.optional(),
  /**
   * Which time the cleaner purges by: load_time, the only one since 0.5.0 (the time an event claims can
   * be 1970 or 2099; see docs/upgrading/0.5.0.md). Kept so configs that state it still read.
   */
  purgeOn: z
    .literal("load_time", { message: "cleaners purge by load time only since 0.5.0: an event's own time can be forged (1970, 2099) to be purged early or kept forever; remove purgeOn (docs/upgrading/0.5.0.md)" })
    .optional(),
  transitions: z.array(transition).optional(),
  clusteringKeys: z.array(z.string().min(1).superRefine((k, ctx) => {
    const problem = clusteringKeyProblem(k);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })).min(1).optional(),
  searchOptimizationPaths: z.array(z.string().regex(JSON_PATH, `must be ${JSON_PATH_HINT}`)).optional(),
});

const backupStorageClass = z.enum(["DEEP_ARCHIVE", "GLACIER", "GLACIER_IR"]);

/** A tenant's backup, over its environment's `backup` (which turns backups on). */
const tenantBackup = z.strictObject({
  /** false leaves this tenant without a backup vault; needs `disabledReason`. Default true when the environment has `backup`. */
  enabled: z.boolean().optional(),
  disabledReason: z.string().min(20, "must be a written reason of at least 20 characters").optional(),
  /** Archive class of the tenant's backups (default: the environment's, else DEEP_ARCHIVE). */
  storageClass: backupStorageClass.optional(),
  /** Days backups are kept (default: the environment's, else the tenant's retentionDays). */
  retentionDays: retentionDays.optional(),
  /**
   * Region of the tenant's vault (default: the tenant's). Another region must be one of the
   * environment's regions that hold tenants (it has an access-log bucket and an alert topic there);
   * data locality is the config's choice: keep it within the tenant's jurisdiction.
   */
  region: z.enum(AWS_REGIONS, { message: "is not a known AWS region" }).optional(),
  /** Restores of this tenant can be loaded into Snowflake: each source gets a stage on the vault that its integration may read. Default false. */
  restoreReady: z.boolean().optional(),
});

export const tenantSchema = z.strictObject({
  id: bucketSafeSlug(20)
    .refine(notReserved, RESERVED_MESSAGE)
    .refine((id) => !PLATFORM_SCHEMAS.includes(tenantSchemaName(id)), `names a schema the platform makes in the log database (${PLATFORM_SCHEMAS.join(", ")})`),
  displayName: z.string().min(1).max(100).optional(),
  region: z.enum(AWS_REGIONS, { message: "is not a known AWS region" }),
  retentionDays: retentionDays.optional(),
  environments: z.array(z.string()).min(1).optional(),
  objectLock: z.strictObject({ mode: z.enum(["GOVERNANCE", "COMPLIANCE"]), days: z.number().int().min(1) }).optional(),
  /**
   * Who may assume the tenant's AWS roles, by IAM role ARN (any account, e.g. SSO permission-set roles).
   * Only the named roles are trusted: a tenant without readers has no read role, one without operators
   * no operations and restore roles (a trust keyed on a principal tag would admit anyone who can tag
   * themselves or pass session tags).
   */
  access: z
    .strictObject({
      /** Assume `<prefix>-read`: read the tenant's log prefixes. */
      readers: z.array(roleArn).min(1, "list at least one role, or leave readers out").optional(),
      /** Assume `<prefix>-ops` (backfill) and, with a backup vault, `<prefix>-restore`. */
      operators: z.array(roleArn).min(1, "list at least one role, or leave operators out").optional(),
    })
    .optional(),
  /**
   * The AWS account the tenant's resources live in, when not its environments' (an MSSP customer in an
   * account of its own): the tenant stack's AWS provider assumes `deployRoleName` there (plans with
   * TF_VAR_lakehouse_read_only=true assume `planRoleName`), and the account's IAM roles and Lambda
   * concurrency count against its own quotas. Default: the environment's awsAccountId.
   */
  awsAccountId: z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id").optional(),
  /** With awsAccountId: the role in that account Terraform applies the tenant's stack as. Default lakehouse-deploy. */
  deployRoleName: iamRoleNameSchema.optional(),
  /** With awsAccountId: the read-only role in that account a plan refreshes the tenant's stack as. Default lakehouse-plan. */
  planRoleName: iamRoleNameSchema.optional(),
  backup: tenantBackup.optional(),
  sources: z.array(sourceSchema).min(1, "a tenant needs at least one source"),
});

const snowflakeAccount = z.strictObject({
  region: z.enum(AWS_REGIONS, { message: "is not a known AWS region" }),
  organization: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "must be a Snowflake organization name"),
  account: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "must be a Snowflake account name"),
  /**
   * Role Terraform works as in this account. The tenant roles are granted to it, so it keeps managing
   * the objects the tenants' pipeline roles own; unset, the user's default role is used and the tenant
   * roles are granted to SYSADMIN, which that role must then hold.
   */
  role: z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, "must be a Snowflake role name").optional(),
});

const backend = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("local"),
    /**
     * Folder of the state files. No `${` or `%{`: Terraform reads backend settings as written, while
     * OpenTofu 1.8+ evaluates them (early evaluation), so no escape means the same to both.
     */
    directory: z.string().min(1).refine((d) => !/[$%]\{/.test(d), "must not contain '${' or '%{' (backend settings are read literally by Terraform, evaluated by OpenTofu)").optional(),
  }),
  z.strictObject({
    kind: z.literal("s3"),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
    region: z.enum(AWS_REGIONS, { message: "is not a known AWS region" }),
    keyPrefix: z.string().regex(/^[A-Za-z0-9_\-/]+$/, "must be a key prefix").optional(),
  }),
]);

export const environmentSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9]{0,9}$/, "must be 1-10 lower-case letters and digits, e.g. prod"),
  awsAccountId: z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id"),
  backend: backend.optional(),
  snowflakeAccounts: z.array(snowflakeAccount).min(1, "at least one Snowflake account is required"),
  /**
   * Terraform version constraints for the providers of this environment's stacks (default: AWS
   * ">= 6.34, < 7", Snowflake exactly "2.11.0"), so an environment can take a provider release first.
   */
  providerVersions: z
    .strictObject(
      Object.fromEntries(
        (Object.keys(PROVIDER_VERSION_FLOORS) as (keyof typeof PROVIDER_VERSION_FLOORS)[]).map((name) => [
          name,
          z.string().superRefine((c, ctx) => {
            const problem = providerConstraintProblem(name, c);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          }).optional(),
        ]),
      ) as Record<keyof typeof PROVIDER_VERSION_FLOORS, z.ZodOptional<z.ZodString>>,
    )
    .optional(),
  /** Record object-level events (CloudTrail data events) on the environment's log buckets. Default true. */
  auditTrail: z.boolean().optional(),
  /** Where alerts go: an encrypted SNS topic per region with these subscriptions, and/or e-mail. */
  alertDelivery: z
    .strictObject({
      sns: z
        .strictObject({
          subscriptions: z
            .array(
              z.strictObject({ protocol: z.enum(["email", "https", "sqs", "lambda"]), endpoint: z.string().min(3) }).superRefine((sub, ctx) => {
                // What the alert-topic module accepts for the protocol, reported here at the config path.
                const endpoint = SUBSCRIPTION_ENDPOINTS[sub.protocol].safeParse(sub.endpoint);
                if (!endpoint.success) ctx.addIssue({ code: "custom", path: ["endpoint"], message: `${endpoint.error.issues[0].message} (protocol ${sub.protocol})` });
              }),
            )
            .min(1, "at least one subscription is required: alerts must reach someone"),
        })
        .optional(),
      /**
       * E-mail delivery: each recipient must be the verified e-mail address of a user of every Snowflake
       * account of the environment before apply (CREATE NOTIFICATION INTEGRATION fails otherwise); at
       * most 50 (Amazon SES, which sends Snowflake's mails, takes 50 recipients per message).
       */
      email: z
        .strictObject({
          recipients: z
            .array(z.email("must be an e-mail address"))
            .min(1)
            .max(50, "at most 50 recipients: Amazon SES, which sends Snowflake's e-mail notifications, takes 50 per message")
            .refine((r) => new Set(r.map((a) => a.toLowerCase())).size === r.length, "must not list an address twice"),
        })
        .optional(),
      schedule: cron.optional(),
    })
    .refine((d) => d.sns !== undefined || d.email !== undefined, "needs sns or email: alerts must leave the warehouse")
    .optional(),
  /**
   * Backups: each tenant's log bucket replicates into a backup vault of its own in its region
   * (`aws/backup-vault`: versioned, object-locked, archive storage), with alarms on failed replication
   * and on backups that stopped coming. Tenants override the class and retention under `backup`.
   */
  backup: z
    .strictObject({
      /** Roles that may still manage the vaults (the role Terraform applies with, a break-glass role): the vault policy denies everyone else. */
      adminRoleArns: z.array(roleArn).min(1, "at least one: the role Terraform applies with, or after the first apply nobody could manage the vaults"),
      /**
       * The role the tenant stacks' vault provider assumes, so the vaults are always applied as a role
       * their policy trusts; one of adminRoleArns. A plan with TF_VAR_lakehouse_read_only=true does not
       * assume it (it runs as one of planRoleArns). Default: the first of adminRoleArns.
       */
      deployRoleArn: roleArn.optional(),
      /** Read-only roles a plan refreshes the vaults as (the CI plan role): the vault policy lets them list the vault and nothing more. */
      planRoleArns: z.array(roleArn).optional(),
      storageClass: backupStorageClass.optional(),
      retentionDays: retentionDays.optional(),
      /** Default object lock of every backup version (default COMPLIANCE for the retention floor). */
      objectLock: z.strictObject({ mode: z.enum(["GOVERNANCE", "COMPLIANCE"]), days: z.number().int().min(1) }).optional(),
      /** A tenant whose vault received nothing for this many hours raises an alarm (1-168, default 24). */
      staleAfterHours: z.number().int().min(1).max(168).optional(),
    })
    .optional(),
  /** A service control policy that makes this environment's log buckets and keys tamper-proof. */
  logGuard: z
    .strictObject({
      /** Role in the organization's management account that Terraform assumes to manage the SCP. */
      managementRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN"),
      /** Roots, OUs or accounts the SCP is attached to. */
      targetIds: z.array(SCP_TARGET_ID).min(1, "at least one target is required"),
      /** Roles still allowed to change the buckets and keys (the deploying role, a break-glass role); `*` allowed. */
      exemptRoleArns: z.array(EXEMPT_ROLE_ARN).min(1, "at least one exempt role is required, or nobody could deploy the buckets"),
    })
    .optional(),
});

export const defaultsSchema = z.strictObject({
  retentionDays: retentionDays.optional(),
  retentionFloorDays: retentionDays.optional(),
  canary: canary.omit({ enabled: true }).optional(),
  /** The query warehouse of every Snowflake account (analysts and detections). */
  warehouse: z
    .strictObject({
      size: z.enum(["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE"]).optional(),
      monthlyCreditQuota: z.number().positive().optional(),
      autoSuspendSeconds: z.number().int().min(60).max(3600).optional(),
    })
    .optional(),
  /** The backfill warehouse of every Snowflake account (`lakehouse backfill` runs its COPY batches on it). */
  backfillWarehouse: z
    .strictObject({
      size: z.enum(["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE"]).optional(),
      monthlyCreditQuota: z.number().positive().optional(),
      autoSuspendSeconds: z.number().int().min(60).max(3600).optional(),
    })
    .optional(),
  /** The account monitors of every environment (load and task failures, long queries, log table changes). */
  monitors: z
    .strictObject({
      /** Minutes each monitor looks back beyond its ACCOUNT_USAGE view's documented latency (default 60; at least two schedule intervals). */
      lookbackMarginMinutes: z.number().int().min(15).max(1440).optional(),
      suppressionMinutes: z.number().int().min(0).max(43200).optional(),
      longQueryMinutes: z.number().int().min(1).max(1440).optional(),
      schedule: cron.optional(),
    })
    .optional(),
  timeTravelDays: z.number().int().min(0).max(90).optional(),
  accessLogRetentionDays: retentionDays.optional(),
  transitions: z.array(transition).optional(),
});

/** Quotas of one AWS account where they were raised from AWS's defaults (Service Quotas). */
const accountQuotas = z.strictObject({
  /** IAM roles per account: default 1,000, at most 5,000 (a hard limit). */
  iamRoles: z.number().int().min(1).max(AWS_QUOTA_LIMITS.iamRolesHard, `IAM allows at most ${AWS_QUOTA_LIMITS.iamRolesHard.toLocaleString("en-US")} roles per account`).optional(),
  /** Lambda concurrent executions per region (the account's regional pool): default 1,000. */
  lambdaConcurrentExecutions: z.number().int().min(AWS_QUOTA_LIMITS.unreservedConcurrencyMinimum).optional(),
});

const lakehouseShape = z.strictObject({
    organization: bucketSafeSlug(15),
    environments: z.array(environmentSchema).min(1, "at least one environment is required"),
    defaults: defaultsSchema.optional(),
    tenants: z.array(tenantSchema).min(1, "at least one tenant is required"),
    /**
     * Raised quotas per AWS account id ("111111111111": { iamRoles: 2500 }). The config is refused when
     * an account would receive more IAM roles, or more reserved Lambda concurrency in a region, than its
     * quotas allow (defaults: 1,000 roles; a 1,000 regional pool of which 100 stay unreserved).
     */
    awsQuotas: z.record(z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id"), accountQuotas).optional(),
});

/** The whole config schema: shape, then the cross-field checks. */
export const lakehouseConfigSchema = lakehouseShape
  .superRefine((value, ctx) => crossCheck(value, (path, message) => ctx.addIssue({ code: "custom", path, message })));

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

      const prefix = String(source.keyPrefix ?? `${source.name}/`);
      const overlap = prefixes.find((p) => p.prefix.startsWith(prefix) || prefix.startsWith(p.prefix));
      if (overlap) issue([...path, source.keyPrefix ? "keyPrefix" : "name"], `key prefix '${prefix}' overlaps sources[${overlap.index}] ('${overlap.prefix}'); S3 notifications and retention need disjoint prefixes`);
      prefixes.push({ prefix, index: s });

      const retention = source.retentionDays ?? tenantRetention;
      if (source.retentionDays !== undefined && source.retentionDays < floor)
        issue([...path, "retentionDays"], `${source.retentionDays} is below the retention floor of ${floor} days`);
      if (source.tableRetentionDays !== undefined && source.tableRetentionDays > retention)
        issue([...path, "tableRetentionDays"], `${source.tableRetentionDays} days in Snowflake but S3 keeps the files only ${retention} days: S3 may keep longer, never shorter`);
      const transitions = source.transitions ?? c.defaults?.transitions ?? [];
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
      if (d.kind === "native" && !d.servicePrincipal && !d.writerRoleArns?.length)
        issue([...path, "delivery"], "native delivery needs the servicePrincipal (or writerRoleArns) that writes the files");
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
    if (tenant.objectLock && tenant.objectLock.days > tenantRetention)
      issue(["tenants", t, "objectLock", "days"], `locks objects for ${tenant.objectLock.days} days, longer than the tenant's retention of ${tenantRetention} days`);
    checkBackup(c, tenant, t, envs, tenantRetention, floor, issue);
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
