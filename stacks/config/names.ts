import { bucketName, iamRoleName, limitedName, snowflakeName } from "../../modules/core/naming";

/**
 * Every name the lakehouse derives from the config, in one place: the resolver stores most of them
 * (stacks read those), the stacks name what only they make with the rest, the config's cross-checks
 * compare what users write (a view's FROM) against them, and the bootstrap and the CLI find what the
 * stacks made by them.
 */

// Stacks

export function platformStackName(environment: string): string {
  return `platform-${environment}`;
}

export function tenantStackName(tenantId: string, environment: string): string {
  return `tenant-${tenantId}-${environment}`;
}

// Snowflake

/** The environment's log database (one per Snowflake account), e.g. `ACME_LOGS_PROD`. */
export function logDatabaseName(organization: string, environment: string): string {
  return snowflakeName(organization, "logs", environment);
}

/** The tenant's schema in the log database. */
export function tenantSchemaName(tenantId: string): string {
  return snowflakeName(tenantId);
}

/** A source's log table in its tenant's schema. */
export function sourceTableName(sourceName: string): string {
  return snowflakeName(sourceName);
}

/** The backfill progress schema in the log database (module snowflake/backfill-warehouse). */
export const BACKFILL_SCHEMA = "BACKFILL";

/** Schemas the platform makes in the log database (alert store, backfill progress): no tenant's schema may take one. */
export const PLATFORM_SCHEMAS: readonly string[] = ["MONITORING", BACKFILL_SCHEMA];

/** `lakehouse backfill`'s progress table, `DATABASE.BACKFILL.PROGRESS`. */
export function backfillProgressTable(organization: string, environment: string): string {
  return `${logDatabaseName(organization, environment)}.${BACKFILL_SCHEMA}.PROGRESS`;
}

/** The query warehouse of each Snowflake account of the environment. */
export function queryWarehouseName(organization: string, environment: string): string {
  return snowflakeName(organization, environment, "query", "wh");
}

/** The role `lakehouse backfill` runs as, in each Snowflake account of the environment. */
export function backfillRoleName(organization: string, environment: string): string {
  return snowflakeName(organization, environment, "backfill");
}

/** The warehouse `lakehouse backfill` runs on. */
export function backfillWarehouseName(organization: string, environment: string): string {
  return snowflakeName(organization, environment, "backfill", "wh");
}

/** Prefix of the tenant's Snowflake roles (`<prefix>_READER`, …). */
export function tenantSnowflakeRolePrefix(organization: string, environment: string, tenantId: string): string {
  return snowflakeName(organization, environment, tenantId);
}

/** A source's storage integration. */
export function storageIntegrationName(organization: string, environment: string, tenantId: string, sourceName: string): string {
  return snowflakeName(organization, environment, tenantId, sourceName, "s3");
}

/** Prefix of the environment's alert integrations (module snowflake/alert-delivery). */
export function alertIntegrationPrefix(organization: string, environment: string): string {
  return snowflakeName(organization, environment);
}

/**
 * The role Terraform works as in a Snowflake account: the account's `role`, else
 * `<ORGANIZATION>_LAKEHOUSE_DEPLOYER`. `lakehouse bootstrap snowflake` makes it with exactly the
 * privileges the stacks need; the tenant roles are granted to it. Upper-case, as Snowflake reports it.
 */
export function deployRoleOf(account: { readonly role?: string }, organization: string): string {
  return account.role?.toUpperCase() ?? snowflakeName(organization, "lakehouse", "deployer");
}

/**
 * The warehouse the providers connect with: the account's `warehouse`, else
 * `<ORGANIZATION>_LAKEHOUSE_DEPLOY` (made by `lakehouse bootstrap snowflake`). The view resource reads
 * policy references, which "requires a warehouse in the connection" (provider docs, resources/view.md
 * at v2.11.0).
 */
export function deployWarehouseOf(account: { readonly warehouse?: string }, organization: string): string {
  return account.warehouse?.toUpperCase() ?? snowflakeName(organization, "lakehouse", "deploy");
}

/** The role that owns and runs an environment's platform tasks (monitors, alert delivery): `<ORG>_<ENV>_MONITORING`. */
export function monitoringRoleOf(organization: string, environment: string): string {
  return snowflakeName(organization, environment, "monitoring");
}

// AWS

/** What every bucket name of the environment begins with (the log guard and the audit trail match on it). */
export function environmentBucketPrefix(organization: string, environment: string): string {
  return `${organization}-${environment}-`;
}

