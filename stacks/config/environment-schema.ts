import { z } from "zod";
import { SUBSCRIPTION_ENDPOINTS } from "../../modules/aws/alert-topic";
import { EXEMPT_ROLE_ARN, SCP_TARGET_ID } from "../../modules/aws/log-guard-scp";
import { DEFAULT_PROVIDER_VERSIONS, PROVIDER_VERSION_FLOORS, providerConstraintProblem } from "./provider-versions";
import { awsRegion, backupStorageClass, cron, retentionDays, roleArn } from "./fields";

/** The config of one environment (`environments[]`): its AWS account, state, Snowflake accounts, alerts, backups and guard. */

const snowflakeAccount = z
  .strictObject({
    region: awsRegion.describe("The AWS region the account runs in. The tenants of this region load into it."),
    organization: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "must be a Snowflake organization name")
      .describe("The account's Snowflake organization name. The provider's organization_name."),
    account: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "must be a Snowflake account name")
      .describe(
        "The account's name in its organization. The provider's account_name; credentials are never in the config (the provider reads them from its environment).",
      ),
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
      .describe(
        "Warehouse the providers connect with, made by lakehouse bootstrap snowflake (views read policy references, which needs a warehouse in the connection). Default <ORGANIZATION>_LAKEHOUSE_DEPLOY.",
      ),
  })
  .describe("A Snowflake account of the environment in one AWS region.");

const backend = z.discriminatedUnion("kind", [
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
      bucket: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name")
        .describe("The S3 bucket that holds the state. It must exist before the first apply."),
      region: awsRegion.describe("The state bucket's region."),
      keyPrefix: z
        .string()
        .regex(/^[A-Za-z0-9_\-/]+$/, "must be a key prefix")
        .optional()
        .describe("Prefix of the state keys, <keyPrefix>/<stack>.tfstate. Default security-lakehouse."),
    })
    .describe("State in an S3 bucket: one key per stack, encrypted, with S3-native locking (use_lockfile, Terraform 1.10 or later)."),
]);

