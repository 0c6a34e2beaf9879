import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey as KmsKeyResource } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { z } from "zod";
import { AwsPartition, accountRootArn, arn, partitionOfArns, partitionOfRegion } from "../../core/arn";
import { Condition, PolicyStatement, policyDocument, renderPolicy } from "../../core/iam";
import { stampModule } from "../../core/stamp";
import {
  AWS_ACCOUNT_ID,
  AWS_SERVICE_IN_REGION,
  CLOUDTRAIL_TRAIL_ARN,
  IAM_ROLE_ARN,
  awsRegion,
  knownRoleArn,
  knownString,
  parseProps,
  pathOf,
} from "../../core/validate";
import { KeyGrants } from "../grants";
import { KMS_KEY_PROTECTION_ACTIONS } from "../protected-actions";

export const KMS_KEY_MODULE = "aws/kms-key" as const;

/** The principal of vended logs (VPC flow logs, Route 53 Resolver query logs) delivered to S3. */
const VENDED_LOGS = "delivery.logs.amazonaws.com";

export interface KmsKeyProps {
  /** The account that owns and administers the key (through IAM policies). */
  readonly accountId: string;
  /**
   * The key's region. It decides the partition of the ARNs the key policy names (`us-gov-*` →
   * `aws-us-gov`, `cn-*` → `aws-cn`, …), starting with the account root that administers the key.
   * @default the partition of `cloudWatchLogsRegion`, else of the first `cloudTrailArns` or `crossAccountWriters` role, else `aws`
   */
  readonly region?: string;
  /** Alias without `alias/`, e.g. `acme-prod-globex-logs`. */
  readonly aliasName: string;
  /** What the key protects. */
  readonly description: string;
  /**
   * AWS service principals that deliver logs natively (e.g. `cloudtrail.amazonaws.com`) and so must
   * generate data keys; only on behalf of `accountId`. `delivery.logs.amazonaws.com` (vended logs)
   * gets the key policy AWS documents for it: encrypt, decrypt, re-encrypt, generate data keys,
   * describe. @default none
   */
  readonly writerServicePrincipals?: readonly string[];
  /**
   * CloudTrail trails that encrypt their log files with the key, of any account (an organization trail
   * in its organization's management account): `kms:GenerateDataKey*` for `cloudtrail.amazonaws.com`
   * only with `aws:SourceArn` and the encryption context `aws:cloudtrail:arn` of a named trail, and
   * `kms:DescribeKey` only with its `aws:SourceArn` (CloudTrail User Guide, "Configure AWS KMS key
   * policies for CloudTrail"). @default none
   */
  readonly cloudTrailArns?: readonly string[];
  /**
   * AWS service principals that publish to a resource encrypted with this key (e.g.
   * `cloudwatch.amazonaws.com` for alarms to an encrypted SNS topic) and so must generate data keys
   * and decrypt; only on behalf of `accountId`. @default none
   */
  readonly publisherServicePrincipals?: readonly string[];
  /**
   * CloudWatch Logs in this region may encrypt this account's log groups with the key (log groups
   * with `kms_key_id`, e.g. a log puller's); only with the log-group encryption context of
   * `accountId`. @default not allowed
   */
  readonly cloudWatchLogsRegion?: string;
  /** Waiting period before deletion, 7-30 days. @default 30 */
  readonly deletionWindowDays?: number;
  /**
   * Roles of other accounts that write with the key through AWS services (S3 puts of a cross-account
   * log writer, Kinesis records of a cross-account producer): `kms:GenerateDataKey` and `kms:Decrypt`
   * (S3 multipart uploads), only through `viaServices` (`s3.<region>.amazonaws.com`, …). Roles of
   * `accountId` get theirs through IAM instead and are refused here. @default none
   */
  readonly crossAccountWriters?: { readonly roleArns: readonly string[]; readonly viaServices: readonly string[] };
  /**
   * Roles that alone may delete, disable, re-policy, stop the rotation of, or re-tag the key: the key
   * policy denies those actions to every other principal, the account's administrators and root user
   * included, so the key survives a compromised administrator as a backup vault's objects do. The
   * role that applies the key must be among them: KMS refuses a key policy that would lock its caller
   * out of `kms:PutKeyPolicy` (KMS API Reference, PutKeyPolicy, `BypassPolicyLockoutSafetyCheck`).
   * The condition compares ARNs, so a role re-created under the same name regains control.
   * @default none: the account administers the key through IAM alone
   */
  readonly administratorRoleArns?: readonly string[];
}

