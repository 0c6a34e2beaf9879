import { qualified } from "../../modules/core/naming";
import type { CopyStatementParts } from "../../modules/snowflake/snowpipe/sql";
import { snowpipeCopyParts, snowpipeObjectNames } from "../../modules/snowflake/snowpipe";
import { RESTORE_STATE_KEY_PREFIX, TenantAccessRoles } from "../../modules/aws/tenant-access-roles";
import type { ResolvedEnvironment, ResolvedSource, ResolvedTenant } from "../../stacks/config/resolve";
import { pipeLoadOf } from "../../stacks/source-pipeline";

/**
 * The backup layout restore reads, as the stacks make it from `environments[].backup`
 * (`ResolvedTenant.backup`): one vault bucket per tenant and environment, in the tenant's region,
 * that S3 replication fills with the whole tenant log bucket under the same keys; restore state lives
 * in the tenant's log bucket (the vault is write-protected); a restore-ready tenant's sources each
 * have a `<PREFIX>_BACKUP_STAGE` on `s3://<vault>/<keyPrefix>`.
 */

/** Where restore keeps its state for one request: in the tenant's log bucket, outside every source prefix. */
export const RESTORE_STATE_PREFIX = RESTORE_STATE_KEY_PREFIX;

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

/** The role S3 Batch Operations restores as (`<awsRolePrefix>-restore-batch`); the restore role may pass it to S3 Batch Operations only. */
export function restoreBatchRoleArn(tenant: ResolvedTenant): string {
  return TenantAccessRoles.restoreBatchRoleArnFor(tenant.accountId, tenant.awsRolePrefix);
}

/** Snowflake names a source's restore uses, all from the pipe's own (snowpipeObjectNames, snowpipeCopyParts). */
export interface SourceRestoreNames {
  readonly database: string;
  readonly schema: string;
  /** The live log table's own name (`LIKE` template of the restore table, and the default `<TABLE>_RESTORED`). */
  readonly table: string;
  /** The pipe's COPY parts with the backup stage in place of the live one; `table` is the live table (the target replaces it). */
  readonly copy: CopyStatementParts;
}

export function sourceRestoreNames(env: ResolvedEnvironment, tenant: ResolvedTenant, source: ResolvedSource): SourceRestoreNames {
  const load = pipeLoadOf(env, tenant, source);
  return {
    database: env.databaseName,
    schema: tenant.schemaName,
    table: source.tableName,
    copy: { ...snowpipeCopyParts(load), stage: snowpipeObjectNames(load).backupStage },
  };
}

/** The live log table, qualified. */
export function liveTable(names: SourceRestoreNames): string {
  return qualified(names.database, names.schema, names.table);
}
