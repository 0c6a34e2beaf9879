import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { z } from "zod";
import { iamRoleArn, partitionOfRegion } from "../../core/arn";
import { policyDocument, renderPolicy } from "../../core/iam";
import { stampModule } from "../../core/stamp";
import { AWS_ACCOUNT_ID, AWS_SERVICE_IN_REGION, IAM_USER_ARN, knownBucketArn, knownKmsKeyArn, knownString, parseProps, pathOf } from "../../core/validate";
import { BucketGrants } from "../grants";

export const SNOWFLAKE_ACCESS_ROLE_MODULE = "aws/snowflake-access-role" as const;

export interface SnowflakeAccessRoleProps {
  /** Role name (at most 64 of [\w+=,.@-]); known before apply so the integration can name the ARN. */
  readonly roleName: string;
  /** The account the role lives in. */
  readonly accountId: string;
  /** The storage integration's IAM user (`StorageIntegration.iamUserArn`), the only trusted principal. */
  readonly snowflakeIamUserArn: string;
  /** External id the trust policy requires (`StorageIntegration.externalId`). */
  readonly externalId: string;
  /** ARN of the bucket the role reads. */
  readonly bucketArn: string;
  /** Key prefixes (ending in '/') the role may list and read; nothing else in the bucket. */
  readonly prefixes: readonly string[];
  /**
   * The bucket's KMS key: the role may decrypt with it, and nothing else.
   * @default none (its objects are SSE-S3, as another account's bucket may be; the role decrypts nothing)
   */
  readonly kmsKeyArn?: string;
  /**
   * Decrypt only in requests this service makes on the role's behalf (`kms:ViaService`), e.g.
   * `s3.us-east-1.amazonaws.com` for a key of another account whose policy admits the role through S3.
   * Needs `kmsKeyArn`. @default any request may decrypt (the key's policy decides)
   */
  readonly kmsViaService?: string;
  /**
   * A second place the role reads: the tenant's backup vault (same key prefixes, the vault's key), for
   * a restore-ready tenant's backup stage. Statement ids start with `Backup`. @default none
   */
  readonly backup?: { readonly bucketArn: string; readonly kmsKeyArn: string };
  /** Maximum session length in seconds. @default 3600 */
  readonly maxSessionDurationSeconds?: number;
}

const propsSchema = z
  .object({
    roleName: z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be 1-64 characters of [A-Za-z0-9+=,.@_-]"),
    accountId: knownString(AWS_ACCOUNT_ID, "a 12-digit AWS account id"),
    snowflakeIamUserArn: knownString(IAM_USER_ARN, "an IAM user ARN"),
    externalId: z.string().min(2),
    bucketArn: knownBucketArn(),
    prefixes: z
      .array(z.string().regex(/^[^*?]+\/$/, "must be a key prefix ending in '/', without wildcards"))
      .min(1, "at least one prefix is required: the role never reads a whole bucket"),
    kmsKeyArn: knownKmsKeyArn().optional(),
    kmsViaService: z.string().regex(AWS_SERVICE_IN_REGION, "must be <service>.<region>.amazonaws.com").optional(),
    backup: z
      .object({
        bucketArn: knownBucketArn(),
        kmsKeyArn: knownKmsKeyArn(),
      })
      .optional(),
    maxSessionDurationSeconds: z.number().int().min(3600).max(43200).default(3600),
  })
  .superRefine((p, ctx) => {
    if (p.kmsViaService !== undefined && p.kmsKeyArn === undefined)
      ctx.addIssue({ code: "custom", path: ["kmsViaService"], message: "needs kmsKeyArn (the key it restricts)" });
  });

/**
 * The IAM role a Snowflake storage integration assumes to read log files: trusted only by the
 * integration's IAM user with the external-id condition; read and list on exactly the given prefixes;
 * decrypt on the bucket's key (if it has one; only through S3 with `kmsViaService`). A bucket of
 * another account also needs its owner's bucket (and key) policy to admit the role.
 *
 * The ordering cycle (the integration needs the role ARN, the role needs the integration's IAM user)
 * is broken the way the Snowflake provider documents: the ARN is built from the known role name with
 * {@link SnowflakeAccessRole.arnFor}, the integration is created first, then this role. One apply.
 */
export class SnowflakeAccessRole extends Construct {
  /**
   * The ARN a role of this name has, known before apply.
   * @param region the role's region (its tenant's), whose partition the ARN is in; without it, the `aws` partition
   */
  public static arnFor(accountId: string, roleName: string, region?: string): string {
    return iamRoleArn(region === undefined ? "aws" : partitionOfRegion(region), accountId, roleName);
  }

  /** Role ARN (from the resource). */
  public readonly roleArn: string;
  /** Role name. */
  public readonly roleName: string;
  /** The inline policy resource: depend on it before Snowflake first reads (IAM is eventually consistent). */
  public readonly permissions: IamRolePolicy;

  constructor(scope: Construct, id: string, props: SnowflakeAccessRoleProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, SNOWFLAKE_ACCESS_ROLE_MODULE);

    const role = new IamRole(this, "Resource", {
      name: p.roleName,
      description: "Read-only access for a Snowflake storage integration to log prefixes",
      maxSessionDuration: p.maxSessionDurationSeconds,
      assumeRolePolicy: renderPolicy(
        policyDocument({
          Sid: "SnowflakeStorageIntegration",
          Effect: "Allow",
          Principal: { AWS: p.snowflakeIamUserArn },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": p.externalId } },
        }),
      ),
    });
    this.roleArn = role.arn;
    this.roleName = p.roleName;

    this.permissions = new IamRolePolicy(this, "ReadLogPrefixes", {
      name: "read-log-prefixes",
      role: role.id,
      policy: renderPolicy(
        policyDocument(
          ...new BucketGrants(p.bucketArn, p.kmsKeyArn).grantRead(p.prefixes, { viaService: p.kmsViaService }),
          // The vault keeps the bucket's keys: the same prefixes there, with the vault's key.
          ...(p.backup ? new BucketGrants(p.backup.bucketArn, p.backup.kmsKeyArn).grantRead(p.prefixes, { sidPrefix: "Backup" }) : []),
        ),
      ),
    });
  }
}