const propsSchema = z
  .object({
    accountId: knownString(AWS_ACCOUNT_ID, "a 12-digit AWS account id"),
    region: awsRegion().optional(),
    aliasName: z.string().regex(/^(?!aws\/)[A-Za-z0-9/_-]{1,250}$/, "must be 1-250 of [A-Za-z0-9/_-], not starting with aws/"),
    description: z.string().min(1).max(8192),
    writerServicePrincipals: z.array(z.string().regex(/^[a-z0-9.-]+\.amazonaws\.com$/, "must be an AWS service principal")).default([]),
    publisherServicePrincipals: z.array(z.string().regex(/^[a-z0-9.-]+\.amazonaws\.com$/, "must be an AWS service principal")).default([]),
    cloudTrailArns: z.array(z.string().regex(CLOUDTRAIL_TRAIL_ARN, "must be a CloudTrail trail ARN")).default([]),
    cloudWatchLogsRegion: awsRegion().optional(),
    deletionWindowDays: z.number().int().min(7).max(30).default(30),
    crossAccountWriters: z
      .object({
        roleArns: z.array(z.string().regex(IAM_ROLE_ARN, "must be an IAM role ARN")).min(1),
        viaServices: z.array(z.string().regex(AWS_SERVICE_IN_REGION, "must be <service>.<region>.amazonaws.com")).min(1),
      })
      .optional(),
    administratorRoleArns: z.array(knownRoleArn()).min(1, "at least one role (the one Terraform applies with), or nobody could manage the key").optional(),
  })
  .superRefine((p, ctx) => {
    p.crossAccountWriters?.roleArns.forEach((arn, i) => {
      if (arn.split(":")[4] === p.accountId)
        ctx.addIssue({
          code: "custom",
          path: ["crossAccountWriters", "roleArns", i],
          message: `is in the key's own account ${p.accountId}: grant it through IAM instead`,
        });
    });
  });

/**
 * A customer-managed symmetric KMS key with automatic rotation and an alias. The account administers
 * it through IAM (so grants live in role policies, reviewable per role); native log writers may only
 * generate data keys for this account.
 */
export class KmsKey extends Construct {
  /** Grants on a key known by its ARN (one made elsewhere, or given as a prop). */
  public static grantsOn(keyArn: string): KeyGrants {
    return new KeyGrants(keyArn);
  }

