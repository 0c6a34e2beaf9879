import { AccessLogBucket } from "../../../modules/aws/access-log-bucket";
import { KmsKey } from "../../../modules/aws/kms-key";
import { SnowflakeAccessRole, SnowflakeAccessRoleProps } from "../../../modules/aws/snowflake-access-role";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { onlyResource, statementsBySid, synthJson, testStack } from "../../support/synth";

const KEY = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555";

describe("SnowflakeAccessRole", () => {
  const base: SnowflakeAccessRoleProps = {
    roleName: "acme-prod-globex-okta-snowflake",
    accountId: "111111111111",
    snowflakeIamUserArn: "arn:aws:iam::999999999999:user/abc1-s-p2ss0000",
    externalId: "acme-prod-globex-okta",
    bucketArn: "arn:aws:s3:::acme-prod-globex-logs",
    prefixes: ["okta/"],
    kmsKeyArn: KEY,
  };

  test("trusts only the integration's IAM user, with the external id", () => {
    const stack = testStack();
    new SnowflakeAccessRole(stack, "Role", base);
    const role = onlyResource(synthJson(stack), "aws_iam_role");
    expect(role).toMatchObject({ name: "acme-prod-globex-okta-snowflake", max_session_duration: 3600 });
    const trust = statementsBySid(role.assume_role_policy);
    expect(Object.keys(trust)).toEqual(["SnowflakeStorageIntegration"]);
    expect(trust.SnowflakeStorageIntegration).toEqual({
      Sid: "SnowflakeStorageIntegration",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::999999999999:user/abc1-s-p2ss0000" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "sts:ExternalId": "acme-prod-globex-okta" } },
    });
  });

  test("reads and lists exactly its prefixes and decrypts with the bucket key only", () => {
    const stack = testStack();
    new SnowflakeAccessRole(stack, "Role", { ...base, prefixes: ["okta/", "okta-archive/"] });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_iam_role_policy").policy);
    expect(s.ReadObjectsUnderPrefixes).toMatchObject({
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: ["arn:aws:s3:::acme-prod-globex-logs/okta/*", "arn:aws:s3:::acme-prod-globex-logs/okta-archive/*"],
    });
    expect(s.ListOnlyPrefixes).toMatchObject({ Action: "s3:ListBucket", Resource: "arn:aws:s3:::acme-prod-globex-logs", Condition: { StringLike: { "s3:prefix": ["okta/*", "okta-archive/*"] } } });
    expect(s.LocateBucket).toMatchObject({ Action: "s3:GetBucketLocation", Resource: "arn:aws:s3:::acme-prod-globex-logs" });
    expect(s.DecryptWithBucketKey).toMatchObject({ Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: KEY });
    const actions = Object.values(s).flatMap((st) => [st.Action].flat());
    expect(actions.some((a) => a.includes("*") || /Put|Delete/.test(a))).toBe(false);
  });

  test("a bucket of another account: its key only through S3 (kms:ViaService, kms:Decrypt only); with SSE-S3 (no key) nothing is decrypted", () => {
    const OWNER_KEY = "arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const org = { ...base, bucketArn: "arn:aws:s3:::hooli-org-trail-333333333333", prefixes: ["AWSLogs/o-h00l1xyz12/"] };
    const keyed = testStack();
    new SnowflakeAccessRole(keyed, "Role", { ...org, kmsKeyArn: OWNER_KEY, kmsViaService: "s3.us-east-1.amazonaws.com" });
    const s = statementsBySid(onlyResource(synthJson(keyed), "aws_iam_role_policy").policy);
    expect(Object.keys(s)).toEqual(["ReadObjectsUnderPrefixes", "ListOnlyPrefixes", "LocateBucket", "DecryptWithBucketKeyThroughS3"]);
    expect(s.DecryptWithBucketKeyThroughS3).toEqual({ Sid: "DecryptWithBucketKeyThroughS3", Effect: "Allow", Action: "kms:Decrypt", Resource: OWNER_KEY, Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } });
    const plain = testStack();
    new SnowflakeAccessRole(plain, "Role", { ...org, kmsKeyArn: undefined });
    expect(Object.keys(statementsBySid(onlyResource(synthJson(plain), "aws_iam_role_policy").policy))).toEqual(["ReadObjectsUnderPrefixes", "ListOnlyPrefixes", "LocateBucket"]);
    expect(() => new SnowflakeAccessRole(testStack(), "Role", { ...org, kmsKeyArn: undefined, kmsViaService: "s3.us-east-1.amazonaws.com" })).toThrow(/kmsViaService: needs kmsKeyArn/);
    expect(() => new SnowflakeAccessRole(testStack(), "Role", { ...org, kmsKeyArn: OWNER_KEY, kmsViaService: "s3.amazonaws.com" })).toThrow(/kmsViaService: must be <service>.<region>.amazonaws.com/);
  });

  test("arnFor builds the ARN from the known name (breaks the integration/role cycle)", () => {
    expect(SnowflakeAccessRole.arnFor("111111111111", "r")).toBe("arn:aws:iam::111111111111:role/r");
  });

  test.each([
    [{ prefixes: [] }, /prefixes: at least one prefix is required/],
    [{ prefixes: ["okta/*"] }, /prefixes\[0\]: must be a key prefix ending in '\/', without wildcards/],
    [{ roleName: "x".repeat(65) }, /roleName: must be 1-64 characters/],
    [{ snowflakeIamUserArn: "arn:aws:iam::999999999999:role/x" }, /snowflakeIamUserArn: must be an IAM user ARN/],
    [{ maxSessionDurationSeconds: 60 }, /maxSessionDurationSeconds/],
  ] as [Partial<SnowflakeAccessRoleProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new SnowflakeAccessRole(testStack(), "Role", { ...base, ...props })).toThrow(LakehouseValidationError);
    expect(() => new SnowflakeAccessRole(testStack(), "Role", { ...base, ...props })).toThrow(message);
  });
  test("with a backup vault: the same prefixes of the vault, decrypted with the vault's key, in statements of their own", () => {
    const stack = testStack();
    const VAULT_KEY = "arn:aws:kms:eu-west-1:111111111111:key/66666666-7777-8888-9999-000000000000";
    new SnowflakeAccessRole(stack, "Role", { ...base, backup: { bucketArn: "arn:aws:s3:::acme-prod-globex-backup", kmsKeyArn: VAULT_KEY } });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_iam_role_policy").policy);
    expect(s.ReadObjectsUnderPrefixes.Resource).toEqual(["arn:aws:s3:::acme-prod-globex-logs/okta/*"]);
    expect(s.BackupReadObjectsUnderPrefixes).toMatchObject({ Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: ["arn:aws:s3:::acme-prod-globex-backup/okta/*"] });
    expect(s.BackupListOnlyPrefixes).toMatchObject({ Resource: "arn:aws:s3:::acme-prod-globex-backup", Condition: { StringLike: { "s3:prefix": ["okta/*"] } } });
    expect(s.BackupDecryptWithBucketKey).toMatchObject({ Resource: VAULT_KEY });
    const actions = Object.values(s).flatMap((st) => [st.Action].flat());
    expect(actions.some((a) => a.includes("*") || /Put|Delete|Restore/.test(a))).toBe(false);
  });
});

