import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { z } from "zod";
import { AwsPartition, iamRoleArn, partitionOfArns, partitionOfRegion } from "../../core/arn";
import { PolicyDocument, policyDocument, renderPolicy } from "../../core/iam";
import { stampModule } from "../../core/stamp";
import { AWS_ACCOUNT_ID, knownBucketArn, knownKmsKeyArn, knownRoleArn, knownString, parseProps, pathOf } from "../../core/validate";
import { BucketGrants, KeyGrants } from "../grants";

export const TENANT_ACCESS_ROLES_MODULE = "aws/tenant-access-roles" as const;

/** Where restore keeps its state, manifests and S3 Batch Operations reports in the tenant's bucket (the default `restore.stateKeyPrefix`). */
export const RESTORE_STATE_KEY_PREFIX = "_restore-state/";

export interface TenantAccessRolesProps {
  /** Role names are `<namePrefix>-read` and `<namePrefix>-ops` (at most 59 characters). */
  readonly namePrefix: string;
  readonly accountId: string;
  /** The tenant's log bucket. */
  readonly bucketArn: string;
  /** The tenant's source prefixes: the only keys either role reaches. */
  readonly prefixes: readonly string[];
  /** The tenant's key. */
  readonly kmsKeyArn: string;
  /**
   * The only principals that may assume `<namePrefix>-read` (IAM role ARNs of any account, e.g. SSO
   * permission-set roles; each also needs its own policy to allow `sts:AssumeRole` on the role).
   * @default none, and then no read role is made
   */
  readonly readers?: readonly string[];
  /**
   * The only principals that may assume `<namePrefix>-ops` and, with `restore`, `<namePrefix>-restore`.
   * @default none, and then neither role is made
   */
  readonly operators?: readonly string[];
  /**
   * The tenant's backup vault (`aws/backup-vault`): with `operators`, adds `<namePrefix>-restore`,
   * assumed by the operators, which may list and read the vault, request restores of archived objects
   * there and decrypt with the vault key, read and write restore progress under `stateKeyPrefix` of the
   * tenant's bucket, and run S3 Batch Operations restore jobs as `<namePrefix>-restore-batch` (restore
   * requests in the vault, manifest and report under the state prefix). Neither can write, delete or
   * change anything in the vault. @default no restore roles
   */
  readonly restore?: { readonly vaultBucketArn: string; readonly vaultKmsKeyArn: string; readonly stateKeyPrefix?: string };
}

const propsSchema = z
  .object({
    namePrefix: z.string().regex(/^[\w+=,.@-]{1,59}$/, "must be 1-59 characters of [A-Za-z0-9+=,.@_-]"),
    accountId: knownString(AWS_ACCOUNT_ID, "a 12-digit AWS account id"),
    bucketArn: knownBucketArn(),
    prefixes: z.array(z.string().regex(/^[^*?]+\/$/, "must be a key prefix ending in '/', without wildcards")).min(1),
    kmsKeyArn: knownKmsKeyArn(),
    readers: z.array(knownRoleArn()).default([]),
    operators: z.array(knownRoleArn()).default([]),
    restore: z
      .object({
        vaultBucketArn: knownBucketArn(),
        vaultKmsKeyArn: knownKmsKeyArn(),
        stateKeyPrefix: z
          .string()
          .regex(/^[^*?]+\/$/, "must be a key prefix ending in '/', without wildcards")
          .default(RESTORE_STATE_KEY_PREFIX),
      })
      .optional(),
  })
  .refine((p) => !p.restore || p.namePrefix.length <= 50, {
    path: ["namePrefix"],
    message: "must be at most 50 characters with restore: '<namePrefix>-restore-batch' is an IAM role name (64 at most)",
  });

/**
 * A tenant's AWS roles on its own log files, each trusted by named principals only:
 * - `<prefix>-read` (with `readers`): read and list the tenant's prefixes, decrypt with its key;
 * - `<prefix>-ops` (with `operators`; backfill, restore): the same plus writing objects under those
 *   prefixes with the tenant's key. Neither can delete, change bucket settings, or reach another
 *   tenant's bucket or key.
 *
 * No role trusts a principal tag: anyone who may tag themselves (`iam:TagRole`, `iam:TagUser`) or
 * pass session tags (`sts:TagSession`) would satisfy `aws:PrincipalTag/lakehouse:tenant`, unless
 * every such action on that key were denied to everyone else — which this module cannot see to.
 */
export class TenantAccessRoles extends Construct {
  /** The read role's ARN, when `readers` are given. */
  public readonly readRoleArn?: string;
  /** The operations role's ARN, when `operators` are given. */
  public readonly opsRoleArn?: string;
  /** The restore role's ARN, when `restore` and `operators` are given. */
  public readonly restoreRoleArn?: string;
  /** The role S3 Batch Operations restores as (`<namePrefix>-restore-batch`), with the restore role. */
  public readonly restoreBatchRoleArn?: string;
  /**
   * The restore role's ARN for a name prefix, known before apply (the vault policy names it).
   * @param region the tenant's region, whose partition the ARN is in; without it, the `aws` partition
   */
  public static restoreRoleArnFor(accountId: string, namePrefix: string, region?: string): string {
    return iamRoleArn(region === undefined ? "aws" : partitionOfRegion(region), accountId, `${namePrefix}-restore`);
  }
  /** The batch role's ARN for a name prefix, known before apply (the vault policy names it). */
  public static restoreBatchRoleArnFor(accountId: string, namePrefix: string, region?: string): string {
    return `${TenantAccessRoles.restoreRoleArnFor(accountId, namePrefix, region)}-batch`;
  }

