import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { partitionOfArn, partitionOfRegion, s3BucketArn } from "../../core/arn";
import { stampModule } from "../../core/stamp";
import { awsRegion, dependables, knownKmsKeyArn, parseProps, pathOf } from "../../core/validate";

export const AUDIT_TRAIL_MODULE = "aws/audit-trail" as const;

export interface AuditTrailProps {
  /** Trail name. */
  readonly name: string;
  /**
   * The trail's home region. It decides the partition of the bucket ARNs the event selectors match
   * (`us-gov-*` → `aws-us-gov`, `cn-*` → `aws-cn`, …).
   * @default the partition of `kmsKeyArn`, or `aws` when that is a reference
   */
  readonly region?: string;
  /** Bucket the trail writes to (a `LogBucket` that lets `cloudtrail.amazonaws.com` write `keyPrefix`). */
  readonly bucketName: string;
  /** Key prefix of the trail's files in that bucket (no trailing '/'). @default "cloudtrail" */
  readonly keyPrefix?: string;
  /** Key that encrypts the trail's files (it must let CloudTrail generate data keys). */
  readonly kmsKeyArn: string;
  /** Object-level events (reads, writes, deletes) are recorded for buckets whose names start with this. */
  readonly protectedBucketPrefix: string;
  /**
   * Buckets under `protectedBucketPrefix` whose writes (`PutObject`) are not recorded, only their
   * other object events (reads, deletes, retention changes): the access-log buckets, where every
   * server access log S3 delivers would be an event. The trail's own bucket is always treated so: the
   * trail would record its own deliveries, a loop that only grows.
   * @default none besides the trail's own bucket
   */
  readonly excludedBucketNames?: readonly string[];
  /** Also record write management events (bucket policy, lifecycle, key changes …). @default true */
  readonly includeManagementWrites?: boolean;
  /** Objects to create first (the bucket policy that lets CloudTrail write). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const propsSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$/, "must be 3-128 of [A-Za-z0-9._-], starting with a letter or digit"),
  region: awsRegion().optional(),
  bucketName: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
  keyPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "must be a key prefix without slashes")
    .default("cloudtrail"),
  kmsKeyArn: knownKmsKeyArn(),
  protectedBucketPrefix: z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/, "must be a bucket-name prefix"),
  excludedBucketNames: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "must be an S3 bucket name")).default([]),
  includeManagementWrites: z.boolean().default(true),
  waitFor: dependables(),
});

/**
 * A multi-region CloudTrail trail that records S3 data events (every object read, write and delete)
 * on the log buckets — who touched which log, even where an SCP or object lock stopped them; on its
 * own bucket and the access-log buckets every such event but the deliveries (no feedback loop) — and,
 * by default, write management events (bucket policy, lifecycle, lock, key changes). Files are
 * KMS-encrypted and digest-validated (log file validation), so tampering with the trail's own files
 * is detectable.
 */
export class AuditTrail extends Construct {
  public readonly trailArn: string;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, AUDIT_TRAIL_MODULE);
    const partition = p.region !== undefined ? partitionOfRegion(p.region) : (partitionOfArn(p.kmsKeyArn) ?? "aws");
    const deliveryBuckets = [...new Set([p.bucketName, ...p.excludedBucketNames])].map((b) => `${s3BucketArn(partition, b)}/`);
    const objectEvents = [
      { field: "eventCategory", equalTo: ["Data"] },
      { field: "resources.type", equalTo: ["AWS::S3::Object"] },
    ];
    const selectors = [
      {
        name: "Log bucket object events",
        fieldSelector: [
          ...objectEvents,
          { field: "resources.ARN", startsWith: [s3BucketArn(partition, p.protectedBucketPrefix)], notStartsWith: deliveryBuckets },
        ],
      },
      {
        // Its own bucket and the access-log buckets: every object event but the deliveries (writes).
        name: "Delivery bucket object events but writes",
        fieldSelector: [...objectEvents, { field: "resources.ARN", startsWith: deliveryBuckets }, { field: "eventName", notEquals: ["PutObject"] }],
      },
      ...(p.includeManagementWrites
        ? [
            {
              name: "Management writes",
              fieldSelector: [
                { field: "eventCategory", equalTo: ["Management"] },
                { field: "readOnly", equalTo: ["false"] },
              ],
            },
          ]
        : []),
    ];
    const trail = new Cloudtrail(this, "Resource", {
      name: p.name,
      s3BucketName: p.bucketName,
      s3KeyPrefix: p.keyPrefix,
      kmsKeyId: p.kmsKeyArn,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      advancedEventSelector: selectors,
      dependsOn: p.waitFor.length > 0 ? [...p.waitFor] : undefined,
    });
    this.trailArn = trail.arn;
  }
}
