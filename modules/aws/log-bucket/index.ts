import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketReplicationConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-replication-configuration";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { PartitionSource } from "../../core/arn";
import { Condition, PolicyStatement, policyDocument, renderPolicy } from "../../core/iam";
import { stampModule } from "../../core/stamp";
import {
  AWS_ACCOUNT_ID,
  S3_BUCKET_NAME,
  SINGLE_RESOURCE_ARN,
  awsRegion,
  knownBucketArn,
  dependables,
  knownString,
  knownKmsKeyArn,
  parseProps,
  pathOf,
  writtenReason,
  knownRoleArn,
} from "../../core/validate";
import { BucketGrants } from "../grants";
import { KmsKey } from "../kms-key";
import { accessLoggingSchema, hardenBucket, logAccessTo, tlsOnlyStatements } from "../s3-hardening";

export const LOG_BUCKET_MODULE = "aws/log-bucket" as const;

/** A lifecycle transition of current object versions. */
export interface LogBucketTransition {
  /** Days after creation. STANDARD_IA / ONEZONE_IA need at least 30. */
  readonly days: number;
  /** Target storage class, e.g. `GLACIER_IR`, `GLACIER`, `DEEP_ARCHIVE`, `STANDARD_IA`. */
  readonly storageClass: "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER_IR" | "GLACIER" | "DEEP_ARCHIVE";
}

/** Retention of one key prefix (one log source). */
export interface LogBucketRetentionRule {
  /** Key prefix the rule covers, ending in `/`, e.g. `okta/`. */
  readonly prefix: string;
  /** Objects under the prefix expire this many days after creation: the source's retention. */
  readonly expirationDays: number;
  /** Transitions to cheaper classes before expiry. @default none (objects stay in STANDARD) */
  readonly transitions?: readonly LogBucketTransition[];
}

/** Delivers `s3:ObjectCreated:*` events under a prefix to a queue (a Snowpipe's notification channel). */
export interface LogBucketNotification {
  /** Key prefix, ending in `/`. Prefixes of one bucket must not overlap (S3 rejects overlaps). */
  readonly prefix: string;
  /** Only keys ending with this suffix. @default every key under the prefix */
  readonly suffix?: string;
  /** SQS queue ARN, e.g. a Snowflake pipe's `notification_channel`. */
  readonly queueArn: string;
}

/** Someone allowed to write log files under a prefix (a native delivery service or a puller role). */
export interface LogBucketWriter {
  /** Key prefix the writer may put objects under, ending in `/`. */
  readonly prefix: string;
  /** An AWS service principal that delivers natively, e.g. `cloudtrail.amazonaws.com`. @default none */
  readonly servicePrincipal?: string;
  /** IAM role ARNs (pullers, Firehose, Kafka sinks). @default none */
  readonly roleArns?: readonly string[];
  /**
   * The service writes only for this resource of it (`aws:SourceArn`), e.g. an organization trail in
   * the organization's management account, instead of for the bucket's account (`aws:SourceAccount`).
   * Needs `servicePrincipal`. @default for the bucket's account
   */
  readonly sourceArn?: string;
  /**
   * Where under `prefix` the service may put objects, each ending in `/`, e.g. an organization trail's
   * `AWSLogs/<organization id>/` and `AWSLogs/<management account id>/`. Needs `servicePrincipal`.
   * @default everywhere under `prefix`
   */
  readonly keyPrefixes?: readonly string[];
}

