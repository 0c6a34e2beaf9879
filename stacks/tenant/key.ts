import { s3Service } from "../../modules/core/iam";
import { KmsKey } from "../../modules/aws/kms-key";
import { TenantScope } from "./scope";
import { TenantSources, organizationTrailOf } from "./sources";

/**
 * The tenant's KMS key: it encrypts the log bucket, the log groups of its functions and streams, and
 * its Kinesis streams; its policy admits the services and the writers of other accounts that put files.
 */
export function tenantKey({ stack, env, tenant }: TenantScope, { pulled, streamed, consumed, inBucket }: TenantSources): KmsKey {
  const accountId = tenant.accountId;
  const writerServices = inBucket.flatMap((s) => (s.config.delivery.servicePrincipal && !organizationTrailOf(s) ? [s.config.delivery.servicePrincipal] : []));
  // Writers and Kinesis producers of other accounts encrypt with the tenant's key through S3 and Kinesis: the key policy must name them.
  const foreign = (arns: readonly string[] | undefined) => (arns ?? []).filter((arn) => arn.split(":")[4] !== accountId);
  const foreignWriters = inBucket.flatMap((s) => foreign(s.config.delivery.writerRoleArns));
  const foreignProducers = streamed.flatMap((s) => foreign(s.config.delivery.firehose!.producerRoleArns));
  return new KmsKey(stack, "LogKey", {
    accountId,
    region: tenant.region,
    aliasName: tenant.kmsAliasName,
    description: `Encrypts the raw logs of tenant ${tenant.id} (${env.name})`,
    writerServicePrincipals: writerServices,
    cloudTrailArns: inBucket.flatMap((s) => (organizationTrailOf(s) ? [organizationTrailOf(s)!.trailArn] : [])),
    // The pullers', delivery streams' and Kafka consumers' log groups are encrypted with the tenant's key.
    cloudWatchLogsRegion: pulled.length + streamed.length + consumed.length > 0 ? tenant.region : undefined,
    crossAccountWriters:
      foreignWriters.length + foreignProducers.length > 0
        ? {
            roleArns: [...foreignWriters, ...foreignProducers],
            viaServices: [
              ...(foreignWriters.length > 0 ? [s3Service(tenant.region)] : []),
              ...(foreignProducers.length > 0 ? [`kinesis.${tenant.region}.amazonaws.com`] : []),
            ],
          }
        : undefined,
  });
}
