import { LogBucket } from "../modules/aws/log-bucket";
import { SnowflakeAccessRole } from "../modules/aws/snowflake-access-role";
import { PolicyStatement, S3_OBJECT_READ_ACTIONS, s3Service } from "../modules/core/iam";
import { ResolvedLakehouse } from "./config/resolve";

/**
 * What the owner of an existing bucket adds so that a source can read it (`sources[].existingBucket`):
 * the library makes the source's access role and Snowflake side, never the bucket's policy, its key's
 * policy or its event notification — those are the owner's, in the owner's account. A role of another
 * account reads a bucket only when both its own identity policy (synthesized) and the bucket's policy
 * (these statements) allow it (IAM User Guide, "Cross-account policy evaluation logic"); the same
 * holds for the key.
 *
 * Only statements that admit the access role are printed: denials the owner keeps (TLS only,
 * encryption of puts, …) are the owner's business and stay as they are.
 */
export interface ExternalAccess {
  readonly environment: string;
  readonly tenant: string;
  readonly source: string;
  /** The tenant stack whose outputs hold the source's queue (`terraform output -json sources`). */
  readonly stack: string;
  readonly bucket: { readonly name: string; readonly arn: string; readonly accountId: string; readonly prefix: string };
  /** The role Snowflake reads as (known from its name before apply). */
  readonly accessRoleArn: string;
  /** Statements to add to the bucket's policy. */
  readonly bucketPolicyStatements: readonly PolicyStatement[];
  /** With `existingBucket.kmsKeyArn`: the key, and the statement to add to its key policy. */
  readonly key?: { readonly arn: string; readonly policyStatements: readonly PolicyStatement[] };
  /** The event notification Snowpipe's auto-ingest needs on the bucket. */
  readonly notification: ExternalNotification;
}

export interface ExternalNotification {
  readonly events: readonly ["s3:ObjectCreated:*"];
  readonly prefix: string;
  /** Only keys ending with it (`fileSuffix`), if the source names one. */
  readonly suffix?: string;
  /** Where the queue's ARN is after apply: the stack, its output and the path in it. */
  readonly queue: { readonly stack: string; readonly output: "sources"; readonly path: string; readonly command: string };
}

/** Object reads, listing and locating — what Snowflake's stage does with the bucket (Snowflake, "Configuring secure access to Amazon S3"). */
export const EXTERNAL_READ_ACTIONS = { objects: S3_OBJECT_READ_ACTIONS, list: "s3:ListBucket", locate: "s3:GetBucketLocation" } as const;

/** A statement id part from a name: `acme-prod-hooli-org_trail-snowflake` → `AcmeProdHooliOrgTrailSnowflake`. */
function sidPart(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

/**
 * For every source on an existing bucket, in every environment: the bucket and key policy statements
 * its owner adds and the notification its pipe needs. Pure: from the resolved config alone (the role
 * ARN is known from its name, `SnowflakeAccessRole.arnFor`); the queue is known only after apply, so
 * where to read it is given instead.
 */
export function externalAccess(lakehouse: ResolvedLakehouse): ExternalAccess[] {
  return lakehouse.environments.flatMap((env) =>
    env.tenants.flatMap((tenant) =>
      tenant.sources.flatMap((source): ExternalAccess[] => {
        const e = source.existingBucket;
        if (!e) return [];
        const roleArn = SnowflakeAccessRole.arnFor(tenant.accountId, source.accessRoleName, tenant.region);
        // The owner's bucket is in the tenant's partition: no access crosses partitions.
        const bucket = LogBucket.named(e.name, { region: tenant.region });
        const bucketArn = bucket.bucketArn;
        // Ids unique per role, so one bucket policy can hold the statements of many sources.
        const sid = `Lakehouse${sidPart(source.accessRoleName)}`;
        const principal = { AWS: roleArn };
        const bucketPolicyStatements: PolicyStatement[] = [
          { Sid: `${sid}Read`, Effect: "Allow", Principal: principal, Action: [...EXTERNAL_READ_ACTIONS.objects], Resource: bucket.objectsArn(e.prefix) },
          {
            Sid: `${sid}List`,
            Effect: "Allow",
            Principal: principal,
            Action: EXTERNAL_READ_ACTIONS.list,
            Resource: bucketArn,
            Condition: { StringLike: { "s3:prefix": `${e.prefix}*` } },
          },
          { Sid: `${sid}Locate`, Effect: "Allow", Principal: principal, Action: EXTERNAL_READ_ACTIONS.locate, Resource: bucketArn },
        ];
        const path = `.${JSON.stringify(source.name)}.notification_channel`;
        return [
          {
            environment: env.name,
            tenant: tenant.id,
            source: source.name,
            stack: tenant.stackName,
            bucket: { name: e.name, arn: bucketArn, accountId: e.accountId, prefix: e.prefix },
            accessRoleArn: roleArn,
            bucketPolicyStatements,
            ...(e.kmsKeyArn
              ? {
                  key: {
                    arn: e.kmsKeyArn,
                    // In a key policy "Resource": "*" is the key itself (KMS Developer Guide, "Key policies in AWS KMS").
                    policyStatements: [
                      {
                        Sid: `${sid}Decrypt`,
                        Effect: "Allow",
                        Principal: principal,
                        Action: "kms:Decrypt",
                        Resource: "*",
                        Condition: { StringEquals: { "kms:ViaService": s3Service(tenant.region) } },
                      },
                    ],
                  },
                }
              : {}),
            notification: {
              events: ["s3:ObjectCreated:*"],
              prefix: e.prefix,
              ...(source.config.fileSuffix ? { suffix: source.config.fileSuffix } : {}),
              queue: { stack: tenant.stackName, output: "sources", path, command: `terraform output -json sources | jq -r '${path}'` },
            },
          },
        ];
      }),
    ),
  );
}

/** The owner's instructions as text: per source, the statements as JSON and the notification to add. */
export function externalAccessText(entries: readonly ExternalAccess[]): string {
  if (entries.length === 0) return "No source reads an existing bucket (sources[].existingBucket): there is nothing for another bucket's owner to add.\n";
  const json = (v: unknown) => JSON.stringify(v, null, 2);
  return entries
    .map((a) => {
      const n = a.notification;
      const lines = [
        `# ${a.environment}/${a.tenant}/${a.source}: s3://${a.bucket.name}/${a.bucket.prefix} (account ${a.bucket.accountId})`,
        "",
        `Snowflake reads as ${a.accessRoleArn}. The bucket's owner adds:`,
        "",
        `1. To the policy of bucket ${a.bucket.name} (aws s3api get-bucket-policy, merge, put-bucket-policy):`,
        "",
        json(a.bucketPolicyStatements),
        "",
      ];
      if (a.key) lines.push(`2. To the policy of key ${a.key.arn} (aws kms get-key-policy, merge, put-key-policy):`, "", json(a.key.policyStatements), "");
      lines.push(
        `${a.key ? 3 : 2}. An event notification on the bucket to the source's pipe (Snowpipe auto-ingest), after the stack ${n.queue.stack} is applied:`,
        `   events ${n.events.join(", ")}, prefix ${n.prefix}${n.suffix ? `, suffix ${n.suffix}` : ""},`,
        `   queue: in ${n.queue.stack}, ${n.queue.command}`,
        "   PutBucketNotificationConfiguration replaces the bucket's whole configuration: merge this queue configuration into the existing one.",
        "",
      );
      return lines.join("\n");
    })
    .join("\n");
}