export interface LogBucketProps {
  /** Globally unique bucket name (S3 rules; no dots, so virtual-host TLS always works). */
  readonly bucketName: string;
  /** The AWS account that owns the bucket; used as expected owner and in policy conditions. */
  readonly accountId: string;
  /**
   * The bucket's region. It decides the partition of the ARNs the module writes (`us-gov-*` →
   * `aws-us-gov`, `cn-*` → `aws-cn`, …): the account root that administers a key the module creates.
   * @default a region of the `aws` partition
   */
  readonly region?: string;
  /**
   * Customer-managed KMS key to encrypt with. When omitted, the module creates a key with yearly
   * rotation on and an alias `alias/<bucketName>`, which admits the writers' services for the bucket's
   * account and a CloudTrail writer with a `sourceArn` by that trail's ARN (another service with a
   * `sourceArn` needs a key of its own, given here, whose policy admits it).
   * @default a new customer-managed key
   */
  readonly kmsKeyArn?: string;
  /** Waiting period before a created key is deleted. @default 30 */
  readonly kmsKeyDeletionWindowDays?: number;
  /**
   * Server access logs go to `targetBucket` (same account and region, SSE-S3, no object lock), under
   * `targetPrefix` (default `<bucketName>/`). S3 refuses the logging configuration until the target
   * exists and grants `logging.s3.amazonaws.com`: when the target is made in the same stack, pass its
   * name as a reference and its policy in `waitFor` so Terraform orders them.
   * Required unless `accessLoggingDisabledReason` explains why not.
   */
  readonly accessLogging?: { readonly targetBucket: string; readonly targetPrefix?: string; readonly waitFor?: readonly ITerraformDependable[] };
  /** A written reason (at least 20 characters) to run without access logging. @default logging required */
  readonly accessLoggingDisabledReason?: string;
  /** Retention per prefix; at least one. Overlapping prefixes are rejected. */
  readonly retentionRules: readonly LogBucketRetentionRule[];
  /** Noncurrent (overwritten or deleted) versions expire after this many days. @default 30 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Incomplete multipart uploads are aborted after this many days. @default 7 */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Default object-lock retention (WORM). Enabled through `aws_s3_bucket_object_lock_configuration`
   * on the versioned bucket, so turning it on later does not replace the bucket.
   * @default no object lock
   */
  readonly objectLock?: { readonly mode: "GOVERNANCE" | "COMPLIANCE"; readonly days: number };
  /** Event notifications, one entry per prefix, all in the bucket's single notification resource. @default none */
  readonly notifications?: readonly LogBucketNotification[];
  /** Who may write log files, per prefix. @default none (only the account's IAM principals, via IAM) */
  readonly writers?: readonly LogBucketWriter[];
  /**
   * Key patterns (relative to the bucket, `*` matching any characters) where a put may also be
   * SSE-S3, for writers that AWS documents as SSE-S3 only, e.g. the S3 Batch Operations completion
   * reports of a restore. Everywhere else a put is SSE-KMS with the bucket's key or sends no
   * encryption header (and gets the bucket's default, the key). The digest files of a
   * `cloudtrail.amazonaws.com` writer (its prefix's `AWSLogs/…/CloudTrail-Digest/` folders, SSE-S3
   * per the CloudTrail docs) are added without asking.
   * @default none
   */
  readonly sseS3KeyPatterns?: readonly string[];
  /**
   * Replicate every new object version under the retention rules' prefixes (the logs) into a backup
   * vault (`aws/backup-vault`), one rule per prefix, never the state objects kept outside them;
   * SSE-KMS objects re-encrypted with the vault's key, straight into the vault's archive storage
   * class, delete markers not replicated (a deletion here never reaches the backup), replication
   * metrics on (the vault's failure alarm reads them). Objects written before the rule existed are not
   * replicated (S3 Batch Replication does that, outside Terraform). @default no replication
   */
  readonly replication?: LogBucketReplication;
}

