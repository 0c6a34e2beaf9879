import { SnowflakeAccessRole, SnowflakeAccessRoleProps } from "../../../modules/aws/snowflake-access-role";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { onlyResource, statementsBySid, synthJson, testStack } from "../../support/synth";
import { ACCOUNT_ID, KMS_KEY_ARN as KEY, OWNER_KMS_KEY_ARN as OWNER_KEY, SECOND_KMS_KEY_ARN as VAULT_KEY } from "../../support/fixtures";

describe("SnowflakeAccessRole", () => {
  const base: SnowflakeAccessRoleProps = {
    roleName: "acme-prod-globex-okta-snowflake",
    accountId: ACCOUNT_ID,
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
    expect(s.ListOnlyPrefixes).toMatchObject({
      Action: "s3:ListBucket",
      Resource: "arn:aws:s3:::acme-prod-globex-logs",
      Condition: { StringLike: { "s3:prefix": ["okta/*", "okta-archive/*"] } },
    });
    expect(s.LocateBucket).toMatchObject({ Action: "s3:GetBucketLocation", Resource: "arn:aws:s3:::acme-prod-globex-logs" });
    expect(s.DecryptWithBucketKey).toMatchObject({ Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: KEY });
    const actions = Object.values(s).flatMap((st) => [st.Action].flat());
    expect(actions.some((a) => a.includes("*") || /Put|Delete/.test(a))).toBe(false);
  });

  test("a bucket of another account: its key only through S3 (kms:ViaService, kms:Decrypt only); with SSE-S3 (no key) nothing is decrypted", () => {
    const org = { ...base, bucketArn: "arn:aws:s3:::hooli-org-trail-333333333333", prefixes: ["AWSLogs/o-h00l1xyz12/"] };
    const keyed = testStack();
    new SnowflakeAccessRole(keyed, "Role", { ...org, kmsKeyArn: OWNER_KEY, kmsViaService: "s3.us-east-1.amazonaws.com" });
    const s = statementsBySid(onlyResource(synthJson(keyed), "aws_iam_role_policy").policy);
    expect(Object.keys(s)).toEqual(["ReadObjectsUnderPrefixes", "ListOnlyPrefixes", "LocateBucket", "DecryptWithBucketKeyThroughS3"]);
    expect(s.DecryptWithBucketKeyThroughS3).toEqual({
      Sid: "DecryptWithBucketKeyThroughS3",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: OWNER_KEY,
      Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
    });
    const plain = testStack();
    new SnowflakeAccessRole(plain, "Role", { ...org, kmsKeyArn: undefined });
    expect(Object.keys(statementsBySid(onlyResource(synthJson(plain), "aws_iam_role_policy").policy))).toEqual([
      "ReadObjectsUnderPrefixes",
      "ListOnlyPrefixes",
      "LocateBucket",
    ]);
    expect(() => new SnowflakeAccessRole(testStack(), "Role", { ...org, kmsKeyArn: undefined, kmsViaService: "s3.us-east-1.amazonaws.com" })).toThrow(
      /kmsViaService: needs kmsKeyArn/,
    );
    expect(() => new SnowflakeAccessRole(testStack(), "Role", { ...org, kmsKeyArn: OWNER_KEY, kmsViaService: "s3.amazonaws.com" })).toThrow(
      /kmsViaService: must be <service>.<region>.amazonaws.com/,
    );
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
    new SnowflakeAccessRole(stack, "Role", { ...base, backup: { bucketArn: "arn:aws:s3:::acme-prod-globex-backup", kmsKeyArn: VAULT_KEY } });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_iam_role_policy").policy);
    expect(s.ReadObjectsUnderPrefixes.Resource).toEqual(["arn:aws:s3:::acme-prod-globex-logs/okta/*"]);
    expect(s.BackupReadObjectsUnderPrefixes).toMatchObject({
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: ["arn:aws:s3:::acme-prod-globex-backup/okta/*"],
    });
    expect(s.BackupListOnlyPrefixes).toMatchObject({
      Resource: "arn:aws:s3:::acme-prod-globex-backup",
      Condition: { StringLike: { "s3:prefix": ["okta/*"] } },
    });
    expect(s.BackupDecryptWithBucketKey).toMatchObject({ Resource: VAULT_KEY });
    const actions = Object.values(s).flatMap((st) => [st.Action].flat());
    expect(actions.some((a) => a.includes("*") || /Put|Delete|Restore/.test(a))).toBe(false);
  });
});
