import { bucketName } from "../../modules/core/naming";
import type { ResolvedEnvironment, ResolvedSource, ResolvedTenant } from "../../stacks/config/resolve";
import { landingTableOf } from "../../modules/snowflake/record-flattener";

/**
 * The backup layout restore reads, as issue 11 states it (the stacks are wired to it in parallel):
 * one vault bucket per tenant and environment, in the tenant's region, that S3 replication fills with
 * the tenant log bucket's objects under the same keys; restore state lives in the tenant's log bucket
 * (the vault is write-protected); a `<TABLE>_BACKUP` stage on `s3://<vault>/<keyPrefix>` per source.
 *
 * `backupVaultBucketName` is the same function stacks/config/resolve.ts gets in that work; until it
 * lands this file is the one place that knows it (to be reconciled at merge).
 */
export function backupVaultBucketName(organization: string, env: string, accountId: string, tenantId: string): string {
  return bucketName(organization, env, tenantId, accountId, "backup");
}

/** What restore needs of a tenant's backup settings (`ResolvedTenant.backup` once the wiring lands). */
export interface TenantBackup {
  readonly vaultBucketName: string;
  /** The Snowflake `<TABLE>_BACKUP` stages exist. `undefined`: the config does not say (before the wiring lands). */
  readonly restoreReady?: boolean;
}

/**
 * The tenant's backup settings: the resolver's when it has them, else the vault name by the naming
 * contract (a tenant without backup then has no such bucket, which listing reports by name).
 */
export function tenantBackup(organization: string, env: ResolvedEnvironment, tenant: ResolvedTenant): TenantBackup {
  const resolved = (tenant as ResolvedTenant & { readonly backup?: TenantBackup }).backup;
  return resolved ?? { vaultBucketName: backupVaultBucketName(organization, env.name, env.accountId, tenant.id) };
}

/** Where restore keeps its state for one request: in the tenant's log bucket, outside every source prefix. */
export const RESTORE_STATE_PREFIX = "_restore-state/";

export function restoreStateKey(tenantId: string, sourceName: string, from: string, to: string): string {
  return `${RESTORE_STATE_PREFIX}${tenantId}/${sourceName}/${from}_${to}.json`;
}

/** The S3 Batch Operations manifest of one batch job of a request (CSV, next to the state). */
export function batchManifestKey(stateKey: string, jobIndex: number): string {
  return `${stateKey.replace(/\.json$/, "")}/batch-${jobIndex}.csv`;
}

/** Prefix of the Batch Operations completion reports of a request (failed tasks only). */
export function batchReportPrefix(stateKey: string): string {
  return `${stateKey.replace(/\.json$/, "")}/reports`;
}

/** The tenant's restore role (`<awsRolePrefix>-restore`), which lists and restores in the vault. */
export function restoreRoleArn(accountId: string, tenant: ResolvedTenant): string {
  return `arn:aws:iam::${accountId}:role/${tenant.awsRolePrefix}-restore`;
}

/** Snowflake names a source's restore uses, all in the tenant's schema of the environment database. */
export interface SourceRestoreNames {
  readonly database: string;
  readonly schema: string;
  /** The live log table (`LIKE` template of the restore table). */
  readonly table: string;
  /** `<TABLE>_BACKUP`: the stage on `s3://<vault>/<keyPrefix>`. */
  readonly backupStage: string;
  /** `<TABLE>_JSON` or `<TABLE>_PARQUET`: the source's file format. */
  readonly fileFormat: string;
  /** `<TABLE>_FILES` for wrapped sources (CloudTrail): what their pipe loads. */
  readonly landingTable?: string;
}

export function sourceRestoreNames(env: ResolvedEnvironment, tenant: ResolvedTenant, source: ResolvedSource): SourceRestoreNames {
  return {
    database: env.databaseName,
    schema: tenant.schemaName,
    table: source.tableName,
    backupStage: `${source.tableName}_BACKUP`,
    fileFormat: `${source.tableName}_${source.config.fileFormat === "parquet" ? "PARQUET" : "JSON"}`,
    ...(source.config.wrappedRecords !== undefined ? { landingTable: landingTableOf(source.tableName) } : {}),
  };
}
