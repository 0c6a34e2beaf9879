import { BackupVault } from "../../modules/aws/backup-vault";
import { KmsKey } from "../../modules/aws/kms-key";
import { LogBucket } from "../../modules/aws/log-bucket";
import { TenantAccessRoles } from "../../modules/aws/tenant-access-roles";
import { TENANT_OUTPUTS, defined } from "../outputs";
import { SourcePipeline } from "../source-pipeline";
import { TenantWriters } from "./ingest";
import { TenantScope } from "./scope";
import { TenantSnowflake } from "./snowflake";

/** The values of the tenant stack's outputs (stacks/outputs.ts describes each). */
export function tenantOutputs(
  { env, tenant }: TenantScope,
  p: {
    key: KmsKey;
    logBucket: LogBucket;
    awsRoles: TenantAccessRoles;
    snowflake: TenantSnowflake;
    vault: BackupVault | undefined;
    pipelines: ReadonlyMap<string, SourcePipeline>;
    writers: TenantWriters;
  },
): { readonly [K in keyof typeof TENANT_OUTPUTS]?: unknown } {
  const { logBucket, awsRoles, vault, pipelines } = p;
  const { roles } = p.snowflake;
  const { pullers, deliveries, consumers } = p.writers;
  return {
    log_bucket: { name: logBucket.bucketName, arn: logBucket.bucketArn, kms_key_arn: p.key.keyArn },
    // Only the roles `access` names principals for (aws/tenant-access-roles 0.3.0); none without access.
    aws_roles:
      awsRoles.readRoleArn || awsRoles.opsRoleArn
        ? defined({ read: awsRoles.readRoleArn, ops: awsRoles.opsRoleArn, restore: awsRoles.restoreRoleArn, restore_batch: awsRoles.restoreBatchRoleArn })
        : undefined,
    snowflake: { schema: `${env.databaseName}.${tenant.schemaName}`, reader: roles.readerRole, analyst: roles.analystRole, pipeline: roles.pipelineRole },
    backup_vault: vault && {
      bucket_name: vault.bucketName,
      bucket_arn: vault.bucketArn,
      kms_key_arn: vault.kmsKeyArn,
      replication_role_arn: vault.replicationRoleArn,
    },
    sources: Object.fromEntries(
      tenant.sources.map((s) => {
        const pipeline = pipelines.get(s.name)!;
        const writer = pullers.get(s.name) ?? consumers.get(s.name);
        const stream = deliveries.get(s.name);
        return [
          s.name,
          defined({
            prefix: s.keyPrefix,
            bucket: s.existingBucket?.name,
            table: pipeline.table.qualifiedName,
            pipe: pipeline.pipe.pipeName,
            notification_channel: pipeline.pipe.notificationChannel,
            integration: {
              name: pipeline.integration.integrationName,
              iam_user_arn: pipeline.integration.iamUserArn,
              external_id: pipeline.integration.externalId,
            },
            access_role_arn: pipeline.role.roleArn,
            [pullers.has(s.name) ? "puller" : "kafka"]: writer && { function_name: writer.functionName, secret_arn: writer.secretArn },
            firehose:
              stream &&
              defined({
                delivery_stream_name: stream.delivery.deliveryStreamName,
                delivery_stream_arn: stream.delivery.deliveryStreamArn,
                kinesis_stream_arn: stream.kinesis?.streamArn,
              }),
          }),
        ];
      }),
    ),
  };
}
