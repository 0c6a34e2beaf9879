import { createJobInput } from "../../../cli/restore/vault";
import { reviewContext } from "../../../review/context";
import { roleReadsLogs } from "../../../review/plan";
import { StackSet } from "../../../review/synth-ref";

/** What reads or builds ARNs besides the modules (the review, restore's batch job) takes them in any partition. */

const ACCOUNT = "111111111111";

describe("outside the modules: ARNs of any partition", () => {
  const GOV_ROLE = `arn:aws-us-gov:iam::${ACCOUNT}:role/acme-prod-globex-restore-batch`;

  test("GIVEN a restore's batch role in GovCloud THEN its S3 Batch Operations job names the state bucket in aws-us-gov", () => {
    const input = createJobInput({
      accountId: ACCOUNT,
      roleArn: GOV_ROLE,
      stateBucket: "logs",
      manifestKey: "m.csv",
      manifestEtag: "e",
      reportPrefix: "r",
      tier: "Bulk",
      days: 1,
      clientRequestToken: "t",
      description: "d",
    });
    expect(input.Manifest.Location.ObjectArn).toBe("arn:aws-us-gov:s3:::logs/m.csv");
    expect(input.Report.Bucket).toBe("arn:aws-us-gov:s3:::logs");
  });

  const stackIn = (region: string): StackSet => ({
    tenant: {
      provider: { aws: [{ region, allowed_account_ids: [ACCOUNT] }] },
      resource: {
        aws_s3_bucket: { logs: { bucket: "acme-logs" } },
        aws_iam_role: { reader: { name: "reader" } },
        aws_iam_role_policy: {
          reader: {
            role: "${aws_iam_role.reader.id}",
            policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws-cn:s3:::acme-logs/okta/*" }] }),
          },
        },
      },
    },
  });

  test("GIVEN a stack in China THEN the review resolves its bucket's and role's ARNs in aws-cn", () => {
    const set = stackIn("cn-north-1");
    const context = reviewContext(set, set);
    expect(context.resolve("head", "tenant", "${aws_s3_bucket.logs.arn}")).toBe("arn:aws-cn:s3:::acme-logs");
    expect(context.resolve("head", "tenant", "${aws_iam_role.reader.arn}")).toBe(`arn:aws-cn:iam::${ACCOUNT}:role/reader`);
    expect(reviewContext(stackIn("eu-west-1"), stackIn("eu-west-1")).resolve("head", "tenant", "${aws_s3_bucket.logs.arn}")).toBe("arn:aws:s3:::acme-logs");
  });

  test("GIVEN a role reading a log bucket by an aws-cn ARN THEN the review knows it reads logs", () => {
    expect(roleReadsLogs(stackIn("cn-north-1"), "tenant", "aws_iam_role.reader")).toBe(true);
  });
});
