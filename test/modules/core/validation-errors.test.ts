import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { LogBucket, LogBucketProps } from "../../../modules/aws/log-bucket";
import { LogGuardScp } from "../../../modules/aws/log-guard-scp";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { suppressGuardrail } from "../../../modules/core/guardrails";
import { testStack } from "../../support/synth";

/** Invalid input is a LakehouseValidationError naming where and what (the CLI exits 1 with it, no stack trace), never a plain Error. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("nothing was thrown");
}

describe("validation errors are typed and name the construct and the prop", () => {
  test("GIVEN exempt roles that make the SCP too long THEN exemptRoleArns is refused before anything is built", () => {
    const stack = testStack();
    const many = Array.from({ length: 120 }, (_, i) => `arn:aws:iam::111111111111:role/exempt-role-number-${i}`);
    const e = thrown(
      () =>
        new LogGuardScp(stack, "Guard", {
          name: "g",
          bucketNamePrefix: "acme-prod-",
          keyTag: { key: "k", value: "v" },
          exemptRoleArns: many,
          targetIds: ["111111111111"],
        }),
    );
    expect(e).toBeInstanceOf(LakehouseValidationError);
    expect((e as LakehouseValidationError).where).toBe("test/Guard");
    expect((e as LakehouseValidationError).problems).toEqual([
      { path: "exemptRoleArns", message: expect.stringMatching(/^the SCP is \d+ characters, over the 5120 AWS allows/) },
    ]);
    expect(stack.node.tryFindChild("Guard")).toBeUndefined();
  });

  test("GIVEN a suppression with an unknown rule and a short reason THEN both are reported at once", () => {
    const stack = testStack();
    const bucket = new S3Bucket(stack, "B", { bucket: "b-bucket" });
    const e = thrown(() => suppressGuardrail(bucket, "NO_SUCH_RULE", "because"));
    expect(e).toBeInstanceOf(LakehouseValidationError);
    expect((e as LakehouseValidationError).problems.map((p) => p.path)).toEqual(["rule", "reason"]);
  });

  describe("log bucket writers", () => {
    const base: LogBucketProps = {
      bucketName: "acme-prod-globex-logs",
      accountId: "111111111111",
      accessLoggingDisabledReason: "a test of writers, nothing to log here",
      retentionRules: [{ prefix: "okta/", expirationDays: 365 }],
    };
    const role = (n: string) => `arn:aws:iam::111111111111:role/${n}`;

    test("GIVEN two role writers whose prefixes name the same statements THEN the second is refused (before: a plain 'duplicate policy statement id')", () => {
      const e = thrown(
        () =>
          new LogBucket(testStack(), "Logs", {
            ...base,
            writers: [
              { prefix: "a-b/", roleArns: [role("x")] },
              { prefix: "a_b/", roleArns: [role("y")] },
            ],
          }),
      );
      expect(e).toBeInstanceOf(LakehouseValidationError);
      expect((e as Error).message).toMatch(/writers\[1\]\.prefix: names the same policy statements as writers\[0\]\.prefix 'a-b\/'/);
    });

    test("GIVEN a service writer and a role writer of one name THEN their statements differ, and both are kept", () => {
      expect(
        () =>
          new LogBucket(testStack(), "Logs", {
            ...base,
            writers: [
              { prefix: "a-b/", servicePrincipal: "cloudtrail.amazonaws.com" },
              { prefix: "a_b/", roleArns: [role("y")] },
            ],
          }),
      ).not.toThrow();
    });
  });
});
