import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { z } from "zod";
import { PolicyStatement } from "../core/iam";
import { dependables } from "../core/validate";

/**
 * The hardening every bucket of this library gets, shared by the AWS bucket modules: versioning on,
 * all public access blocked, ACLs disabled (bucket owner enforced). Child ids are stable
 * (`Versioning`, `PublicAccessBlock`, `Ownership`) so addresses do not churn between versions.
 * Returns the versioning (object lock needs it enabled first) and the public access block (the
 * bucket policy waits for it).
 */
export function hardenBucket(scope: Construct, bucketId: string): { versioning: S3BucketVersioningA; publicAccessBlock: S3BucketPublicAccessBlock } {
  const versioning = new S3BucketVersioningA(scope, "Versioning", {
    bucket: bucketId,
    versioningConfiguration: { status: "Enabled" },
  });
  new S3BucketOwnershipControls(scope, "Ownership", {
    bucket: bucketId,
    rule: { objectOwnership: "BucketOwnerEnforced" },
  });
  const publicAccessBlock = new S3BucketPublicAccessBlock(scope, "PublicAccessBlock", {
    bucket: bucketId,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  return { versioning, publicAccessBlock };
}

/** Deny any request that is not over TLS, or over TLS older than 1.2. */
export function tlsOnlyStatements(bucketArn: string): PolicyStatement[] {
  const resources = [bucketArn, `${bucketArn}/*`];
  return [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyTlsOlderThan12",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
    },
  ];
}

/** The props schema of a bucket module's `accessLogging` (target bucket, prefix, what to wait for). */
export const accessLoggingSchema = z.object({ targetBucket: z.string().min(3), targetPrefix: z.string().optional(), waitFor: dependables() });

/** The bucket's access logging (child id `AccessLogging`, stable across the modules that use it). */
export function logAccessTo(scope: Construct, bucketId: string, bucketName: string, logging: z.output<typeof accessLoggingSchema>): S3BucketLoggingA {
  return new S3BucketLoggingA(scope, "AccessLogging", {
    bucket: bucketId,
    targetBucket: logging.targetBucket,
    targetPrefix: logging.targetPrefix ?? `${bucketName}/`,
    dependsOn: logging.waitFor.length > 0 ? [...logging.waitFor] : undefined,
  });
}
