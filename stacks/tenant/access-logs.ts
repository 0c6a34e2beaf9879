import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ITerraformDependable } from "cdktf";
import { AccessLogBucket } from "../../modules/aws/access-log-bucket";
import { accessLogBucketName, tenantAccessLogBucketName } from "../config/names";
import { useProvider } from "../providers";
import { TenantScope } from "./scope";

/** Where a bucket of the tenant in `region` writes its server access logs. */
export type AccessLogTarget = (region: string) => { targetBucket: string; waitFor?: ITerraformDependable[] };

/**
 * Server access logs stay in their account and region: the platform's buckets, or for a tenant in an
 * account of its own, buckets of its own there (its region, and its vault's), each made when a bucket
 * of that region first asks for it.
 */
export function accessLogTargets({ stack, lakehouse, env, tenant }: TenantScope, vaultProvider: AwsProvider | undefined): AccessLogTarget {
  const accessLogBuckets = new Map<string, AccessLogBucket>();
  return (region) => {
    if (!tenant.ownAccount) return { targetBucket: accessLogBucketName(lakehouse.organization, env.name, env.accountId, region) };
    let bucket = accessLogBuckets.get(region);
    if (!bucket) {
      bucket = new AccessLogBucket(stack, `AccessLogs_${region.replace(/-/g, "_")}`, {
        bucketName: tenantAccessLogBucketName(lakehouse.organization, env.name, tenant.id, tenant.accountId, region),
        accountId: tenant.accountId,
        expirationDays: env.accessLogRetentionDays,
      });
      if (region !== tenant.region) useProvider(bucket, vaultProvider!);
      accessLogBuckets.set(region, bucket);
    }
    // Made here: by reference, after its log-delivery grant (S3 refuses the logging configuration before).
    return { targetBucket: bucket.bucketName, waitFor: [bucket.policy] };
  };
}