/** Where and how a log bucket replicates (the `aws/backup-vault` outputs of the same names). */
export interface LogBucketReplication {
  /** The role S3 replicates as (`BackupVault.replicationRoleArn`). */
  readonly roleArn: string;
  /** The vault bucket's ARN. */
  readonly destinationBucketArn: string;
  /** The vault's KMS key ARN: replicas are encrypted with it. */
  readonly destinationKmsKeyArn: string;
  /** Rule ids are `<ruleId>-<prefix>`, one rule per retention prefix. @default "backup-vault" */
  readonly ruleId?: string;
  /** Storage class replicas are written in. @default DEEP_ARCHIVE */
  readonly storageClass?: "DEEP_ARCHIVE" | "GLACIER" | "GLACIER_IR" | "STANDARD_IA" | "STANDARD";
  /** Resources to create first: the vault's versioning (`BackupVault.readyForReplication`) when it is made in the same stack. @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const prefix = z
  .string()
  .regex(/^[A-Za-z0-9!_.*'()\-/]+\/$/, "must be a key prefix of safe characters ending in '/'")
  .refine((p) => !p.startsWith("/"), "must not start with '/'");

const transition = z.object({
  days: z.number().int().min(0),
  storageClass: z.enum(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]),
});

const propsSchema = z
  .object({
    bucketName: knownString(S3_BUCKET_NAME, "a valid S3 bucket name (3-63 of a-z, 0-9, '-')"),
    accountId: knownString(AWS_ACCOUNT_ID, "a 12-digit AWS account id"),
    region: awsRegion().optional(),
    kmsKeyArn: knownKmsKeyArn().optional(),
    kmsKeyDeletionWindowDays: z.number().int().min(7).max(30).default(30),
    accessLogging: accessLoggingSchema.optional(),
    accessLoggingDisabledReason: writtenReason().optional(),
    retentionRules: z
      .array(
        z.object({ prefix, expirationDays: z.number().int().min(1), transitions: z.array(transition).default([]) }).superRefine((rule, ctx) => {
          let previous = -1;
          rule.transitions.forEach((t, i) => {
            if ((t.storageClass === "STANDARD_IA" || t.storageClass === "ONEZONE_IA") && t.days < 30)
              ctx.addIssue({ code: "custom", path: ["transitions", i, "days"], message: `${t.storageClass} needs at least 30 days` });
            if (t.days <= previous) ctx.addIssue({ code: "custom", path: ["transitions", i, "days"], message: "transitions must be in increasing days" });
            if (t.days >= rule.expirationDays)
              ctx.addIssue({ code: "custom", path: ["transitions", i, "days"], message: `must be before expirationDays (${rule.expirationDays})` });
            previous = t.days;
          });
        }),
      )
      .min(1, "at least one retention rule is required: a log bucket states how long it keeps logs"),
    noncurrentVersionExpirationDays: z.number().int().min(1).default(30),
    abortIncompleteMultipartUploadDays: z.number().int().min(1).default(7),
    objectLock: z.object({ mode: z.enum(["GOVERNANCE", "COMPLIANCE"]), days: z.number().int().min(1) }).optional(),
    notifications: z.array(z.object({ prefix, suffix: z.string().min(1).optional(), queueArn: z.string().min(1) })).default([]),
    sseS3KeyPatterns: z
      .array(
        z
          .string()
          .regex(/^[A-Za-z0-9!_.*'()\-/]+$/, "must be a key pattern of safe characters and '*'")
          .refine((k) => !k.startsWith("/"), "must not start with '/'"),
      )
      .default([]),
    writers: z
      .array(
        z
          .object({
            prefix,
            servicePrincipal: z
              .string()
              .regex(/^[a-z0-9.-]+\.amazonaws\.com$/, "must be an AWS service principal")
              .optional(),
            roleArns: z.array(knownRoleArn()).default([]),
            sourceArn: z.string().regex(SINGLE_RESOURCE_ARN, "must be the ARN of one resource, without wildcards").optional(),
            keyPrefixes: z
              .array(
                z
                  .string()
                  .regex(/^[A-Za-z0-9!_.'()\-/]+\/$/, "must be a key prefix of safe characters ending in '/'")
                  .refine((k) => !k.startsWith("/"), "must not start with '/'"),
              )
              .min(1)
              .optional(),
          })
          .refine((w) => w.servicePrincipal !== undefined || w.roleArns.length > 0, "needs a servicePrincipal or roleArns")
          .refine((w) => w.servicePrincipal !== undefined || (w.sourceArn === undefined && w.keyPrefixes === undefined), {
            message: "sourceArn and keyPrefixes need a servicePrincipal",
            path: ["sourceArn"],
          }),
      )
      .default([]),
    replication: z
      .object({
        roleArn: knownRoleArn(),
        destinationBucketArn: knownBucketArn(),
        destinationKmsKeyArn: knownKmsKeyArn(),
        ruleId: z
          .string()
          .regex(/^[A-Za-z0-9-]{1,255}$/, "must be 1-255 of A-Za-z0-9-")
          .default("backup-vault"),
        storageClass: z.enum(["DEEP_ARCHIVE", "GLACIER", "GLACIER_IR", "STANDARD_IA", "STANDARD"]).default("DEEP_ARCHIVE"),
        waitFor: dependables(),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    if (p.replication && p.replication.destinationBucketArn.endsWith(`:::${p.bucketName}`))
      ctx.addIssue({ code: "custom", path: ["replication", "destinationBucketArn"], message: "must not be the bucket itself" });
    if (!p.accessLogging && !p.accessLoggingDisabledReason)
      ctx.addIssue({ code: "custom", path: ["accessLogging"], message: "required unless accessLoggingDisabledReason is given" });
    if (p.accessLogging && p.accessLogging.targetBucket === p.bucketName)
      ctx.addIssue({ code: "custom", path: ["accessLogging", "targetBucket"], message: "must not be the bucket itself" });
    // Each writer's statements are named after its prefix (Writer<Name>Service…, Writer<Name>RolesPut):
    // two service writers, or two role writers, of one name would write the same statement ids.
    p.writers.forEach((a, i) =>
      p.writers.forEach((b, j) => {
        const sameKind = (a.servicePrincipal !== undefined && b.servicePrincipal !== undefined) || (a.roleArns.length > 0 && b.roleArns.length > 0);
        if (j > i && sameKind && writerName(a.prefix) === writerName(b.prefix))
          ctx.addIssue({
            code: "custom",
            path: ["writers", j, "prefix"],
            message: `names the same policy statements as writers[${i}].prefix '${a.prefix}' (Writer${writerName(a.prefix)}…): one entry per prefix`,
          });
      }),
    );
    for (const [field, items] of [
      ["retentionRules", p.retentionRules],
      ["notifications", p.notifications],
    ] as const) {
      items.forEach((a, i) =>
        items.forEach((b, j) => {
          if (j > i && (a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix)))
            ctx.addIssue({ code: "custom", path: [field, j, "prefix"], message: `overlaps ${field}[${i}].prefix '${a.prefix}'` });
        }),
      );
    }
  });

/**
 * An S3 bucket for raw log files: versioned, SSE-KMS with a customer key, TLS-only, no public access,
 * ACLs disabled, access-logged, with per-prefix retention, optional object lock and one notification
 * resource for all prefixes.
 */
export class LogBucket extends Construct {
  /**
   * Grants on a log bucket known by name — one made elsewhere, or later in the same stack (a writer's
   * policy is built before the bucket whose policy names the writer) — in the partition of `where`.
   */
  public static named(bucketName: string, where: PartitionSource, kmsKeyArn?: string): BucketGrants {
    return BucketGrants.named(bucketName, where, kmsKeyArn);
  }

