import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { Construct } from "constructs";
import { z } from "zod";
import { policyDocument, renderPolicy } from "../../core/iam";
import { stampModule } from "../../core/stamp";
import { AWS_ACCOUNT_ID, S3_BUCKET_NAME, knownString, parseProps, pathOf } from "../../core/validate";
import { hardenBucket, tlsOnlyStatements } from "../s3-hardening";

export const ACCESS_LOG_BUCKET_MODULE = "aws/access-log-bucket" as const;

export interface AccessLogBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** The AWS account whose buckets log here (S3 delivers only for the same account and region). */
  readonly accountId: string;
  /** Access logs expire after this many days. @default 365 */
  readonly expirationDays?: number;
  /** Noncurrent versions expire after this many days. @default 30 */
  readonly noncurrentVersionExpirationDays?: number;
}

const propsSchema = z.object({
  bucketName: knownString(S3_BUCKET_NAME, "a valid S3 bucket name (3-63 of a-z, 0-9, '-')"),
  accountId: knownString(AWS_ACCOUNT_ID, "a 12-digit AWS account id"),
  expirationDays: z.number().int().min(1).default(365),
  noncurrentVersionExpirationDays: z.number().int().min(1).default(30),
});

/**
 * The target of S3 server access logs for the log buckets of one account and region. S3 delivers
 * access logs only to SSE-S3 buckets without object lock, so this bucket uses SSE-S3 (AES256) —
 * the one documented exception to SSE-KMS in this library. TLS-only, private, versioned, expiring.
 */
export class AccessLogBucket extends Construct {
  /** Bucket name. */
  public readonly bucketName: string;
  /** Bucket ARN. */
  public readonly bucketArn: string;
  /** The bucket policy granting log delivery: a bucket that logs here must wait for it. */
  public readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, ACCESS_LOG_BUCKET_MODULE);

    const bucket = new S3Bucket(this, "Resource", { bucket: p.bucketName, forceDestroy: false });
    // Each attribute read makes a new token (with a captured stack trace): read each once.
    const bucketId = bucket.id;
    const bucketArn = bucket.arn;
    this.bucketName = bucket.bucket;
    this.bucketArn = bucketArn;
    const { publicAccessBlock } = hardenBucket(this, bucketId);

    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: bucketId,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    this.policy = new S3BucketPolicy(this, "Policy", {
      bucket: bucketId,
      policy: renderPolicy(
        policyDocument(...tlsOnlyStatements(bucketArn), {
          Sid: "S3ServerAccessLogDelivery",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `${bucketArn}/*`,
          Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
        }),
      ),
      dependsOn: [publicAccessBlock],
    });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: bucketId,
      rule: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: p.expirationDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: p.noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
  }
}