describe("KmsKey", () => {
  test("rotating customer key, administered through IAM, with an alias", () => {
    const stack = testStack();
    new KmsKey(stack, "Key", { accountId: "111111111111", aliasName: "acme-logs", description: "logs" });
    const json = synthJson(stack);
    const key = onlyResource(json, "aws_kms_key");
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    const s = statementsBySid(key.policy);
    expect(Object.keys(s)).toEqual(["AccountAdministersKeyThroughIam"]);
    expect(s.AccountAdministersKeyThroughIam.Principal).toEqual({ AWS: "arn:aws:iam::111111111111:root" });
    expect(onlyResource(json, "aws_kms_alias")).toMatchObject({ name: "alias/acme-logs" });
  });

  test("writers of other accounts may make data keys and decrypt through the named services only", () => {
    const stack = testStack();
    const WRITER = "arn:aws:iam::111111111111:role/github-audit-stream";
    new KmsKey(stack, "Key", { accountId: "222222222222", aliasName: "hooli-logs", description: "logs", crossAccountWriters: { roleArns: [WRITER, WRITER], viaServices: ["s3.us-east-1.amazonaws.com"] } });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_kms_key").policy);
    expect(s.OtherAccountWritersThroughServices).toEqual({
      Sid: "OtherAccountWritersThroughServices",
      Effect: "Allow",
      Principal: { AWS: [WRITER] },
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": ["s3.us-east-1.amazonaws.com"] } },
    });
  });

  test("named CloudTrail trails (an organization trail of another account) generate data keys only by their ARN and encryption context (CloudTrail User Guide, 'Configure AWS KMS key policies for CloudTrail')", () => {
    const TRAIL = "arn:aws:cloudtrail:us-east-1:777777777777:trail/globex-org-trail";
    const stack = testStack();
    new KmsKey(stack, "Key", { accountId: "111111111111", aliasName: "globex-logs", description: "logs", cloudTrailArns: [TRAIL, TRAIL] });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_kms_key").policy);
    expect(s.NamedTrailsEncryptLogFiles).toEqual({
      Sid: "NamedTrailsEncryptLogFiles",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:GenerateDataKey*",
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceArn": [TRAIL], "kms:EncryptionContext:aws:cloudtrail:arn": [TRAIL] } },
    });
    expect(s.NamedTrailsDescribeKey).toEqual({ Sid: "NamedTrailsDescribeKey", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "kms:DescribeKey", Resource: "*", Condition: { StringEquals: { "aws:SourceArn": [TRAIL] } } });
    // Not for the key's account: no aws:SourceAccount statement for CloudTrail.
    expect(s.NativeWritersEncrypt).toBeUndefined();
  });

  test("native writers generate data keys for the account only; delivery.logs also gets the vended-logs key policy of the AWS docs (issue 16, item 4)", () => {
    const stack = testStack();
    new KmsKey(stack, "Key", {
      accountId: "111111111111",
      aliasName: "acme-logs",
      description: "logs",
      writerServicePrincipals: ["guardduty.amazonaws.com", "delivery.logs.amazonaws.com", "cloudtrail.amazonaws.com", "delivery.logs.amazonaws.com"],
    });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_kms_key").policy);
    const sourceAccount = { StringEquals: { "aws:SourceAccount": "111111111111" } };
    expect(s.NativeWritersEncrypt).toMatchObject({ Principal: { Service: ["cloudtrail.amazonaws.com", "guardduty.amazonaws.com"] }, Action: ["kms:GenerateDataKey*", "kms:DescribeKey"], Condition: sourceAccount });
    // Multipart uploads of large flow-log files decrypt (CloudWatch Logs User Guide, "Enabling logging from AWS services").
    expect(s.VendedLogsEncrypt).toMatchObject({
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
      Condition: sourceAccount,
    });
  });

  test.each([
    [{ aliasName: "aws/s3" }, /aliasName: must be 1-250/],
    [{ deletionWindowDays: 3 }, /deletionWindowDays/],
    [{ writerServicePrincipals: ["*"] }, /writerServicePrincipals\[0\]: must be an AWS service principal/],
    [{ crossAccountWriters: { roleArns: ["arn:aws:iam::111111111111:role/own"], viaServices: ["s3.us-east-1.amazonaws.com"] } }, /crossAccountWriters.roleArns\[0\]: is in the key's own account 111111111111: grant it through IAM instead/],
    [{ crossAccountWriters: { roleArns: ["arn:aws:iam::222222222222:role/w"], viaServices: ["s3.amazonaws.com"] } }, /crossAccountWriters.viaServices\[0\]: must be <service>.<region>.amazonaws.com/],
    [{ cloudTrailArns: ["arn:aws:cloudtrail:us-east-1:777777777777:trail/*"] }, /cloudTrailArns\[0\]: must be a CloudTrail trail ARN/],
  ])("rejects %j", (props, message) => {
    expect(() => new KmsKey(testStack(), "Key", { accountId: "111111111111", aliasName: "a", description: "d", ...props })).toThrow(message);
  });
});

describe("AccessLogBucket", () => {
  test("SSE-S3 (what access logging requires), TLS-only, private, expiring, delivery only for its account", () => {
    const stack = testStack();
    new AccessLogBucket(stack, "AccessLogs", { bucketName: "acme-prod-access-logs", accountId: "111111111111" });
    const json = synthJson(stack);
    expect((onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration").rule as unknown[])[0]).toMatchObject({ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } });
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_policy: true, restrict_public_buckets: true });
    expect(onlyResource(json, "aws_s3_bucket_versioning")).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    const s = statementsBySid(onlyResource(json, "aws_s3_bucket_policy").policy);
    expect(s.DenyInsecureTransport.Effect).toBe("Deny");
    expect(s.S3ServerAccessLogDelivery).toMatchObject({ Principal: { Service: "logging.s3.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } } });
    expect((onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule as unknown[])[0]).toMatchObject({ filter: [{ prefix: "" }], expiration: [{ days: 365 }] });
    expect(onlyResource(json, "aws_s3_bucket").object_lock_enabled).toBeUndefined();
  });

  test("rejects a bad name", () => {
    expect(() => new AccessLogBucket(testStack(), "A", { bucketName: "a.b", accountId: "111111111111" })).toThrow(/test\/A: 1 problem[\s\S]*bucketName/);
  });
});
