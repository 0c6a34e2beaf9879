import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { BackupVault } from "../../modules/aws/backup-vault";
import { KmsKey } from "../../modules/aws/kms-key";
import { SnowflakeAccessRole } from "../../modules/aws/snowflake-access-role";
import { TenantAccessRoles } from "../../modules/aws/tenant-access-roles";
import { useProvider } from "../providers";
import { AccessLogTarget } from "./access-logs";
import { AlarmRouting } from "./alarms";
import { TenantScope } from "./scope";
import { TenantSources } from "./sources";

/**
 * The tenant's backup vault (its own, in its region), unless backups are off: the whole log bucket
 * replicates into it with its keys, so one vault per tenant keeps tenants apart without a tenant prefix
 * in every key. A vault in another region is made with `vaultProvider`; its failure alarms stay in the
 * tenant's region (`aws`), where S3 publishes the replication metrics of the tenant's bucket.
 */
export function tenantBackupVault(
  { stack, tenant }: TenantScope,
  p: { key: KmsKey; sources: TenantSources; accessLogs: AccessLogTarget; alarms: AlarmRouting; aws: AwsProvider; vaultProvider: AwsProvider | undefined },
): BackupVault | undefined {
  const backup = tenant.backup;
  if (!backup) return undefined;
  const accountId = tenant.accountId;
  const elsewhere = backup.region !== tenant.region ? backup.region : undefined;
  const operators = (tenant.config.access?.operators?.length ?? 0) > 0;
  const vault = new BackupVault(stack, "BackupVault", {
    bucketName: backup.vaultBucketName,
    accountId,
    region: backup.region,
    accessLogging: { ...p.accessLogs(backup.region), targetPrefix: `${backup.vaultBucketName}/` },
    adminRoleArns: backup.adminRoleArns,
    planRoleArns: backup.planRoleArns,
    replicationRoleName: backup.replicationRoleName,
    objectLock: backup.objectLock,
    retentionFloorDays: backup.retentionFloorDays,
    staleAfterHours: backup.staleAfterHours,
    tenants: [
      {
        id: tenant.id,
        prefix: "",
        retentionDays: backup.retentionDays,
        storageClass: backup.storageClass,
        sourceBucketName: tenant.bucketName,
        sourceRegion: tenant.region,
        sourceKmsKeyArn: p.key.keyArn,
        // The tenant's operators restore (aws/tenant-access-roles makes the roles only for named operators).
        ...(operators
          ? {
              restoreRoleArn: TenantAccessRoles.restoreRoleArnFor(accountId, tenant.awsRolePrefix, tenant.region),
              restoreBatchRoleArn: TenantAccessRoles.restoreBatchRoleArnFor(accountId, tenant.awsRolePrefix, tenant.region),
            }
          : {}),
        // A restore-ready tenant's sources read their prefixes of the vault through their backup stages.
        readerRoleArns: backup.restoreReady ? p.sources.inBucket.map((s) => SnowflakeAccessRole.arnFor(accountId, s.accessRoleName, tenant.region)) : [],
      },
    ],
    alarmTopicArn: p.alarms.topicArnIn(backup.region),
    alarmsWithoutActionsReason: p.alarms.topicArn ? undefined : p.alarms.withoutTopicReason,
    sourceRegionAlarms: elsewhere ? { provider: p.aws, alarmTopicArn: p.alarms.topicArn } : undefined,
  });
  if (p.vaultProvider) useProvider(vault, p.vaultProvider);
  return vault;
}
