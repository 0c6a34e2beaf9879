import { AccessLogBucket } from "../../../modules/aws/access-log-bucket";
import { onlyResource, statementsBySid, synthJson, testStack } from "../../support/synth";
import { ACCOUNT_ID } from "../../support/fixtures";

describe("AccessLogBucket", () => {
  test("SSE-S3 (what access logging requires), TLS-only, private, expiring, delivery only for its account", () => {
    const stack = testStack();
    new AccessLogBucket(stack, "AccessLogs", { bucketName: "acme-prod-access-logs", accountId: ACCOUNT_ID });
    const json = synthJson(stack);
    expect((onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration").rule as unknown[])[0]).toMatchObject({
      apply_server_side_encryption_by_default: { sse_algorithm: "AES256" },
    });
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_policy: true, restrict_public_buckets: true });
    expect(onlyResource(json, "aws_s3_bucket_versioning")).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    const s = statementsBySid(onlyResource(json, "aws_s3_bucket_policy").policy);
    expect(s.DenyInsecureTransport.Effect).toBe("Deny");
    expect(s.S3ServerAccessLogDelivery).toMatchObject({
      Principal: { Service: "logging.s3.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
    });
    expect((onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule as unknown[])[0]).toMatchObject({
      filter: [{ prefix: "" }],
      expiration: [{ days: 365 }],
    });
    expect(onlyResource(json, "aws_s3_bucket").object_lock_enabled).toBeUndefined();
  });

  test("rejects a bad name", () => {
    expect(() => new AccessLogBucket(testStack(), "A", { bucketName: "a.b", accountId: ACCOUNT_ID })).toThrow(/test\/A: 1 problem[\s\S]*bucketName/);
  });
});
