import { z } from "zod";
import { PLATFORM_SCHEMAS, tenantSchemaName } from "./names";
import { RESERVED_MESSAGE, awsAccountId, awsRegion, backupStorageClass, bucketSafeSlug, notReserved, retentionDays, roleArn } from "./fields";
import { sourceSchema } from "./source-schema";

/** The config of one tenant (`tenants[]`): its region, retention, access, account, backup and sources. */

/** Roles a tenant in an account of its own is applied and planned as, unless it names others. */
export const DEFAULT_TENANT_DEPLOY_ROLE = "lakehouse-deploy";
export const DEFAULT_TENANT_PLAN_ROLE = "lakehouse-plan";

const iamRoleNameSchema = z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM role name (1-64 of [A-Za-z0-9+=,.@_-])");

const tenantBackup = z.strictObject({
  enabled: z
    .boolean()
    .optional()
    .describe(
      "Whether this tenant is backed up. Default true when the environment has backup; false, with disabledReason, leaves the tenant without a backup vault.",
    ),
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
      .refine(
        (id) => !PLATFORM_SCHEMAS.includes(tenantSchemaName(id)),
        `names a schema the platform makes in the log database (${PLATFORM_SCHEMAS.join(", ")})`,
      )
      .describe("The tenant's id. Part of its bucket, key, role and stack names, and (upper-case) the name of its Snowflake schema."),
    displayName: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe("A readable name for the tenant. Used in the comment of its Snowflake schema; default: the id."),
    region: awsRegion.describe(
      "The AWS region of the tenant's data. Its bucket, key and pipelines are there, and its logs load into the environment's Snowflake account of the same region. A commercial region: the config takes no GovCloud or China region yet (the modules used directly derive their ARNs' partition from the region, unchecked on a live account).",
    ),
    retentionDays: retentionDays
      .optional()
      .describe("Days the tenant's files stay in S3 before they expire. For sources that set none; default: defaults.retentionDays (365)."),
    environments: z
      .array(z.string().describe("The name of an environment (environments[].name)."))
      .min(1)
      .optional()
      .describe("The environments the tenant is deployed to. Default: every environment."),
    objectLock: z
      .strictObject({
        mode: z
          .enum(["GOVERNANCE", "COMPLIANCE"])
          .describe(
            "How strict the lock is. COMPLIANCE: nobody, the account's root user included, can delete a locked version or shorten its lock; GOVERNANCE: principals allowed s3:BypassGovernanceRetention can.",
          ),
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
          .describe(
            "Roles that may assume the read role, <prefix>-read, which lists and reads the tenant's prefixes and decrypts with its key. Only these roles are trusted; without readers there is no read role.",
          ),
        operators: z
          .array(roleArn)
          .min(1, "list at least one role, or leave operators out")
          .optional()
          .describe(
            "Roles that may assume the operations role, <prefix>-ops, which also writes under the tenant's prefixes (never deletes), and with a backup the restore role. Only these roles are trusted; without operators there are neither.",
          ),
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
    deployRoleName: iamRoleNameSchema
      .optional()
      .describe("With awsAccountId: the role in that account the tenant's stack is applied as. Default lakehouse-deploy."),
    planRoleName: iamRoleNameSchema
      .optional()
      .describe("With awsAccountId: the read-only role in that account a plan refreshes the tenant's stack as. Default lakehouse-plan."),
    backup: tenantBackup.optional().describe("This tenant's backup, over its environment's. The environment's backup turns backups on."),
    sources: z.array(sourceSchema).min(1, "a tenant needs at least one source").describe("The tenant's log sources, at least one."),
  })
  .describe(
    "A tenant. Its log bucket, KMS key, Snowflake schema and roles in its region, and its log sources; a stack of its own in each of its environments.",
  );

export type TenantConfig = z.output<typeof tenantSchema>;
