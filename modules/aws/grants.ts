import { AwsPartition, PartitionSource, partitionOf, s3BucketArn } from "../core/arn";
import { Condition, PolicyStatement, readPrefixesStatements } from "../core/iam";

/**
 * Grants as methods (STYLE 5): the statements an identity policy needs to use a bucket or a key, built
 * from the bucket or key once — its ARN in the right partition, objects under a prefix as
 * `<bucket ARN>/<prefix>*` — instead of every module writing `arn:aws:s3:::<name>` by hand. Each
 * statement keeps the id and action order the calling module gives it, so a module that moves onto
 * these synthesizes what it did before.
 *
 * `LogBucket`, `BackupVault` and `KmsKey` hand these out for what they make (`grantRead`, …, and
 * `LogBucket.named` / `BackupVault.named` / `KmsKey.grantsOn` for one made elsewhere or later).
 */

/** One ARN for one prefix or key, a list for a list: the shape a statement's `Resource` had before. */
type OneOrList<T extends string | readonly string[]> = T extends string ? string : string[];

/** Grants on one bucket (and the key its objects are encrypted with). */
export class BucketGrants {
  /** A bucket known by name, in the partition of `where` (a region, or the partition itself). */
  public static named(bucketName: string, where: PartitionSource, kmsKeyArn?: string): BucketGrants {
    return new BucketGrants(s3BucketArn(partitionOf(where), bucketName), kmsKeyArn);
  }

  /** A bucket known by name in a partition. */
  public static inPartition(partition: AwsPartition, bucketName: string, kmsKeyArn?: string): BucketGrants {
    return new BucketGrants(s3BucketArn(partition, bucketName), kmsKeyArn);
  }

  /**
   * @param bucketArn the bucket's ARN (a literal one, or the bucket resource's `arn`)
   * @param kmsKeyArn the key its objects are encrypted with; none for an SSE-S3 bucket
   */
  constructor(
    public readonly bucketArn: string,
    public readonly kmsKeyArn?: string,
  ) {}

  /** ARN pattern of the objects under a key prefix, e.g. `arn:aws:s3:::bucket/okta/*`. */
  public objectsArn(keyPrefix: string): string {
    return `${this.bucketArn}/${keyPrefix}*`;
  }

  /** ARN of one object. */
  public objectArn(key: string): string {
    return `${this.bucketArn}/${key}`;
  }

  /** The objects under one prefix (one ARN) or several (a list). */
  public objectsUnder<T extends string | readonly string[]>(prefixes: T): OneOrList<T> {
    return (typeof prefixes === "string" ? this.objectsArn(prefixes) : prefixes.map((x) => this.objectsArn(x))) as OneOrList<T>;
  }

  /**
   * Read and list exactly these key prefixes, locate the bucket, and decrypt with its key (only in
   * requests S3 makes, with `viaService`): what a reader of some sources needs, and no more.
   * @param sidPrefix put before every statement id (e.g. `Backup`), so two buckets' reads fit in one policy
   */
  public grantRead(prefixes: readonly string[], options: { readonly viaService?: string; readonly sidPrefix?: string } = {}): PolicyStatement[] {
    const statements = readPrefixesStatements(this.bucketArn, prefixes, this.kmsKeyArn, options.viaService);
    return options.sidPrefix ? statements.map((st) => ({ ...st, Sid: `${options.sidPrefix}${st.Sid}` })) : statements;
  }

  /**
   * Put objects under exactly these key prefixes, encrypted with the bucket's key: what a writer of
   * some sources needs (no delete, no other prefix).
   */
  public grantWrite(prefixes: readonly string[], options: { readonly sidPrefix?: string } = {}): PolicyStatement[] {
    const sid = (name: string) => `${options.sidPrefix ?? ""}${name}`;
    return [
      this.grantOnObjects(sid("WriteObjectsUnderPrefixes"), "s3:PutObject", prefixes),
      ...(this.kmsKeyArn === undefined ? [] : [new KeyGrants(this.kmsKeyArn).grant(sid("EncryptWithBucketKey"), KMS_ENCRYPT_ACTIONS)]),
    ];
  }

  /** `actions` on the objects under one prefix or several (`s3:PutObject`, `s3:GetObject`, …). */
  public grantOnObjects(sid: string, actions: string | readonly string[], prefixes: string | readonly string[], condition?: Condition): PolicyStatement {
    return allow(sid, actions, this.objectsUnder(prefixes), condition);
  }

  /** `actions` on one object. */
  public grantOnObject(sid: string, actions: string | readonly string[], key: string): PolicyStatement {
    return allow(sid, actions, this.objectArn(key));
  }

  /** `actions` on the bucket itself (`s3:ListBucket`, `s3:GetBucketLocation`, …). */
  public grantOnBucket(sid: string, actions: string | readonly string[], condition?: Condition): PolicyStatement {
    return allow(sid, actions, this.bucketArn, condition);
  }

  /** List only keys under one prefix or several (`s3:ListBucket` with an `s3:prefix` condition). */
  public grantListUnder(sid: string, prefixes: string | readonly string[]): PolicyStatement {
    const values = typeof prefixes === "string" ? `${prefixes}*` : prefixes.map((x) => `${x}*`);
    return this.grantOnBucket(sid, "s3:ListBucket", { StringLike: { "s3:prefix": values } });
  }
}

/** What encrypting with a key takes: a data key for each object, or a direct encrypt. */
export const KMS_ENCRYPT_ACTIONS = ["kms:GenerateDataKey", "kms:Encrypt"];

/** Grants on one KMS key, known by its ARN. */
export class KeyGrants {
  constructor(public readonly keyArn: string) {}

  /** `actions` with the key, under `condition` (`kms:ViaService`, an encryption context, …). */
  public grant(sid: string, actions: string | readonly string[], condition?: Condition): PolicyStatement {
    return allow(sid, actions, this.keyArn, condition);
  }

  /** `kms:Decrypt` with the key. */
  public grantDecrypt(sid: string, condition?: Condition): PolicyStatement {
    return this.grant(sid, "kms:Decrypt", condition);
  }
}

function allow(sid: string, actions: string | readonly string[], resource: string | string[], condition?: Condition): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: typeof actions === "string" ? actions : [...actions],
    Resource: resource,
    ...(condition ? { Condition: condition } : {}),
  };
}
