import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketMetric } from "@cdktf/provider-aws/lib/s3-bucket-metric";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { ITerraformDependable, TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { AwsPartition, PartitionSource, iamRoleArn, partitionOfRegion, s3BucketArn } from "../../core/arn";
import { PolicyStatement, policyDocument, renderPolicy, s3Service } from "../../core/iam";
import { stampModule } from "../../core/stamp";
import {
  AWS_ACCOUNT_ID,
  S3_BUCKET_NAME,
  awsRegion,
  knownKmsKeyArn,
  knownRoleArn,
  knownString,
  knownTopicArn,
  parseProps,
  pathOf,
  writtenReason,
} from "../../core/validate";
import { BucketGrants } from "../grants";
import { KmsKey } from "../kms-key";
import { S3_BUCKET_PROTECTION_ACTIONS, S3_OBJECT_PROTECTION_ACTIONS, S3_OBJECT_WRITE_ACTIONS, actionsOf } from "../protected-actions";
import { accessLoggingSchema, hardenBucket, logAccessTo, tlsOnlyStatements } from "../s3-hardening";

export const BACKUP_VAULT_MODULE = "aws/backup-vault" as const;

/** Storage classes a tenant's backups may live in, and the minimum days each bills (early deletion is charged up to it). */
export const BACKUP_STORAGE_MINIMUM_DAYS = { DEEP_ARCHIVE: 180, GLACIER: 90, GLACIER_IR: 90 } as const;

/** One tenant's share of the vault. */
export interface BackupVaultTenant {
  /** Tenant id (lower case, digits, `-`), used in statement ids, rule ids and alarm names. */
  readonly id: string;
  /**
   * Key prefix of the tenant's backups, ending in `/`. S3 replication keeps each object's key, so this
   * is also the prefix of the replicated objects in the tenant's log bucket. `""` when the tenant is
   * the vault's only one: the whole vault is its (the stacks build one vault per tenant this way, so
   * the tenant's whole bucket replicates with its own keys).
   */
  readonly prefix: string;
  /** Backups expire this many days after they are written; at least the storage class's minimum and `retentionFloorDays`. */
  readonly retentionDays: number;
  /** Where the backups live from day 0: `DEEP_ARCHIVE`, `GLACIER` (Flexible Retrieval) or `GLACIER_IR`. @default DEEP_ARCHIVE */
  readonly storageClass?: "DEEP_ARCHIVE" | "GLACIER" | "GLACIER_IR";
  /** The tenant's log bucket, the replication source (same account as the vault). */
  readonly sourceBucketName: string;
  /** The log bucket's region, when it is not the vault's (a backup kept in another region). @default the vault's region */
  readonly sourceRegion?: string;
  /** The KMS key of the tenant's log bucket: the replication role decrypts with it. */
  readonly sourceKmsKeyArn: string;
  /** The tenant's restore role: besides the replication role, the readers and the administrators, the only role that may touch the tenant's prefix. @default none (the tenant cannot restore) */
  readonly restoreRoleArn?: string;
  /** The role S3 Batch Operations restores the tenant's backups as (large restores): exempt like the restore role. @default none */
  readonly restoreBatchRoleArn?: string;
  /** Roles that may only read the tenant's prefix (`s3:GetObject`, `s3:GetObjectVersion`, listing it): a restore-ready tenant's Snowflake access roles. @default none */
  readonly readerRoleArns?: readonly string[];
}

export interface BackupVaultProps {
  /** Globally unique vault bucket name (one vault per environment and region). */
  readonly bucketName: string;
  /** The AWS account that owns the vault, the tenant buckets and every role named here. */
  readonly accountId: string;
  /** The vault's region: the tenants' buckets' region, or another one that keeps the data where it may be (data locality). */
  readonly region: string;
  /**
   * S3 publishes replication metrics in the source bucket's region. When the tenants' buckets are in
   * another region than the vault, the replication-failure alarms are made with this provider (of that
   * region) and notify `alarmTopicArn` here (a topic of that region) instead.
   * @default the alarms are made beside the vault
   */
  readonly sourceRegionAlarms?: { readonly provider: TerraformProvider; readonly alarmTopicArn?: string };
  /** Waiting period before the vault's KMS key is deleted, 7-30 days. @default 30 */
  readonly kmsKeyDeletionWindowDays?: number;
  /**
   * Server access logs go to `targetBucket` (same account and region, no object lock), under
   * `targetPrefix` (default `<bucketName>/`); pass the target's policy in `waitFor` when it is made in
   * the same stack. Required unless `accessLoggingDisabledReason` explains why not.
   */
  readonly accessLogging?: { readonly targetBucket: string; readonly targetPrefix?: string; readonly waitFor?: readonly ITerraformDependable[] };
  /** A written reason (at least 20 characters) to run without access logging. @default logging required */
  readonly accessLoggingDisabledReason?: string;
  /** The tenants whose log buckets replicate into the vault; at least one, prefixes must not overlap. */
  readonly tenants: readonly BackupVaultTenant[];
  /** No tenant may keep backups fewer days than this. @default 90 */
  readonly retentionFloorDays?: number;
  /**
   * Default object-lock retention of every object version. COMPLIANCE by default: a backup must
   * survive a compromised administrator, and GOVERNANCE yields to anyone allowed
   * `s3:BypassGovernanceRetention`. `days` may not exceed any tenant's `retentionDays`.
   * @default { mode: "COMPLIANCE", days: retentionFloorDays }
   */
  readonly objectLock?: { readonly mode: "GOVERNANCE" | "COMPLIANCE"; readonly days: number };
  /** Noncurrent (overwritten or expired) versions are deleted this many days later, once their lock allows. @default 30 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Incomplete multipart uploads are aborted after this many days. @default 7 */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Roles exempt from the vault policy's object and configuration denies: the account's
   * administrators, including the role Terraform applies with (otherwise it locks itself out). At
   * least one. Nobody, not even these, may delete object versions.
   */
  readonly adminRoleArns: readonly string[];
  /**
   * Read-only roles that plan (refresh) the vault, e.g. the CI plan role: exempt from the deny on
   * `s3:ListBucket`, which S3's HeadBucket (every refresh of the bucket) needs, and from nothing else —
   * no object, no version listing, no configuration change. Configuration reads (`s3:GetBucket*`) are
   * denied to nobody; the roles' own policies decide them. @default none
   */
  readonly planRoleArns?: readonly string[];
  /** Name of the replication role the tenant buckets' replication rules use. @default `<bucketName>-replication` */
  readonly replicationRoleName?: string;
  /** Prefix of the ids of the replication rules on every tenant bucket (`<id>-<log prefix>`, one rule per prefix). @default `backup-vault` */
  readonly replicationRuleId?: string;
  /** A tenant whose prefix received no new backup for this many hours (1-168) raises an alarm. @default 24 */
  readonly staleAfterHours?: number;
  /** The SNS topic the alarms notify (failed replication, stale backups). @default none: then `alarmsWithoutActionsReason` is required */
  readonly alarmTopicArn?: string;
  /** Why the alarms notify nobody (at least 20 characters); only without `alarmTopicArn`. @default none */
  readonly alarmsWithoutActionsReason?: string;
}

const prefix = z
  .string()
  .regex(/^[A-Za-z0-9!_.*'()\-/]+\/$/, "must be a key prefix of safe characters ending in '/'")
  .refine((p) => !p.startsWith("/"), "must not start with '/'")
  .or(z.literal(""));

const tenant = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, "must be 1-40 of a-z, 0-9, '-', starting with a letter"),
  prefix,
  retentionDays: z.number().int().min(1),
  storageClass: z.enum(["DEEP_ARCHIVE", "GLACIER", "GLACIER_IR"]).default("DEEP_ARCHIVE"),
  sourceBucketName: knownString(S3_BUCKET_NAME, "a valid S3 bucket name"),
  sourceRegion: awsRegion().optional(),
  sourceKmsKeyArn: knownKmsKeyArn(),
  restoreRoleArn: knownRoleArn().optional(),
  restoreBatchRoleArn: knownRoleArn().optional(),
  readerRoleArns: z.array(knownRoleArn()).default([]),
});

