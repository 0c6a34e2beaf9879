import { LogGuardScp, LogGuardScpProps, SCP_MAX_CHARACTERS } from "../../../modules/aws/log-guard-scp";
import { resourcesOf, statementsBySid, synthJson, testStack } from "../../support/synth";

const base: LogGuardScpProps = {
  name: "acme-prod-log-guard",
  bucketNamePrefix: "acme-prod-",
  keyTag: { key: "lakehouse:environment", value: "prod" },
  exemptRoleArns: ["arn:aws:iam::111111111111:role/lakehouse-deployer"],
  targetIds: ["ou-ab12-34cd56ef", "222222222222"],
};

describe("LogGuardScp", () => {
  test("denies deleting or unlocking log objects and loosening log buckets and keys to all but the exempt roles", () => {
    const stack = testStack();
    const guard = new LogGuardScp(stack, "Guard", base);
    const json = synthJson(stack);
    const policy = resourcesOf(json, "aws_organizations_policy")[0];
    expect(policy).toMatchObject({ name: "acme-prod-log-guard", type: "SERVICE_CONTROL_POLICY" });
    const s = statementsBySid(policy.content);
    const exempt = { ArnNotLike: { "aws:PrincipalARN": ["arn:aws:iam::111111111111:role/lakehouse-deployer"] } };
    expect(s.ProtectLogObjects).toMatchObject({ Effect: "Deny", Resource: "arn:aws:s3:::acme-prod-*/*", Condition: exempt });
    expect(s.ProtectLogObjects.Action).toEqual(
      expect.arrayContaining(["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"]),
    );
    expect(s.ProtectLogBuckets).toMatchObject({ Effect: "Deny", Resource: "arn:aws:s3:::acme-prod-*", Condition: exempt });
    expect(s.ProtectLogBuckets.Action).toEqual(
      expect.arrayContaining([
        "s3:PutBucketPolicy",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketLogging",
      ]),
    );
    expect(s.ProtectLogKeys.Condition).toEqual({ ...exempt, StringEquals: { "aws:ResourceTag/lakehouse:environment": "prod" } });
    // Issue 16, item 7: switching backups off (or copying logs out) and blinding the alarms are loosening too;
    // a key guarded by its tag must not be untagged (then deleted) or re-tagged.
    expect(s.ProtectLogBuckets.Action).toEqual(expect.arrayContaining(["s3:PutReplicationConfiguration", "s3:PutMetricsConfiguration"]));
    expect(s.ProtectLogKeys.Action).toEqual(
      expect.arrayContaining([
        "kms:ScheduleKeyDeletion",
        "kms:DisableKey",
        "kms:PutKeyPolicy",
        "kms:DisableKeyRotation",
        "kms:UntagResource",
        "kms:TagResource",
      ]),
    );
    for (const st of Object.values(s)) expect(st.Principal).toBeUndefined(); // SCPs take no Principal
    expect(guard.content).not.toMatch(/\s/); // minified: the size limit counts whitespace
    expect(
      resourcesOf(json, "aws_organizations_policy_attachment")
        .map((a) => a.target_id)
        .sort(),
    ).toEqual(["222222222222", "ou-ab12-34cd56ef"]);
  });

  test("refuses a policy over the SCP size limit", () => {
    const many = Array.from({ length: 120 }, (_, i) => `arn:aws:iam::111111111111:role/exempt-role-number-${i}`);
    expect(() => new LogGuardScp(testStack(), "Guard", { ...base, exemptRoleArns: many })).toThrow(new RegExp(`over the ${SCP_MAX_CHARACTERS} AWS allows`));
  });

  test.each([
    [{ exemptRoleArns: [] }, /exemptRoleArns: at least one exempt role is required/],
    [{ targetIds: ["not-a-target"] }, /targetIds\[0\]: must be an organization root, OU or account id/],
    [{ bucketNamePrefix: "acme-prod" }, /bucketNamePrefix: must be a bucket-name prefix ending in '-'/],
  ] as [Partial<LogGuardScpProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new LogGuardScp(testStack(), "G", { ...base, ...props })).toThrow(message);
  });
});
