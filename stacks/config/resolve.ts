import { iamRoleArn, partitionOfRegion } from "../../modules/core/arn";
import { EventTimeFormat } from "../../modules/snowflake/snowpipe/sql";
import { applyCatalog } from "./catalog";
import { LakehouseConfig } from "./schema";
import { EffectiveSourceConfig, SourceConfig } from "./source-schema";
import { DEFAULT_TENANT_DEPLOY_ROLE, DEFAULT_TENANT_PLAN_ROLE, TenantConfig } from "./tenant-schema";
import { EnvironmentConfig } from "./environment-schema";
import { BUILT_IN_DEFAULTS } from "./defaults-schema";
import {
  BACKFILL_SCHEMA,
  backfillProgressTable,
  backfillRoleName,
  backfillWarehouseName,
  backupReplicationRoleName,
  backupVaultBucketName,
  defaultKeyPrefix,
  logDatabaseName,
  platformStackName,
  queryWarehouseName,
  snowflakeAccessRoleName,
  sourceTableName,
  storageIntegrationName,
  tenantAwsRolePrefix,
  tenantBucketName,
  tenantKeyAliasName,
  tenantSchemaName,
  tenantSnowflakeRolePrefix,
  tenantStackName,
} from "./names";

/**
 * The config with every default filled in and every derived name decided, in one place: stacks read
 * only this, so a name is computed once and the same everywhere (including across stacks, which
 * refer to each other's objects by these names instead of by cross-stack references).
 */
export interface ResolvedSource {
  /** The source's config with its catalog entry (`type`) applied under what it states. */
  readonly config: EffectiveSourceConfig;
  readonly name: string;
  /** The bucket the source's files are in: the tenant's, or its `existingBucket`. */
  readonly bucketName: string;
  /** Where the source's files are in that bucket (`keyPrefix`, or `existingBucket.prefix`). */
  readonly keyPrefix: string;
  /**
   * Set when the source reads a bucket the lakehouse does not own: nothing of the source is in the
   * tenant's bucket (no prefix, notification, retention or writer there), and its owner adds what
   * `externalAccess` prints.
   */
  readonly existingBucket?: ResolvedExistingBucket;
  /** S3 retention in the tenant's bucket (an existing bucket's files are kept by its owner's lifecycle). */
  readonly retentionDays: number;
  readonly canary: { readonly enabled: boolean; readonly windowMinutes: number; readonly suppressionMinutes: number; readonly schedule: string };
  /** Days rows stay in the Snowflake table after their load (≤ retentionDays, which is the S3 expiry). */
  readonly tableRetentionDays: number;
  readonly transitions: NonNullable<SourceConfig["transitions"]>;
  readonly eventTimeFormat: EventTimeFormat;
  /** Wrapped sources (`wrappedRecords`): the landing table's retention, in days of load time. */
  readonly landingRetentionDays: number;
  /** Snowflake table (and prefix of its stage, file format and pipe). */
  readonly tableName: string;
  readonly storageIntegrationName: string;
  readonly accessRoleName: string;
}

/** A bucket someone else owns that holds a source's files (`sources[].existingBucket`). */
export interface ResolvedExistingBucket {
  readonly name: string;
  readonly prefix: string;
  /** The account that owns the bucket. */
  readonly accountId: string;
  /** The key its objects are encrypted with (SSE-KMS), if any. */
  readonly kmsKeyArn?: string;
}

/**
 * A tenant in an AWS account of its own (`tenants[].awsAccountId`): the roles its stack's providers
 * assume there, to apply and to plan.
 */
export interface ResolvedOwnAccount {
  /** `arn:aws:iam::<account>:role/<deployRoleName>`: what the tenant's stack is applied as. */
  readonly deployRoleArn: string;
  /** `arn:aws:iam::<account>:role/<planRoleName>`: what a read-only plan refreshes it as. */
  readonly planRoleArn: string;
}

export interface ResolvedTenant {
  readonly config: TenantConfig;
  readonly id: string;
  readonly region: string;
  readonly retentionDays: number;
  /** The AWS account the tenant's resources live in: its own (`awsAccountId`) or its environment's. */
  readonly accountId: string;
  /** Set when the tenant is in an account of its own: the roles its stack assumes there. */
  readonly ownAccount?: ResolvedOwnAccount;
  readonly stackName: string;
  readonly bucketName: string;
  readonly kmsAliasName: string;
  /** Snowflake schema holding the tenant's tables, in the environment database. */
  readonly schemaName: string;
  /** Prefix of the tenant's Snowflake roles (`<prefix>_READER`, …). */
  readonly snowflakeRolePrefix: string;
  /** Prefix of the tenant's AWS roles (`<prefix>-read`, `<prefix>-ops`). */
  readonly awsRolePrefix: string;
  readonly sources: readonly ResolvedSource[];
  /** The tenant's backup vault in this environment, unless backups are off (no environment `backup`, or the tenant's `enabled: false`). */
  readonly backup?: ResolvedBackup;
}

