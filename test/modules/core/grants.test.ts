import { BackupVault } from "../../../modules/aws/backup-vault";
import { BucketGrants, KeyGrants } from "../../../modules/aws/grants";
import { KmsKey } from "../../../modules/aws/kms-key";
import { LOG_BUCKET_ACTIONS, LOG_OBJECT_ACTIONS, LogGuardScp } from "../../../modules/aws/log-guard-scp";
import { LogBucket } from "../../../modules/aws/log-bucket";
import { S3_BUCKET_PROTECTION_ACTIONS, S3_OBJECT_PROTECTION_ACTIONS, S3_OBJECT_WRITE_ACTIONS } from "../../../modules/aws/protected-actions";
import { asList, readPrefixesStatements } from "../../../modules/core/iam";
import { ACCOUNT_ID as ACCOUNT, KMS_KEY_ARN as KEY } from "../../support/fixtures";
import { onlyResource, statementsBySid, synthJson, testStack } from "../../support/synth";

describe("BucketGrants: statements on a bucket, its ARN built once", () => {
  const bucket = LogBucket.named("acme-prod-globex-logs", { region: "eu-west-1" }, KEY);

  test("a bucket known by name has its ARN in the region's partition", () => {
    expect(bucket.bucketArn).toBe("arn:aws:s3:::acme-prod-globex-logs");
    expect(LogBucket.named("acme-prod-globex-logs", { region: "us-gov-west-1" }).bucketArn).toBe("arn:aws-us-gov:s3:::acme-prod-globex-logs");
    expect(BucketGrants.inPartition("aws-cn", "b-logs").objectsArn("okta/")).toBe("arn:aws-cn:s3:::b-logs/okta/*");
  });

  test("grantRead reads, lists and locates exactly the prefixes and decrypts with the bucket's key (the shared read statements)", () => {
    expect(bucket.grantRead(["okta/"])).toEqual(readPrefixesStatements("arn:aws:s3:::acme-prod-globex-logs", ["okta/"], KEY));
    const viaS3 = statementsBySid(
      JSON.stringify({ Statement: bucket.grantRead(["okta/"], { viaService: "s3.eu-west-1.amazonaws.com", sidPrefix: "Backup" }) }),
    );
    expect(Object.keys(viaS3)).toEqual([
      "BackupReadObjectsUnderPrefixes",
      "BackupListOnlyPrefixes",
      "BackupLocateBucket",
      "BackupDecryptWithBucketKeyThroughS3",
    ]);
    expect(viaS3.BackupDecryptWithBucketKeyThroughS3.Condition).toEqual({ StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } });
  });

  test("grantWrite puts under the prefixes only, with the bucket's key; without a key, puts only", () => {
    expect(bucket.grantWrite(["okta/", "gsuite/"])).toEqual([
      {
        Sid: "WriteObjectsUnderPrefixes",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: ["arn:aws:s3:::acme-prod-globex-logs/okta/*", "arn:aws:s3:::acme-prod-globex-logs/gsuite/*"],
      },
      { Sid: "EncryptWithBucketKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Encrypt"], Resource: KEY },
    ]);
    expect(LogBucket.named("b-logs", { partition: "aws" }).grantWrite(["okta/"])).toHaveLength(1);
  });

  test("one prefix makes one Resource, a list makes a list (what the modules' policies always had)", () => {
    expect(bucket.grantOnObjects("Put", "s3:PutObject", "okta/").Resource).toBe("arn:aws:s3:::acme-prod-globex-logs/okta/*");
    expect(bucket.grantOnObjects("Put", "s3:PutObject", ["okta/"]).Resource).toEqual(["arn:aws:s3:::acme-prod-globex-logs/okta/*"]);
    expect(bucket.grantOnObject("State", ["s3:GetObject"], "_state/x.json")).toEqual({
      Sid: "State",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: "arn:aws:s3:::acme-prod-globex-logs/_state/x.json",
    });
    expect(bucket.grantListUnder("List", "okta/")).toEqual({
      Sid: "List",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: "arn:aws:s3:::acme-prod-globex-logs",
      Condition: { StringLike: { "s3:prefix": "okta/*" } },
    });
    expect(bucket.grantListUnder("List", ["okta/"]).Condition).toEqual({ StringLike: { "s3:prefix": ["okta/*"] } });
  });

  test("a log bucket's own grants name it by its resource's ARN and its key", () => {
    const stack = testStack();
    const logs = new LogBucket(stack, "Logs", {
      bucketName: "acme-prod-globex-logs",
      accountId: ACCOUNT,
      kmsKeyArn: KEY,
      accessLoggingDisabledReason: "a test of grants, nothing to log here",
      retentionRules: [{ prefix: "okta/", expirationDays: 365 }],
    });
    const [read] = logs.grantRead(["okta/"]);
    expect(asList(read.Resource)[0]).toBe(`${logs.bucketArn}/okta/*`);
    expect(logs.grantWrite(["okta/"])[1].Resource).toBe(KEY);
    expect(logs.objectsArn("okta/")).toBe(`${logs.bucketArn}/okta/*`);
  });

  test("a vault's grants name it by its ARN in its region's partition and its own key", () => {
    const stack = testStack();
    const vault = new BackupVault(stack, "Vault", {
      bucketName: "acme-prod-backup",
      accountId: ACCOUNT,
      region: "eu-west-1",
      accessLogging: { targetBucket: "acme-prod-access-logs" },
      adminRoleArns: [`arn:aws:iam::${ACCOUNT}:role/acme-terraform`],
      alarmsWithoutActionsReason: "a test of grants, nobody to notify here",
      tenants: [{ id: "globex", prefix: "globex/", retentionDays: 365, sourceBucketName: "acme-prod-globex-logs", sourceKmsKeyArn: KEY }],
    });
    const s = statementsBySid(JSON.stringify({ Statement: vault.grantRead(["globex/"]) }));
    expect(s.ReadObjectsUnderPrefixes.Resource).toEqual(["arn:aws:s3:::acme-prod-backup/globex/*"]);
    expect(s.DecryptWithBucketKey.Resource).toBe(vault.kmsKeyArn);
    expect(BackupVault.named("acme-prod-backup", { region: "cn-north-1" }).bucketArn).toBe("arn:aws-cn:s3:::acme-prod-backup");
  });
});

