/**
 * IAM policy documents as typed values, merged from one statement builder per concern and rendered
 * once (STYLE 6). Values may hold cdktf tokens (ARNs known only at apply); `JSON.stringify` keeps
 * them as `${…}` interpolations that Terraform resolves.
 */
export type Condition = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | { readonly AWS?: string | string[]; readonly Service?: string | string[] };
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  /** Every resource but these (in a bucket policy: every key of the bucket but these). Only where `Resource` cannot say it. */
  readonly NotResource?: string | string[];
  readonly Condition?: Condition;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** Builds a document; statement ids must be unique so reviewers can follow a statement across versions. */
export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
  const seen = new Set<string>();
  for (const s of statements) {
    if (seen.has(s.Sid)) throw new Error(`duplicate policy statement id ${s.Sid}`);
    seen.add(s.Sid);
  }
  return { Version: "2012-10-17", Statement: statements };
}

export function renderPolicy(doc: PolicyDocument): string {
  return JSON.stringify(doc);
}

/** S3's service name in a region, as `kms:ViaService` sees it (`s3.<region>.amazonaws.com`). */
export function s3Service(region: string): string {
  return `s3.${region}.amazonaws.com`;
}

/** Read actions on objects, kept as named constants (STYLE 5). */
export const S3_OBJECT_READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion"];
export const KMS_DECRYPT_ACTIONS = ["kms:Decrypt", "kms:DescribeKey"];

/**
 * Read (and list) exactly the given key prefixes of a bucket and decrypt with its key — what the
 * Snowflake access role and a tenant's read role both grant. Without a key (an SSE-S3 bucket) nothing
 * is decrypted; with `viaService` (`s3.<region>.amazonaws.com`) only requests S3 makes on the role's
 * behalf may decrypt (`kms:ViaService`).
 */
export function readPrefixesStatements(bucketArn: string, prefixes: readonly string[], kmsKeyArn: string | undefined, viaService?: string): PolicyStatement[] {
  return [
    { Sid: "ReadObjectsUnderPrefixes", Effect: "Allow", Action: S3_OBJECT_READ_ACTIONS, Resource: prefixes.map((prefix) => `${bucketArn}/${prefix}*`) },
    {
      Sid: "ListOnlyPrefixes",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": prefixes.map((prefix) => `${prefix}*`) } },
    },
    { Sid: "LocateBucket", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: bucketArn },
    ...(kmsKeyArn === undefined
      ? []
      : [
          viaService === undefined
            ? { Sid: "DecryptWithBucketKey", Effect: "Allow" as const, Action: KMS_DECRYPT_ACTIONS, Resource: kmsKeyArn }
            : {
                Sid: "DecryptWithBucketKeyThroughS3",
                Effect: "Allow" as const,
                Action: "kms:Decrypt",
                Resource: kmsKeyArn,
                Condition: { StringEquals: { "kms:ViaService": viaService } },
              },
        ]),
  ];
}

/** A statement as read back from a synthesized policy document (any shape a policy may take). */
export interface ParsedStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of a policy JSON string; undefined if it is not a policy document. */
export function parsePolicyStatements(value: unknown): ParsedStatement[] | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const doc = JSON.parse(value) as { Statement?: ParsedStatement | ParsedStatement[] };
    if (!doc.Statement) return undefined;
    return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  } catch {
    return undefined;
  }
}

/** A policy element that may be one string or a list of them, as a list. */
export function asList(v: unknown): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}