const propsSchema = z
  .object({
    bucketName: knownString(S3_BUCKET_NAME, "a valid S3 bucket name (3-63 of a-z, 0-9, '-')"),
    accountId: knownString(AWS_ACCOUNT_ID, "a 12-digit AWS account id"),
    region: awsRegion(),
    sourceRegionAlarms: z.object({ provider: z.custom<TerraformProvider>(), alarmTopicArn: z.string().optional() }).optional(),
    kmsKeyDeletionWindowDays: z.number().int().min(7).max(30).default(30),
    accessLogging: accessLoggingSchema.optional(),
    accessLoggingDisabledReason: writtenReason().optional(),
    tenants: z.array(tenant).min(1, "at least one tenant is required: a vault with no tenant backs nothing up"),
    retentionFloorDays: z.number().int().min(1).default(90),
    objectLock: z.object({ mode: z.enum(["GOVERNANCE", "COMPLIANCE"]), days: z.number().int().min(1) }).optional(),
    noncurrentVersionExpirationDays: z.number().int().min(1).default(30),
    abortIncompleteMultipartUploadDays: z.number().int().min(1).default(7),
    adminRoleArns: z.array(knownRoleArn()).min(1, "at least one administrator role (the role Terraform applies with), or nobody could manage the vault"),
    planRoleArns: z.array(knownRoleArn()).default([]),
    replicationRoleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM role name of 1-64 characters")
      .optional(),
    replicationRuleId: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,255}$/, "must be 1-255 of A-Za-z0-9-")
      .default("backup-vault"),
    staleAfterHours: z.number().int().min(1).max(168, "must be 1-168 hours: CloudWatch evaluates hourly periods over at most 7 days").default(24),
    alarmTopicArn: knownTopicArn().optional(),
    alarmsWithoutActionsReason: writtenReason().optional(),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (!p.accessLogging && !p.accessLoggingDisabledReason) issue(["accessLogging"], "required unless accessLoggingDisabledReason is given");
    if (p.accessLogging && p.accessLogging.targetBucket === p.bucketName) issue(["accessLogging", "targetBucket"], "must not be the vault itself");
    if (p.alarmTopicArn === undefined && p.alarmsWithoutActionsReason === undefined)
      issue(["alarmTopicArn"], "required: alarms must reach someone (or give alarmsWithoutActionsReason)");
    if (p.alarmTopicArn !== undefined && p.alarmsWithoutActionsReason !== undefined) issue(["alarmsWithoutActionsReason"], "only without alarmTopicArn");
    if (p.replicationRoleName === undefined && `${p.bucketName}-replication`.length > 64)
      issue(["replicationRoleName"], `required: the default '${p.bucketName}-replication' is longer than an IAM role name's 64 characters`);
    const lockDays = p.objectLock?.days ?? p.retentionFloorDays;
    p.tenants.forEach((t, i) => {
      if (t.prefix === "" && p.tenants.length > 1)
        issue(["tenants", i, "prefix"], `tenant '${t.id}': an empty prefix (the whole vault) only for a vault's only tenant`);
      const minimum = BACKUP_STORAGE_MINIMUM_DAYS[t.storageClass];
      if (t.retentionDays < minimum)
        issue(
          ["tenants", i, "retentionDays"],
          `tenant '${t.id}' keeps ${t.storageClass} backups ${t.retentionDays} days, but ${t.storageClass} bills at least ${minimum} days`,
        );
      if (t.retentionDays < p.retentionFloorDays)
        issue(["tenants", i, "retentionDays"], `tenant '${t.id}' keeps backups ${t.retentionDays} days, below retentionFloorDays (${p.retentionFloorDays})`);
      if (t.retentionDays < lockDays)
        issue(["tenants", i, "retentionDays"], `tenant '${t.id}' keeps backups ${t.retentionDays} days, but object lock holds every version ${lockDays} days`);
      if (t.sourceBucketName === p.bucketName) issue(["tenants", i, "sourceBucketName"], `tenant '${t.id}': the vault cannot back itself up`);
      p.tenants.forEach((u, j) => {
        if (j <= i) return;
        if (u.id === t.id) issue(["tenants", j, "id"], `duplicate tenant id '${t.id}'`);
        if (u.prefix.startsWith(t.prefix) || t.prefix.startsWith(u.prefix))
          issue(["tenants", j, "prefix"], `tenant '${u.id}' prefix '${u.prefix}' overlaps tenant '${t.id}' prefix '${t.prefix}'`);
        if (u.sourceBucketName === t.sourceBucketName)
          issue(["tenants", j, "sourceBucketName"], `tenant '${u.id}' replicates from the same bucket as tenant '${t.id}'`);
      });
    });
  });

