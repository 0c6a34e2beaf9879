import { AuditTrail, AuditTrailProps } from "../../../modules/aws/audit-trail";
import { onlyResource, synthJson, testStack } from "../../support/synth";
import { KMS_KEY_ARN as KEY } from "../../support/fixtures";

const base: AuditTrailProps = { name: "acme-prod-log-audit", bucketName: "acme-prod-audit", kmsKeyArn: KEY, protectedBucketPrefix: "acme-prod-" };

describe("AuditTrail", () => {
  test("multi-region, encrypted, validated trail of object events on the log buckets and management writes", () => {
    const stack = testStack();
    new AuditTrail(stack, "Trail", base);
    const trail = onlyResource(synthJson(stack), "aws_cloudtrail");
    expect(trail).toMatchObject({
      name: "acme-prod-log-audit",
      s3_bucket_name: "acme-prod-audit",
      s3_key_prefix: "cloudtrail",
      kms_key_id: KEY,
      is_multi_region_trail: true,
      enable_log_file_validation: true,
      enable_logging: true,
    });
    expect(trail.advanced_event_selector).toEqual([
      {
        name: "Log bucket object events",
        field_selector: [
          { field: "eventCategory", equals: ["Data"] },
          { field: "resources.type", equals: ["AWS::S3::Object"] },
          { field: "resources.ARN", starts_with: ["arn:aws:s3:::acme-prod-"], not_starts_with: ["arn:aws:s3:::acme-prod-audit/"] },
        ],
      },
      {
        // Its own bucket: everything but its own deliveries, which would be a feedback loop (issue 16, item 9).
        name: "Delivery bucket object events but writes",
        field_selector: [
          { field: "eventCategory", equals: ["Data"] },
          { field: "resources.type", equals: ["AWS::S3::Object"] },
          { field: "resources.ARN", starts_with: ["arn:aws:s3:::acme-prod-audit/"] },
          { field: "eventName", not_equals: ["PutObject"] },
        ],
      },
      {
        name: "Management writes",
        field_selector: [
          { field: "eventCategory", equals: ["Management"] },
          { field: "readOnly", equals: ["false"] },
        ],
      },
    ]);
  });

  test("writes to the excluded buckets (the access-log buckets) are not recorded, their other object events are (issue 16, item 9)", () => {
    const stack = testStack();
    new AuditTrail(stack, "Trail", { ...base, excludedBucketNames: ["acme-prod-eu-west-1-s3-access-logs", "acme-prod-us-east-1-s3-access-logs"] });
    const selectors = onlyResource(synthJson(stack), "aws_cloudtrail").advanced_event_selector as { field_selector: { field: string }[] }[];
    const delivery = ["arn:aws:s3:::acme-prod-audit/", "arn:aws:s3:::acme-prod-eu-west-1-s3-access-logs/", "arn:aws:s3:::acme-prod-us-east-1-s3-access-logs/"];
    expect(selectors[0].field_selector.find((f) => f.field === "resources.ARN")).toEqual({
      field: "resources.ARN",
      starts_with: ["arn:aws:s3:::acme-prod-"],
      not_starts_with: delivery,
    });
    expect(selectors[1].field_selector.find((f) => f.field === "resources.ARN")).toEqual({ field: "resources.ARN", starts_with: delivery });
  });

  test("management events can be left to an organization trail", () => {
    const stack = testStack();
    new AuditTrail(stack, "Trail", { ...base, includeManagementWrites: false });
    expect((onlyResource(synthJson(stack), "aws_cloudtrail").advanced_event_selector as unknown[]).length).toBe(2);
  });

  test.each([
    [{ protectedBucketPrefix: "" }, /protectedBucketPrefix/],
    [{ keyPrefix: "a/b" }, /keyPrefix: must be a key prefix without slashes/],
    [{ excludedBucketNames: ["Not_A_Bucket"] }, /excludedBucketNames\[0\]: must be an S3 bucket name/],
  ] as [Partial<AuditTrailProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new AuditTrail(testStack(), "T", { ...base, ...props })).toThrow(message);
  });
});
