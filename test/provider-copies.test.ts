import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  StackJson,
  absoluteAssets,
  forEmulator,
  forValidation,
  logDeliveryFirst,
  organizationFixture,
  referencedAddresses,
  retarget,
} from "../tools/provider-copies";
import { emulatorDifferences, planChanges } from "../tools/plan-check";

const golden = (stack: string) => JSON.parse(readFileSync(join(__dirname, "golden", "default", `${stack}.tf.json`), "utf8")) as StackJson;
const addresses = (json: StackJson) => Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`));
const target = {
  endpoint: "http://127.0.0.1:5000",
  statePath: "/tmp/state/terraform.tfstate",
  awsVersion: "6.34.0",
  credentials: { accessKey: "ASIAEMULATOR", secretKey: "secret", sessionToken: "token" },
};

describe("copies of a stack for the real-provider checks", () => {
  const tenant = golden("tenant-initech-prod");

  test("references are found inside interpolations, depends_on and replace_triggered_by", () => {
    const refs = referencedAddresses({
      a: "x ${jsonencode({ k = aws_kms_key.K.arn })} ${data.aws_caller_identity.me.account_id}",
      depends_on: ["aws_s3_bucket.B"],
      lifecycle: { replace_triggered_by: ["snowflake_stage.S.url"] },
    });
    expect([...refs].sort()).toEqual(["aws_kms_key.K", "aws_s3_bucket.B", "data.aws_caller_identity.me", "snowflake_stage.S"]);
  });

  test("validation copy: every AWS resource stays, Snowflake attributes become unknown variables, the AWS version is the validated one", () => {
    const { json, removed } = forValidation(tenant, "6.34.0");
    const aws = addresses(tenant).filter((a) => a.startsWith("aws_"));
    expect(addresses(json)).toEqual(aws);
    expect(removed.map((r) => r.address.replace(/^resource\./, "")).sort()).toEqual(
      addresses(tenant)
        .filter((a) => a.startsWith("snowflake_"))
        .sort(),
    );
    const text = JSON.stringify(json.resource);
    const refs = Object.values(json.resource ?? {}).flatMap((byName) => Object.values(byName).flatMap((b) => [...referencedAddresses(b)]));
    expect(refs.filter((r) => r.startsWith("snowflake_"))).toEqual([]);
    expect(text).toMatch(/\$\{var\.snowflake_ref_\d+\}/);
    expect(Object.keys(json.variable ?? {}).length).toBeGreaterThan(0);
    expect(json.provider).not.toHaveProperty("snowflake");
    expect(json.terraform?.required_providers).toEqual({ aws: { source: "aws", version: "6.34.0" } });
    // The stack itself is untouched.
    expect(tenant.terraform?.required_providers?.aws?.version).toBe(">= 6.34, < 7");
  });

  test("emulator copy: Snowflake and what needs its outputs are left out, transitively, each with its reason", () => {
    const { json, removed } = forEmulator(tenant, target);
    const reasons = Object.fromEntries(removed.map((r) => [r.address, r.reason]));
    expect(reasons["resource.aws_s3_bucket_notification.LogBucket_Notifications_2BE37316"]).toMatch(/^needs snowflake_pipe\./);
    const accessRolePolicy = Object.keys(reasons).find((a) => /aws_iam_role_policy\.Source_okta_AccessRole/.test(a))!;
    expect(reasons[accessRolePolicy]).toMatch(/^needs aws_iam_role\.Source_okta_AccessRole/);
    // What stays refers to nothing that left.
    const kept = new Set(addresses(json));
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      for (const body of Object.values(byName))
        for (const ref of referencedAddresses(body)) expect({ type, ref, kept: kept.has(ref) || ref.startsWith("data.") }).toMatchObject({ kept: true });
    }
    expect(addresses(json)).toEqual(
      expect.arrayContaining([
        "aws_s3_bucket.LogBucket_CC3B17E8",
        "aws_kms_key.LogKey_E83D0C1B",
        "aws_s3_bucket_object_lock_configuration.LogBucket_ObjectLock_37F295E9",
      ]),
    );
  });

  test("emulator copy: every AWS provider talks to the emulator, state is local", () => {
    const { json } = forEmulator(golden("platform-prod"), target);
    expect(json.provider!.aws.length).toBe(3);
    for (const p of json.provider!.aws) {
      expect(p).toMatchObject({ skip_requesting_account_id: false, s3_use_path_style: true, access_key: "ASIAEMULATOR", secret_key: "secret", token: "token" });
      expect((p.endpoints as Record<string, string>[])[0]).toMatchObject({
        s3: target.endpoint,
        sts: target.endpoint,
        iam: target.endpoint,
        kms: target.endpoint,
      });
    }
    expect(json.terraform?.backend).toEqual({ local: { path: target.statePath } });
  });
});

describe("emulator rules", () => {
  test("the log-delivery grant moves first in an access-log bucket's policy, nothing else changes", () => {
    const json = forEmulator(golden("platform-prod"), target).json;
    const before = golden("platform-prod").resource!.aws_s3_bucket_policy;
    for (const [name, body] of Object.entries(json.resource!.aws_s3_bucket_policy)) {
      const statements = JSON.parse(String(body.policy)).Statement as { Sid: string }[];
      const original = JSON.parse(String(before[name].policy)).Statement as { Sid: string }[];
      expect([...statements].sort((a, b) => a.Sid.localeCompare(b.Sid))).toEqual([...original].sort((a, b) => a.Sid.localeCompare(b.Sid)));
      if (name.startsWith("AccessLogs_")) expect(statements[0].Sid).toBe("S3ServerAccessLogDelivery");
      else expect(statements.map((x) => x.Sid)).toEqual(original.map((x) => x.Sid));
    }
    const untouched = { resource: { aws_s3_bucket_policy: { P: { policy: JSON.stringify({ Statement: [{ Sid: "A", Principal: "*" }] }) } } } };
    logDeliveryFirst(untouched);
    expect(JSON.parse(untouched.resource.aws_s3_bucket_policy.P.policy).Statement).toEqual([{ Sid: "A", Principal: "*" }]);
  });

  test("the organization and a stand-in OU per SCP target come from a fixture on the stack's management provider", () => {
    const copy = forEmulator(golden("platform-prod"), target).json;
    const fixture = organizationFixture(copy, "/tmp/fixture.tfstate")!;
    expect(fixture.targets).toEqual(["ou-ab12-34cd56ef"]);
    expect(fixture.json.provider!.aws).toEqual([
      expect.objectContaining({ alias: "management", endpoints: [expect.objectContaining({ organizations: target.endpoint })] }),
    ]);
    expect(fixture.json.resource!.aws_organizations_organization.org).toMatchObject({
      provider: "aws.management",
      enabled_policy_types: ["SERVICE_CONTROL_POLICY"],
    });
    retarget(copy, { "ou-ab12-34cd56ef": "ou-emu-12345678" });
    expect(Object.values(copy.resource!.aws_organizations_policy_attachment).map((a) => a.target_id)).toEqual(["ou-emu-12345678"]);
    expect(() => retarget(copy, {})).toThrow(/no emulator stand-in for SCP target ou-emu-12345678/);
    expect(organizationFixture(forEmulator(golden("tenant-globex-prod"), target).json, "/tmp/x")).toBeUndefined();
  });
});

test("asset paths, relative to the stack's folder, point at it from a copy written elsewhere", () => {
  const json: StackJson = { resource: { aws_lambda_function: { F: { filename: "assets/Code/HASH/log-puller.zip", handler: "index.handler" } } } };
  absoluteAssets(json, "/out/stacks/tenant-a-prod");
  expect(json.resource!.aws_lambda_function.F).toEqual({ filename: "/out/stacks/tenant-a-prod/assets/Code/HASH/log-puller.zip", handler: "index.handler" });
});

describe("plan after apply", () => {
  const plan = (changes: { type: string; actions: string[]; before: Record<string, unknown>; after: Record<string, unknown> }[]) => ({
    resource_changes: changes.map((c, i) => ({
      address: `${c.type}.r${i}`,
      type: c.type,
      change: { actions: c.actions, before: c.before, after: c.after, after_unknown: {} },
    })),
  });

  test("no-ops are not changes; updates name the attributes that differ", () => {
    const changes = planChanges(
      plan([
        { type: "aws_kms_key", actions: ["no-op"], before: { a: 1 }, after: { a: 1 } },
        {
          type: "aws_s3_bucket_versioning",
          actions: ["update"],
          before: { bucket: "b", expected_bucket_owner: "1" },
          after: { bucket: "b", expected_bucket_owner: null },
        },
      ]),
    );
    expect(changes).toEqual([
      {
        address: "aws_s3_bucket_versioning.r1",
        type: "aws_s3_bucket_versioning",
        actions: ["update"],
        attributes: ["expected_bucket_owner"],
        values: { expected_bucket_owner: { before: "1", after: null } },
      },
    ]);
  });

  test("a Lambda's dead_letter_config / logging_config (never stored by moto) is excused without converging; with anything else it is ours", () => {
    const changes = planChanges(
      plan([
        {
          type: "aws_lambda_function",
          actions: ["update"],
          before: { dead_letter_config: [], logging_config: [] },
          after: { dead_letter_config: [{ target_arn: "q" }], logging_config: [{ log_format: "JSON" }] },
        },
        {
          type: "aws_lambda_function",
          actions: ["update"],
          before: { dead_letter_config: [], timeout: 60 },
          after: { dead_letter_config: [{ target_arn: "q" }], timeout: 300 },
        },
      ]),
    );
    const { excused, ours } = emulatorDifferences(changes);
    expect(excused.map((e) => [e.change.address, e.converges])).toEqual([["aws_lambda_function.r0", false]]);
    expect(ours.map((c) => c.address)).toEqual(["aws_lambda_function.r1"]);
  });

  test("replication rules that differ only in source_selection_criteria and in moto's hard-coded empty filter prefix are excused; any other rule difference is ours", () => {
    const rule = {
      id: "backup-vault",
      status: "Enabled",
      priority: 0,
      filter: [{ prefix: "" }],
      delete_marker_replication: [{ status: "Disabled" }],
      destination: [{ bucket: "arn:aws:s3:::v", storage_class: "DEEP_ARCHIVE" }],
    };
    const wanted = { ...rule, source_selection_criteria: [{ sse_kms_encrypted_objects: [{ status: "Enabled" }] }] };
    const changes = planChanges(
      plan([
        {
          type: "aws_s3_bucket_replication_configuration",
          actions: ["update"],
          before: { rule: [{ ...rule, source_selection_criteria: [] }] },
          after: { rule: [wanted] },
        },
        {
          type: "aws_s3_bucket_replication_configuration",
          actions: ["update"],
          before: { rule: [{ ...rule, source_selection_criteria: [], delete_marker_replication: [{ status: "Enabled" }] }] },
          after: { rule: [wanted] },
        },
        { type: "aws_s3_bucket_replication_configuration", actions: ["update"], before: { rule: [rule], role: "a" }, after: { rule: [wanted], role: "b" } },
        // Rules per prefix: moto reads each back with Filter { Prefix: "" }.
        {
          type: "aws_s3_bucket_replication_configuration",
          actions: ["update"],
          before: {
            rule: [
              { ...rule, source_selection_criteria: [] },
              { ...rule, id: "b" },
            ],
          },
          after: {
            rule: [
              { ...wanted, filter: [{ prefix: "okta/" }] },
              { ...wanted, id: "b", filter: [{ prefix: "edr/" }] },
            ],
          },
        },
        // A prefix read back that is not moto's empty one is a real difference.
        {
          type: "aws_s3_bucket_replication_configuration",
          actions: ["update"],
          before: { rule: [{ ...rule, filter: [{ prefix: "edr/" }] }] },
          after: { rule: [{ ...wanted, filter: [{ prefix: "okta/" }] }] },
        },
      ]),
    );
    const { excused, ours } = emulatorDifferences(changes);
    expect(excused.map((e) => [e.change.address, e.converges])).toEqual([
      ["aws_s3_bucket_replication_configuration.r0", false],
      ["aws_s3_bucket_replication_configuration.r3", false],
    ]);
    expect(ours.map((c) => c.address)).toEqual([
      "aws_s3_bucket_replication_configuration.r1",
      "aws_s3_bucket_replication_configuration.r2",
      "aws_s3_bucket_replication_configuration.r4",
    ]);
  });

  test("a Kinesis stream re-tag (moto drops CreateStream's tags) is excused and converges; a retention change is ours", () => {
    const changes = planChanges(
      plan([
        { type: "aws_kinesis_stream", actions: ["update"], before: { tags: {}, tags_all: {} }, after: { tags: { a: "b" }, tags_all: { a: "b" } } },
        { type: "aws_kinesis_stream", actions: ["update"], before: { tags: {}, retention_period: 24 }, after: { tags: { a: "b" }, retention_period: 48 } },
      ]),
    );
    const { excused, ours } = emulatorDifferences(changes);
    expect(excused.map((e) => [e.change.address, e.converges])).toEqual([["aws_kinesis_stream.r0", true]]);
    expect(ours.map((c) => c.address)).toEqual(["aws_kinesis_stream.r1"]);
  });

  test("only a bucket re-tag is excused as the emulator's; anything else is ours", () => {
    const changes = planChanges(
      plan([
        { type: "aws_s3_bucket", actions: ["update"], before: { tags: {} }, after: { tags: { a: "b" } } },
        { type: "aws_s3_bucket", actions: ["update"], before: { tags: {}, force_destroy: false }, after: { tags: { a: "b" }, force_destroy: true } },
        { type: "aws_kms_key", actions: ["update"], before: { tags: {} }, after: { tags: { a: "b" } } },
        { type: "aws_s3_bucket", actions: ["delete", "create"], before: { tags: {} }, after: { tags: { a: "b" } } },
      ]),
    );
    const { excused, ours } = emulatorDifferences(changes);
    expect(excused.map((e) => e.change.address)).toEqual(["aws_s3_bucket.r0"]);
    expect(ours.map((c) => c.address)).toEqual(["aws_s3_bucket.r1", "aws_kms_key.r2", "aws_s3_bucket.r3"]);
  });
});
