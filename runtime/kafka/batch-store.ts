import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/** User metadata on every batch object: the offset of its last record (how a retry recognises it). */
export const LAST_OFFSET_METADATA = "kafka-last-offset";

/** Where batch objects go: puts with user metadata, and a look at an existing object's metadata. */
export interface BatchStore {
  put(key: string, body: Buffer, contentType: string, metadata: Readonly<Record<string, string>>): Promise<void>;
  /** The object's user metadata, or undefined when there is no such key. */
  head(key: string): Promise<Readonly<Record<string, string>> | undefined>;
}

export interface S3BatchStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** The bucket's KMS key (id or ARN): every put names it, since the bucket policy denies other puts. */
  readonly kmsKeyId: string;
}

/** BatchStore on S3: PutObject with SSE-KMS and metadata, HeadObject with "no such key" as undefined. */
export class S3BatchStore implements BatchStore {
  constructor(private readonly options: S3BatchStoreOptions) {
    if (!options.bucket) throw new Error("S3BatchStore: bucket is empty");
    if (!options.kmsKeyId) throw new Error("S3BatchStore: kmsKeyId is empty (puts without SSE-KMS are denied by the bucket policy)");
  }

  async put(key: string, body: Buffer, contentType: string, metadata: Readonly<Record<string, string>>): Promise<void> {
    const { client, bucket, kmsKeyId } = this.options;
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          Metadata: { ...metadata },
          ServerSideEncryption: "aws:kms",
          SSEKMSKeyId: kmsKeyId,
        }),
      );
    } catch (err) {
      throw new Error(`S3 PutObject s3://${bucket}/${key} failed: ${describe(err)}`);
    }
  }

  async head(key: string): Promise<Readonly<Record<string, string>> | undefined> {
    try {
      const res = await this.options.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return res.Metadata ?? {};
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404) return undefined;
      throw new Error(`S3 HeadObject s3://${this.options.bucket}/${key} failed: ${describe(err)}`);
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
