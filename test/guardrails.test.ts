import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { App, TerraformStack } from "cdktf";
import { LogBucket } from "../modules/aws/log-bucket";
import { GuardrailError, RULES, guardrailViolations, suppressGuardrail } from "../modules/core/guardrails";
import { checkGuardrails } from "../stacks/app";
import { SynthJson, synthWithMetadata, testStack } from "./support/synth";

type Resources = Record<string, Record<string, Record<string, unknown>>>;
const B = "${aws_s3_bucket.b.id}";

/** A bucket with every companion a compliant bucket has; `edit` breaks one thing. */
function bucketStack(edit: (r: Resources) => void = () => undefined): { resource: Resources } {
  const resource: Resources = {
    aws_s3_bucket: { b: { bucket: "x", force_destroy: false } },
    aws_s3_bucket_server_side_encryption_configuration: { e: { bucket: B } },
    aws_s3_bucket_versioning: { v: { bucket: B, versioning_configuration: { status: "Enabled" } } },
    aws_s3_bucket_public_access_block: { p: { bucket: B, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true } },
    aws_s3_bucket_lifecycle_configuration: { l: { bucket: B } },
    aws_s3_bucket_policy: {
      pol: { bucket: B, policy: JSON.stringify({ Statement: [{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }] }) },
    },
  };
  edit(resource);
  return { resource };
}
const rulesHit = (stack: { resource: Resources }) => guardrailViolations(stack).map((v) => v.rule);

describe("guardrails", () => {
  test("a compliant bucket passes every rule", () => expect(rulesHit(bucketStack())).toEqual([]));

  test.each([
    ["S3_ENCRYPTED", (r: Resources) => delete r.aws_s3_bucket_server_side_encryption_configuration],
    ["S3_VERSIONED", (r: Resources) => ((r.aws_s3_bucket_versioning.v.versioning_configuration as { status: string }).status = "Suspended")],
    ["S3_PUBLIC_ACCESS_BLOCKED", (r: Resources) => (r.aws_s3_bucket_public_access_block.p.restrict_public_buckets = false)],
    ["S3_TLS_ONLY", (r: Resources) => delete r.aws_s3_bucket_policy],
    ["S3_LIFECYCLE", (r: Resources) => delete r.aws_s3_bucket_lifecycle_configuration],
    ["S3_KEEP_ON_DESTROY", (r: Resources) => (r.aws_s3_bucket.b.force_destroy = true)],
    ["IAM_NO_WILDCARD_ACTIONS", (r: Resources) => (r.aws_iam_role_policy = { rp: { policy: JSON.stringify({ Statement: [{ Sid: "All", Effect: "Allow", Action: "s3:*", Resource: "*" }] }) } })],
    ["IAM_NO_WILDCARD_PRINCIPALS", (r: Resources) => (r.aws_iam_role = { role: { assume_role_policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }) } })],
  ])("%s fires on a crafted violation, and only it", (rule, edit) => {
    expect(rulesHit(bucketStack(edit))).toEqual([rule]);
  });

  test("a Deny with wildcards is fine; only Allow statements are held to named actions and principals", () => {
    expect(rulesHit(bucketStack((r) => (r.aws_iam_role_policy = { rp: { policy: JSON.stringify({ Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }) } })))).toEqual([]);
  });

  test("every rule has an id, a description and resource types", () => {
    for (const rule of RULES) expect(rule).toMatchObject({ id: expect.stringMatching(/^[A-Z0-9_]+$/), description: expect.any(String) });
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  test("a violation names the construct path, the address and the rule", () => {
    const stack = testStack();
    new S3Bucket(stack, "Naked", { bucket: "naked-bucket" });
    const json = synthWithMetadata(stack);
    const violations = guardrailViolations(json as never);
    expect(violations.map((v) => v.rule).sort()).toEqual(["S3_ENCRYPTED", "S3_LIFECYCLE", "S3_PUBLIC_ACCESS_BLOCKED", "S3_TLS_ONLY", "S3_VERSIONED"]);
    expect(violations[0]).toMatchObject({ path: "test/Naked", address: expect.stringMatching(/^aws_s3_bucket\.Naked/) });
    expect(new GuardrailError(violations).message).toMatch(/^guardrails: 5 violations\n {2}- test\/Naked \(aws_s3_bucket\.Naked\S*\): S3_ENCRYPTED: /);
  });

  test("the library's modules pass every rule", () => {
    const stack = testStack();
    new LogBucket(stack, "Logs", { bucketName: "acme-logs", accountId: "111111111111", accessLogging: { targetBucket: "acme-access" }, retentionRules: [{ prefix: "a/", expirationDays: 90 }] });
    expect(guardrailViolations(synthWithMetadata(stack) as never)).toEqual([]);
  });

  test("a suppression with a reason silences its rule, is recorded on the resource, and the others still apply", () => {
    const stack = testStack();
    const bucket = new S3Bucket(stack, "Naked", { bucket: "naked-bucket" });
    suppressGuardrail(bucket, "S3_LIFECYCLE", "A scratch bucket that a nightly job empties; no lifecycle needed.");
    const json = synthWithMetadata(stack) as SynthJson;
    expect(guardrailViolations(json as never).map((v) => v.rule)).not.toContain("S3_LIFECYCLE");
    expect(guardrailViolations(json as never).map((v) => v.rule)).toContain("S3_ENCRYPTED");
    const body = Object.values(json.resource.aws_s3_bucket)[0] as { "//": { lakehouse_suppressions: unknown } };
    expect(body["//"].lakehouse_suppressions).toEqual([{ rule: "S3_LIFECYCLE", reason: "A scratch bucket that a nightly job empties; no lifecycle needed." }]);
  });

  test("a suppression needs a known rule, a real reason and resources", () => {
    const stack = testStack();
    const bucket = new S3Bucket(stack, "B", { bucket: "b-bucket" });
    expect(() => suppressGuardrail(bucket, "S3_LIFECYCLE", "because")).toThrow(/needs a written reason of at least 20 characters/);
    expect(() => suppressGuardrail(bucket, "NO_SUCH_RULE", "a long enough reason for sure")).toThrow(/unknown guardrail rule NO_SUCH_RULE/);
    expect(() => suppressGuardrail(new TerraformStack(new App(), "empty"), "S3_LIFECYCLE", "a long enough reason for sure")).toThrow(/no resources/);
  });

  test("checkGuardrails reads every stack of a synth output, naming the stack", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "guardrails-")), "out");
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "bad");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new S3Bucket(stack, "Naked", { bucket: "naked-bucket" });
    app.synth();
    const violations = checkGuardrails(outdir);
    expect(violations.length).toBe(5);
    expect(violations.every((v) => v.stack === "bad")).toBe(true);
    expect(existsSync(join(outdir, "stacks", "bad", "cdk.tf.json"))).toBe(true);
    expect(readFileSync(join(outdir, "stacks", "bad", "cdk.tf.json"), "utf8")).toContain("naked-bucket");
  });
});