export const environmentSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9]{0,9}$/, "must be 1-10 lower-case letters and digits, e.g. prod")
      .describe("The environment's name. Part of its stack names (platform-<env>, tenant-<id>-<env>), bucket names and Snowflake database (<ORG>_LOGS_<ENV>)."),
    awsAccountId: z
      .string()
      .regex(/^\d{12}$/, "must be a 12-digit AWS account id")
      .describe("The environment's AWS account. Its buckets, keys, roles and pipelines are made there."),
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
              .describe(
                `Terraform version constraint of the ${name} provider. Default "${DEFAULT_PROVIDER_VERSIONS[name]}"; it must not admit versions below ${PROVIDER_VERSION_FLOORS[name]}.`,
              ),
          ]),
        ) as Record<keyof typeof PROVIDER_VERSION_FLOORS, z.ZodOptional<z.ZodString>>,
      )
      .optional()
      .describe("Version constraints of this environment's providers. They let one environment take a provider release first."),
    auditTrail: z
      .boolean()
      .optional()
      .describe(
        "Whether CloudTrail records reads and writes of log files. Data events on the environment's log buckets; default true, and false leaves no record of who read, wrote or deleted log files.",
      ),
    alertDelivery: z
      .strictObject({
        sns: z
          .strictObject({
            subscriptions: z
              .array(
                z
                  .strictObject({
                    protocol: z.enum(["email", "https", "sqs", "lambda"]).describe("How SNS delivers: email, https, sqs or lambda."),
                    endpoint: z
                      .string()
                      .min(3)
                      .describe("Where SNS delivers, by protocol. An e-mail address, an https:// URL, an SQS queue ARN or a Lambda function ARN."),
                  })
                  .superRefine((sub, ctx) => {
                    // What the alert-topic module accepts for the protocol, reported here at the config path.
                    const endpoint = SUBSCRIPTION_ENDPOINTS[sub.protocol].safeParse(sub.endpoint);
                    if (!endpoint.success)
                      ctx.addIssue({ code: "custom", path: ["endpoint"], message: `${endpoint.error.issues[0].message} (protocol ${sub.protocol})` });
                  })
                  .describe("One subscription of the alert topic."),
              )
              .min(1, "at least one subscription is required: alerts must reach someone")
              .describe("Who the topic delivers alerts to, at least one."),
          })
          .optional()
          .describe(
            "SNS delivery: an encrypted alert topic per region. Snowflake publishes alerts to it, and the tenants' alarms (pullers, streams, consumers, vaults) go there too.",
          ),
        email: z
          .strictObject({
            recipients: z
              .array(z.email("must be an e-mail address").describe("An e-mail address, verified for a user of every Snowflake account of the environment."))
              .min(1)
              .max(50, "at most 50 recipients: Amazon SES, which sends Snowflake's e-mail notifications, takes 50 per message")
              .refine((r) => new Set(r.map((a) => a.toLowerCase())).size === r.length, "must not list an address twice")
              .describe(
                "The addresses alerts are mailed to, 1-50, each once. At most 50: Amazon SES, which sends Snowflake's mails, takes 50 recipients per message.",
              ),
          })
          .optional()
          .describe(
            "E-mail delivery through Snowflake. Each recipient must be the verified e-mail address of a user of every Snowflake account of the environment before apply (CREATE NOTIFICATION INTEGRATION fails otherwise).",
          ),
        schedule: cron
          .optional()
          .describe("When the delivery task sends new alerts. Five cron fields and a time zone; default every 5 minutes, '*/5 * * * * UTC'."),
      })
      .refine((d) => d.sns !== undefined || d.email !== undefined, "needs sns or email: alerts must leave the warehouse")
      .optional()
      .describe("Where alerts go: SNS, e-mail or both. Without it, alerts stay in the MONITORING.ALERTS table."),
    backup: z
      .strictObject({
        adminRoleArns: z
          .array(roleArn)
          .min(1, "at least one: the role Terraform applies with, or after the first apply nobody could manage the vaults")
          .describe(
            "Roles that may still manage the vaults and their keys. The role Terraform applies with, a break-glass role: the vault and key policies deny everyone else (and nobody deletes in a vault).",
          ),
        deployRoleArn: roleArn
          .optional()
          .describe(
            "The role the tenant stacks' vault provider assumes to apply the vaults, one of adminRoleArns: the vaults are always applied as a role their policy trusts. A plan with TF_VAR_lakehouse_read_only=true does not assume it. Default: the first of adminRoleArns.",
          ),
        planRoleArns: z
          .array(roleArn)
          .optional()
          .describe(
            "Read-only roles a plan refreshes the vaults as (the CI plan role). The vault policy lets them list the vault and nothing more. Default: none.",
          ),
        storageClass: backupStorageClass
          .optional()
          .describe("Archive class of the backups. Default DEEP_ARCHIVE, which bills at least 180 days (GLACIER and GLACIER_IR 90)."),
        retentionDays: retentionDays.optional().describe("Days backups are kept. Default: each tenant's retentionDays."),
        objectLock: z
          .strictObject({
            mode: z
              .enum(["GOVERNANCE", "COMPLIANCE"])
              .describe(
                "How strict the lock is. COMPLIANCE: no one can delete a locked backup early, so it survives a compromised administrator; GOVERNANCE yields to anyone allowed s3:BypassGovernanceRetention.",
              ),
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
          .describe(
            "Roles still allowed to change the buckets and keys. The deploying role, a break-glass role: each one listed is outside the guard, so keep the list short.",
          ),
      })
      .optional()
      .describe(
        "An SCP that makes the log buckets and keys tamper-proof. A service control policy of the organization for this environment's buckets and keys; default: none.",
      ),
  })
  .describe("An environment (prod, dev…). Its AWS account, state, Snowflake accounts, alerts and backups; a platform stack and a stack per tenant.");

export type EnvironmentConfig = z.output<typeof environmentSchema>;
