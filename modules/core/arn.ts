import { Token } from "cdktf";

/**
 * ARNs built in one place, in the partition their region belongs to. An ARN starts with
 * `arn:<partition>:`, and the partition is not always `aws`: GovCloud (`us-gov-*`) is `aws-us-gov`,
 * China (`cn-*`) `aws-cn`, and so on. An ARN written `arn:aws:…` for a resource of another partition
 * names nothing, and a policy holding it grants (or denies) nothing.
 */

/** The AWS partitions, by the regions they hold (the AWS SDK's partition table, `@aws-sdk/core` util-endpoints `partitions.js`). */
export const AWS_PARTITIONS = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"] as const;
export type AwsPartition = (typeof AWS_PARTITIONS)[number];

/** Region name prefixes of the partitions other than `aws` (every other region is in `aws`). */
const REGION_PREFIXES: readonly (readonly [string, AwsPartition])[] = [
  ["cn-", "aws-cn"],
  ["us-gov-", "aws-us-gov"],
  ["us-iso-", "aws-iso"],
  ["us-isob-", "aws-iso-b"],
  ["eu-isoe-", "aws-iso-e"],
  ["us-isof-", "aws-iso-f"],
  ["eusc-", "aws-eusc"],
];

/**
 * The partition a region is in: `cn-north-1` → `aws-cn`, `us-gov-west-1` → `aws-us-gov`,
 * `us-iso-east-1` → `aws-iso`, `us-isob-east-1` → `aws-iso-b`, `eu-west-1` → `aws`. A region that is
 * a token (known only at apply) has no partition here: that is a mistake of the caller, and throws.
 */
export function partitionOfRegion(region: string): AwsPartition {
  if (Token.isUnresolved(region)) throw new Error(`partitionOfRegion: the region must be known at synth time, not a token (${region})`);
  return REGION_PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? "aws";
}

const ARN_PARTITION = /^arn:(aws[a-z-]*):/;

/** The partition of an ARN (`arn:aws-us-gov:…` → `aws-us-gov`); undefined for a token or anything else that is not a known ARN. */
export function partitionOfArn(value: string): AwsPartition | undefined {
  if (Token.isUnresolved(value)) return undefined;
  const p = ARN_PARTITION.exec(value)?.[1];
  return (AWS_PARTITIONS as readonly string[]).includes(p ?? "") ? (p as AwsPartition) : undefined;
}

/** The first partition any of `arns` states (tokens and non-ARNs skipped); undefined if none does. */
export function partitionOfArns(arns: readonly (string | undefined)[]): AwsPartition | undefined {
  for (const a of arns) {
    const p = a === undefined ? undefined : partitionOfArn(a);
    if (p) return p;
  }
  return undefined;
}

/** Where an ARN's partition comes from: stated, or the partition of a region. */
export type PartitionSource = { readonly partition: AwsPartition } | { readonly region: string };

/** The partition of a {@link PartitionSource}. */
export function partitionOf(source: PartitionSource): AwsPartition {
  return "partition" in source ? source.partition : partitionOfRegion(source.region);
}

/** The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export type ArnParts = {
  readonly service: string;
  /** Empty for global resources (S3 buckets, IAM). @default "" */
  readonly region?: string;
  /** Empty for S3 buckets. @default "" */
  readonly account?: string;
  /** Everything after the account, e.g. `role/name`, `log-group:/aws/lambda/x`, `bucket/key`. */
  readonly resource: string;
} & (
  | { /** The partition, when no region of it is at hand. */ readonly partition: AwsPartition }
  | { readonly partition?: undefined; /** The partition is the region's. */ readonly region: string }
);

/**
 * An ARN in the right partition. The partition is `partition` when given, else the region's:
 *
 *     arn({ service: "logs", region: "us-gov-west-1", account: "111111111111", resource: "log-group:x" })
 *       → arn:aws-us-gov:logs:us-gov-west-1:111111111111:log-group:x
 *     arn({ partition: "aws-cn", service: "s3", resource: "bucket" }) → arn:aws-cn:s3:::bucket
 *
 * A global resource (S3, IAM) has no region in its ARN: give `partition`, or `partitionOfRegion(r)`.
 */
export function arn(parts: ArnParts): string {
  const partition = parts.partition ?? partitionOfRegion(parts.region);
  return `arn:${partition}:${parts.service}:${parts.region ?? ""}:${parts.account ?? ""}:${parts.resource}`;
}

/** An S3 bucket's ARN, `arn:<partition>:s3:::<bucket>`. */
export function s3BucketArn(partition: AwsPartition, bucketName: string): string {
  return arn({ partition, service: "s3", resource: bucketName });
}

/** An IAM role's ARN, `arn:<partition>:iam::<account>:role/<name>`. */
export function iamRoleArn(partition: AwsPartition, accountId: string, roleName: string): string {
  return arn({ partition, service: "iam", account: accountId, resource: `role/${roleName}` });
}

/** The ARN of an account as a principal (its root), `arn:<partition>:iam::<account>:root`. */
export function accountRootArn(partition: AwsPartition, accountId: string): string {
  return arn({ partition, service: "iam", account: accountId, resource: "root" });
}