type Parsed = z.output<typeof propsSchema>;

/** Statement-id word of a tenant: `globex-corp` → `GlobexCorp`. */
const sidOf = (id: string) =>
  id
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");

/**
 * The backup vault of one environment and region: an S3 bucket that the tenants' log buckets
 * replicate into, each tenant under its own prefix with its own retention and archive storage class;
 * versioned, object-locked (COMPLIANCE by default), SSE-KMS with its own key, TLS-only, no public
 * access, ACLs disabled, access-logged. A replication role for the tenant buckets' replication rules,
 * a bucket policy that leaves each tenant's prefix to the replication role, that tenant's restore
 * role and the administrators, and alarms on failed replication and on backups that stopped coming.
 */
export class BackupVault extends Construct {
  /** Grants on a vault known by name (made elsewhere, or later in the same stack), in the partition of `where`. */
  public static named(bucketName: string, where: PartitionSource, kmsKeyArn?: string): BucketGrants {
    return BucketGrants.named(bucketName, where, kmsKeyArn);
  }

  /** Vault bucket name. */
  public readonly bucketName: string;
  /** Vault bucket ARN (the replication rules' destination). */
  public readonly bucketArn: string;
  /** ARN of the vault's KMS key (the replication rules' `replica_kms_key_id`). */
  public readonly kmsKeyArn: string;
  /** ARN of the role the tenant buckets' replication rules use. */
  public readonly replicationRoleArn: string;
  /** What the ids of the tenant buckets' replication rules start with (the failure alarm sums every rule from a tenant bucket into the vault). */
  public readonly replicationRuleId: string;
  /** The vault policy resource. */
  public readonly policy: S3BucketPolicy;
  /** What a replication configuration into the vault must wait for (S3 checks the destination's versioning when it is put). */
  public readonly readyForReplication: ITerraformDependable[];
  /** Grants on the vault and its key. */
  private readonly grants: BucketGrants;