  constructor(scope: Construct, id: string, props: TenantAccessRolesProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, TENANT_ACCESS_ROLES_MODULE);

    // The named principals, nobody else.
    const trust = (principals: readonly string[]): string =>
      renderPolicy(policyDocument({ Sid: "AssumeRole", Effect: "Allow", Principal: { AWS: [...principals] }, Action: "sts:AssumeRole" }));
    const roleWith = (suffix: string, description: string, principals: readonly string[], policy: PolicyDocument) => {
      const role = new IamRole(this, suffix, {
        name: `${p.namePrefix}-${suffix.toLowerCase()}`,
        description,
        assumeRolePolicy: trust(principals),
        maxSessionDuration: 3600,
      });
      new IamRolePolicy(this, `${suffix}Policy`, { name: `${suffix.toLowerCase()}-tenant-logs`, role: role.id, policy: renderPolicy(policy) });
      return role;
    };
    const bucket = new BucketGrants(p.bucketArn, p.kmsKeyArn);
    // The roles are in the bucket's partition (an ARN given as a reference states none: then `aws`).
    const partition: AwsPartition = partitionOfArns([p.bucketArn, p.kmsKeyArn, p.restore?.vaultBucketArn, p.restore?.vaultKmsKeyArn]) ?? "aws";
    const read = bucket.grantRead(p.prefixes);
    if (p.readers.length > 0) this.readRoleArn = roleWith("Read", "Reads this tenant's log files", p.readers, policyDocument(...read)).arn;
    if (p.operators.length === 0) return;
    this.opsRoleArn = roleWith(
      "Ops",
      "Backfills and restores this tenant's log files (no delete)",
      p.operators,
      policyDocument(...read, ...bucket.grantWrite(p.prefixes)),
    ).arn;
    if (p.restore) {
      const r = p.restore;
      const vault = new BucketGrants(r.vaultBucketArn, r.vaultKmsKeyArn);
      const key = new KeyGrants(p.kmsKeyArn);
      const batchRoleName = `${p.namePrefix}-restore-batch`;
      const batchRoleArn = iamRoleArn(partition, p.accountId, batchRoleName);
      this.restoreRoleArn = roleWith(
        "Restore",
        "Restores this tenant's backups from its vault (no write or delete there)",
        p.operators,
        policyDocument(
          vault.grantOnBucket("ListVault", ["s3:ListBucket", "s3:GetBucketLocation"]),
          vault.grantOnObjects("ReadAndRestoreBackups", ["s3:GetObject", "s3:GetObjectVersion", "s3:RestoreObject"], ""),
          new KeyGrants(r.vaultKmsKeyArn).grantDecrypt("DecryptBackups"),
          bucket.grantOnObjects("RestoreProgress", ["s3:GetObject", "s3:PutObject"], r.stateKeyPrefix),
          bucket.grantListUnder("ListRestoreProgress", r.stateKeyPrefix),
          key.grant("EncryptProgressWithBucketKey", ["kms:GenerateDataKey", "kms:Decrypt"]),
          // Large restores are one S3 Batch Operations job, run as the batch role below.
          // CreateJob has no resource type (IAM takes only "*"); the condition keeps it to restore jobs. DescribeJob reads a job's status.
          {
            Sid: "RunRestoreJobs",
            Effect: "Allow",
            Action: "s3:CreateJob",
            Resource: "*",
            Condition: { StringEquals: { "s3:RequestJobOperation": "S3InitiateRestoreObject" } },
          },
          { Sid: "ReadRestoreJobs", Effect: "Allow", Action: "s3:DescribeJob", Resource: "*" },
          {
            Sid: "PassBatchRole",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: batchRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": "batchoperations.s3.amazonaws.com" } },
          },
        ),
      ).arn;
      // S3 Batch Operations: reads the manifest and writes its report under the state prefix, restores in the vault.
      const batch = new IamRole(this, "RestoreBatch", {
        name: batchRoleName,
        description: "S3 Batch Operations restores this tenant's backups (restore requests only)",
        maxSessionDuration: 3600,
        assumeRolePolicy: renderPolicy(
          policyDocument({
            Sid: "S3BatchOperations",
            Effect: "Allow",
            Principal: { Service: "batchoperations.s3.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
          }),
        ),
      });
      new IamRolePolicy(this, "RestoreBatchPolicy", {
        name: "restore-batch-tenant-backups",
        role: batch.id,
        policy: renderPolicy(
          policyDocument(
            vault.grantOnObjects("RestoreBackups", "s3:RestoreObject", ""),
            bucket.grantOnObjects("ReadManifestWriteReport", ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], r.stateKeyPrefix),
            key.grant("StateWithBucketKey", ["kms:GenerateDataKey", "kms:Decrypt"]),
          ),
        ),
      });
      this.restoreBatchRoleArn = batch.arn;
    }
  }
}