/** A tenant's raw log bucket. */
export function tenantBucketName(organization: string, environment: string, tenantId: string, accountId: string): string {
  return bucketName(organization, environment, tenantId, accountId, "logs");
}

/** A tenant's KMS key alias (without `alias/`). */
export function tenantKeyAliasName(organization: string, environment: string, tenantId: string): string {
  return `${organization}-${environment}-${tenantId}-logs`;
}

/** Prefix of the tenant's AWS roles (`<prefix>-read`, `<prefix>-ops`). */
export function tenantAwsRolePrefix(organization: string, environment: string, tenantId: string): string {
  return limitedName([organization, environment, tenantId], "-", 59);
}

/** Server-access-log bucket of an environment in a region (one per account and region). */
export function accessLogBucketName(organization: string, env: string, accountId: string, region: string): string {
  return bucketName(organization, env, accountId, region, "s3-access-logs");
}

/** Server-access-log bucket of a tenant in an account of its own, in a region (its own there: logs stay in their account). */
export function tenantAccessLogBucketName(organization: string, environment: string, tenantId: string, accountId: string, region: string): string {
  return bucketName(organization, environment, tenantId, accountId, region, "s3-access-logs");
}

/** A tenant's backup vault in an environment (one per tenant, in the tenant's region). */
export function backupVaultBucketName(organization: string, env: string, accountId: string, tenantId: string): string {
  return bucketName(organization, env, tenantId, accountId, "backup");
}

/** The role S3 replicates a tenant's bucket into its vault as. */
export function backupReplicationRoleName(organization: string, environment: string, tenantId: string): string {
  return iamRoleName(organization, environment, tenantId, "backup-replication");
}

/** The role a source's storage integration reads its prefix as. */
export function snowflakeAccessRoleName(organization: string, environment: string, tenantId: string, sourceName: string): string {
  return iamRoleName(organization, environment, tenantId, sourceName, "snowflake");
}

/** The name of an environment's alert topic (one per region, same name): tenant stacks find it by ARN. */
export function alertTopicName(organization: string, environment: string): string {
  return `${organization}-${environment}-lakehouse-alerts`;
}

/** The role Snowflake publishes alerts to a region's topic as. */
export function alertPublisherRoleName(organization: string, environment: string, region: string): string {
  return iamRoleName(organization, environment, region, "snowflake-alerts");
}

/** The audit trail of the environment's log buckets, its bucket and its key's alias. */
export function auditTrailName(organization: string, environment: string): string {
  return `${organization}-${environment}-log-audit`;
}

export function auditTrailBucketName(organization: string, environment: string, accountId: string): string {
  return bucketName(organization, environment, accountId, "audit-trail");
}

export function auditTrailKeyAliasName(organization: string, environment: string): string {
  return `${organization}-${environment}-audit-trail`;
}

/** The SCP that guards the environment's log buckets and keys. */
export function logGuardPolicyName(organization: string, environment: string): string {
  return `${organization}-${environment}-log-guard`;
}

/** Where a source's files land in the tenant's bucket unless it names a `keyPrefix`. */
export function defaultKeyPrefix(sourceName: string): string {
  return `${sourceName}/`;
}

/** A source's puller function. */
export function pullerFunctionName(organization: string, environment: string, tenantId: string, sourceName: string): string {
  return limitedName([organization, environment, tenantId, sourceName, "puller"], "-", 54);
}

/** A puller's state object: outside every source prefix (those start with a letter or digit), so Snowpipe never sees it. */
export function pullerStateKey(sourceName: string): string {
  return `_puller-state/${sourceName}.json`;
}

/** A source's Firehose delivery stream, and its Kinesis stream when it has one. */
export function deliveryStreamName(organization: string, environment: string, tenantId: string, sourceName: string): string {
  return limitedName([organization, environment, tenantId, sourceName, "stream"], "-", 64);
}

/** Where a delivery stream writes the records it failed to deliver: outside every source prefix, so Snowpipe never loads them. */
export function firehoseErrorPrefix(sourceName: string): string {
  return `_firehose-errors/${sourceName}/`;
}

/** A source's Kafka consumer function. */
export function kafkaFunctionName(organization: string, environment: string, tenantId: string, sourceName: string): string {
  return limitedName([organization, environment, tenantId, sourceName, "kafka"], "-", 54);
}

/** A Kafka source's consumer group unless it names one. */
export function defaultConsumerGroup(organization: string, environment: string, tenantId: string, sourceName: string): string {
  return [organization, environment, tenantId, sourceName].join("-");
}
