import { TenantAccessRoles, TenantAccessRolesProps } from "../../../modules/aws/tenant-access-roles";
import { resourcesOf, statementsBySid, synthJson, testStack } from "../../support/synth";
import { ACCOUNT_ID, KMS_KEY_ARN as KEY, SECOND_KMS_KEY_ARN as VAULT_KEY } from "../../support/fixtures";

describe("TenantAccessRoles (AWS)", () => {
  const ANALYST = "arn:aws:iam::111111111111:role/globex-analyst";
  const base: TenantAccessRolesProps = {
    namePrefix: "acme-prod-globex",
    accountId: ACCOUNT_ID,
    bucketArn: "arn:aws:s3:::acme-logs",
    prefixes: ["okta/", "cloudtrail/"],
    kmsKeyArn: KEY,
  };

  test("defaults are secure: with no principals named, no role is made (nothing trusts a principal tag)", () => {
    const stack = testStack();
    const roles = new TenantAccessRoles(stack, "Roles", { ...base, restore: { vaultBucketArn: "arn:aws:s3:::acme-backup", vaultKmsKeyArn: KEY } });
    expect(synthJson(stack).resource ?? {}).toEqual({});
    expect([roles.readRoleArn, roles.opsRoleArn, roles.restoreRoleArn, roles.restoreBatchRoleArn]).toEqual([undefined, undefined, undefined, undefined]);
  });

  test("read role: trusted by the named readers only; read and list the tenant's prefixes, decrypt with its key; nothing else", () => {
    const stack = testStack();
    new TenantAccessRoles(stack, "Roles", { ...base, readers: [ANALYST] });
    const json = synthJson(stack);
    const read = resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "read-tenant-logs")!;
    const s = statementsBySid(read.policy);
    expect(Object.keys(s).sort()).toEqual(["DecryptWithBucketKey", "ListOnlyPrefixes", "LocateBucket", "ReadObjectsUnderPrefixes"]);
    expect(s.ReadObjectsUnderPrefixes.Resource).toEqual(["arn:aws:s3:::acme-logs/okta/*", "arn:aws:s3:::acme-logs/cloudtrail/*"]);
    const role = resourcesOf(json, "aws_iam_role").find((r) => r.name === "acme-prod-globex-read")!;
    expect(JSON.parse(String(role.assume_role_policy))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "AssumeRole", Effect: "Allow", Principal: { AWS: [ANALYST] }, Action: "sts:AssumeRole" }],
    });
    expect(resourcesOf(json, "aws_iam_role").map((r) => r.name)).toEqual(["acme-prod-globex-read"]);
  });

  test("ops role: read plus put with the tenant key, and never delete", () => {
    const stack = testStack();
    new TenantAccessRoles(stack, "Roles", { ...base, operators: ["arn:aws:iam::111111111111:role/soc-oncall"] });
    const json = synthJson(stack);
    const s = statementsBySid(resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "ops-tenant-logs")!.policy);
    expect(s.WriteObjectsUnderPrefixes).toMatchObject({
      Action: "s3:PutObject",
      Resource: ["arn:aws:s3:::acme-logs/okta/*", "arn:aws:s3:::acme-logs/cloudtrail/*"],
    });
    expect(s.EncryptWithBucketKey).toMatchObject({ Action: ["kms:GenerateDataKey", "kms:Encrypt"], Resource: KEY });
    expect(JSON.stringify(s)).not.toMatch(/Delete|s3:\*|"\*"/);
    const role = resourcesOf(json, "aws_iam_role").find((r) => r.name === "acme-prod-globex-ops")!;
    expect(statementsBySid(role.assume_role_policy).AssumeRole.Principal).toEqual({ AWS: ["arn:aws:iam::111111111111:role/soc-oncall"] });
  });

  test("restore role (with a vault): the operators may list, read and restore the vault's objects and decrypt them, and keep progress in the tenant bucket; no write or delete in the vault", () => {
    const stack = testStack();
    const roles = new TenantAccessRoles(stack, "Roles", {
      ...base,
      operators: ["arn:aws:iam::111111111111:role/soc-oncall"],
      restore: { vaultBucketArn: "arn:aws:s3:::acme-backup", vaultKmsKeyArn: VAULT_KEY },
    });
    const json = synthJson(stack);
    const s = statementsBySid(resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "restore-tenant-logs")!.policy);
    expect(s.ListVault).toMatchObject({ Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: "arn:aws:s3:::acme-backup" });
    expect(s.ReadAndRestoreBackups).toMatchObject({
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:RestoreObject"],
      Resource: "arn:aws:s3:::acme-backup/*",
    });
    expect(s.DecryptBackups).toMatchObject({ Action: "kms:Decrypt", Resource: VAULT_KEY });
    expect(s.RestoreProgress).toMatchObject({ Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::acme-logs/_restore-state/*" });
    expect(s.ListRestoreProgress.Condition).toEqual({ StringLike: { "s3:prefix": "_restore-state/*" } });
    // Nothing in the vault but reads and restores; no delete anywhere.
    const vaultWrites = Object.values(s).filter(
      (st) => JSON.stringify(st.Resource).includes("acme-backup") && JSON.stringify(st.Action).match(/Put|Delete|Replicate/),
    );
    expect(vaultWrites).toEqual([]);
    const restoreActions = Object.values(s).flatMap((st) => [st.Action].flat());
    expect(restoreActions.filter((a) => /Delete|\*/.test(a))).toEqual([]);
    // Large restores run as the batch role, which the restore role may pass to S3 Batch Operations only.
    expect(s.RunRestoreJobs).toMatchObject({
      Action: "s3:CreateJob",
      Resource: "*",
      Condition: { StringEquals: { "s3:RequestJobOperation": "S3InitiateRestoreObject" } },
    });
    expect(s.ReadRestoreJobs).toMatchObject({ Action: "s3:DescribeJob", Resource: "*" });
    expect(s.PassBatchRole).toMatchObject({
      Action: "iam:PassRole",
      Resource: "arn:aws:iam::111111111111:role/acme-prod-globex-restore-batch",
      Condition: { StringEquals: { "iam:PassedToService": "batchoperations.s3.amazonaws.com" } },
    });
    const batch = resourcesOf(json, "aws_iam_role").find((r) => r.name === "acme-prod-globex-restore-batch")!;
    expect(statementsBySid(batch.assume_role_policy).S3BatchOperations).toMatchObject({
      Principal: { Service: "batchoperations.s3.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
    });
    const b = statementsBySid(resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "restore-batch-tenant-backups")!.policy);
    expect(b.RestoreBackups).toMatchObject({ Action: "s3:RestoreObject", Resource: "arn:aws:s3:::acme-backup/*" });
    expect(b.ReadManifestWriteReport.Resource).toBe("arn:aws:s3:::acme-logs/_restore-state/*");
    expect(JSON.stringify(b)).not.toMatch(/Delete|s3:\*|"\*"|Replicate/);
    expect(
      () =>
        new TenantAccessRoles(testStack(), "Long", {
          ...base,
          operators: [ANALYST],
          namePrefix: "x".repeat(51),
          restore: { vaultBucketArn: "arn:aws:s3:::acme-backup", vaultKmsKeyArn: VAULT_KEY },
        }),
    ).toThrow(/namePrefix: must be at most 50 characters with restore/);
    const role = resourcesOf(json, "aws_iam_role").find((r) => r.name === "acme-prod-globex-restore")!;
    expect(statementsBySid(role.assume_role_policy).AssumeRole.Principal).toEqual({ AWS: ["arn:aws:iam::111111111111:role/soc-oncall"] });
    expect(roles.restoreRoleArn).toMatch(/^\$\{TfToken/);
    // Without a vault there is no restore role.
    const plain = testStack();
    expect(new TenantAccessRoles(plain, "Roles", { ...base, readers: [ANALYST], operators: [ANALYST] }).restoreRoleArn).toBeUndefined();
    expect(
      resourcesOf(synthJson(plain), "aws_iam_role")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["acme-prod-globex-ops", "acme-prod-globex-read"]);
    expect(roles.restoreBatchRoleArn).toMatch(/^\$\{TfToken/);
  });

  test.each([
    [{ prefixes: [] }, /prefixes/],
    [{ readers: ["arn:aws:iam::111111111111:user/bob"] }, /readers\[0\]: must be an IAM role ARN/],
    [{ namePrefix: "x".repeat(60) }, /namePrefix: must be 1-59 characters/],
  ] as [Partial<TenantAccessRolesProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new TenantAccessRoles(testStack(), "R", { ...base, ...props })).toThrow(message);
  });
});