  /** Bucket name. */
  public readonly bucketName: string;
  /** Bucket ARN. */
  public readonly bucketArn: string;
  /** ARN of the KMS key that encrypts the bucket (created or given). */
  public readonly kmsKeyArn: string;
  /** The bucket policy resource: writers (CloudTrail) must wait for it. */
  public readonly policy: S3BucketPolicy;
  /** Grants on this bucket and its key, by the bucket's `arn` (right in every partition). */
  private readonly grants: BucketGrants;

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, LOG_BUCKET_MODULE);

    const bucket = new S3Bucket(this, "Resource", { bucket: p.bucketName, forceDestroy: false });
    // Each attribute read makes a new token (with a captured stack trace): read each once.
    const bucketId = bucket.id;
    const bucketArn = bucket.arn;
    this.bucketName = bucket.bucket;
    this.bucketArn = bucketArn;

    if (p.kmsKeyArn) {
      this.kmsKeyArn = p.kmsKeyArn;
    } else {
      // A trail named by its ARN (an organization trail of another account) is admitted by that ARN.
      const namedTrail = (w: (typeof p.writers)[number]) => w.servicePrincipal === "cloudtrail.amazonaws.com" && w.sourceArn !== undefined;
      const writerServices = p.writers.flatMap((w) => (w.servicePrincipal && !namedTrail(w) ? [w.servicePrincipal] : []));
      this.kmsKeyArn = new KmsKey(this, "Key", {
        accountId: p.accountId,
        region: p.region,
        aliasName: p.bucketName,
        description: `Encrypts log bucket ${p.bucketName}`,
        writerServicePrincipals: writerServices,
        cloudTrailArns: p.writers.filter(namedTrail).map((w) => w.sourceArn!),
        deletionWindowDays: p.kmsKeyDeletionWindowDays,
      }).keyArn;
    }
    this.grants = new BucketGrants(bucketArn, this.kmsKeyArn);