  /** Key ARN. */
  public readonly keyArn: string;
  /** Key id. */
  public readonly keyId: string;
  /** `alias/<aliasName>`. */
  public readonly aliasName: string;

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, KMS_KEY_MODULE);

    const region = p.region ?? p.cloudWatchLogsRegion;
    const partition: AwsPartition =
      region !== undefined ? partitionOfRegion(region) : (partitionOfArns([...p.cloudTrailArns, ...(p.crossAccountWriters?.roleArns ?? [])]) ?? "aws");
    const statements: PolicyStatement[] = [
      { Sid: "AccountAdministersKeyThroughIam", Effect: "Allow", Principal: { AWS: accountRootArn(partition, p.accountId) }, Action: "kms:*", Resource: "*" },
    ];
    // AWS services acting for this account only: native log writers, and publishers to encrypted topics.
    const forServices = (sid: string, services: readonly string[], actions: string[]) => {
      if (services.length === 0) return;
      statements.push({
        Sid: sid,
        Effect: "Allow",
        Principal: { Service: [...new Set(services)].sort() },
        Action: actions,
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
      });
    };
    // Vended logs (VPC flow logs, Route 53 Resolver logs to S3) get the key policy AWS documents for
    // delivery.logs: multipart uploads of large files decrypt (CloudWatch Logs User Guide, "Enabling
    // logging from AWS services").
    const vended = p.writerServicePrincipals.filter((svc) => svc === VENDED_LOGS);
    forServices(
      "NativeWritersEncrypt",
      p.writerServicePrincipals.filter((svc) => svc !== VENDED_LOGS),
      ["kms:GenerateDataKey*", "kms:DescribeKey"],
    );
    if (vended.length > 0) {
      statements.push({
        Sid: "VendedLogsEncrypt",
        Effect: "Allow",
        Principal: { Service: VENDED_LOGS },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
      });
    }
    forServices("ServicePublishersEncrypt", p.publisherServicePrincipals, ["kms:GenerateDataKey*", "kms:Decrypt"]);
    if (p.cloudTrailArns.length > 0) {
      // The named trails only, whatever their account: CloudTrail sends the trail's ARN as aws:SourceArn
      // and as the encryption context aws:cloudtrail:arn (CloudTrail User Guide, "Configure AWS KMS key
      // policies for CloudTrail": "Enable CloudTrail log encrypt permissions", "… to describe KMS key properties").
      const trails = [...new Set(p.cloudTrailArns)].sort();
      statements.push(
        {
          Sid: "NamedTrailsEncryptLogFiles",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "kms:GenerateDataKey*",
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceArn": trails, "kms:EncryptionContext:aws:cloudtrail:arn": trails } },
        },
        {
          Sid: "NamedTrailsDescribeKey",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "kms:DescribeKey",
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceArn": trails } },
        },
      );
    }
    if (p.cloudWatchLogsRegion) {
      // The CloudWatch Logs key policy of the AWS docs ("Encrypt log data in CloudWatch Logs using AWS KMS").
      statements.push({
        Sid: "CloudWatchLogsEncryptLogGroups",
        Effect: "Allow",
        Principal: { Service: `logs.${p.cloudWatchLogsRegion}.amazonaws.com` },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": arn({ service: "logs", region: p.cloudWatchLogsRegion, account: p.accountId, resource: "log-group:*" }),
          },
        },
      });
    }
    if (p.crossAccountWriters) {
      const w = p.crossAccountWriters;
      statements.push({
        Sid: "OtherAccountWritersThroughServices",
        Effect: "Allow",
        Principal: { AWS: [...new Set(w.roleArns)].sort() },
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: "*",
        Condition: { StringEquals: { "kms:ViaService": [...new Set(w.viaServices)].sort() } },
      });
    }
    if (p.administratorRoleArns) {
      // A Deny beats the root's Allow above: only these roles may take the key's protection away.
      statements.push({
        Sid: "DenyKeyTamperingExceptAdministrators",
        Effect: "Deny",
        Principal: "*",
        Action: [...KMS_KEY_PROTECTION_ACTIONS],
        Resource: "*",
        Condition: { ArnNotLike: { "aws:PrincipalArn": [...new Set(p.administratorRoleArns)] } },
      });
    }
    const key = new KmsKeyResource(this, "Resource", {
      description: p.description,
      enableKeyRotation: true,
      deletionWindowInDays: p.deletionWindowDays,
      policy: renderPolicy(policyDocument(...statements)),
    });
    this.aliasName = `alias/${p.aliasName}`;
    new KmsAlias(this, "Alias", { name: this.aliasName, targetKeyId: key.keyId });
    this.keyArn = key.arn;
    this.keyId = key.keyId;
  }

  /** `actions` with this key, under `condition`, for an identity policy (`kms:ViaService`, an encryption context, …). */
  public grant(sid: string, actions: string | readonly string[], condition?: Condition): PolicyStatement {
    return KmsKey.grantsOn(this.keyArn).grant(sid, actions, condition);
  }

  /** `kms:Decrypt` with this key, for an identity policy. */
  public grantDecrypt(sid: string, condition?: Condition): PolicyStatement {
    return KmsKey.grantsOn(this.keyArn).grantDecrypt(sid, condition);
  }
}