/** A tenant's backup: its own vault in its region, the whole log bucket replicated into it. */
export interface ResolvedBackup {
  readonly vaultBucketName: string;
  /** The vault's region (the tenant's unless the config names another). */
  readonly region: string;
  readonly storageClass: "DEEP_ARCHIVE" | "GLACIER" | "GLACIER_IR";
  readonly retentionDays: number;
  /** No backup is kept fewer days (the config's retention floor). */
  readonly retentionFloorDays: number;
  /** Days every backup version is locked, and how. */
  readonly objectLock: { readonly mode: "GOVERNANCE" | "COMPLIANCE"; readonly days: number };
  readonly staleAfterHours: number;
  /**
   * Roles the vault policy lets manage the vault: the environment's adminRoleArns in the vault's
   * account, and for a tenant in an account of its own its deploy role there.
   */
  readonly adminRoleArns: readonly string[];
  /**
   * The role the vault's provider assumes to apply (one of adminRoleArns), for a tenant in its
   * environment's account; none for a tenant in an account of its own, whose stack already runs as
   * its deploy role there.
   */
  readonly deployRoleArn?: string;
  /** Read-only roles a plan refreshes the vault as: the vault policy lets them list it. */
  readonly planRoleArns: readonly string[];
  /** The role S3 replicates the tenant's bucket as. */
  readonly replicationRoleName: string;
  /** Each source has a stage on the vault (`<TABLE>_BACKUP_STAGE`) its integration may read, so `lakehouse restore` can load into Snowflake. */
  readonly restoreReady: boolean;
}

export interface ResolvedEnvironment {
  readonly config: EnvironmentConfig;
  readonly name: string;
  readonly accountId: string;
  readonly platformStackName: string;
  /** Snowflake database of the environment's log tables (one per Snowflake account). */
  readonly databaseName: string;
  readonly timeTravelDays: number;
  readonly accessLogRetentionDays: number;
  /** Days the audit trail's files are kept (the default retention). */
  readonly auditRetentionDays: number;
  /** The query warehouse of each Snowflake account of the environment. */
  readonly warehouse: {
    readonly name: string;
    readonly size: "XSMALL" | "SMALL" | "MEDIUM" | "LARGE" | "XLARGE";
    readonly monthlyCreditQuota: number;
    readonly autoSuspendSeconds: number;
  };
  /**
   * What `lakehouse backfill` runs as and on, in each Snowflake account of the environment: the
   * BACKFILL role, its warehouse and the progress table (module snowflake/backfill-warehouse).
   */
  readonly backfill: {
    readonly roleName: string;
    readonly warehouseName: string;
    readonly size: "XSMALL" | "SMALL" | "MEDIUM" | "LARGE" | "XLARGE";
    readonly monthlyCreditQuota: number;
    readonly autoSuspendSeconds: number;
    readonly schema: string;
    /** `DATABASE.BACKFILL.PROGRESS` */
    readonly progressTable: string;
  };
  /** Settings of the account monitors (unset: the module's defaults). */
  readonly monitors: NonNullable<NonNullable<LakehouseConfig["defaults"]>["monitors"]>;
  /** Regions that hold at least one tenant of this environment. */
  readonly regions: readonly string[];
  readonly tenants: readonly ResolvedTenant[];
}

export interface ResolvedLakehouse {
  readonly organization: string;
  readonly environments: readonly ResolvedEnvironment[];
}

/** Landing rows are flattened within minutes; a week covers a flattening task stopped for a long weekend. */
export const LANDING_RETENTION_DAYS = 7;

export function resolveConfig(config: LakehouseConfig): ResolvedLakehouse {
  const defaults = { ...BUILT_IN_DEFAULTS, ...config.defaults, canary: { ...BUILT_IN_DEFAULTS.canary, ...config.defaults?.canary } };
  const org = config.organization;
  return {
    organization: org,
    environments: config.environments.map((env) => {
      const tenants = config.tenants
        .filter((t) => (t.environments ?? config.environments.map((e) => e.name)).includes(env.name))
        .map((t) => resolveTenant(org, env, t, defaults));
      return {
        config: env,
        name: env.name,
        accountId: env.awsAccountId,
        platformStackName: platformStackName(env.name),
        databaseName: logDatabaseName(org, env.name),
        timeTravelDays: defaults.timeTravelDays,
        accessLogRetentionDays: defaults.accessLogRetentionDays,
        auditRetentionDays: defaults.retentionDays,
        monitors: config.defaults?.monitors ?? {},
        warehouse: { name: queryWarehouseName(org, env.name), size: "XSMALL", monthlyCreditQuota: 100, autoSuspendSeconds: 60, ...config.defaults?.warehouse },
        backfill: {
          roleName: backfillRoleName(org, env.name),
          warehouseName: backfillWarehouseName(org, env.name),
          size: "XSMALL",
          monthlyCreditQuota: 20,
          autoSuspendSeconds: 60,
          ...config.defaults?.backfillWarehouse,
          schema: BACKFILL_SCHEMA,
          progressTable: backfillProgressTable(org, env.name),
        },
        regions: [...new Set(tenants.map((t) => t.region))].sort(),
        tenants,
      };
    }),
  };
}

