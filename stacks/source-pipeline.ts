import { Schema } from "@cdktf/provider-snowflake/lib/schema";
import { ITerraformDependable, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { BackupVault } from "../modules/aws/backup-vault";
import { LogBucket } from "../modules/aws/log-bucket";
import { SnowflakeAccessRole } from "../modules/aws/snowflake-access-role";
import { s3Service } from "../modules/core/iam";
import { SemiStructuredTable } from "../modules/snowflake/semi-structured-table";
import { LogCanary } from "../modules/snowflake/log-canary";
import { RecordFlattener, landingTableOf } from "../modules/snowflake/record-flattener";
import { PipelineOwnership } from "../modules/snowflake/pipeline-ownership";
import { Snowpipe, SnowpipeLoad } from "../modules/snowflake/snowpipe";
import { TableCleaner } from "../modules/snowflake/table-cleaner";
import { StorageIntegration } from "../modules/snowflake/storage-integration";
import { ResolvedEnvironment, ResolvedSource, ResolvedTenant } from "./config/resolve";

export interface SourcePipelineProps {
  readonly env: ResolvedEnvironment;
  readonly tenant: ResolvedTenant;
  readonly source: ResolvedSource;
  /** The tenant's log bucket and key. A source on an existing bucket reads that bucket (and its key) instead. */
  readonly bucketName: string;
  readonly kmsKeyArn: string;
  /** The tenant's backup vault, when the tenant is restore-ready: the source also reads its prefix there, through a backup stage. */
  readonly backupVault?: { readonly bucketName: string; readonly kmsKeyArn: string };
  readonly schema: Schema;
  /** The tenant's pipeline role, which comes to own the source's objects, and what it needs first. */
  readonly pipelineRole: { readonly name: string; readonly ready: readonly ITerraformDependable[] };
  /** The role Terraform works as: it creates the objects and hands them over (`PipelineOwnership.operator`). */
  readonly deployRole: string;
  /** FUTURE grants on the tenant schema's objects: every object is created after them, so it gets them. */
  readonly grantsFirst: readonly ITerraformDependable[];
  /** The tenant's alert procedure (`TenantAlertWriter.procedureName`), through which the canary raises alerts. */
  readonly alertProcedure: string;
}

/**
 * What a source's pipe loads and how — its table (a wrapped source's landing table, one row per file,
 * with the first event's time), names and COPY options. The pipe is built from it and `lakehouse
 * backfill` loads through it, so both load a file the same way.
 */
export function pipeLoadOf(env: ResolvedEnvironment, tenant: ResolvedTenant, source: ResolvedSource): SnowpipeLoad {
  const wrapped = source.config.wrappedRecords;
  return {
    database: env.databaseName,
    schema: tenant.schemaName,
    tableName: wrapped !== undefined ? landingTableOf(source.tableName) : source.tableName,
    namePrefix: source.tableName,
    eventTimeField: wrapped !== undefined ? `${wrapped}[0].${source.config.eventTimeField}` : source.config.eventTimeField,
    eventTimeFormat: source.eventTimeFormat,
    fileFormat: source.config.fileFormat === "parquet" ? "PARQUET" : "JSON",
    stripOuterArray: source.config.jsonArray ?? false,
  };
}

/**
 * One log source of one tenant, from its bucket prefix to its views: a storage integration and access
 * role scoped to the source's prefix alone, the log table with its views, the Snowpipe, the log
 * canary that alerts when nothing arrives, and the cleaner that enforces the table's retention —
 * all of them then handed over to the tenant's pipeline role. The bucket notification for the prefix
 * is added by the tenant stack (one notification per bucket); a source on an existing bucket reads
 * it where it is, and its owner adds the notification and policy statements `externalAccess` prints.
 */
export class SourcePipeline extends Construct {
  public readonly integration: StorageIntegration;
  public readonly role: SnowflakeAccessRole;
  public readonly table: SemiStructuredTable;
  public readonly pipe: Snowpipe;
  public readonly canary: LogCanary;
  public readonly cleaner: TableCleaner;
  /** Wrapped sources only: landing table, stream and flattening task, and the landing table's cleaner. */
  public readonly flattener?: RecordFlattener;
  public readonly landingCleaner?: TableCleaner;
  public readonly ownership: PipelineOwnership;
  /** Every object the pipeline makes in the tenant's schema (the ones handed over), for `depends_on` of ALL grants. */
  public readonly objects: readonly TerraformResource[];

  constructor(scope: Construct, id: string, props: SourcePipelineProps) {
    super(scope, id);
    const { env, tenant, source } = props;
    const first = [props.schema, ...props.grantsFirst];
    const label = `${source.name} logs of tenant ${tenant.id}`;
    // A source on an existing bucket reads it, with its key through S3 only (the owner's key policy
    // admits the role that way: stacks/external-access.ts); the vault holds nothing of it.
    const existing = source.existingBucket;
    const bucketName = existing ? existing.name : props.bucketName;
    const backupVault = existing ? undefined : props.backupVault;
    // Buckets known by name, in the tenant's partition (a bucket of another account is in it too: no
    // access crosses partitions).
    const bucket = LogBucket.named(bucketName, { region: tenant.region });
    const vault = backupVault ? BackupVault.named(backupVault.bucketName, { region: tenant.region }) : undefined;

    this.integration = new StorageIntegration(this, "Integration", {
      name: source.storageIntegrationName,
      roleArn: SnowflakeAccessRole.arnFor(tenant.accountId, source.accessRoleName, tenant.region),
      allowedLocations: [`s3://${bucketName}/${source.keyPrefix}`, ...(backupVault ? [`s3://${backupVault.bucketName}/${source.keyPrefix}`] : [])],
      comment: label,
    });

    this.role = new SnowflakeAccessRole(this, "AccessRole", {
      roleName: source.accessRoleName,
      accountId: tenant.accountId,
      snowflakeIamUserArn: this.integration.iamUserArn,
      externalId: this.integration.externalId,
      bucketArn: bucket.bucketArn,
      prefixes: [source.keyPrefix],
      kmsKeyArn: existing ? existing.kmsKeyArn : props.kmsKeyArn,
      kmsViaService: existing?.kmsKeyArn ? s3Service(tenant.region) : undefined,
      backup: backupVault && vault ? { bucketArn: vault.bucketArn, kmsKeyArn: backupVault.kmsKeyArn } : undefined,
    });

    this.table = new SemiStructuredTable(this, "Table", {
      database: env.databaseName,
      schema: tenant.schemaName,
      tableName: source.tableName,
      comment: label,
      clusterBy: source.config.clusteringKeys,
      dataRetentionDays: env.timeTravelDays,
      views: source.config.views,
      searchOptimizationPaths: source.config.searchOptimizationPaths,
      waitFor: first,
    });

    const wrapped = source.config.wrappedRecords;
    if (wrapped !== undefined) {
      this.flattener = new RecordFlattener(this, "Flattener", {
        database: env.databaseName,
        schema: tenant.schemaName,
        tableName: source.tableName,
        recordsPath: wrapped,
        eventTimeField: source.config.eventTimeField,
        eventTimeFormat: source.eventTimeFormat,
        comment: label,
        waitFor: [...first, this.table.table],
      });
      this.landingCleaner = new TableCleaner(this, "LandingCleaner", {
        database: env.databaseName,
        schema: tenant.schemaName,
        tableName: this.flattener.landingTable,
        retentionDays: source.landingRetentionDays,
        waitFor: [...first, this.flattener.landing],
      });
    }

    // A wrapped source's pipe loads the landing table, one row per file, with the first event's time.
    this.pipe = new Snowpipe(this, "Pipe", {
      ...pipeLoadOf(env, tenant, source),
      bucketName,
      backupBucketName: backupVault?.bucketName,
      keyPrefix: source.keyPrefix,
      storageIntegrationName: this.integration.integrationName,
      storageIntegrationReplacementTrigger: this.integration.replacementTrigger,
      waitFor: [...first, this.flattener?.landing ?? this.table.table, this.role.permissions],
      comment: label,
    });

    // Alerts go through the tenant's alert procedure (the canary's owner has no privilege on the alert store).
    this.canary = new LogCanary(this, "Canary", {
      database: env.databaseName,
      schema: tenant.schemaName,
      tableName: source.tableName,
      alertProcedure: props.alertProcedure,
      windowMinutes: source.canary.windowMinutes,
      suppressionMinutes: source.canary.suppressionMinutes,
      schedule: source.canary.schedule,
      enabled: source.canary.enabled,
      pipeName: this.pipe.pipeName,
      waitFor: [...first, this.table.table],
    });

    this.cleaner = new TableCleaner(this, "Cleaner", {
      database: env.databaseName,
      schema: tenant.schemaName,
      tableName: source.tableName,
      retentionDays: source.tableRetentionDays,
      waitFor: [...first, this.table.table],
    });

    const owned = [
      ...this.table.ownedObjects,
      ...(this.flattener?.ownedObjects ?? []),
      ...this.pipe.ownedObjects,
      ...this.canary.ownedObjects,
      ...this.cleaner.ownedObjects,
      ...(this.landingCleaner?.ownedObjects ?? []),
    ];
    this.objects = owned.map((o) => o.resource);
    this.ownership = new PipelineOwnership(this, "Ownership", {
      role: props.pipelineRole.name,
      operator: props.deployRole,
      objects: owned,
      storageIntegration: source.storageIntegrationName,
      waitFor: [...props.pipelineRole.ready, this.integration.integration],
    });
  }
}