    const { versioning, publicAccessBlock } = hardenBucket(this, bucketId);
    const encryption = new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: bucketId,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKeyArn },
          bucketKeyEnabled: true,
        },
      ],
    });

    this.policy = new S3BucketPolicy(this, "Policy", {
      bucket: bucketId,
      policy: renderPolicy(
        policyDocument(
          ...tlsOnlyStatements(bucketArn),
          ...encryptionStatements(bucketArn, this.kmsKeyArn, [...cloudTrailDigestKeys(p.writers), ...p.sseS3KeyPatterns]),
          ...writerStatements(bucketArn, p.accountId, p.writers),
        ),
      ),
      dependsOn: [publicAccessBlock],
    });

    if (p.accessLogging) logAccessTo(this, bucketId, p.bucketName, p.accessLogging);

    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: bucketId,
      rule: [
        ...p.retentionRules.map((r) => ({
          id: `retain-${slugOf(r.prefix)}`,
          status: "Enabled",
          // A prefix filter always: an empty or missing filter warns on AWS provider 6.x.
          filter: [{ prefix: r.prefix }],
          transition: r.transitions.map((t) => ({ days: t.days, storageClass: t.storageClass })),
          expiration: [{ days: r.expirationDays }],
        })),
        {
          id: "bucket-hygiene",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: p.noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: p.abortIncompleteMultipartUploadDays }],
        },
      ],
    });

    if (p.objectLock) {
      new S3BucketObjectLockConfigurationA(this, "ObjectLock", {
        bucket: bucketId,
        objectLockEnabled: "Enabled",
        // S3 refuses an object lock configuration until versioning is Enabled (InvalidBucketState).
        dependsOn: [versioning],
        rule: { defaultRetention: { mode: p.objectLock.mode, days: p.objectLock.days } },
      });
    }

    if (p.notifications.length > 0) {
      new S3BucketNotification(this, "Notifications", {
        bucket: bucketId,
        queue: p.notifications.map((n) => ({
          id: `objects-created-${slugOf(n.prefix)}`,
          events: ["s3:ObjectCreated:*"],
          filterPrefix: n.prefix,
          filterSuffix: n.suffix,
          queueArn: n.queueArn,
        })),
        // Objects must be encrypted before anything is told they exist.
        dependsOn: [encryption],
      });
    }

    if (p.replication) {
      const r = p.replication;
      new S3BucketReplicationConfigurationA(this, "Replication", {
        bucket: bucketId,
        role: r.roleArn,
        // S3 refuses a replication configuration unless both buckets' versioning is Enabled.
        dependsOn: [versioning, ...r.waitFor],
        // The logs, prefix by prefix: what the bucket keeps outside its retention prefixes is state
        // (a puller's, a restore's), rewritten every few minutes — copied into a locked archive, each
        // rewrite would be a billed version nobody can delete. S3 filters have no exclusion, so one
        // rule per prefix (they never overlap: the schema refuses that).
        rule: p.retentionRules.map((rule, i) => ({
          id: `${r.ruleId}-${slugOf(rule.prefix).replace(/^-+/, "")}`,
          status: "Enabled",
          priority: i,
          filter: { prefix: rule.prefix },
          deleteMarkerReplication: { status: "Disabled" },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: {
            bucket: r.destinationBucketArn,
            storageClass: r.storageClass,
            encryptionConfiguration: { replicaKmsKeyId: r.destinationKmsKeyArn },
            metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
          },
        })),
      });
    }
  }

  /** ARN pattern of the objects under a prefix, e.g. `arn:aws:s3:::bucket/okta/*`. */
  public objectsArn(keyPrefix: string): string {
    return this.grants.objectsArn(keyPrefix);
  }

  /**
   * What an identity policy needs to read exactly these key prefixes: get and list them, locate the
   * bucket, decrypt with its key (only through S3 with `viaService`, `s3.<region>.amazonaws.com`).
   */
  public grantRead(prefixes: readonly string[], options: { readonly viaService?: string; readonly sidPrefix?: string } = {}): PolicyStatement[] {
    return this.grants.grantRead(prefixes, options);
  }

  /** What an identity policy needs to put objects under these key prefixes, encrypted with the bucket's key (no delete, no overwrite protection lifted). */
  public grantWrite(prefixes: readonly string[], options: { readonly sidPrefix?: string } = {}): PolicyStatement[] {
    return this.grants.grantWrite(prefixes, options);
  }
}

