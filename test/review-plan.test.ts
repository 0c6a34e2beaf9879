import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classify } from "../review/classify";
import { diffStacks } from "../review/diff";
import { PlanInputError, applyPlans, parsePlanArgument, readPlan, renderPath, roleReadsLogs } from "../review/plan";
import { buildReport, toJson, toMarkdown } from "../review/report";
import { StackSet } from "../review/synth-ref";

/**
 * Plans in Terraform's JSON output format (`terraform show -json <planfile>`), written by hand after
 * that format; the stacks are the committed golden output of the default example.
 */
const GOLDEN = join(__dirname, "golden", "default");
const load = (name: string) => JSON.parse(readFileSync(join(GOLDEN, `${name}.tf.json`), "utf8")) as StackSet[string];
const stacks: StackSet = {
  "platform-prod": load("platform-prod"),
  "tenant-globex-prod": load("tenant-globex-prod"),
  "tenant-initech-prod": load("tenant-initech-prod"),
};

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "lakehouse-plan-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function planFile(name: string, resourceChanges: unknown[], extra: Record<string, unknown> = {}): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({ format_version: "1.2", terraform_version: "1.10.5", planned_values: { root_module: {} }, resource_changes: resourceChanges, ...extra }),
  );
  return file;
}
/** One `resource_changes[]` entry as Terraform writes it. */
function rc(
  address: string,
  actions: string[],
  o: { action_reason?: string; index?: string | number; module_address?: string; replace_paths?: (string | number)[][] } = {},
) {
  const [type, name] = address
    .replace(/\[.*\]$/, "")
    .split(".")
    .slice(-2);
  const { replace_paths, ...rest } = o;
  return {
    address,
    mode: "managed",
    type,
    name,
    provider_name: "registry.terraform.io/hashicorp/aws",
    ...rest,
    change: { actions, before: {}, after: {}, ...(replace_paths ? { replace_paths } : {}) },
  };
}

describe("--plan input", () => {
  test("<stack>=<file> is split at the first '='; without one it is an error naming the flag", () => {
    expect(parsePlanArgument("tenant-globex-prod=plans/a=b.json")).toEqual({ stack: "tenant-globex-prod", file: "plans/a=b.json" });
    expect(() => parsePlanArgument("plan.json")).toThrow(PlanInputError);
    expect(() => parsePlanArgument("plan.json")).toThrow("--plan plan.json: expected <stack>=<file>");
    expect(() => parsePlanArgument("=plan.json")).toThrow(/expected <stack>=<file>/);
    expect(() => parsePlanArgument("stack=")).toThrow(/expected <stack>=<file>/);
  });

  test("a missing file, a binary plan, a state file and a malformed change are refused naming flag and file", () => {
    expect(() => readPlan("s", join(dir, "nope.json"))).toThrow(`--plan s=${join(dir, "nope.json")}: cannot read`);
    const binary = join(dir, "tfplan");
    writeFileSync(binary, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00]));
    expect(() => readPlan("s", binary)).toThrow(
      `--plan s=${binary}: ${binary} is not JSON; pass the output of terraform show -json <planfile>, not the binary plan`,
    );
    const state = join(dir, "state.json");
    writeFileSync(state, JSON.stringify({ format_version: "1.0", terraform_version: "1.10.5", values: { root_module: {} } }));
    expect(() => readPlan("s", state)).toThrow(`--plan s=${state}: ${state} has neither resource_changes nor planned_values`);
    const bad = planFile("bad.json", [{ address: "aws_s3_bucket.B", type: "aws_s3_bucket", change: { actions: ["explode"] } }]);
    expect(() => readPlan("s", bad)).toThrow(
      new RegExp(`^--plan s=${bad}: ${bad} is not a Terraform plan in JSON .*resource_changes\\.0\\.change\\.actions\\.0`),
    );
  });

  test("addresses: plain type.name maps as is, an index maps to its resource with a note, a module path does not map; data sources are skipped", () => {
    const file = planFile("addresses.json", [
      rc("aws_s3_bucket.LogBucket_CC3B17E8", ["update"]),
      rc('aws_s3_bucket.Extra["a"]', ["delete"], { index: "a" }),
      rc("module.legacy.aws_s3_bucket.Old", ["delete"], { module_address: "module.legacy" }),
      { ...rc("data.aws_caller_identity.Me", ["read"]), mode: "data", type: "aws_caller_identity" },
    ]);
    const plan = readPlan("tenant-globex-prod", file);
    expect(plan.changes.map((c) => [c.address, c.reportAddress, c.addressNote])).toEqual([
      ["aws_s3_bucket.LogBucket_CC3B17E8", "aws_s3_bucket.LogBucket_CC3B17E8", undefined],
      ['aws_s3_bucket.Extra["a"]', "aws_s3_bucket.Extra", 'instance ["a"] of aws_s3_bucket.Extra'],
      ["module.legacy.aws_s3_bucket.Old", undefined, "in module module.legacy: the synthesized stacks have no modules, so it is shown by its plan address"],
    ]);
  });

  test("replace paths render as attribute paths", () => {
    expect(renderPath(["bucket"])).toBe("bucket");
    expect(renderPath(["rule", 0, "filter"])).toBe("rule[0].filter");
    expect(renderPath(["column", 2, "name"])).toBe("column[2].name");
  });
});

