import { OrganizationsPolicy } from "@cdktf/provider-aws/lib/organizations-policy";
import { OrganizationsPolicyAttachment } from "@cdktf/provider-aws/lib/organizations-policy-attachment";
import { Construct } from "constructs";
import { z } from "zod";
import { s3BucketArn, partitionOfArns } from "../../core/arn";
import { LakehouseValidationError } from "../../core/errors";
import { PolicyStatement, policyDocument, renderPolicy } from "../../core/iam";
import { stampModule } from "../../core/stamp";
import { IAM_ROLE_ARN_PATTERN, parseProps, pathOf } from "../../core/validate";
import { KMS_KEY_PROTECTION_ACTIONS, S3_BUCKET_PROTECTION_ACTIONS, S3_OBJECT_PROTECTION_ACTIONS } from "../protected-actions";

export const LOG_GUARD_SCP_MODULE = "aws/log-guard-scp" as const;

/** What the SCP denies on log objects (deleting, shortening their lock): the library's one list (modules/aws/protected-actions.ts). */
export const LOG_OBJECT_ACTIONS: string[] = [...S3_OBJECT_PROTECTION_ACTIONS];
/**
 * What the SCP denies on log buckets: their policy, lifecycle, versioning, lock, encryption, logging,
 * public access block, ownership, notifications, replication (switching backups off, or copying the
 * logs out), metrics (what the alarms read) and inventory configurations — the library's one list of them
 * (modules/aws/protected-actions.ts), from which the backup vault draws what it denies too.
 */
export const LOG_BUCKET_ACTIONS: string[] = [...S3_BUCKET_PROTECTION_ACTIONS];
/**
 * What the SCP denies on the logs' keys, which it finds by their environment tag: deleting, disabling,
 * re-policying them, and untagging or re-tagging them (untagged, a key is no longer guarded).
 */
export const LOG_KEY_ACTIONS: string[] = [...KMS_KEY_PROTECTION_ACTIONS];

/** SCP documents are limited to 5,120 characters, whitespace included (ours is minified). */
export const SCP_MAX_CHARACTERS = 5120;

export interface LogGuardScpProps {
  /** Policy name. */
  readonly name: string;
  /** Bucket-name prefix every protected bucket starts with, e.g. `acme-prod-`. */
  readonly bucketNamePrefix: string;
  /** Tag the protected KMS keys carry (`lakehouse:environment`) and its value. */
  readonly keyTag: { readonly key: string; readonly value: string };
  /** Roles still allowed to do all of this (the deploying role, a break-glass role); ARN patterns allowed. At least one. */
  readonly exemptRoleArns: readonly string[];
  /** Organization roots, OUs or accounts to attach the policy to. At least one. */
  readonly targetIds: readonly string[];
}

/**
 * An exempt role: an IAM role ARN, `*` allowed (ArnNotLike patterns). The config schema checks the
 * same. The partition of the protected buckets' ARNs is the exempt roles' (an SCP governs one
 * organization, in one partition).
 */
export const EXEMPT_ROLE_ARN = z.string().regex(IAM_ROLE_ARN_PATTERN, "must be an IAM role ARN (patterns with * allowed)");

/** What an SCP can be attached to: an organization root, OU or account id (the AttachPolicy TargetId pattern). */
export const SCP_TARGET_ID = z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$/, "must be an organization root, OU or account id");

const propsSchema = z.object({
  name: z.string().regex(/^[\w+=,.@-]{1,128}$/, "must be 1-128 characters of [A-Za-z0-9+=,.@_-]"),
  bucketNamePrefix: z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}-$/, "must be a bucket-name prefix ending in '-'"),
  keyTag: z.object({ key: z.string().min(1), value: z.string().min(1) }),
  exemptRoleArns: z.array(EXEMPT_ROLE_ARN).min(1, "at least one exempt role is required, or nobody could deploy the buckets"),
  targetIds: z.array(SCP_TARGET_ID).min(1, "at least one target is required"),
});

/**
 * An AWS Organizations service control policy that makes the log buckets tamper-proof for everyone
 * but the exempt roles: no deleting or unlocking log objects; no changing the log buckets' policy,
 * lifecycle, versioning, object lock, encryption, logging, public access block, notifications,
 * replication or metrics; no disabling, deleting, re-policying or untagging the logs' KMS keys. S3 lifecycle expiry is done by S3 itself,
 * which SCPs do not govern, so retention still works. Create it with a provider for the
 * organization's management account; SCPs never apply to the management account itself.
 */
export class LogGuardScp extends Construct {
  /** The minified policy document. */
  public readonly content: string;

  constructor(scope: Construct, id: string, props: LogGuardScpProps) {
    const path = pathOf(scope, id);
    const p = parseProps(path, propsSchema, props);

    const notExempt = { ArnNotLike: { "aws:PrincipalARN": [...p.exemptRoleArns] } };
    const buckets = s3BucketArn(partitionOfArns(p.exemptRoleArns) ?? "aws", `${p.bucketNamePrefix}*`);
    const statements: PolicyStatement[] = [
      { Sid: "ProtectLogObjects", Effect: "Deny", Action: LOG_OBJECT_ACTIONS, Resource: `${buckets}/*`, Condition: notExempt },
      { Sid: "ProtectLogBuckets", Effect: "Deny", Action: LOG_BUCKET_ACTIONS, Resource: buckets, Condition: notExempt },
      {
        Sid: "ProtectLogKeys",
        Effect: "Deny",
        Action: LOG_KEY_ACTIONS,
        Resource: "*",
        Condition: { ...notExempt, StringEquals: { [`aws:ResourceTag/${p.keyTag.key}`]: p.keyTag.value } },
      },
    ];
    const content = renderPolicy(policyDocument(...statements));
    // Refused before anything is built: props that make too long a policy are invalid props.
    if (content.length > SCP_MAX_CHARACTERS) {
      throw new LakehouseValidationError(path, [
        {
          path: "exemptRoleArns",
          message: `the SCP is ${content.length} characters, over the ${SCP_MAX_CHARACTERS} AWS allows; use fewer or wider exemptRoleArns patterns`,
        },
      ]);
    }
    super(scope, id);
    stampModule(this, LOG_GUARD_SCP_MODULE);
    this.content = content;
    const policy = new OrganizationsPolicy(this, "Resource", {
      name: p.name,
      type: "SERVICE_CONTROL_POLICY",
      description: `Tamper-proof logs: ${p.bucketNamePrefix}* buckets and their keys`,
      content: this.content,
    });
    for (const target of p.targetIds) new OrganizationsPolicyAttachment(this, `Attach_${target}`, { policyId: policy.id, targetId: target });
  }
}
