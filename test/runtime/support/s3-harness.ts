import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { S3ObjectStore } from "../../../runtime/puller/s3-store";
import type { StoreHarness } from "./scenarios";

export const TEST_KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";

/** The S3-compatible server the runtime checks started, or a clear failure when there is none. */
export async function requireS3Endpoint(): Promise<string> {
  const endpoint = process.env.PULLER_TEST_S3_ENDPOINT;
  if (!endpoint) {
    throw new Error(
      "PULLER_TEST_S3_ENDPOINT is not set: these tests need moto's server. Run them with `bash scripts/runtime-checks.sh`, which installs and starts it.",
    );
  }
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new Error(`the S3-compatible server at ${endpoint} does not answer (${err instanceof Error ? err.message : String(err)}); is moto running?`);
  }
  return endpoint;
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, forcePathStyle: true, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
}

let counter = 0;

/** A fresh bucket per call, so cases never see each other's objects. */
export async function s3Harness(client: S3Client): Promise<StoreHarness & { bucket: string }> {
  const bucket = `puller-test-${process.pid}-${++counter}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const store = new S3ObjectStore({ client, bucket, kmsKeyId: TEST_KMS_KEY });
  return {
    bucket,
    store,
    async listKeys(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const res = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
  };
}