describe("plan-aware review", () => {
  const changes = () => classify(diffStacks(stacks, stacks)); // no synthesized change: the plan alone speaks

  test("GIVEN a plan replacing a wrapped source's stream THEN it is critical: events not yet flattened would be skipped", () => {
    const file = planFile("stream.json", [
      rc("snowflake_stream_on_table.Source_cloudtrail_Flattener_Stream_0D64E6D3", ["delete", "create"], { replace_paths: [["table"]] }),
    ]);
    const { changes: out } = applyPlans(changes(), [readPlan("tenant-globex-prod", file)], { base: stacks, head: stacks });
    expect(out.map((c) => [c.severity, c.findings[0].rule])).toEqual([["critical", "plan.data-replaced"]]);
    expect(out[0].findings[0].message).toContain("files landed but not yet flattened are never flattened");
  });

  test("GIVEN a plan replacing a pipe (its stage was replaced) THEN it is critical and names the backfill that loads the gap", () => {
    const file = planFile("pipe.json", [rc("snowflake_pipe.Source_okta_Pipe_FD5471B9", ["delete", "create"], { action_reason: "replace_by_triggers" })]);
    const { changes: out } = applyPlans(changes(), [readPlan("tenant-globex-prod", file)], { base: stacks, head: stacks });
    expect(out.map((c) => [c.severity, c.findings[0].rule])).toEqual([["critical", "plan.data-replaced"]]);
    expect(out[0].findings[0].message).toContain(
      "files that land between the drop and the new pipe are never loaded; after the apply, run lakehouse backfill --config <config> --env prod --tenant globex --source okta --from <when the apply started> --to <when it ended>",
    );
  });

  test("GIVEN a plan replacing the log bucket, a table and the access role, deleting the key THEN each is critical with the attributes forcing it", () => {
    const file = planFile("globex.json", [
      rc("aws_s3_bucket.LogBucket_CC3B17E8", ["delete", "create"], { action_reason: "replace_because_cannot_update", replace_paths: [["bucket"]] }),
      rc("aws_kms_key.LogKey_E83D0C1B", ["delete"], { action_reason: "delete_because_no_resource_config" }),
      rc("snowflake_table.Source_okta_Table_71F54DA4", ["create", "delete"], { replace_paths: [["column", 0, "name"], ["cluster_by"]] }),
      rc("aws_iam_role.Source_okta_AccessRole_06F984C4", ["delete", "create"], { action_reason: "replace_by_triggers" }),
      rc("snowflake_task.Source_okta_Canary_Task_9808F97B", ["delete", "create"]),
      rc("aws_s3_bucket_policy.LogBucket_Policy_03E02C2B", ["update"]),
      rc("snowflake_view.Source_okta_Table_ViewOKTA_EVENTS", ["no-op"]),
    ]);
    const { changes: out, coverage } = applyPlans(changes(), [readPlan("tenant-globex-prod", file)], { base: stacks, head: stacks });
    const by = (address: string) => out.find((c) => c.address === address)!;
    expect(by("aws_s3_bucket.LogBucket_CC3B17E8")).toMatchObject({
      severity: "critical",
      action: "planned",
      planned: { action: "replace", replacePaths: ["bucket"] },
    });
    expect(by("aws_s3_bucket.LogBucket_CC3B17E8").findings[0]).toMatchObject({
      severity: "critical",
      rule: "plan.data-replaced",
      path: "bucket",
      message:
        "aws_s3_bucket.LogBucket_CC3B17E8 is replaced (delete then create) (an attribute cannot be changed in place); forced by bucket: the data it holds or guards is lost with the old one",
    });
    expect(by("aws_kms_key.LogKey_E83D0C1B").findings.map((f) => [f.severity, f.rule])).toEqual([["critical", "plan.data-deleted"]]);
    expect(by("snowflake_table.Source_okta_Table_71F54DA4").findings[0].message).toContain(
      "replaced (create then delete); forced by column[0].name, cluster_by",
    );
    expect(by("aws_iam_role.Source_okta_AccessRole_06F984C4").findings[0]).toMatchObject({ severity: "critical", rule: "plan.data-replaced" });
    expect(by("aws_iam_role.Source_okta_AccessRole_06F984C4").findings[0].message).toContain("it reads logs (s3:GetObject on a log bucket or kms:Decrypt)");
    // A task is no data store: its replacement is listed, low.
    expect(by("snowflake_task.Source_okta_Canary_Task_9808F97B").findings.map((f) => [f.severity, f.rule])).toEqual([["low", "plan.replaced"]]);
    // Updates and no-ops are the synthesized diff's business.
    expect(out.map((c) => c.address)).not.toContain("aws_s3_bucket_policy.LogBucket_Policy_03E02C2B");
    expect(out).toHaveLength(5);
    expect(coverage).toMatchObject({
      status: "partial",
      planned: ["tenant-globex-prod"],
      unplanned: ["platform-prod", "tenant-initech-prod"],
      unplannedWithChanges: [],
    });

    const report = buildReport({
      base: { ref: "a", commit: "a" },
      head: { ref: "b", commit: "b" },
      changes: out,
      plan: coverage,
      attribution: { library: { changed: false }, configChanged: false, method: "library unchanged" },
      modules: [],
      suppressions: [],
    });
    expect(report.summary).toMatchObject({ critical: 4, low: 1, replaced: 4, deleted: 1 });
    expect(report.changes.slice(0, 4).every((c) => c.severity === "critical")).toBe(true);
    const md = toMarkdown(report);
    expect(md).toContain("**4 critical**, **0 high**");
    expect(md).toContain("### ⛔ critical (4)");
    expect(md).toContain("- **planned** `tenant-globex-prod` `aws_s3_bucket.LogBucket_CC3B17E8` — **plan: replace** (forced by `bucket`)");
    expect(md).toContain("⚠ **Replacements and deletions are unknown for 2 stack(s) without a plan: platform-prod, tenant-initech-prod.**");
    expect(JSON.parse(toJson(report)).plan).toMatchObject({ status: "partial", unplanned: ["platform-prod", "tenant-initech-prod"] });
  });

  test("a plan finding joins the synthesized change of the same resource; an indexed address joins its resource", () => {
    const head: StackSet = JSON.parse(JSON.stringify(stacks));
    (head["tenant-globex-prod"].resource!.aws_s3_bucket.LogBucket_CC3B17E8 as { bucket: string }).bucket = "acme-prod-globex-111111111111-logs-v2";
    const synthesized = classify(diffStacks(stacks, head));
    expect(synthesized.map((c) => [c.address, c.severity])).toEqual([["aws_s3_bucket.LogBucket_CC3B17E8", "high"]]);
    const file = planFile("renamed.json", [rc("aws_s3_bucket.LogBucket_CC3B17E8[0]", ["delete", "create"], { index: 0, replace_paths: [["bucket"]] })]);
    const { changes: out } = applyPlans(synthesized, [readPlan("tenant-globex-prod", file)], { base: stacks, head });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      action: "changed",
      severity: "critical",
      planned: { action: "replace", planAddress: "aws_s3_bucket.LogBucket_CC3B17E8[0]", addressNote: "instance [0] of aws_s3_bucket.LogBucket_CC3B17E8" },
    });
    expect(out[0].findings.map((f) => f.rule)).toEqual(["plan.data-replaced", "data.store-replaced"]);
  });

  test("IAM roles: only those reading log objects or log keys are data-bearing; a role not in the stacks is high, unknown", () => {
    expect(roleReadsLogs(stacks, "tenant-globex-prod", "aws_iam_role.Source_okta_AccessRole_06F984C4")).toBe(true);
    // The alert publisher decrypts its topic's key only: no log bucket, no log key.
    expect(roleReadsLogs(stacks, "platform-prod", "aws_iam_role.AlertTopic_eu_west_1_PublisherRole_06F2036E")).toBe(false);
    expect(roleReadsLogs(stacks, "platform-prod", "aws_iam_role.Nope")).toBeUndefined();
    const file = planFile("platform.json", [
      rc("aws_iam_role.AlertTopic_eu_west_1_PublisherRole_06F2036E", ["delete", "create"]),
      rc("aws_iam_role.Gone", ["delete"]),
    ]);
    const { changes: out, coverage } = applyPlans([], [readPlan("platform-prod", file)], { base: stacks, head: stacks });
    expect(out.map((c) => [c.address, c.severity, c.findings[0].rule])).toEqual([
      ["aws_iam_role.AlertTopic_eu_west_1_PublisherRole_06F2036E", "low", "plan.replaced"],
      ["aws_iam_role.Gone", "high", "plan.role-replaced"],
    ]);
    expect(coverage.status).toBe("partial");
  });

  test("no plan: the report says plainly that replacements are unknown; plans for every stack: complete", () => {
    const none = applyPlans(changes(), [], { base: stacks, head: stacks }).coverage;
    expect(none).toMatchObject({ status: "none", planned: [], unplanned: ["platform-prod", "tenant-globex-prod", "tenant-initech-prod"] });
    const report = buildReport({
      base: { ref: "a", commit: "a" },
      head: { ref: "b", commit: "b" },
      changes: [],
      plan: none,
      attribution: { library: { changed: false }, configChanged: false, method: "library unchanged" },
      modules: [],
      suppressions: [],
    });
    expect(toMarkdown(report)).toContain(
      "⚠ **Replacements and deletions are unknown: no Terraform plan was given (--plan <stack>=<terraform show -json output>)",
    );
    expect(JSON.parse(toJson(report)).plan.message).toMatch(/^Replacements and deletions are unknown: no Terraform plan was given/);
    const empty = (name: string) => readPlan(name, planFile(`${name}.json`, []));
    const all = applyPlans([], ["platform-prod", "tenant-globex-prod", "tenant-initech-prod"].map(empty), { base: stacks, head: stacks }).coverage;
    expect(all).toMatchObject({ status: "complete", unplanned: [] });
  });

  test("a plan for a stack the review does not have is an error naming the flag", () => {
    const file = planFile("typo.json", []);
    expect(() => applyPlans([], [readPlan("tenant-globx-prod", file)], { base: stacks, head: stacks })).toThrow(
      `--plan tenant-globx-prod=${file}: no stack 'tenant-globx-prod' in the synthesized output (stacks: platform-prod, tenant-globex-prod, tenant-initech-prod)`,
    );
  });
});