describe("KeyGrants: statements with a key", () => {
  test("grant and grantDecrypt, on a key known by ARN or made here", () => {
    expect(new KeyGrants(KEY).grantDecrypt("Decrypt", { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } })).toEqual({
      Sid: "Decrypt",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: KEY,
      Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
    });
    const key = new KmsKey(testStack(), "Key", { accountId: ACCOUNT, aliasName: "a", description: "test" });
    expect(key.grantDecrypt("Decrypt")).toEqual({ Sid: "Decrypt", Effect: "Allow", Action: "kms:Decrypt", Resource: key.keyArn });
    expect(key.grant("Use", ["kms:GenerateDataKey", "kms:Decrypt"]).Action).toEqual(["kms:GenerateDataKey", "kms:Decrypt"]);
    expect(KmsKey.grantsOn(KEY).keyArn).toBe(KEY);
  });
});

describe("one list of the S3 actions that protect log buckets, shared by the guard and the vault", () => {
  test("the SCP denies the whole list, on buckets and on objects", () => {
    expect(LOG_BUCKET_ACTIONS).toEqual([...S3_BUCKET_PROTECTION_ACTIONS]);
    expect(LOG_OBJECT_ACTIONS).toEqual([...S3_OBJECT_PROTECTION_ACTIONS]);
    const stack = testStack();
    new LogGuardScp(stack, "Guard", {
      name: "g",
      bucketNamePrefix: "acme-prod-",
      keyTag: { key: "k", value: "v" },
      exemptRoleArns: [`arn:aws:iam::${ACCOUNT}:role/deployer`],
      targetIds: [ACCOUNT],
    });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_organizations_policy").content);
    expect(s.ProtectLogBuckets.Action).toEqual([...S3_BUCKET_PROTECTION_ACTIONS]);
    expect(s.ProtectLogObjects.Action).toEqual([...S3_OBJECT_PROTECTION_ACTIONS]);
  });

  test("every S3 action the vault denies is one of the list's (or a write only replication makes)", () => {
    const stack = testStack();
    new BackupVault(stack, "Vault", {
      bucketName: "acme-prod-backup",
      accountId: ACCOUNT,
      region: "eu-west-1",
      accessLogging: { targetBucket: "acme-prod-access-logs" },
      adminRoleArns: [`arn:aws:iam::${ACCOUNT}:role/acme-terraform`],
      alarmsWithoutActionsReason: "a test of actions, nobody to notify here",
      tenants: [
        {
          id: "globex",
          prefix: "globex/",
          retentionDays: 365,
          sourceBucketName: "acme-prod-globex-logs",
          sourceKmsKeyArn: KEY,
          readerRoleArns: [`arn:aws:iam::${ACCOUNT}:role/reader`],
        },
      ],
    });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_s3_bucket_policy").policy);
    const known = new Set<string>([...S3_BUCKET_PROTECTION_ACTIONS, ...S3_OBJECT_PROTECTION_ACTIONS, ...S3_OBJECT_WRITE_ACTIONS]);
    for (const sid of [
      "DenyReplicaWritesExceptReplication",
      "DenyObjectWritesExceptAdministrators",
      "DenyDeletesAndLockBypass",
      "DenyVaultConfigurationExceptAdministrators",
    ]) {
      for (const action of asList(s[sid].Action)) expect([sid, known.has(action)]).toEqual([sid, true]);
    }
    expect(asList(s.DenyVaultConfigurationExceptAdministrators.Action)).toEqual(
      expect.arrayContaining(["s3:PutBucketPolicy", "s3:PutBucketObjectLockConfiguration", "s3:DeleteBucket"]),
    );
  });
});
