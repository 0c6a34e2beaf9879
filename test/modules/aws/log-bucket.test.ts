import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { LogBucket, LogBucketProps } from "../../../modules/aws/log-bucket";
import { MODULE_VERSIONS } from "../../../modules/core/versions";
import { onlyResource, resourcesOf, stampOf, statementsBySid, synthJson, synthWithMetadata, testStack } from "../../support/synth";
import { ACCOUNT_ID, KMS_KEY_ARN as KEY, SECOND_KMS_KEY_ARN as VAULT_KEY } from "../../support/fixtures";

const base: LogBucketProps = {
  bucketName: "acme-prod-globex-logs",
  accountId: ACCOUNT_ID,
  accessLogging: { targetBucket: "acme-prod-access-logs" },
  retentionRules: [{ prefix: "okta/", expirationDays: 365 }],
};

function synth(props: Partial<LogBucketProps> = {}) {
  const stack = testStack();
  const bucket = new LogBucket(stack, "Logs", { ...base, ...props });
  return { json: synthJson(stack), bucket };
}

describe("LogBucket", () => {
  test("defaults are secure: versioned, KMS with a rotating customer key, private, owner-enforced, kept on destroy", () => {
    const { json } = synth();
    expect(onlyResource(json, "aws_s3_bucket")).toMatchObject({ bucket: "acme-prod-globex-logs", force_destroy: false });
    expect(onlyResource(json, "aws_s3_bucket_versioning")).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls")).toMatchObject({ rule: { object_ownership: "BucketOwnerEnforced" } });
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    const sse = onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration") as {
      rule: { apply_server_side_encryption_by_default: Record<string, string>; bucket_key_enabled: boolean }[];
    };
    expect(sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("aws:kms");
    expect(sse.rule[0].apply_server_side_encryption_by_default.kms_master_key_id).toMatch(/aws_kms_key\..*\.arn/);
    expect(sse.rule[0].bucket_key_enabled).toBe(true);
    expect(resourcesOf(json, "aws_s3_bucket_object_lock_configuration")).toHaveLength(0);
  });

  test("the bucket policy denies non-TLS, old TLS, and puts naming another algorithm, another key or no key, and waits for the public access block", () => {
    const { json } = synth({ kmsKeyArn: KEY });
    const policy = onlyResource(json, "aws_s3_bucket_policy");
    expect(String((policy.depends_on as string[])[0])).toMatch(/^aws_s3_bucket_public_access_block\./);
    const s = statementsBySid(policy.policy);
    expect(s.DenyInsecureTransport).toMatchObject({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(s.DenyTlsOlderThan12).toMatchObject({ Effect: "Deny", Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } });
    // Each deny is guarded by Null on its header: a put without SSE headers gets the bucket's default (this key) and is let through (issue 16, item 1).
    expect(s.DenyNonKmsEncryptedPuts).toMatchObject({
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: expect.stringMatching(/\/\*$/),
      Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption": "false" } },
    });
    expect(s.DenyWrongKmsKeyPuts).toMatchObject({
      Effect: "Deny",
      Condition: {
        StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY },
        Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
      },
    });
    // aws:kms without a key id would be encrypted with the AWS managed key aws/s3.
    expect(s.DenyKmsPutsWithoutKeyId).toMatchObject({
      Effect: "Deny",
      Condition: { StringEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "true" } },
    });
    expect(s.DenyNonKmsOrS3EncryptedPuts).toBeUndefined();
    expect(String(policy.policy)).not.toMatch(/IfExists/);
    expect(Object.values(s).filter((st) => st.Effect === "Allow")).toHaveLength(0);
    expect(resourcesOf(json, "aws_kms_key")).toHaveLength(0);
  });

  test("SSE-S3 puts are allowed only under CloudTrail digests and the given key patterns (issue 16, item 2)", () => {
    const { json } = synth({
      kmsKeyArn: KEY,
      writers: [{ prefix: "cloudtrail/", servicePrincipal: "cloudtrail.amazonaws.com" }],
      sseS3KeyPatterns: ["_restore-state/*/reports/job-*"],
    });
    const s = statementsBySid(onlyResource(json, "aws_s3_bucket_policy").policy);
    const exempt = [
      expect.stringMatching(/\.arn\}\/cloudtrail\/AWSLogs\/\*\/CloudTrail-Digest\/\*$/),
      expect.stringMatching(/\.arn\}\/_restore-state\/\*\/reports\/job-\*$/),
    ];
    expect(s.DenyNonKmsEncryptedPuts.Resource).toBeUndefined();
    expect(s.DenyNonKmsEncryptedPuts).toMatchObject({ NotResource: exempt });
    expect(s.DenyNonKmsOrS3EncryptedPuts).toMatchObject({
      Resource: exempt,
      Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": ["aws:kms", "AES256"] }, Null: { "s3:x-amz-server-side-encryption": "false" } },
    });
  });

  test("lifecycle: per-prefix expiry and transitions, bucket-wide hygiene, every rule with a filter (no provider 6.x warning)", () => {
    const { json } = synth({
      retentionRules: [
        {
          prefix: "okta/",
          expirationDays: 400,
          transitions: [
            { days: 30, storageClass: "STANDARD_IA" },
            { days: 180, storageClass: "DEEP_ARCHIVE" },
          ],
        },
        { prefix: "cloudtrail/", expirationDays: 730 },
      ],
    });
    const rules = (onlyResource(json, "aws_s3_bucket_lifecycle_configuration") as { rule: Record<string, unknown>[] }).rule;
    expect(rules).toHaveLength(3);
    for (const rule of rules) {
      expect(rule.status).toBe("Enabled");
      expect(rule.filter).toEqual([{ prefix: expect.any(String) }]);
    }
    expect(rules[0]).toMatchObject({
      filter: [{ prefix: "okta/" }],
      expiration: [{ days: 400 }],
      transition: [
        { days: 30, storage_class: "STANDARD_IA" },
        { days: 180, storage_class: "DEEP_ARCHIVE" },
      ],
    });
    expect(rules[1]).toMatchObject({ filter: [{ prefix: "cloudtrail/" }], expiration: [{ days: 730 }] });
    expect(rules[2]).toMatchObject({
      filter: [{ prefix: "" }],
      noncurrent_version_expiration: [{ noncurrent_days: 30 }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    });
    expect(rules[2].expiration).toBeUndefined();
  });

  test("access logs go to the given bucket under the bucket's own prefix", () => {
    const { json } = synth();
    expect(onlyResource(json, "aws_s3_bucket_logging")).toMatchObject({ target_bucket: "acme-prod-access-logs", target_prefix: "acme-prod-globex-logs/" });
  });

  test("object lock is a separate configuration (no bucket replacement) with the given mode and days", () => {
    const { json } = synth({ objectLock: { mode: "COMPLIANCE", days: 365 } });
    expect(onlyResource(json, "aws_s3_bucket").object_lock_enabled).toBeUndefined();
    expect(onlyResource(json, "aws_s3_bucket_object_lock_configuration")).toMatchObject({
      object_lock_enabled: "Enabled",
      rule: { default_retention: { mode: "COMPLIANCE", days: 365 } },
    });
    // S3 refuses object lock on a bucket whose versioning is not yet Enabled (seen against the emulator).
    expect(onlyResource(json, "aws_s3_bucket_object_lock_configuration").depends_on).toEqual([
      expect.stringMatching(/^aws_s3_bucket_versioning\.Logs_Versioning_/),
    ]);
  });

  test("a bucket logging into a target made in the same stack waits for the target's grant", () => {
    const stack = testStack();
    // A real reference (a token), not text spelling one: text with ${ is escaped as literal text.
    const target = new S3Bucket(stack, "Target", { bucket: "acme-prod-111111111111-us-east-1-s3-access-logs" });
    new LogBucket(stack, "Logs", { ...base, accessLogging: { targetBucket: target.bucket, waitFor: [{ fqn: "aws_s3_bucket_policy.TargetPolicy" }] } });
    expect(onlyResource(synthJson(stack), "aws_s3_bucket_logging")).toMatchObject({
      target_bucket: "${aws_s3_bucket.Target.bucket}",
      depends_on: ["aws_s3_bucket_policy.TargetPolicy"],
    });
  });

  test("one notification resource lists a queue per prefix", () => {
    const { json } = synth({
      notifications: [
        { prefix: "okta/", queueArn: "arn:aws:sqs:eu-west-1:999999999999:sf-snowpipe-1" },
        { prefix: "cloudtrail/", suffix: ".json.gz", queueArn: "arn:aws:sqs:eu-west-1:999999999999:sf-snowpipe-1" },
      ],
    });
    const n = onlyResource(json, "aws_s3_bucket_notification") as { queue: Record<string, unknown>[] };
    expect(n.queue).toEqual([
      expect.objectContaining({ events: ["s3:ObjectCreated:*"], filter_prefix: "okta/", queue_arn: "arn:aws:sqs:eu-west-1:999999999999:sf-snowpipe-1" }),
      expect.objectContaining({ filter_prefix: "cloudtrail/", filter_suffix: ".json.gz" }),
    ]);
  });

  test("native writers may put under their prefix only for this account, and may use the created key", () => {
    const { json } = synth({ writers: [{ prefix: "cloudtrail/", servicePrincipal: "cloudtrail.amazonaws.com" }] });
    const s = statementsBySid(onlyResource(json, "aws_s3_bucket_policy").policy);
    expect(s.WriterCloudtrailServicePut).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
    });
    expect(String(s.WriterCloudtrailServicePut.Resource)).toMatch(/\/cloudtrail\/\*$/);
    const key = statementsBySid(onlyResource(json, "aws_kms_key").policy);
    expect(key.NativeWritersEncrypt).toMatchObject({
      Principal: { Service: ["cloudtrail.amazonaws.com"] },
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
    });
  });

  test("an organization trail of another account, named by its ARN, checks the ACL and puts only under its folders of the prefix; the created key admits that trail", () => {
    const TRAIL = "arn:aws:cloudtrail:us-east-1:777777777777:trail/globex-org-trail";
    const { json } = synth({
      writers: [
        {
          prefix: "cloudtrail/",
          servicePrincipal: "cloudtrail.amazonaws.com",
          sourceArn: TRAIL,
          keyPrefixes: ["AWSLogs/o-gl0bex1234/", "AWSLogs/777777777777/"],
        },
      ],
    });
    const s = statementsBySid(onlyResource(json, "aws_s3_bucket_policy").policy);
    const byTrail = { StringEquals: { "aws:SourceArn": TRAIL } };
    expect(s.WriterCloudtrailServiceAclCheck).toMatchObject({ Action: "s3:GetBucketAcl", Condition: byTrail });
    expect(s.WriterCloudtrailServicePut).toMatchObject({ Action: "s3:PutObject", Condition: byTrail });
    expect((s.WriterCloudtrailServicePut.Resource as string[]).map((r) => r.replace(/^.*\.arn\}/, ""))).toEqual([
      "/cloudtrail/AWSLogs/o-gl0bex1234/*",
      "/cloudtrail/AWSLogs/777777777777/*",
    ]);
    // Its digests (SSE-S3) still go under the prefix's AWSLogs/*/CloudTrail-Digest/.
    expect(JSON.stringify(s.DenyNonKmsOrS3EncryptedPuts.Resource)).toContain("/cloudtrail/AWSLogs/*/CloudTrail-Digest/*");
    const key = statementsBySid(onlyResource(json, "aws_kms_key").policy);
    expect(key.NamedTrailsEncryptLogFiles).toMatchObject({
      Condition: { StringEquals: { "aws:SourceArn": [TRAIL], "kms:EncryptionContext:aws:cloudtrail:arn": [TRAIL] } },
    });
    expect(key.NativeWritersEncrypt).toBeUndefined();
  });

  test("each native writer may read what its service checks before writing: GuardDuty the bucket's location, CloudTrail and delivery.logs its ACL (issue 16, item 3)", () => {
    const { json } = synth({
      writers: [
        { prefix: "guardduty/", servicePrincipal: "guardduty.amazonaws.com" },
        { prefix: "cloudtrail/", servicePrincipal: "cloudtrail.amazonaws.com" },
        { prefix: "vpc_flow/", servicePrincipal: "delivery.logs.amazonaws.com" },
      ],
    });
    const s = statementsBySid(onlyResource(json, "aws_s3_bucket_policy").policy);
    const sourceAccount = { StringEquals: { "aws:SourceAccount": "111111111111" } };
    expect(s.WriterGuarddutyServiceLocateBucket).toMatchObject({
      Principal: { Service: "guardduty.amazonaws.com" },
      Action: "s3:GetBucketLocation",
      Resource: expect.stringMatching(/\.arn\}$/),
      Condition: sourceAccount,
    });
    expect(s.WriterGuarddutyServiceAclCheck).toBeUndefined();
    expect(s.WriterCloudtrailServiceAclCheck).toMatchObject({ Action: "s3:GetBucketAcl", Condition: sourceAccount });
    expect(s.WriterVpcFlowServiceAclCheck).toMatchObject({ Action: "s3:GetBucketAcl", Condition: sourceAccount });
  });

  test("replication into a backup vault: every log prefix (never state outside them), no delete markers, SSE-KMS objects re-encrypted with the vault key, into its class, metrics on, after both versionings", () => {
    const stack = testStack();
    const vaultVersioning = new S3BucketVersioningA(stack, "VaultVersioning", {
      bucket: "acme-prod-globex-backup",
      versioningConfiguration: { status: "Enabled" },
    });
    new LogBucket(stack, "Logs", {
      ...base,
      retentionRules: [
        { prefix: "okta/", expirationDays: 365 },
        { prefix: "_firehose-errors/edr/", expirationDays: 365 },
      ],
      kmsKeyArn: KEY,
      replication: {
        roleArn: "arn:aws:iam::111111111111:role/acme-prod-globex-backup-replication",
        destinationBucketArn: "arn:aws:s3:::acme-prod-globex-backup",
        destinationKmsKeyArn: VAULT_KEY,
        storageClass: "GLACIER_IR",
        waitFor: [vaultVersioning],
      },
    });
    const replication = onlyResource(synthJson(stack), "aws_s3_bucket_replication_configuration");
    expect(replication).toMatchObject({
      bucket: expect.stringMatching(/^\$\{aws_s3_bucket\.Logs_.*\.id\}$/),
      role: "arn:aws:iam::111111111111:role/acme-prod-globex-backup-replication",
      // One rule per retention prefix: the state objects outside them (_puller-state/, _restore-state/),
      // rewritten every few minutes, are never copied into a locked archive (issue 16, item 10).
      rule: [
        { id: "backup-vault-okta", priority: 0, filter: { prefix: "okta/" } },
        { id: "backup-vault-firehose-errors-edr", priority: 1, filter: { prefix: "_firehose-errors/edr/" } },
      ].map((r) => ({
        ...r,
        status: "Enabled",
        delete_marker_replication: { status: "Disabled" },
        source_selection_criteria: { sse_kms_encrypted_objects: { status: "Enabled" } },
        destination: {
          bucket: "arn:aws:s3:::acme-prod-globex-backup",
          storage_class: "GLACIER_IR",
          encryption_configuration: { replica_kms_key_id: VAULT_KEY },
          metrics: { status: "Enabled", event_threshold: { minutes: 15 } },
        },
      })),
    });
    expect(replication.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\.Logs_Versioning_/), "aws_s3_bucket_versioning.VaultVersioning"]);
    // Without replication there is no configuration at all.
    expect(resourcesOf(synth().json, "aws_s3_bucket_replication_configuration")).toEqual([]);
  });

  test("resources are stamped with the module name and version", () => {
    const stack = testStack();
    new LogBucket(stack, "Logs", base);
    const json = synthWithMetadata(stack);
    expect(onlyResource(json, "aws_s3_bucket").tags).toEqual({
      "lakehouse:module": "aws/log-bucket",
      "lakehouse:module-version": MODULE_VERSIONS["aws/log-bucket"],
    });
    for (const type of Object.keys(json.resource)) {
      for (const resource of resourcesOf(json, type)) {
        // The key comes from the kms-key module the bucket uses; everything else is the bucket's.
        expect(stampOf(resource)).toBe(
          type.startsWith("aws_kms_") ? `aws/kms-key@${MODULE_VERSIONS["aws/kms-key"]}` : `aws/log-bucket@${MODULE_VERSIONS["aws/log-bucket"]}`,
        );
      }
    }
  });

  describe("rejects bad props, naming the construct path and the prop", () => {
    const cases: [string, Partial<LogBucketProps>, RegExp][] = [
      ["bad bucket name", { bucketName: "Acme_Logs" }, /bucketName: must be a valid S3 bucket name/],
      ["bad account", { accountId: "123" }, /accountId: must be a 12-digit AWS account id/],
      ["bad key", { kmsKeyArn: "alias/aws/s3" }, /kmsKeyArn: must be a KMS key ARN/],
      ["no access logging and no reason", { accessLogging: undefined }, /accessLogging: required unless accessLoggingDisabledReason/],
      ["a too-short reason", { accessLogging: undefined, accessLoggingDisabledReason: "nope" }, /accessLoggingDisabledReason: must be a written reason/],
      ["logging to itself", { accessLogging: { targetBucket: "acme-prod-globex-logs" } }, /accessLogging.targetBucket: must not be the bucket itself/],
      ["no retention", { retentionRules: [] }, /retentionRules: at least one retention rule/],
      ["prefix without slash", { retentionRules: [{ prefix: "okta", expirationDays: 30 }] }, /retentionRules\[0\].prefix: must be a key prefix/],
      [
        "IA too early",
        { retentionRules: [{ prefix: "a/", expirationDays: 90, transitions: [{ days: 10, storageClass: "STANDARD_IA" }] }] },
        /retentionRules\[0\].transitions\[0\].days: STANDARD_IA needs at least 30 days/,
      ],
      [
        "transition after expiry",
        { retentionRules: [{ prefix: "a/", expirationDays: 90, transitions: [{ days: 90, storageClass: "GLACIER" }] }] },
        /must be before expirationDays \(90\)/,
      ],
      [
        "overlapping prefixes",
        {
          retentionRules: [
            { prefix: "a/", expirationDays: 90 },
            { prefix: "a/b/", expirationDays: 90 },
          ],
        },
        /retentionRules\[1\].prefix: overlaps retentionRules\[0\].prefix 'a\/'/,
      ],
      ["writer without principal", { writers: [{ prefix: "a/" }] }, /writers\[0\]: needs a servicePrincipal or roleArns/],
      [
        "a source ARN without a service",
        { writers: [{ prefix: "a/", roleArns: ["arn:aws:iam::111111111111:role/w"], sourceArn: "arn:aws:cloudtrail:us-east-1:777777777777:trail/t" }] },
        /writers\[0\].sourceArn: sourceArn and keyPrefixes need a servicePrincipal/,
      ],
      [
        "a wildcard source ARN",
        { writers: [{ prefix: "a/", servicePrincipal: "cloudtrail.amazonaws.com", sourceArn: "arn:aws:cloudtrail:us-east-1:777777777777:trail/*" }] },
        /writers\[0\].sourceArn: must be the ARN of one resource/,
      ],
      ["lock days zero", { objectLock: { mode: "GOVERNANCE", days: 0 } }, /objectLock.days/],
      ["an SSE-S3 key pattern with a space", { sseS3KeyPatterns: ["reports /*"] }, /sseS3KeyPatterns\[0\]: must be a key pattern/],
    ];
    test.each(cases)("%s", (_name, props, message) => {
      const stack = testStack();
      const attempt = () => new LogBucket(stack, "Logs", { ...base, ...props });
      expect(attempt).toThrow(LakehouseValidationError);
      expect(attempt).toThrow(/^test\/Logs: /);
      expect(attempt).toThrow(message);
    });

    test("every problem is reported at once", () => {
      const stack = testStack();
      try {
        new LogBucket(stack, "Logs", { ...base, bucketName: "BAD", accountId: "x", retentionRules: [] });
        throw new Error("no error");
      } catch (e) {
        expect((e as LakehouseValidationError).problems.map((p) => p.path)).toEqual(["bucketName", "accountId", "retentionRules"]);
      }
    });
  });
});