describe("a real plan, made by Terraform against the AWS emulator", () => {
  // tools/real-providers.ts `emulate`: tenant-initech-prod applied to moto, then a head renaming its
  // log bucket planned against that state (`terraform show -json`, trimmed of prior_state,
  // configuration, relevant_attributes and planned_values for size).
  const file = join(__dirname, "fixtures", "plans", "tenant-initech-prod.bucket-renamed.json");

  test("a replaced log bucket is critical, forced by `bucket`; its replaced configuration resources are not data", () => {
    const base = { "tenant-initech-prod": stacks["tenant-initech-prod"] };
    const head = JSON.parse(JSON.stringify(base)) as StackSet;
    const bucket = Object.values(head["tenant-initech-prod"].resource!.aws_s3_bucket)[0];
    bucket.bucket = `${String(bucket.bucket)}-v2`;
    const { changes } = applyPlans(classify(diffStacks(base, head)), [readPlan("tenant-initech-prod", file)], { base, head });
    const replaced = changes.find((c) => c.address === "aws_s3_bucket.LogBucket_CC3B17E8")!;
    expect(replaced.severity).toBe("critical");
    expect(replaced.findings[0]).toMatchObject({ severity: "critical", rule: "plan.data-replaced" });
    expect(replaced.findings[0].message).toMatch(/forced by bucket/);
    const versioning = changes.find((c) => c.address.startsWith("aws_s3_bucket_versioning."))!;
    expect(versioning).toMatchObject({ action: "planned", severity: "low" });
  });
});
