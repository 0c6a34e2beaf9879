import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ObjectStore } from "./types";

export interface S3ObjectStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** The bucket's KMS key (id or ARN): every put names it, since the bucket policy denies other puts. */
  readonly kmsKeyId: string;
}

/** ObjectStore on S3: PutObject with SSE-KMS, GetObject with "no such key" as undefined. */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly options: S3ObjectStoreOptions) {
    if (!options.bucket) throw new Error("S3ObjectStore: bucket is empty");
    if (!options.kmsKeyId) throw new Error("S3ObjectStore: kmsKeyId is empty (puts without SSE-KMS are denied by the bucket policy)");
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    try {
      await this.options.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ServerSideEncryption: "aws:kms",
          SSEKMSKeyId: this.options.kmsKeyId,
        }),
      );
    } catch (err) {
      throw new Error(`S3 PutObject s3://${this.options.bucket}/${key} failed: ${describe(err)}`);
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const res = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (!res.Body) throw new Error("empty body");
      return Buffer.from(await res.Body.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new Error(`S3 GetObject s3://${this.options.bucket}/${key} failed: ${describe(err)}`);
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
