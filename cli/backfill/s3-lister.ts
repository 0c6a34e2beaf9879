import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { ListPage, ObjectLister } from "./listing";

/** ObjectLister on S3 (ListObjectsV2; s3:ListBucket on the prefix is what it needs). */
export class S3Lister implements ObjectLister {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** MaxKeys per page (S3 returns at most 1,000). */
    private readonly pageSize = 1000,
  ) {}

  async page(prefix: string, delimiter: "/" | undefined, token: string | undefined): Promise<ListPage> {
    try {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token, MaxKeys: this.pageSize }),
      );
      return {
        objects: (res.Contents ?? [])
          .filter((o) => o.Key !== undefined)
          .map((o) => ({ key: o.Key!, size: o.Size ?? 0, lastModifiedMs: o.LastModified?.getTime() ?? 0 })),
        prefixes: (res.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])),
        next: res.IsTruncated ? res.NextContinuationToken : undefined,
      };
    } catch (err) {
      throw new Error(`S3 ListObjectsV2 s3://${this.bucket}/${prefix} failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
  }
}