  constructor(scope: Construct, id: string, props: BackupVaultProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, BACKUP_VAULT_MODULE);

    const partition = partitionOfRegion(p.region);
    const bucket = new S3Bucket(this, "Resource", { bucket: p.bucketName, forceDestroy: false });
    const bucketId = bucket.id;
    const bucketArn = s3BucketArn(partition, p.bucketName);
    this.bucketName = p.bucketName;
    this.bucketArn = bucketArn;
    this.replicationRuleId = p.replicationRuleId;

    this.kmsKeyArn = new KmsKey(this, "Key", {
      accountId: p.accountId,
      region: p.region,
      aliasName: p.bucketName,
      description: `Encrypts backup vault ${p.bucketName}`,
      deletionWindowDays: p.kmsKeyDeletionWindowDays,
      // The key outlives a compromised administrator as the backups do (since 0.2.1).
      administratorRoleArns: p.adminRoleArns,
    }).keyArn;
    this.grants = new BucketGrants(bucketArn, this.kmsKeyArn);

    const { versioning, publicAccessBlock } = hardenBucket(this, bucketId);
    const encryption = new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: bucketId,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKeyArn }, bucketKeyEnabled: true }],
    });
    const objectLock = new S3BucketObjectLockConfigurationA(this, "ObjectLock", {
      bucket: bucketId,
      objectLockEnabled: "Enabled",
      // S3 refuses an object lock configuration until versioning is Enabled (InvalidBucketState).
      dependsOn: [versioning],
      rule: { defaultRetention: { mode: p.objectLock?.mode ?? "COMPLIANCE", days: p.objectLock?.days ?? p.retentionFloorDays } },
    });

    this.readyForReplication = [versioning, encryption, objectLock];

    const role = new IamRole(this, "ReplicationRole", {
      name: p.replicationRoleName ?? `${p.bucketName}-replication`,
      description: `Replicates the tenants' log buckets into backup vault ${p.bucketName}`,
      maxSessionDuration: 3600,
      assumeRolePolicy: renderPolicy(
        policyDocument({
          Sid: "S3ReplicatesForThisAccount",
          Effect: "Allow",
          Principal: { Service: "s3.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
        }),
      ),
    });
    const roleArn = iamRoleArn(partition, p.accountId, p.replicationRoleName ?? `${p.bucketName}-replication`);
    this.replicationRoleArn = role.arn;
    new IamRolePolicy(this, "ReplicationPolicy", {
      role: role.id,
      name: "backup-replication",
      policy: renderPolicy(policyDocument(...replicationStatements(p, partition, this.grants, this.kmsKeyArn))),
    });

    this.policy = new S3BucketPolicy(this, "Policy", {
      bucket: bucketId,
      policy: renderPolicy(policyDocument(...tlsOnlyStatements(bucketArn), ...vaultStatements(p, bucketArn, this.kmsKeyArn, roleArn))),
      dependsOn: [publicAccessBlock],
    });

    if (p.accessLogging) logAccessTo(this, bucketId, p.bucketName, p.accessLogging);

    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: bucketId,
      rule: [
        ...p.tenants.map((t) => ({
          id: `tenant-${t.id}`,
          status: "Enabled",
          filter: [{ prefix: t.prefix }],
          transition: [{ days: 0, storageClass: t.storageClass }],
          expiration: [{ days: t.retentionDays }],
        })),
        {
          id: "vault-hygiene",
          status: "Enabled",
          // A prefix filter always: an empty or missing filter warns on AWS provider 6.x.
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: p.noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: p.abortIncompleteMultipartUploadDays }],
        },
      ],
    });

    const actions = p.alarmTopicArn ? [p.alarmTopicArn] : [];
    const describe = (text: string) => (p.alarmsWithoutActionsReason ? `${text} (no alarm actions: ${p.alarmsWithoutActionsReason})` : text);
    for (const t of p.tenants) {
      const ref = sidOf(t.id);
      const sourceActions = p.sourceRegionAlarms ? (p.sourceRegionAlarms.alarmTopicArn ? [p.sourceRegionAlarms.alarmTopicArn] : []) : actions;
      // A tenant bucket replicates with one rule per log prefix, and S3 publishes the metric per rule: one
      // Metrics Insights query sums every rule from the bucket into the vault, whatever the rules' ids.
      new CloudwatchMetricAlarm(this, `ReplicationFailedAlarm${ref}`, {
        provider: p.sourceRegionAlarms?.provider,
        alarmName: `${p.bucketName}-${t.id}-replication-failed`,
        alarmDescription: describe(`Objects of tenant ${t.id} failed to replicate from ${t.sourceBucketName} into backup vault ${p.bucketName}`),
        metricQuery: [
          {
            id: "failed",
            expression: `SELECT SUM(OperationsFailedReplication) FROM SCHEMA("AWS/S3", DestinationBucket, RuleId, SourceBucket) WHERE SourceBucket = '${t.sourceBucketName}' AND DestinationBucket = '${p.bucketName}'`,
            period: 300,
            returnData: true,
            label: `Failed replications of ${t.sourceBucketName} into ${p.bucketName}`,
          },
        ],
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        // Replication metrics are only published while objects replicate: no data is no failure.
        treatMissingData: "notBreaching",
        alarmActions: sourceActions,
        okActions: sourceActions,
      });
      // Request metrics of the tenant's prefix: no PUT for staleAfterHours means the backup stopped.
      const metric = new S3BucketMetric(this, `PrefixMetric${ref}`, {
        bucket: bucketId,
        name: `tenant-${t.id}`,
        filter: t.prefix ? { prefix: t.prefix } : undefined,
      });
      new CloudwatchMetricAlarm(this, `BackupStaleAlarm${ref}`, {
        alarmName: `${p.bucketName}-${t.id}-backup-stale`,
        alarmDescription: describe(`No new backup of tenant ${t.id} reached ${p.bucketName}/${t.prefix} in ${p.staleAfterHours} hours`),
        namespace: "AWS/S3",
        metricName: "PutRequests",
        dimensions: { BucketName: p.bucketName, FilterId: metric.name },
        statistic: "Sum",
        period: 3600,
        evaluationPeriods: p.staleAfterHours,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        // S3 publishes no datapoint for an hour without requests: missing data is exactly the stale case.
        treatMissingData: "breaching",
        alarmActions: actions,
        okActions: actions,
      });
    }
  }

  /** ARN pattern of a tenant's objects in the vault, e.g. `arn:aws:s3:::vault/globex/*`. */
  public objectsArn(keyPrefix: string): string {
    return this.grants.objectsArn(keyPrefix);
  }

  /**
   * What an identity policy needs to read exactly these key prefixes of the vault (a restore-ready
   * tenant's backup stage): get and list them, locate the vault, decrypt with its key. The vault's
   * policy must also exempt the reader (`tenants[].readerRoleArns`).
   */
  public grantRead(prefixes: readonly string[], options: { readonly viaService?: string; readonly sidPrefix?: string } = {}): PolicyStatement[] {
    return this.grants.grantRead(prefixes, options);
  }
}