/** A key prefix as part of a rule id: `okta/` → `okta`, `_firehose-errors/edr/` → `-firehose-errors-edr`. */
function slugOf(prefix: string): string {
  return prefix.replace(/\/$/, "").replace(/[^A-Za-z0-9-]/g, "-");
}

const SSE = "s3:x-amz-server-side-encryption";
const SSE_KMS_KEY_ID = "s3:x-amz-server-side-encryption-aws-kms-key-id";

/** CloudTrail writes its digest files SSE-S3 even when the log files are SSE-KMS (CloudTrail User Guide, "Encrypting CloudTrail log files … with AWS KMS keys"). */
function cloudTrailDigestKeys(writers: z.output<typeof propsSchema>["writers"]): string[] {
  return writers.filter((w) => w.servicePrincipal === "cloudtrail.amazonaws.com").map((w) => `${w.prefix}AWSLogs/*/CloudTrail-Digest/*`);
}

/**
 * Puts must be SSE-KMS with this bucket's key: a put naming another algorithm, another key, or
 * `aws:kms` without a key (S3 would use the AWS managed key `aws/s3`) is refused. A put without
 * encryption headers is let through: it gets the bucket's default encryption, this key — VPC flow
 * and Route 53 Resolver logs write that way, and so does `lakehouse restore`. Each deny is guarded by
 * `Null` on its header: a negated operator is true for a missing key, and would refuse those puts.
 * Under `sseS3Keys` (CloudTrail digests, Batch Operations reports) SSE-S3 is allowed too.
 */