function resolveBackup(
  org: string,
  env: EnvironmentConfig,
  t: TenantConfig,
  accountId: string,
  own: ResolvedOwnAccount | undefined,
  retentionDays: number,
  floorDays: number,
): ResolvedBackup | undefined {
  if (!env.backup || t.backup?.enabled === false) return undefined;
  const inAccount = (arn: string) => arn.split(":")[4] === accountId;
  return {
    vaultBucketName: backupVaultBucketName(org, env.name, accountId, t.id),
    region: t.backup?.region ?? t.region,
    storageClass: t.backup?.storageClass ?? env.backup.storageClass ?? "DEEP_ARCHIVE",
    retentionDays: t.backup?.retentionDays ?? env.backup.retentionDays ?? retentionDays,
    retentionFloorDays: floorDays,
    objectLock: env.backup.objectLock ?? { mode: "COMPLIANCE", days: floorDays },
    staleAfterHours: env.backup.staleAfterHours ?? 24,
    // Roles of another account get nothing from a vault policy that only denies: they are left out.
    adminRoleArns: own ? [own.deployRoleArn, ...env.backup.adminRoleArns.filter(inAccount)] : env.backup.adminRoleArns,
    deployRoleArn: own ? undefined : (env.backup.deployRoleArn ?? env.backup.adminRoleArns[0]),
    planRoleArns: own ? [own.planRoleArn, ...(env.backup.planRoleArns ?? []).filter(inAccount)] : (env.backup.planRoleArns ?? []),
    replicationRoleName: backupReplicationRoleName(org, env.name, t.id),
    restoreReady: t.backup?.restoreReady ?? false,
  };
}

function resolveTenant(org: string, env: EnvironmentConfig, t: TenantConfig, defaults: typeof BUILT_IN_DEFAULTS): ResolvedTenant {
  const retentionDays = t.retentionDays ?? defaults.retentionDays;
  const accountId = t.awsAccountId ?? env.awsAccountId;
  const own: ResolvedOwnAccount | undefined = t.awsAccountId
    ? {
        deployRoleArn: iamRoleArn(partitionOfRegion(t.region), t.awsAccountId, t.deployRoleName ?? DEFAULT_TENANT_DEPLOY_ROLE),
        planRoleArn: iamRoleArn(partitionOfRegion(t.region), t.awsAccountId, t.planRoleName ?? DEFAULT_TENANT_PLAN_ROLE),
      }
    : undefined;
  const tenantBucket = tenantBucketName(org, env.name, t.id, accountId);
  return {
    backup: resolveBackup(org, env, t, accountId, own, retentionDays, defaults.retentionFloorDays),
    config: t,
    id: t.id,
    region: t.region,
    retentionDays,
    accountId,
    ...(own ? { ownAccount: own } : {}),
    stackName: tenantStackName(t.id, env.name),
    bucketName: tenantBucket,
    kmsAliasName: tenantKeyAliasName(org, env.name, t.id),
    schemaName: tenantSchemaName(t.id),
    snowflakeRolePrefix: tenantSnowflakeRolePrefix(org, env.name, t.id),
    awsRolePrefix: tenantAwsRolePrefix(org, env.name, t.id),
    sources: t.sources.map((stated) => {
      // The schema's cross-checks guarantee a delivery kind and an event time once the catalog is applied.
      const s = applyCatalog(stated) as EffectiveSourceConfig;
      const existing = s.existingBucket;
      return {
        config: s,
        name: s.name,
        bucketName: existing?.name ?? tenantBucket,
        keyPrefix: existing?.prefix ?? s.keyPrefix ?? defaultKeyPrefix(s.name),
        ...(existing
          ? {
              existingBucket: {
                name: existing.name,
                prefix: existing.prefix,
                accountId: existing.accountId,
                ...(existing.kmsKeyArn ? { kmsKeyArn: existing.kmsKeyArn } : {}),
              },
            }
          : {}),
        retentionDays: s.retentionDays ?? retentionDays,
        canary: { enabled: true, ...defaults.canary, ...s.canary },
        tableRetentionDays: s.tableRetentionDays ?? s.retentionDays ?? retentionDays,
        transitions: existing ? [] : (s.transitions ?? defaults.transitions),
        eventTimeFormat: s.eventTimeFormat ?? "AUTO",
        landingRetentionDays: LANDING_RETENTION_DAYS,
        tableName: sourceTableName(s.name),
        storageIntegrationName: storageIntegrationName(org, env.name, t.id, s.name),
        accessRoleName: snowflakeAccessRoleName(org, env.name, t.id, s.name),
      };
    }),
  };
}