/** The replication role: read each tenant's replicable versions, write replicas under that tenant's vault prefix, with the vault key. */
function replicationStatements(p: Parsed, partition: AwsPartition, vault: BucketGrants, vaultKeyArn: string): PolicyStatement[] {
  const sources = p.tenants.map((t) => ({ t, bucket: BucketGrants.inPartition(partition, t.sourceBucketName) }));
  const viaS3 = { StringEquals: { "kms:ViaService": s3Service(p.region) } };
  // The source keys are used by S3 in the source buckets' regions.
  const sourceRegions = [...new Set(p.tenants.map((t) => t.sourceRegion ?? p.region))].sort();
  const viaS3AtSources = { StringEquals: { "kms:ViaService": sourceRegions.length === 1 ? s3Service(sourceRegions[0]) : sourceRegions.map(s3Service) } };
  return [
    {
      Sid: "ReadSourceReplicationConfiguration",
      Effect: "Allow",
      Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
      Resource: sources.map((s) => s.bucket.bucketArn),
    },
    {
      Sid: "ReadSourceVersionsUnderTenantPrefixes",
      Effect: "Allow",
      Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging", "s3:GetObjectRetention", "s3:GetObjectLegalHold"],
      Resource: sources.map((s) => s.bucket.objectsArn(s.t.prefix)),
    },
    // No s3:ReplicateDelete: delete markers are not replicated, a deletion in a tenant bucket never reaches its backup.
    vault.grantOnObjects(
      "ReplicateUnderTenantPrefixes",
      ["s3:ReplicateObject", "s3:ReplicateTags"],
      p.tenants.map((t) => t.prefix),
    ),
    {
      Sid: "DecryptSourceObjects",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: [...new Set(p.tenants.map((t) => t.sourceKmsKeyArn))],
      Condition: viaS3AtSources,
    },
    KmsKey.grantsOn(vaultKeyArn).grant("EncryptReplicasWithVaultKey", ["kms:Encrypt", "kms:GenerateDataKey"], viaS3),
  ];
}

