import { Lazy, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { TenantAccessRoles } from "../modules/aws/tenant-access-roles";
import { partitionOfRegion, s3BucketArn } from "../modules/core/arn";
import { previewFeaturesFor } from "../modules/core/snowflake-preview";
import { stampModule } from "../modules/core/stamp";
import { configureBackend } from "./backend";
import { ResolvedEnvironment, ResolvedLakehouse, ResolvedTenant } from "./config/resolve";
import { requireProviderVersions } from "./providers";
import { TENANT_OUTPUTS, declareOutputs } from "./outputs";
import { SourcePipeline } from "./source-pipeline";
import { accessLogTargets } from "./tenant/access-logs";
import { alarmRouting } from "./tenant/alarms";
import { tenantBackupVault } from "./tenant/backup";
import { deliveryStreams, kafkaConsumers, logPullers } from "./tenant/ingest";
import { tenantKey } from "./tenant/key";
import { tenantLogBucket } from "./tenant/log-bucket";
import { tenantOutputs } from "./tenant/outputs";
import { sourcePipelines } from "./tenant/pipelines";
import { tenantProviders, vaultProvider } from "./tenant/providers";
import { TENANT_STACK_MODULE, TenantScope } from "./tenant/scope";
import { tenantSnowflake } from "./tenant/snowflake";
import { sourcesByDelivery } from "./tenant/sources";

/**
 * One tenant in one environment, in the tenant's region on both clouds (data locality): the tenant's
 * KMS key and raw log bucket, its Snowflake schema, the tenant's roles (Snowflake reader / analyst /
 * pipeline on its schema; AWS read / ops on its prefixes and key, for the principals the config names)
 * and one pipeline per source, owned by the tenant's pipeline role. Its own state, so a plan touches one
 * tenant only. In the environment's AWS account, or with `awsAccountId` in the tenant's own, which its
 * providers reach by assuming the tenant's deploy role there (docs/accounts.md).
 *
 * Built in steps (stacks/tenant/), each in the order its resources were always made: Terraform's
 * logical ids and the synthesized JSON's order depend on it.
 */
export class TenantStack extends TerraformStack {
  /** The pipelines, by source name. */
  public readonly pipelines: ReadonlyMap<string, SourcePipeline>;

  constructor(scope: Construct, lakehouse: ResolvedLakehouse, env: ResolvedEnvironment, tenant: ResolvedTenant) {
    super(scope, tenant.stackName);
    configureBackend(this, tenant.stackName, env.config);
    stampModule(this, TENANT_STACK_MODULE);
    const at: TenantScope = { stack: this, lakehouse, env, tenant };

    const providers = tenantProviders(at);
    const { snowflake } = providers;
    requireProviderVersions(this, env.config.providerVersions);
    const sources = sourcesByDelivery(tenant);
    const key = tenantKey(at, sources);
    const snowflakeSide = tenantSnowflake(at, providers);
    const alarms = alarmRouting(at);

    const backupProvider = vaultProvider(at, providers);
    const accessLogs = accessLogTargets(at, backupProvider);
    const vault = tenantBackupVault(at, { key, sources, accessLogs, alarms, aws: providers.aws, vaultProvider: backupProvider });

    const pipelines = sourcePipelines(at, { key, vault, snowflake: snowflakeSide, providers });
    this.pipelines = pipelines;

    const pullers = logPullers(at, sources.pulled, key, alarms);
    // The bucket is built below (its policy names the delivery roles); a reference to its name makes
    // Terraform create the bucket before the streams and the error-prefix metric that need it.
    const bucketRef = Lazy.stringValue({ produce: () => logBucket.bucketName });
    const deliveries = deliveryStreams(at, sources.streamed, { key, alarms, bucketName: bucketRef });
    const consumers = kafkaConsumers(at, sources.consumed, key, alarms);
    const writers = { pullers, deliveries, consumers };
    const logBucket = tenantLogBucket(at, { key, sources, accessLogs, pipelines, writers, vault });

    // The AWS roles of the principals `access` names: read and ops on the tenant's prefixes and key, restore with a vault.
    const awsRoles = new TenantAccessRoles(this, "AwsRoles", {
      namePrefix: tenant.awsRolePrefix,
      accountId: tenant.accountId,
      bucketArn: s3BucketArn(partitionOfRegion(tenant.region), tenant.bucketName),
      prefixes: sources.inBucket.map((s) => s.keyPrefix),
      kmsKeyArn: key.keyArn,
      readers: tenant.config.access?.readers,
      operators: tenant.config.access?.operators,
      restore: vault ? { vaultBucketArn: vault.bucketArn, vaultKmsKeyArn: vault.kmsKeyArn } : undefined,
    });

    declareOutputs(this, TENANT_OUTPUTS, tenantOutputs(at, { key, logBucket, awsRoles, snowflake: snowflakeSide, vault, pipelines, writers }));

    snowflake.previewFeaturesEnabled = previewFeaturesFor(this);
  }
}