function encryptionStatements(bucketArn: string, keyArn: string, sseS3Keys: readonly string[]): PolicyStatement[] {
  const objects = `${bucketArn}/*`;
  const sseS3 = sseS3Keys.map((k) => `${bucketArn}/${k}`);
  const deny = (Sid: string, where: Pick<PolicyStatement, "Resource" | "NotResource">, Condition: PolicyStatement["Condition"]): PolicyStatement => ({
    Sid,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:PutObject",
    ...where,
    Condition,
  });
  return [
    deny("DenyNonKmsEncryptedPuts", sseS3.length > 0 ? { NotResource: sseS3 } : { Resource: objects }, {
      StringNotEquals: { [SSE]: "aws:kms" },
      Null: { [SSE]: "false" },
    }),
    ...(sseS3.length > 0
      ? [deny("DenyNonKmsOrS3EncryptedPuts", { Resource: sseS3 }, { StringNotEquals: { [SSE]: ["aws:kms", "AES256"] }, Null: { [SSE]: "false" } })]
      : []),
    deny("DenyWrongKmsKeyPuts", { Resource: objects }, { StringNotEquals: { [SSE_KMS_KEY_ID]: keyArn }, Null: { [SSE_KMS_KEY_ID]: "false" } }),
    deny("DenyKmsPutsWithoutKeyId", { Resource: objects }, { StringEquals: { [SSE]: "aws:kms" }, Null: { [SSE_KMS_KEY_ID]: "true" } }),
  ];
}

/**
 * What a native writer reads of the bucket before it writes, as each service's documented bucket
 * policy grants it: GuardDuty's export checks the bucket's location (GuardDuty User Guide, "Exporting
 * generated findings to Amazon S3"); CloudTrail and the vended logs of `delivery.logs` check its ACL.
 */
const BUCKET_CHECKS: Readonly<Record<string, { readonly sid: string; readonly action: string }>> = {
  "guardduty.amazonaws.com": { sid: "LocateBucket", action: "s3:GetBucketLocation" },
};
const ACL_CHECK = { sid: "AclCheck", action: "s3:GetBucketAcl" };

/** A writer's statement-id word, from its prefix (not its position, so ids stay put when writers are added): `okta/` → `Okta`. */
function writerName(prefix: string): string {
  return prefix
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

function writerStatements(bucketArn: string, accountId: string, writers: z.output<typeof propsSchema>["writers"]): PolicyStatement[] {
  return writers.flatMap((w) => {
    const name = writerName(w.prefix);
    const out: PolicyStatement[] = [];
    if (w.servicePrincipal) {
      // Native delivery (CloudTrail, Config, ...): only on behalf of our own account, or of the one
      // resource named (an organization trail of another account: CloudTrail User Guide, "Amazon S3
      // bucket policy for CloudTrail", organization trails).
      const onBehalfOf: Condition = { StringEquals: w.sourceArn ? { "aws:SourceArn": w.sourceArn } : { "aws:SourceAccount": accountId } };
      const check = BUCKET_CHECKS[w.servicePrincipal] ?? ACL_CHECK;
      const puts = w.keyPrefixes ? w.keyPrefixes.map((k) => `${bucketArn}/${w.prefix}${k}*`) : `${bucketArn}/${w.prefix}*`;
      out.push(
        {
          Sid: `Writer${name}Service${check.sid}`,
          Effect: "Allow",
          Principal: { Service: w.servicePrincipal },
          Action: check.action,
          Resource: bucketArn,
          Condition: onBehalfOf,
        },
        {
          Sid: `Writer${name}ServicePut`,
          Effect: "Allow",
          Principal: { Service: w.servicePrincipal },
          Action: "s3:PutObject",
          Resource: puts,
          Condition: onBehalfOf,
        },
      );
    }
    if (w.roleArns.length > 0) {
      out.push({
        Sid: `Writer${name}RolesPut`,
        Effect: "Allow",
        Principal: { AWS: [...w.roleArns] },
        Action: "s3:PutObject",
        Resource: `${bucketArn}/${w.prefix}*`,
      });
    }
    return out;
  });
}
