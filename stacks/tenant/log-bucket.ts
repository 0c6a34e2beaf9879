import { BackupVault } from "../../modules/aws/backup-vault";
import { KmsKey } from "../../modules/aws/kms-key";
import { LogBucket, LogBucketWriter } from "../../modules/aws/log-bucket";
import { RESTORE_STATE_KEY_PREFIX } from "../../modules/aws/tenant-access-roles";
import { SourcePipeline } from "../source-pipeline";
import { AccessLogTarget } from "./access-logs";
import { TenantWriters, writerRoleArnsOf } from "./ingest";
import { TenantScope } from "./scope";
import { TenantSources, organizationTrailOf } from "./sources";

/**
 * The tenant's raw log bucket, made after what writes into it (its policy names their roles): per
 * source in it a retention rule, a notification to the source's pipe and who may write its prefix;
 * replicated into the backup vault when there is one.
 */
export function tenantLogBucket(
  { stack, tenant }: TenantScope,
  p: {
    key: KmsKey;
    sources: TenantSources;
    accessLogs: AccessLogTarget;
    pipelines: ReadonlyMap<string, SourcePipeline>;
    writers: TenantWriters;
    vault: BackupVault | undefined;
  },
): LogBucket {
  const { inBucket, streamed } = p.sources;
  const { deliveries } = p.writers;
  const vault = p.vault;
  const backup = tenant.backup;
  return new LogBucket(stack, "LogBucket", {
    bucketName: tenant.bucketName,
    accountId: tenant.accountId,
    region: tenant.region,
    kmsKeyArn: p.key.keyArn,
    accessLogging: { ...p.accessLogs(tenant.region), targetPrefix: `${tenant.bucketName}/` },
    retentionRules: [
      ...inBucket.map((s) => ({ prefix: s.keyPrefix, expirationDays: s.retentionDays, transitions: s.transitions })),
      // Failed records are kept as long as the source's files: they are the same logs, not yet loaded.
      ...streamed.map((s) => ({ prefix: deliveries.get(s.name)!.errorPrefix, expirationDays: s.retentionDays })),
    ],
    objectLock: tenant.config.objectLock,
    // S3 Batch Operations writes its restore completion reports SSE-S3, always (S3 User Guide, "Examples:
    // S3 Batch Operations completion reports"), under the report prefix restore gives it (cli/restore/backup.ts).
    sseS3KeyPatterns: vault ? [`${RESTORE_STATE_KEY_PREFIX}*/reports/job-*`] : [],
    notifications: inBucket.map((s) => ({
      prefix: s.keyPrefix,
      suffix: s.config.fileSuffix,
      queueArn: p.pipelines.get(s.name)!.pipe.notificationChannel,
    })),
    writers: [
      ...inBucket.map((s): LogBucketWriter => {
        const trail = organizationTrailOf(s);
        return {
          prefix: s.keyPrefix,
          servicePrincipal: s.config.delivery.servicePrincipal,
          roleArns: [...(s.config.delivery.writerRoleArns ?? []), ...writerRoleArnsOf(p.writers, s.name)],
          // An organization trail writes its organization's logs, and its management account's
          // (CloudTrail User Guide, "Amazon S3 bucket policy for CloudTrail": organization trails).
          ...(trail ? { sourceArn: trail.trailArn, keyPrefixes: [`AWSLogs/${trail.organizationId}/`, `AWSLogs/${trail.trailArn.split(":")[4]}/`] } : {}),
        };
      }),
      ...[...deliveries.values()].map((d): LogBucketWriter => ({ prefix: d.errorPrefix, roleArns: [d.delivery.roleArn] })),
    ].filter((w) => w.servicePrincipal || (w.roleArns?.length ?? 0) > 0),
    replication:
      vault && backup
        ? {
            roleArn: vault.replicationRoleArn,
            destinationBucketArn: vault.bucketArn,
            destinationKmsKeyArn: vault.kmsKeyArn,
            ruleId: vault.replicationRuleId,
            storageClass: backup.storageClass,
            waitFor: vault.readyForReplication,
          }
        : undefined,
  });
}