/**
 * What replication writes (replicas and their tags): replication and the administrators only. Puts,
 * tagging and lock changes: the administrators only, since 0.2.1 without the replication role, which
 * never needs them (a role an administrator widened gains nothing in the vault).
 * What administrators may change about the vault itself: every bucket change the organization's
 * guard denies on every log bucket (aws/log-guard-scp). The orders are the vault's own since 0.2.0,
 * so its policy does not churn.
 */
const REPLICA_WRITE_ACTIONS = actionsOf(S3_OBJECT_WRITE_ACTIONS, ["s3:ReplicateObject", "s3:ReplicateTags"]);
const OBJECT_WRITE_ACTIONS = actionsOf(
  [...S3_OBJECT_WRITE_ACTIONS, ...S3_OBJECT_PROTECTION_ACTIONS],
  ["s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObjectTagging", "s3:PutObjectRetention", "s3:PutObjectLegalHold"],
);
/**
 * Deleting (a delete marker, since 0.2.1: it hides a backup from a listing, and removing the marker
 * would take a version delete), deleting a version, or a governance-mode lock lifted: nobody, the
 * administrators included. Only lifecycle expires anything in the vault.
 */
const DELETE_ACTIONS = actionsOf(
  [...S3_OBJECT_WRITE_ACTIONS, ...S3_OBJECT_PROTECTION_ACTIONS],
  ["s3:DeleteObject", "s3:ReplicateDelete", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"],
);
const VAULT_CONFIGURATION_ACTIONS = actionsOf(S3_BUCKET_PROTECTION_ACTIONS, [
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketVersioning",
  "s3:PutEncryptionConfiguration",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketLogging",
  "s3:PutMetricsConfiguration",
  "s3:DeleteBucket",
  // Since 0.2.1: replication out of the vault copies every tenant's backups elsewhere, a notification or
  // inventory configuration sends their keys out; without the log guard's SCP nothing else refuses them.
  "s3:PutBucketNotification",
  "s3:PutReplicationConfiguration",
  "s3:PutInventoryConfiguration",
]);

/**
 * The vault policy grants nothing (every role here is in the vault's account and gets its access
 * through IAM); it only denies. Deny statements with `Principal: "*"` and an `ArnNotLike
 * aws:PrincipalArn` exemption list, so no Allow ever names a wildcard principal.
 */
function vaultStatements(p: Parsed, vaultArn: string, vaultKeyArn: string, replicationRoleArn: string): PolicyStatement[] {
  const admins = [...p.adminRoleArns];
  const vaultRoles = p.tenants.flatMap((t) => [...(t.restoreRoleArn ? [t.restoreRoleArn] : []), ...t.readerRoleArns]);
  const exceptFor = (arns: string[]) => ({ ArnNotLike: { "aws:PrincipalArn": arns } });
  const statements: PolicyStatement[] = [
    {
      Sid: "DenyReplicaWritesExceptReplication",
      Effect: "Deny",
      Principal: "*",
      Action: REPLICA_WRITE_ACTIONS,
      Resource: `${vaultArn}/*`,
      Condition: exceptFor([replicationRoleArn, ...admins]),
    },
    {
      Sid: "DenyObjectWritesExceptAdministrators",
      Effect: "Deny",
      Principal: "*",
      Action: OBJECT_WRITE_ACTIONS,
      Resource: `${vaultArn}/*`,
      Condition: exceptFor(admins),
    },
    // Object lock already refuses deleting a locked version; this refuses it after the lock too, and delete markers at any time.
    { Sid: "DenyDeletesAndLockBypass", Effect: "Deny", Principal: "*", Action: DELETE_ACTIONS, Resource: `${vaultArn}/*` },
    {
      Sid: "DenyVaultConfigurationExceptAdministrators",
      Effect: "Deny",
      Principal: "*",
      Action: VAULT_CONFIGURATION_ACTIONS,
      Resource: vaultArn,
      Condition: exceptFor(admins),
    },
    // Deliberately `…IfExists`: a put without the key id header is refused too. Nothing legitimate puts
    // into the vault (replication is s3:ReplicateObject), so even an administrator must name the vault
    // key. The access suite decides it (docs/access.md).
    {
      Sid: "DenyPutsNotEncryptedWithVaultKey",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `${vaultArn}/*`,
      Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": vaultKeyArn } },
    },
    {
      // A plan refreshes the bucket with HeadBucket, which needs s3:ListBucket: the plan roles may list, no more.
      Sid: "DenyListingExceptVaultRoles",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:ListBucket",
      Resource: vaultArn,
      Condition: exceptFor([replicationRoleArn, ...admins, ...vaultRoles, ...p.planRoleArns]),
    },
    {
      Sid: "DenyVersionListingExceptVaultRoles",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:ListBucketVersions",
      Resource: vaultArn,
      Condition: exceptFor([replicationRoleArn, ...admins, ...vaultRoles]),
    },
  ];
  for (const t of p.tenants) {
    const ref = sidOf(t.id);
    statements.push({
      Sid: `Deny${ref}ObjectsExceptOwnRoles`,
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: `${vaultArn}/${t.prefix}*`,
      Condition: exceptFor([
        replicationRoleArn,
        ...(t.restoreRoleArn ? [t.restoreRoleArn] : []),
        ...(t.restoreBatchRoleArn ? [t.restoreBatchRoleArn] : []),
        ...t.readerRoleArns,
        ...admins,
      ]),
    });
    if (t.readerRoleArns.length > 0)
      statements.push({
        // Writes are denied to all but replication and the administrators already; restores (billed) are the restore role's.
        Sid: `Deny${ref}ReadersRestores`,
        Effect: "Deny",
        Principal: "*",
        Action: "s3:RestoreObject",
        Resource: `${vaultArn}/${t.prefix}*`,
        Condition: { ArnLike: { "aws:PrincipalArn": [...t.readerRoleArns] } },
      });
    // A tenant that owns the whole vault may list all of it.
    const listers = [...(t.restoreRoleArn ? [t.restoreRoleArn] : []), ...t.readerRoleArns];
    if (t.prefix !== "" && listers.length > 0)
      statements.push({
        Sid: `Deny${ref}RestoreRoleListingOtherPrefixes`,
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:ListBucket", "s3:ListBucketVersions"],
        Resource: vaultArn,
        Condition: { ArnLike: { "aws:PrincipalArn": listers.length > 1 ? listers : listers[0] }, StringNotLike: { "s3:prefix": `${t.prefix}*` } },
      });
  }
  return statements;
}
