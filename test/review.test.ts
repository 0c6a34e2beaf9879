import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { EXIT_HIGH_FINDINGS } from "../cli/command";
import { runCli } from "./support/cli";
import { checkVersions, review, toJson, toMarkdown } from "../review";
import { classify, sqlGrants } from "../review/classify";
import { diffAttributes } from "../review/diff";
import { LIBRARY_VERSION, MODULE_VERSIONS } from "../modules/core/versions";

/** The aws/kms-key version the scratch commits start from, and the patch bump c4 makes (read, so a real bump does not break this test). */
const KMS = MODULE_VERSIONS["aws/kms-key"];
const KMS_NEXT = KMS.replace(/\d+$/, (n) => String(Number(n) + 1));
const escaped = (v: string) => v.replace(/\./g, "\\.");

/**
 * A scratch git repository holding a copy of this project, with commits that change one module:
 *   c1  as it is
 *   c2  widens the Snowflake access role's read statement and drops TLS enforcement from every bucket policy
 *   c3  only adds a tag to the KMS key
 *   c4  c3 plus the aws/kms-key version bump, without a CHANGELOG line
 *   c5  c4 plus the CHANGELOG line
 *   c6  a guardrail suppression with its reason in every tenant stack
 *   c7  only the default example's config: globex's okta canary window 30 → 45 minutes
 *   c8  both: the KMS key's purpose tag (module code, no bump) and the canary window 45 → 50 (config)
 *   c9  a new config field (a source's `owner`) and a new source using it in the default example
 */
const ROOT = join(__dirname, "..");
/** The config every review here synthesizes at both refs: the repository's own default example. */
const DEMO = join("examples", "default", "lakehouse.yaml");
let repo: string;
const commits: Record<string, string> = {};

function sh(cwd: string, cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8" }).trim();
}
function edit(file: string, from: string | RegExp, to: string): void {
  const path = join(repo, file);
  const text = readFileSync(path, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`edit of ${file} changed nothing`);
  writeFileSync(path, next);
}
function commit(name: string): void {
  sh(repo, "git", "add", "-A");
  sh(repo, "git", "commit", "-q", "-m", name);
  commits[name] = sh(repo, "git", "rev-parse", "HEAD");
}
const cli = (args: string[]) => runCli(args, { cwd: repo });

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "lakehouse-review-repo-"));
  for (const file of sh(ROOT, "git", "ls-files", "-co", "--exclude-standard").split("\n")) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(repo, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(repo, "node_modules"), "dir");
  sh(repo, "git", "init", "-q");
  sh(repo, "git", "config", "user.email", "test@example.com");
  sh(repo, "git", "config", "user.name", "test");
  commit("c1");

  edit(
    "modules/core/iam.ts",
    'Sid: "ReadObjectsUnderPrefixes", Effect: "Allow", Action: S3_OBJECT_READ_ACTIONS,',
    'Sid: "ReadObjectsUnderPrefixes", Effect: "Allow", Action: [...S3_OBJECT_READ_ACTIONS, "s3:*"],',
  );
  edit("modules/aws/s3-hardening.ts", /\s*\{\n\s*Sid: "DenyInsecureTransport",[\s\S]*?\n {4}\},/, "");
  commit("c2");

  edit(
    "modules/aws/kms-key/index.ts",
    "      enableKeyRotation: true,",
    '      enableKeyRotation: true,\n      tags: { "lakehouse:purpose": "log-encryption" },',
  );
  commit("c3");

  edit("modules/core/versions.ts", `"aws/kms-key": "${KMS}"`, `"aws/kms-key": "${KMS_NEXT}"`);
  commit("c4");

  edit("CHANGELOG.md", "## 0.1.0", `## Unreleased\n\n- \`aws/kms-key\` ${KMS_NEXT} — tags the key with its purpose.\n\n## 0.1.0`);
  commit("c5");

  edit(
    "stacks/tenant-stack.ts",
    "    snowflake.previewFeaturesEnabled = previewFeaturesFor(this);",
    '    suppressGuardrail(this, "S3_KEEP_ON_DESTROY", "Demo: tenants are torn down with their data in this sandbox.");\n    snowflake.previewFeaturesEnabled = previewFeaturesFor(this);',
  );
  edit(
    "stacks/tenant-stack.ts",
    'import { previewFeaturesFor } from "../modules/core/snowflake-preview";',
    'import { previewFeaturesFor } from "../modules/core/snowflake-preview";\nimport { suppressGuardrail } from "../modules/core/guardrails";',
  );
  commit("c6");

  edit(
    "examples/default/lakehouse.yaml",
    'canary: { windowMinutes: 30, schedule: "*/5 * * * * UTC" }',
    'canary: { windowMinutes: 45, schedule: "*/5 * * * * UTC" }',
  );
  commit("c7");

  edit("modules/aws/kms-key/index.ts", '"lakehouse:purpose": "log-encryption"', '"lakehouse:purpose": "log-encryption-at-rest"');
  edit("examples/default/lakehouse.yaml", "canary: { windowMinutes: 45,", "canary: { windowMinutes: 50,");
  commit("c8");

  edit(
    "stacks/config/source-schema.ts",
    "export const sourceSchema = z\n  .strictObject({\n    name: sourceName",
    "export const sourceSchema = z\n  .strictObject({\n    owner: z.string().optional(),\n    name: sourceName",
  );
  writeFileSync(
    join(repo, "examples/default/lakehouse.yaml"),
    readFileSync(join(repo, "examples/default/lakehouse.yaml"), "utf8") +
      "      - name: vpcflow\n        owner: netops\n        delivery: { kind: native, servicePrincipal: delivery.logs.amazonaws.com }\n        eventTimeField: start\n",
  );
  commit("c9");
}, 120000);

afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe("lakehouse review", () => {
  test("a widened role policy and dropped TLS enforcement are high, with the exact statements, in both formats", () => {
    const report = review({ repo, base: commits.c1, head: commits.c2, config: DEMO });
    expect(report.summary.high).toBeGreaterThan(0);
    expect(report.changes.every((c) => c.severity === "high")).toBe(true);

    const role = report.changes.find((c) => c.stack === "tenant-globex-prod" && c.address.startsWith("aws_iam_role_policy.Source_okta_AccessRole"))!;
    const widened = role.findings.find((f) => f.rule === "iam.actions-added")!;
    expect(widened).toMatchObject({ severity: "high", message: "Sid ReadObjectsUnderPrefixes: actions added s3:*" });
    expect(widened.statement!.before).toEqual({
      Sid: "ReadObjectsUnderPrefixes",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: ["arn:aws:s3:::acme-prod-globex-111111111111-logs/okta/*"],
    });
    expect((widened.statement!.after as { Action: string[] }).Action).toEqual(["s3:GetObject", "s3:GetObjectVersion", "s3:*"]);
    expect(role.findings.map((f) => f.rule)).toContain("iam.wildcard");

    const bucketPolicy = report.changes.find((c) => c.stack === "tenant-globex-prod" && c.type === "aws_s3_bucket_policy")!;
    const tls = bucketPolicy.findings.find((f) => f.rule === "iam.deny-removed")!;
    expect(tls.message).toBe("Sid DenyInsecureTransport: deny removed (TLS enforcement)");
    expect(tls.statement!.before).toMatchObject({ Sid: "DenyInsecureTransport", Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(tls.statement!.after).toBeUndefined();

    const md = toMarkdown(report);
    expect(md.indexOf("🔴 high")).toBeGreaterThan(0);
    expect(md.indexOf("🔴 high")).toBeLessThan(md.indexOf("<details>"));
    // Statements pretty-printed and diffed line by line: the added action is the one + line of substance.
    expect(md).toContain(
      [
        "    ```diff",
        "      {",
        '        "Sid": "ReadObjectsUnderPrefixes",',
        '        "Effect": "Allow",',
        '        "Action": [',
        '          "s3:GetObject",',
        '    -     "s3:GetObjectVersion"',
        '    +     "s3:GetObjectVersion",',
        '    +     "s3:*"',
        "        ],",
      ].join("\n"),
    );
    expect(md).toContain(["    ```diff", "    - {", '    -   "Sid": "DenyInsecureTransport",', '    -   "Effect": "Deny",'].join("\n"));
    // Module code changed with the same config: each module's change is its code's, unbumped.
    expect(report.attribution).toMatchObject({
      configChanged: false,
      method: "same config",
      library: { changed: true, base: LIBRARY_VERSION, head: LIBRARY_VERSION },
    });
    expect(report.modules.find((m) => m.module === "aws/snowflake-access-role")).toMatchObject({ cause: "library", changedWithoutBump: true });
    expect(md).toContain("| module code | ⚠ output changed without a version bump |");
    const json = JSON.parse(toJson(report));
    expect(json.summary.high).toBe(report.summary.high);
    expect(json.changes[0].severity).toBe("high");

    // Head breaks guardrails: review still shows it, and lists the violations as new.
    const rules = new Set(report.guardrailViolations.map((v) => v.rule));
    expect(rules).toEqual(new Set(["S3_TLS_ONLY", "IAM_NO_WILDCARD_ACTIONS"]));
    expect(report.guardrailViolations.every((v) => v.new)).toBe(true);
    expect(report.summary.newGuardrailViolations).toBe(report.guardrailViolations.length);
    expect(md).toContain("### Guardrail violations");
  }, 60000);

  test("a new guardrail suppression shows up with its reason", () => {
    const report = review({ repo, base: commits.c5, head: commits.c6, config: DEMO });
    expect(report.suppressions.length).toBeGreaterThan(0);
    expect(report.suppressions[0]).toMatchObject({
      stack: "tenant-globex-prod",
      rule: "S3_KEEP_ON_DESTROY",
      reason: "Demo: tenants are torn down with their data in this sandbox.",
      new: true,
    });
    expect(toMarkdown(report)).toContain("| S3_KEEP_ON_DESTROY | Demo: tenants are torn down with their data in this sandbox. | **new** |");
  }, 60000);

  test("a tag-only change is low in both formats", () => {
    const report = review({ repo, base: commits.c2, head: commits.c3, config: DEMO });
    expect(report.summary).toMatchObject({ high: 0, medium: 0 });
    expect(report.summary.low).toBeGreaterThan(0);
    expect(new Set(report.changes.map((c) => c.type))).toEqual(new Set(["aws_kms_key"]));
    expect(report.changes.flatMap((c) => c.findings.map((f) => f.rule))).toEqual(report.changes.map(() => "meta.tags"));
    expect(toMarkdown(report)).toMatch(/\*\*0 high\*\*, 0 medium, \d+ low/);
    expect(JSON.parse(toJson(report)).changes.every((c: { severity: string }) => c.severity === "low")).toBe(true);
  }, 60000);

  test("the CLI exits non-zero on high findings unless --allow-high, and zero on low ones", async () => {
    const high = await cli(["review", "--example", "default", "--base", commits.c1, "--head", commits.c2, "--format", "json"]);
    expect(high.code).toBe(EXIT_HIGH_FINDINGS);
    expect(JSON.parse(high.stdout).summary.high).toBeGreaterThan(0);
    expect((await cli(["review", "--example", "default", "--base", commits.c1, "--head", commits.c2, "--allow-high"])).code).toBe(0);
    const low = await cli(["review", "--example", "default", "--base", commits.c2, "--head", commits.c3]);
    expect(low.code).toBe(0);
    expect(low.stdout).toMatch(/^## Security review/);
    expect((await cli(["review", "--example", "default", "--head", commits.c2])).code).toBe(2);
    expect((await cli(["review", "--example", "default", "--base", "no-such-ref"])).code).toBe(1);
  }, 90000);

  test("with a plan that replaces the KMS key, a tag-only change is critical and exits 3 unless --allow-high; the full Markdown goes to --details-file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lakehouse-review-plan-"));
    try {
      const plan = join(dir, "globex.json");
      const key = "aws_kms_key.LogKey_E83D0C1B"; // as in test/golden/default/tenant-globex-prod.tf.json
      writeFileSync(
        plan,
        JSON.stringify({
          format_version: "1.2",
          planned_values: {},
          resource_changes: [
            {
              address: key,
              mode: "managed",
              type: "aws_kms_key",
              name: key.split(".")[1],
              action_reason: "replace_because_cannot_update",
              change: { actions: ["delete", "create"], replace_paths: [["customer_master_key_spec"]] },
            },
          ],
        }),
      );
      const details = join(dir, "review-full.md");
      const run = await cli([
        "review",
        "--example",
        "default",
        "--base",
        commits.c2,
        "--head",
        commits.c3,
        "--plan",
        `tenant-globex-prod=${plan}`,
        "--details-file",
        details,
        "--format",
        "json",
      ]);
      expect(run.code).toBe(EXIT_HIGH_FINDINGS);
      const json = JSON.parse(run.stdout);
      expect(json.summary).toMatchObject({ critical: 1, high: 0, replaced: 1 });
      expect(json.changes[0]).toMatchObject({
        stack: "tenant-globex-prod",
        address: key,
        severity: "critical",
        planned: { action: "replace", replacePaths: ["customer_master_key_spec"] },
      });
      expect(json.plan).toMatchObject({
        status: "partial",
        planned: ["tenant-globex-prod"],
        unplannedWithChanges: ["platform-prod", "tenant-hooli-prod", "tenant-initech-prod", "tenant-umbrella-prod"],
      });
      expect(readFileSync(details, "utf8")).toMatch(/^## Security review/);
      expect(readFileSync(details, "utf8")).toContain("### ⛔ critical (1)");
      expect(
        (await cli(["review", "--example", "default", "--base", commits.c2, "--head", commits.c3, "--plan", `tenant-globex-prod=${plan}`, "--allow-high"]))
          .code,
      ).toBe(0);

      const noEquals = await cli(["review", "--example", "default", "--base", commits.c2, "--plan", plan]);
      expect(noEquals.code).toBe(2);
      expect(noEquals.stderr).toContain(`lakehouse: --plan ${plan}: expected <stack>=<file>`);
      const notPlan = join(dir, "not-a-plan.json");
      writeFileSync(notPlan, JSON.stringify({ hello: "world" }));
      const bad = await cli(["review", "--example", "default", "--base", commits.c2, "--plan", `tenant-globex-prod=${notPlan}`]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(`lakehouse: --plan tenant-globex-prod=${notPlan}: ${notPlan} is not a Terraform plan in JSON`);
      expect((await cli(["review", "--example", "default", "--base", commits.c2, "--plan", `a=${plan}`, "--plan", `a=${plan}`])).stderr).toContain(
        "--plan a=…: given twice",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120000);
});

describe("version discipline", () => {
  test("a module output change without a version bump fails, naming the module and the changed resources", () => {
    const { violations } = checkVersions({ repo, base: commits.c2, head: commits.c3 });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(new RegExp(`^aws/kms-key: output changed but its version is still ${escaped(KMS)}`));
    expect(violations[0]).toMatch(/default\/tenant-globex-prod aws_kms_key\.LogKey_[0-9A-F]+ \(changed\)/);
  }, 60000);

  test("a bump without a CHANGELOG line fails; with the line it passes", async () => {
    expect(checkVersions({ repo, base: commits.c2, head: commits.c4 }).violations[0]).toMatch(
      new RegExp(`aws/kms-key: version ${escaped(KMS)} → ${escaped(KMS_NEXT)} but CHANGELOG\\.md gained no line`),
    );
    const ok = checkVersions({ repo, base: commits.c2, head: commits.c5 });
    expect(ok.violations).toEqual([]);
    expect(ok.modules.find((m) => m.module === "aws/kms-key")).toMatchObject({ baseVersion: KMS, headVersion: KMS_NEXT });
    expect((await cli(["versions", "--base", commits.c2, "--head", commits.c3])).code).toBe(1);
    expect((await cli(["versions", "--base", commits.c2, "--head", commits.c5])).code).toBe(0);
  }, 90000);

  test("an edit of an example's config alone is not a module change: both refs synthesize the same config", () => {
    const { violations, modules } = checkVersions({ repo, base: commits.c6, head: commits.c7 });
    expect(violations).toEqual([]);
    expect(modules.find((m) => m.module === "snowflake/log-canary")).toMatchObject({ changedResources: [] });
    // The review of that change still shows it: the canary's window changed.
    const report = review({ repo, base: commits.c6, head: commits.c7, config: DEMO });
    expect(JSON.stringify(report)).toContain("no rows loaded in the last 45 minutes");
    // … attributed to the config: the same module code on both sides, so no "without a version bump".
    expect(report.attribution).toMatchObject({ configChanged: true, method: "library unchanged", library: { changed: false } });
    expect(report.modules.find((m) => m.module === "snowflake/log-canary")).toMatchObject({
      cause: "config",
      changedWithoutBump: false,
      codeChangedResources: [],
    });
    expect(report.modules.find((m) => m.module === "snowflake/log-canary")!.changedResources.length).toBeGreaterThan(0);
    const md = toMarkdown(report);
    expect(md).toMatch(/\| snowflake\/log-canary \| [\d.]+ \| [\d.]+ \| \d+ \| config \| {2}\|/);
    expect(md).not.toContain("without a version bump");
  }, 120000);

  test("module code and config changed together: base is synthesized with head's config, and only the module flagged", () => {
    const report = review({ repo, base: commits.c7, head: commits.c8, config: DEMO });
    expect(report.attribution).toMatchObject({ configChanged: true, method: "base synthesized with head's config", library: { changed: true } });
    expect(report.modules.find((m) => m.module === "aws/kms-key")).toMatchObject({
      baseVersion: KMS_NEXT,
      headVersion: KMS_NEXT,
      cause: "library",
      changedWithoutBump: true,
    });
    expect(report.modules.find((m) => m.module === "snowflake/log-canary")).toMatchObject({
      cause: "config",
      changedWithoutBump: false,
      codeChangedResources: [],
    });
    const md = toMarkdown(report);
    expect(md).toMatch(
      new RegExp(`\\| aws/kms-key \\| ${escaped(KMS_NEXT)} \\| ${escaped(KMS_NEXT)} \\| \\d+ \\| module code \\| ⚠ output changed without a version bump \\|`),
    );
    expect(md).toMatch(/\| snowflake\/log-canary \| [\d.]+ \| [\d.]+ \| \d+ \| config \| {2}\|/);
  }, 120000);

  test("a new source using a config field the base cannot read is not a module change: head synthesizes the base's config", () => {
    const { violations, modules } = checkVersions({ repo, base: commits.c8, head: commits.c9 });
    expect(violations).toEqual([]);
    // The new source would add a table, a pipe, an integration…: none of it is counted against a module.
    for (const m of modules) expect([m.module, m.changedResources]).toEqual([m.module, []]);
  }, 120000);

  test("a version bump alone (stamps only) is not an output change", () => {
    const { modules } = checkVersions({ repo, base: commits.c3, head: commits.c4 });
    expect(modules.find((m) => m.module === "aws/kms-key")).toMatchObject({ baseVersion: KMS, headVersion: KMS_NEXT, changedResources: [] });
  }, 60000);
});

describe("a replaced pipe", () => {
  test("a changed COPY recreates the pipe: high, with the backfill command that loads what arrived in between", () => {
    const pipe = (copy: string) => ({ name: "GSUITE_AUDIT_PIPE", database: "ACME_LOGS_PROD", schema: "UMBRELLA", copy_statement: copy, auto_ingest: true });
    const [c] = classify([
      {
        stack: "tenant-umbrella-prod",
        address: "snowflake_pipe.Source_gsuite_audit_Pipe_1",
        type: "snowflake_pipe",
        action: "changed",
        attributes: [{ path: "copy_statement", before: "COPY INTO A ...ON_ERROR = CONTINUE", after: "COPY INTO A ...ON_ERROR = SKIP_FILE" }],
        before: pipe("COPY INTO A ...ON_ERROR = CONTINUE"),
        after: pipe("COPY INTO A ...ON_ERROR = SKIP_FILE"),
      },
    ]);
    expect(c.severity).toBe("high");
    expect(c.findings).toEqual([
      {
        severity: "high",
        rule: "data.pipe-replaced",
        path: "copy_statement",
        message:
          "pipe replaced (copy_statement changed): files that land between the drop and the new pipe are never loaded; after the apply, run lakehouse backfill --config <config> --env prod --tenant umbrella --source gsuite_audit --from <when the apply started> --to <when it ended>",
      },
    ]);
  });

  test("a comment change keeps the pipe: no such finding", () => {
    const [c] = classify([
      {
        stack: "tenant-umbrella-prod",
        address: "snowflake_pipe.P",
        type: "snowflake_pipe",
        action: "changed",
        attributes: [{ path: "comment", before: "a", after: "b" }],
      },
    ]);
    expect(c.findings.map((f) => f.rule)).toEqual(["meta.comment"]);
  });
});

describe("grants inside executed SQL", () => {
  const handover = (role: string) =>
    `EXECUTE IMMEDIATE $$\nBEGIN\n  GRANT OWNERSHIP ON TABLE DB.S.T TO ROLE ${role} COPY CURRENT GRANTS;\n  ALTER PIPE DB.S.P SET PIPE_EXECUTION_PAUSED = TRUE;\n  GRANT OWNERSHIP ON PIPE DB.S.P TO ROLE ${role} COPY CURRENT GRANTS;\nEND;\n$$`;
  const base = { stack: "tenant-x", address: "snowflake_execute.Handover", type: "snowflake_execute" };

  test("a new execute that grants ownership is a medium finding naming each grant", () => {
    const [c] = classify([{ ...base, action: "added", attributes: [], after: { execute: handover("X_PIPELINE"), revert: "SELECT 1" } }]);
    expect(c.severity).toBe("medium");
    expect(c.findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([
      "grants.sql-ownership: snowflake_execute.Handover runs GRANT OWNERSHIP ON TABLE DB.S.T TO ROLE X_PIPELINE COPY CURRENT GRANTS",
      "grants.sql-ownership: snowflake_execute.Handover runs GRANT OWNERSHIP ON PIPE DB.S.P TO ROLE X_PIPELINE COPY CURRENT GRANTS",
    ]);
  });

  test("an execute whose grants go to another role is high; SQL without grants stays unclassified", () => {
    const [moved] = classify([{ ...base, action: "changed", attributes: [{ path: "execute", before: handover("X_PIPELINE"), after: handover("SYSADMIN") }] }]);
    expect(moved.severity).toBe("high");
    expect(moved.findings.filter((f) => f.rule === "grants.sql-ownership").map((f) => f.message)).toEqual([
      "snowflake_execute.Handover runs GRANT OWNERSHIP ON TABLE DB.S.T TO ROLE SYSADMIN COPY CURRENT GRANTS",
      "snowflake_execute.Handover runs GRANT OWNERSHIP ON PIPE DB.S.P TO ROLE SYSADMIN COPY CURRENT GRANTS",
    ]);
    const [plain] = classify([
      {
        ...base,
        action: "changed",
        attributes: [
          { path: "execute", before: "ALTER TABLE T ADD SEARCH OPTIMIZATION ON EQUALITY(a)", after: "ALTER TABLE T ADD SEARCH OPTIMIZATION ON EQUALITY(b)" },
        ],
      },
    ]);
    expect(plain.findings.map((f) => f.rule)).toEqual(["change.unclassified"]);
  });

  test("sqlGrants reads privilege grants and database roles too", () => {
    expect(sqlGrants("GRANT SELECT, INSERT ON TABLE A.B.C TO DATABASE ROLE A.R; GRANT USAGE ON SCHEMA A.B TO ROLE R2")).toEqual([
      "GRANT SELECT, INSERT ON TABLE A.B.C TO DATABASE ROLE A.R",
      "GRANT USAGE ON SCHEMA A.B TO ROLE R2",
    ]);
    expect(sqlGrants(42)).toEqual([]);
  });
});

describe("streaming delivery changes", () => {
  const KEY = "${aws_kms_key.k.arn}";
  const delivery = (edit: (s3: Record<string, unknown>, body: Record<string, unknown>) => void = () => undefined) => {
    const s3: Record<string, unknown> = {
      bucket_arn: "arn:aws:s3:::b",
      prefix: "edr/!{timestamp:yyyy/MM/dd/HH}/",
      error_output_prefix: "_firehose-errors/edr/!{firehose:error-output-type}/",
      kms_key_arn: KEY,
      cloudwatch_logging_options: { enabled: true, log_group_name: "g" },
    };
    const body: Record<string, unknown> = {
      name: "s",
      extended_s3_configuration: s3,
      server_side_encryption: { enabled: true, key_type: "CUSTOMER_MANAGED_CMK", key_arn: KEY },
    };
    edit(s3, body);
    return body;
  };
  const changed = (type: string, before: Record<string, unknown>, after: Record<string, unknown>) =>
    classify([{ stack: "tenant-x", address: `${type}.x`, type, action: "changed", before, after, attributes: diffAttributes(type, before, after) }])[0];
  const rules = (c: { findings: { severity: string; rule: string }[] }) => c.findings.map((f) => `${f.severity} ${f.rule}`);

  test.each([
    ["destination prefix", (s3: Record<string, unknown>) => (s3.prefix = "other/!{timestamp:yyyy/MM/dd/HH}/"), "high routes.destination-changed"],
    ["destination bucket", (s3: Record<string, unknown>) => (s3.bucket_arn = "arn:aws:s3:::elsewhere"), "high routes.destination-changed"],
    [
      "error prefix",
      (s3: Record<string, unknown>) => (s3.error_output_prefix = "_errors/!{firehose:error-output-type}/"),
      "medium routes.error-prefix-changed",
    ],
    ["object key removed", (s3: Record<string, unknown>) => delete s3.kms_key_arn, "high encryption.weakened"],
    ["object key changed", (s3: Record<string, unknown>) => (s3.kms_key_arn = "${aws_kms_key.other.arn}"), "medium encryption.key-changed"],
    ["logging off", (s3: Record<string, unknown>) => ((s3.cloudwatch_logging_options as Record<string, unknown>).enabled = false), "high logging.disabled"],
    [
      "buffer encryption off",
      (_s3: Record<string, unknown>, body: Record<string, unknown>) => ((body.server_side_encryption as Record<string, unknown>).enabled = false),
      "high encryption.weakened",
    ],
    [
      "buffer key AWS-owned",
      (_s3: Record<string, unknown>, body: Record<string, unknown>) => (body.server_side_encryption = { enabled: true, key_type: "AWS_OWNED_CMK" }),
      "high encryption.weakened",
    ],
  ])("a delivery stream's %s is classified", (_name, edit, expected) => {
    expect(rules(changed("aws_kinesis_firehose_delivery_stream", delivery(), delivery(edit)))).toContain(expected);
  });

  test("a Kinesis stream losing KMS or retention is high; removing it or its resource policy is high", () => {
    const stream = { name: "s", encryption_type: "KMS", kms_key_id: KEY, retention_period: 48 };
    expect(rules(changed("aws_kinesis_stream", stream, { ...stream, encryption_type: "NONE" }))).toContain("high encryption.weakened");
    expect(rules(changed("aws_kinesis_stream", stream, { ...stream, retention_period: 24 }))).toContain("high retention.stream-reduced");
    expect(rules(changed("aws_kinesis_stream", stream, { ...stream, retention_period: 72 }))).not.toContain("high retention.stream-reduced");
    const removed = (type: string) => classify([{ stack: "tenant-x", address: `${type}.x`, type, action: "removed", before: {}, attributes: [] }])[0];
    expect(rules(removed("aws_kinesis_stream"))).toEqual(["high data.store-removed"]);
    expect(rules(removed("aws_kinesis_resource_policy"))).toEqual(["high control.removed"]);
    expect(rules(removed("aws_s3_bucket_metric"))).toEqual(["high control.removed"]);
  });
});

describe("backup replication changes", () => {
  const replication = (edit: (rule: Record<string, Record<string, unknown>>) => void = () => undefined) => {
    const rule: Record<string, Record<string, unknown>> = {
      id: "backup-vault" as never,
      status: "Enabled" as never,
      filter: { prefix: "" },
      delete_marker_replication: { status: "Disabled" },
      source_selection_criteria: { sse_kms_encrypted_objects: { status: "Enabled" } },
      destination: {
        bucket: "arn:aws:s3:::vault",
        storage_class: "DEEP_ARCHIVE",
        encryption_configuration: { replica_kms_key_id: "${aws_kms_key.v.arn}" },
        metrics: { status: "Enabled" },
      },
    };
    edit(rule);
    return { bucket: "${aws_s3_bucket.b.id}", role: "${aws_iam_role.r.arn}", rule: [rule] };
  };
  const changed = (before: Record<string, unknown>, after: Record<string, unknown>) => {
    const type = "aws_s3_bucket_replication_configuration";
    return classify([{ stack: "tenant-x", address: `${type}.x`, type, action: "changed", before, after, attributes: diffAttributes(type, before, after) }])[0];
  };
  const rules = (c: { findings: { severity: string; rule: string }[] }) => c.findings.map((f) => `${f.severity} ${f.rule}`);

  test.each([
    [
      "delete markers replicated",
      (r: Record<string, Record<string, unknown>>) => (r.delete_marker_replication.status = "Enabled"),
      "high retention.deletes-replicated",
    ],
    [
      "SSE-KMS objects skipped",
      (r: Record<string, Record<string, unknown>>) => (r.source_selection_criteria.sse_kms_encrypted_objects = { status: "Disabled" }),
      "high retention.backup-skips-objects",
    ],
    ["rule disabled", (r: Record<string, Record<string, unknown>>) => ((r as Record<string, unknown>).status = "Disabled"), "high retention.backup-off"],
    [
      "destination changed",
      (r: Record<string, Record<string, unknown>>) => (r.destination.bucket = "arn:aws:s3:::elsewhere"),
      "high routes.backup-destination-changed",
    ],
    [
      "replica key changed",
      (r: Record<string, Record<string, unknown>>) => (r.destination.encryption_configuration = { replica_kms_key_id: "${aws_kms_key.other.arn}" }),
      "medium encryption.key-changed",
    ],
    ["filter narrowed", (r: Record<string, Record<string, unknown>>) => (r.filter.prefix = "okta/"), "medium retention.backup-narrowed"],
    ["metrics off", (r: Record<string, Record<string, unknown>>) => (r.destination.metrics = { status: "Disabled" }), "medium monitoring.backup-metrics-off"],
  ])("a backup replication rule's %s is classified", (_name, edit, expected) => {
    expect(rules(changed(replication(), replication(edit)))).toContain(expected);
  });

  test("removing a bucket's replication is high: new logs no longer reach the vault", () => {
    const type = "aws_s3_bucket_replication_configuration";
    const [removed] = classify([{ stack: "tenant-x", address: `${type}.x`, type, action: "removed", before: replication(), attributes: [] }]);
    expect(rules(removed)).toEqual(["high control.removed"]);
  });
});

describe("functions in a VPC", () => {
  const base = { stack: "tenant-initech-prod", address: "aws_lambda_function.Kafka_firewall_Function", type: "aws_lambda_function" };
  const vpc = { subnet_ids: ["subnet-0a1b2c3d4e5f60718"], security_group_ids: ["sg-0c1d2e3f405162738"] };

  test("a new function in a VPC is a new network path (medium); one outside a VPC is only added (low)", () => {
    const [inVpc] = classify([{ ...base, action: "added", attributes: [], after: { function_name: "f", vpc_config: vpc } }]);
    expect(inVpc.severity).toBe("medium");
    expect(inVpc.findings.map((f) => f.rule)).toEqual(["network.path-added"]);
    const [outside] = classify([{ ...base, action: "added", attributes: [], after: { function_name: "f" } }]);
    expect(outside.findings.map((f) => f.rule)).toEqual(["resource.added"]);
  });

  test("moving a function to other subnets or security groups is a network finding naming the attribute", () => {
    const [moved] = classify([
      { ...base, action: "changed", attributes: [{ path: "vpc_config.security_group_ids[0]", before: "sg-0c1d2e3f405162738", after: "sg-0ffffffffffffffff" }] },
    ]);
    expect(moved.severity).toBe("medium");
    expect(moved.findings[0]).toMatchObject({ rule: "network.function-placement", path: "vpc_config.security_group_ids[0]" });
  });
});
