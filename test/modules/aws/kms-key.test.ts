import { KmsKey } from "../../../modules/aws/kms-key";
import { onlyResource, statementsBySid, synthJson, testStack } from "../../support/synth";
import { ACCOUNT_ID, TENANT_ACCOUNT_ID } from "../../support/fixtures";

describe("KmsKey", () => {
  test("rotating customer key, administered through IAM, with an alias", () => {
    const stack = testStack();
    new KmsKey(stack, "Key", { accountId: ACCOUNT_ID, aliasName: "acme-logs", description: "logs" });
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
    new KmsKey(stack, "Key", {
      accountId: TENANT_ACCOUNT_ID,
      aliasName: "hooli-logs",
      description: "logs",
      crossAccountWriters: { roleArns: [WRITER, WRITER], viaServices: ["s3.us-east-1.amazonaws.com"] },
    });
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
    new KmsKey(stack, "Key", { accountId: ACCOUNT_ID, aliasName: "globex-logs", description: "logs", cloudTrailArns: [TRAIL, TRAIL] });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_kms_key").policy);
    expect(s.NamedTrailsEncryptLogFiles).toEqual({
      Sid: "NamedTrailsEncryptLogFiles",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:GenerateDataKey*",
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceArn": [TRAIL], "kms:EncryptionContext:aws:cloudtrail:arn": [TRAIL] } },
    });
    expect(s.NamedTrailsDescribeKey).toEqual({
      Sid: "NamedTrailsDescribeKey",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:DescribeKey",
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceArn": [TRAIL] } },
    });
    // Not for the key's account: no aws:SourceAccount statement for CloudTrail.
    expect(s.NativeWritersEncrypt).toBeUndefined();
  });

  test("native writers generate data keys for the account only; delivery.logs also gets the vended-logs key policy of the AWS docs (issue 16, item 4)", () => {
    const stack = testStack();
    new KmsKey(stack, "Key", {
      accountId: ACCOUNT_ID,
      aliasName: "acme-logs",
      description: "logs",
      writerServicePrincipals: ["guardduty.amazonaws.com", "delivery.logs.amazonaws.com", "cloudtrail.amazonaws.com", "delivery.logs.amazonaws.com"],
    });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_kms_key").policy);
    const sourceAccount = { StringEquals: { "aws:SourceAccount": "111111111111" } };
    expect(s.NativeWritersEncrypt).toMatchObject({
      Principal: { Service: ["cloudtrail.amazonaws.com", "guardduty.amazonaws.com"] },
      Action: ["kms:GenerateDataKey*", "kms:DescribeKey"],
      Condition: sourceAccount,
    });
    // Multipart uploads of large flow-log files decrypt (CloudWatch Logs User Guide, "Enabling logging from AWS services").
    expect(s.VendedLogsEncrypt).toMatchObject({
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
      Condition: sourceAccount,
    });
  });

  test("with administrators, the policy denies deleting, disabling, re-policying, unrotating and re-tagging the key to every other principal", () => {
    const stack = testStack();
    const DEPLOYER = "arn:aws:iam::111111111111:role/lakehouse-deployer";
    new KmsKey(stack, "Key", { accountId: ACCOUNT_ID, aliasName: "vault", description: "vault", administratorRoleArns: [DEPLOYER, DEPLOYER] });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_kms_key").policy);
    expect(Object.keys(s)).toEqual(["AccountAdministersKeyThroughIam", "DenyKeyTamperingExceptAdministrators"]);
    expect(s.DenyKeyTamperingExceptAdministrators).toEqual({
      Sid: "DenyKeyTamperingExceptAdministrators",
      Effect: "Deny",
      Principal: "*",
      Action: ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:DisableKeyRotation", "kms:UntagResource", "kms:TagResource"],
      Resource: "*",
      Condition: { ArnNotLike: { "aws:PrincipalArn": [DEPLOYER] } },
    });
  });

  test.each([
    [{ aliasName: "aws/s3" }, /aliasName: must be 1-250/],
    [{ deletionWindowDays: 3 }, /deletionWindowDays/],
    [{ writerServicePrincipals: ["*"] }, /writerServicePrincipals\[0\]: must be an AWS service principal/],
    [
      { crossAccountWriters: { roleArns: ["arn:aws:iam::111111111111:role/own"], viaServices: ["s3.us-east-1.amazonaws.com"] } },
      /crossAccountWriters.roleArns\[0\]: is in the key's own account 111111111111: grant it through IAM instead/,
    ],
    [
      { crossAccountWriters: { roleArns: ["arn:aws:iam::222222222222:role/w"], viaServices: ["s3.amazonaws.com"] } },
      /crossAccountWriters.viaServices\[0\]: must be <service>.<region>.amazonaws.com/,
    ],
    [{ cloudTrailArns: ["arn:aws:cloudtrail:us-east-1:777777777777:trail/*"] }, /cloudTrailArns\[0\]: must be a CloudTrail trail ARN/],
    [{ administratorRoleArns: [] }, /administratorRoleArns: at least one role/],
    [{ administratorRoleArns: ["arn:aws:iam::111111111111:user/admin"] }, /administratorRoleArns\[0\]: must be an IAM role ARN/],
  ])("rejects %j", (props, message) => {
    expect(() => new KmsKey(testStack(), "Key", { accountId: ACCOUNT_ID, aliasName: "a", description: "d", ...props })).toThrow(message);
  });
});
