import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./support/cli";
import { LakehouseError, LakehouseValidationError } from "../modules/core/errors";
import { GuardrailError } from "../modules/core/guardrails";
import { ConfigChoiceError } from "../cli/config-file";
import { BackfillUsageError } from "../cli/backfill/range";
import { InitUsageError } from "../cli/init/command";
import { ChangedSinceError } from "../cli/synth/changed-stacks";
import { CostInputError, CostUsageError } from "../cli/cost/errors";
import { RestoreInputError } from "../cli/restore/run";
import { ShardError } from "../cli/shards/shard-stacks";
import { SnowflakeError } from "../cli/restore/snowflake";
import { StateConflictError, VaultError } from "../cli/restore/vault";
import { SnowflakeSqlError } from "../cli/snowflake-sql-api";
import { PlanInputError, RefSynthError } from "../review";

const run = (args: string[]) => runCli(args);

const COMMANDS = ["init", "synth", "validate", "schema", "review", "versions", "shards", "backfill", "restore", "bootstrap", "external-access"];
const OPTIONS: Record<string, string[]> = {
  init: [
    "--organization <name>",
    "--aws-account-id <id>",
    "--region <aws-region>",
    "--snowflake-account <ORG.ACCOUNT>",
    "--tenant <id>",
    "--environment <name>",
    "--state-bucket <bucket>",
    "--dir <folder>",
    "--force",
  ],
  synth: ["--config <file>", "--example <name>", "--out <dir>", "--stack <glob>...", "--changed-since <ref>", "--jobs <n>", "-q, --quiet", "--json"],
  validate: ["--config <file>", "--example <name>"],
  schema: [],
  review: [
    "--base <ref>",
    "--head <ref>",
    "--config <file>",
    "--example <name>",
    "--format <md|json>",
    "--allow-high",
    "--plan <stack=plan.json>...",
    "--details-file <path>",
  ],
  versions: ["--base <ref>", "--head <ref>"],
  shards: ["--changes <review.json>", "--config <file>", "--example <name>", "--max-jobs <n>"],
  "external-access": ["--config <file>", "--example <name>", "--json"],
  backfill: [
    "--config <file>",
    "--env <name>",
    "--tenant <id>",
    "--source <name>",
    "--from <date|datetime>",
    "--to <date|datetime>",
    "--dry-run",
    "--batch-files <n>",
    "--batch-mb <n>",
    "--skip-recent-minutes <n>",
    "--json",
    "--snowflake-account <org-account>",
    "--snowflake-user <user>",
    "--private-key-file <path>",
    "--role <role>",
    "--warehouse <name>",
  ],
  bootstrap: [
    "--config <file>",
    "--env <name>",
    "--region <region>",
    "--deploy-user <user>",
    "--check",
    "--snowflake-account <org-account>",
    "--snowflake-user <user>",
    "--private-key-file <path>",
    "--role <role>",
  ],
  restore: [
    "--config <file>",
    "--env <name>",
    "--tenant <id>",
    "--source <name>",
    "--from <YYYY-MM-DD>",
    "--to <YYYY-MM-DD>",
    "--tier <bulk|standard|expedited>",
    "--days <n>",
    "--into <schema or table>",
    "--wait",
    "--poll-seconds <n>",
    "--dry-run",
    "--json",
    "--snowflake-account <org-account>",
    "--snowflake-user <user>",
    "--private-key-file <path>",
    "--role <role>",
    "--warehouse <name>",
  ],
};

const BAD = `
organization: ACME
environments:
  - name: prod
    awsAccountId: "123"
    snowflakeAccounts: [{ region: us-east-1, organization: O, account: A }]
tenants:
  - id: globex
    region: us-east-1
    retentionDays: 10
    sources:
      - name: okta
        delivery: { kind: puller }
  - id: globex
    region: mars-1
    sources:
      - { name: okta, delivery: { kind: puller }, eventTimeField: published }
`;

describe("lakehouse CLI", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lakehouse-cli-"))));

  test("synth --example default writes the bundled demo: one stack per platform and tenant", async () => {
    const out = join(dir, "out");
    const r = await run(["synth", "--example", "default", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/synthesized 5 stacks/);
    expect(readdirSync(join(out, "stacks")).sort()).toEqual([
      "platform-prod",
      "tenant-globex-prod",
      "tenant-hooli-prod",
      "tenant-initech-prod",
      "tenant-umbrella-prod",
    ]);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks)).toHaveLength(5);
    expect(readdirSync(dir)).toEqual(["out"]); // no staging folder left behind
  });

  test("GIVEN no --config WHEN a lakehouse.yaml is where synth runs THEN synth builds it, never the demo", async () => {
    writeFileSync(
      join(dir, "lakehouse.yaml"),
      readFileSync(join(__dirname, "..", "examples", "default", "lakehouse.yaml"), "utf8").replace(/\n {2}- id: (initech|umbrella)\n[\s\S]*$/, "\n"),
    );
    const r = await runCli(["synth", "--out", "out"], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining(`synthesized 2 stacks from ${join(dir, "lakehouse.yaml")}`) });
    expect(readdirSync(join(dir, "out", "stacks")).sort()).toEqual(["platform-prod", "tenant-globex-prod"]);
  });

  test.each(["synth", "validate", "cost", "review", "backfill", "restore", "external-access"])(
    "GIVEN no --config and no lakehouse.yaml WHEN %s runs THEN exit 2 naming what to give, nothing written",
    async (command) => {
      const args =
        command === "review"
          ? ["--base", "HEAD"]
          : command === "synth"
            ? ["--out", "out"]
            : ["backfill", "restore"].includes(command)
              ? ["--env", "prod", "--tenant", "globex", "--source", "okta", "--from", "2026-01-01", "--to", "2026-01-02"]
              : [];
      const r = await runCli([command, ...args], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(`lakehouse: ${command}: no config: give --config <file>, or run it where your lakehouse.yaml is`);
      expect(readdirSync(dir)).toEqual([]);
    },
  );

  test("--example names a bundled example, never together with --config; a wrong name gets the nearest", async () => {
    // The demo backs up globex, umbrella and hooli without restoreReady, and hooli's organization trail is not in its vault: valid, with a warning each.
    const demo = await run(["validate", "--example", "default"]);
    expect(demo).toMatchObject({ code: 0, stdout: "the bundled example 'default' (examples/default/lakehouse.yaml): valid (4 warnings)\n" });
    expect(demo.stderr).toContain(
      "lakehouse: warning: tenants[0].backup.restoreReady: tenant 'globex' is backed up in environment 'prod', but a restore could not be loaded into Snowflake",
    );
    expect(await run(["validate", "--example", "defualt"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("validate --example defualt: no such bundled example; did you mean default?"),
    });
    expect(await run(["synth", "--example", "default", "--config", "x.yaml"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("synth: give --config or --example, not both"),
    });
    // Commands that act on live accounts take no demo.
    expect(await run(["backfill", "--example", "default"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("backfill takes no --example (an option of synth, validate, review, cost, shards, external-access)"),
    });
  });

  test("init writes a starter that validates and synthesizes as written, the CI workflows and a README; it overwrites nothing", async () => {
    const answers = [
      "--organization",
      "initrode",
      "--aws-account-id",
      "222233334444",
      "--region",
      "eu-central-1",
      "--snowflake-account",
      "INITRODE.SECLAKE",
      "--tenant",
      "hq",
      "--dir",
      dir,
    ];
    const r = await run(["init", ...answers]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(readdirSync(dir).sort()).toEqual([".github", "README.md", "lakehouse.yaml"]);
    expect(readdirSync(join(dir, ".github", "workflows")).sort()).toEqual(["lakehouse-main.yml", "lakehouse-pull-request.yml", "lakehouse-release.yml"]);
    expect(readFileSync(join(dir, "lakehouse.yaml"), "utf8")).toMatch(
      /^# yaml-language-server: \$schema=\.\/node_modules\/security-lakehouse\/schema\/lakehouse\.schema\.json\n/,
    );
    const synth = await runCli(["synth", "--out", "out"], { cwd: dir });
    expect(synth).toMatchObject({ code: 0, stdout: expect.stringContaining("synthesized 2 stacks") });
    expect(readdirSync(join(dir, "out", "stacks")).sort()).toEqual(["platform-prod", "tenant-hq-prod"]);
    // A second init names what exists and changes nothing.
    const again = await run(["init", ...answers]);
    expect(again).toMatchObject({ code: 2, stderr: expect.stringContaining("init: lakehouse.yaml, README.md, .github/workflows/lakehouse-main.yml") });
  });

  test.each([
    [["--aws-account-id", "12"], 1, "environments[0].awsAccountId: must be a 12-digit AWS account id"],
    [["--snowflake-account", "JUSTONE"], 2, "init --snowflake-account must be ORG.ACCOUNT"],
    [["--tenant", ""], 2, "init needs --tenant <id>"],
    [["--organization", 'x"\nevil: true'], 1, "organization: must be lower-case"],
  ])("init with %j: exit %d, nothing written", async (change, code, message) => {
    const answers: Record<string, string> = {
      "--organization": "initrode",
      "--aws-account-id": "222233334444",
      "--region": "eu-central-1",
      "--snowflake-account": "INITRODE.SECLAKE",
      "--tenant": "hq",
    };
    answers[change[0]] = change[1];
    const r = await run(["init", ...Object.entries(answers).flat(), "--dir", dir]);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a bad config exits non-zero, lists every problem by path, and writes nothing", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, BAD);
    const out = join(dir, "out");
    const r = await run(["synth", "--config", file, "--out", out]);
    expect(r.code).toBe(1);
    for (const line of [
      `- ${file}:2:15: organization: must be lower-case`,
      `- ${file}:5:19: environments[0].awsAccountId: must be a 12-digit AWS account id`,
      `- ${file}:10:20: tenants[0].retentionDays: 10 is below the retention floor of 90 days`,
      `- ${file}:12:9: tenants[0].sources[0].eventTimeField: required`,
      `- ${file}:14:9: tenants[1].id: duplicate tenant id 'globex' (also tenants[0])`,
      `- ${file}:15:13: tenants[1].region: 'mars-1' is not a known AWS region`,
    ]) {
      expect(r.stderr).toContain(line);
    }
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(["bad.yaml"]);
  });

  test("synth creates missing parent folders; an invalid config creates none", async () => {
    expect((await run(["synth", "--example", "default", "--out", join(dir, "a", "b", "out")])).code).toBe(0);
    expect(readdirSync(join(dir, "a", "b"))).toEqual(["out"]);
    const file = join(dir, "bad.yaml");
    writeFileSync(file, BAD);
    expect((await run(["synth", "--config", file, "--out", join(dir, "x", "y", "out")])).code).toBe(1);
    expect(existsSync(join(dir, "x"))).toBe(false);
  });

  test("a failed synth keeps the previous output as it was", async () => {
    const out = join(dir, "out");
    expect((await run(["synth", "--example", "default", "--out", out])).code).toBe(0);
    const before = readFileSync(join(out, "manifest.json"), "utf8");
    const file = join(dir, "bad.yaml");
    writeFileSync(file, BAD);
    expect((await run(["synth", "--config", file, "--out", out])).code).toBe(1);
    expect(readFileSync(join(out, "manifest.json"), "utf8")).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(["bad.yaml", "out"]);
  });

  test("validate: ok for the default, exit 1 with problems for a bad file, exit 2 without --config", async () => {
    expect(await run(["validate", "--config", join(__dirname, "..", "examples", "default", "lakehouse.yaml")])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("valid"),
    });
    const file = join(dir, "bad.yaml");
    writeFileSync(file, BAD);
    const r = await run(["validate", "--config", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml: \d+ problems/);
    expect(await run(["validate"])).toMatchObject({ code: 2, stderr: expect.stringContaining("validate: no config: give --config <file>") });
  });

  test("external-access prints, for each source on an existing bucket, the owner's bucket and key policy statements and the notification; --json the same as data", async () => {
    const text = await run(["external-access", "--example", "default"]);
    expect(text).toMatchObject({ code: 0, stderr: "" });
    expect(text.stdout).toContain("# prod/hooli/org_trail: s3://hooli-org-trail-333333333333/AWSLogs/o-h00l1xyz12/ (account 333333333333)");
    expect(text.stdout).toContain("Snowflake reads as arn:aws:iam::222222222222:role/acme-prod-hooli-org_trail-snowflake.");
    expect(text.stdout).toContain("2. To the policy of key arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    expect(text.stdout).toContain("queue: in tenant-hooli-prod, terraform output -json sources | jq -r '.\"org_trail\".notification_channel'");
    const json = await run(["external-access", "--example", "default", "--json"]);
    const entries = JSON.parse(json.stdout);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      environment: "prod",
      tenant: "hooli",
      source: "org_trail",
      bucket: { name: "hooli-org-trail-333333333333", accountId: "333333333333", prefix: "AWSLogs/o-h00l1xyz12/" },
      notification: {
        events: ["s3:ObjectCreated:*"],
        prefix: "AWSLogs/o-h00l1xyz12/",
        suffix: ".json.gz",
        queue: { stack: "tenant-hooli-prod", output: "sources" },
      },
    });
    expect(entries[0].bucketPolicyStatements.map((st: { Sid: string }) => st.Sid)).toEqual([
      "LakehouseAcmeProdHooliOrgTrailSnowflakeRead",
      "LakehouseAcmeProdHooliOrgTrailSnowflakeList",
      "LakehouseAcmeProdHooliOrgTrailSnowflakeLocate",
    ]);
    // A config without such sources says so; --config and --example together are a usage error.
    writeFileSync(
      join(dir, "lakehouse.yaml"),
      readFileSync(join(__dirname, "..", "examples", "default", "lakehouse.yaml"), "utf8").replace(/\n {2}- id: (initech|umbrella|hooli)\n[\s\S]*$/, "\n"),
    );
    expect(await runCli(["external-access"], { cwd: dir })).toMatchObject({ code: 0, stdout: expect.stringContaining("No source reads an existing bucket") });
    expect(await run(["external-access", "--example", "default", "--config", "x.yaml"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("external-access: give --config or --example, not both"),
    });
  });

  test("a missing config file and unknown commands are clear errors", async () => {
    expect(await run(["synth", "--config", join(dir, "nope.yaml"), "--out", join(dir, "o")])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("cannot read"),
    });
    expect(await run(["deploy"])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'deploy'") });
    expect((await run(["synth", "--verbose"])).code).toBe(2);
    expect((await run([])).code).toBe(2);
  });

  test("--help, -h, help and help <command> print the commands on stdout and exit 0", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const r = await run(args);
      expect(r).toMatchObject({ code: 0, stderr: "" });
      for (const command of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${command} +\\S`, "m"));
      expect(r.stdout).toContain("exit codes: 0 ok, 1");
    }
    expect((await run(["help", "review"])).stdout).toBe((await run(["review", "--help"])).stdout);
    expect(await run(["help", "synt"])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'synt'; did you mean synth?") });
  });

  test.each(COMMANDS.map((c) => [c]))("%s --help lists its options and exits 0, before any other check", async (command) => {
    const r = await run([command, "--help"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(new RegExp(`^usage: lakehouse ${command}`));
    expect(r.stdout).toContain("-h, --help");
    for (const option of OPTIONS[command]) expect(r.stdout).toContain(option);
    // Help wins over a mistake elsewhere on the line (no required option, unknown option).
    expect((await run([command, "--nonsense", "-h"])).code).toBe(0);
  });

  test("--version prints the package version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
    expect(await run(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  test.each([
    [["synth", "--confg", "x.yaml"], "synth: unknown option --confg; did you mean --config?"],
    [["synth", "--qiet"], "synth: unknown option --qiet; did you mean --quiet?"],
    [["review", "--base", "main", "--allow-hihg"], "review: unknown option --allow-hihg; did you mean --allow-high?"],
    [["synth", "--verbose"], "synth: unknown option --verbose\n"],
    [["synth", "--base", "main"], "synth takes no --base (an option of review, versions)"],
    [["synt"], "unknown command 'synt'; did you mean synth?"],
    [["valdiate"], "unknown command 'valdiate'; did you mean validate?"],
    [["synth", "--out"], "synth: --out needs a value"],
    [["synth", "--out", "--quiet"], "synth: --out needs a value (a value starting with '-' is written --out=<value>)"],
    [["synth", "--quiet=yes"], "synth: --quiet takes no value"],
    [["synth", "extra"], "synth: unexpected argument 'extra'"],
    [["review"], "review needs --base <ref>"],
    [["review", "--base", "main", "--format", "html"], "--format must be md or json, not 'html'"],
    [["versions"], "versions needs --base <ref>"],
  ])("usage error %j: exit 2, one line naming the problem, and a pointer to --help", async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`lakehouse: ${message}`);
    expect(r.stderr).toMatch(/Run 'lakehouse --help'/);
    expect(r.stderr.trim().split("\n")).toHaveLength(2);
  });

  test("options take the --name=value form too", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, BAD);
    expect((await run(["validate", `--config=${file}`])).code).toBe(1);
  });

  test.each([
    ["a syntax error", "organization: acme\ntenants: [a, b\nenvironments: []\n", 3, 1, "Flow sequence in block collection must be sufficiently indented"],
    ["an unresolved alias", "organization: acme\nenvironments: *envs\n", 2, 15, "alias *envs has no anchor &envs before it"],
    ["a duplicate key", "organization: acme\nenvironments: []\norganization: b\n", 3, 1, "Map keys must be unique (duplicate key organization)"],
    [
      "excessive aliases",
      "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
      3,
      undefined,
      "expands the document past 100 aliased nodes",
    ],
  ])("malformed YAML, %s: exit 1 with one clean line 'lakehouse: file:line:col: reason', no stack trace", async (_what, text, line, col, reason) => {
    const file = join(dir, "broken.yaml");
    writeFileSync(file, text);
    for (const command of ["validate", "synth"]) {
      const r = await run([command, "--config", file, "--out", join(dir, "out")].slice(0, command === "validate" ? 3 : 5));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^lakehouse: ${escape(file)}:${line}:${col ?? "\\d+"}: invalid YAML: `));
      expect(lines[0]).toContain(reason);
    }
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  test("synth --json prints stacks, resources per stack and seconds; --quiet prints nothing; neither shows progress off a terminal", async () => {
    const out = join(dir, "out");
    const json = await run(["synth", "--example", "default", "--out", out, "--json"]);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe("");
    const summary = JSON.parse(json.stdout);
    expect(summary.stacks.map((s: { name: string }) => s.name)).toEqual([
      "platform-prod",
      "tenant-globex-prod",
      "tenant-initech-prod",
      "tenant-umbrella-prod",
      "tenant-hooli-prod",
    ]);
    for (const stack of summary.stacks) {
      const written = JSON.parse(readFileSync(join(out, "stacks", stack.name, "cdk.tf.json"), "utf8"));
      const resources = Object.values(written.resource as Record<string, object>).reduce((n: number, byName) => n + Object.keys(byName).length, 0);
      expect(stack.resources).toBe(resources);
      expect(stack.resources).toBeGreaterThan(10);
    }
    expect(summary.seconds).toBeGreaterThan(0);
    expect(summary.out).toBe(out);

    expect(await run(["synth", "--example", "default", "--out", out, "--quiet"])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await run(["synth", "--example", "default", "--out", out, "-q"])).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("on a terminal, synth shows stacks done / total and elapsed on stderr, and clears the line; --quiet does not", async () => {
    const out = join(dir, "out");
    const tty = await runOnTerminal(["synth", "--example", "default", "--out", out]);
    expect(tty.code).toBe(0);
    for (let done = 0; done <= 5; done++) expect(tty.stderr).toMatch(new RegExp(`\\r\\x1b\\[Ksynth: ${done}/5 stacks, \\d+\\.\\ds`));
    expect(tty.stderr).toContain("5/5 stacks");
    expect(tty.stderr.endsWith("\r\x1b[K")).toBe(true);
    expect(tty.stdout).toMatch(/^synthesized 5 stacks/);
    expect(await runOnTerminal(["synth", "--example", "default", "--out", out, "--quiet"])).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const runOnTerminal = (args: string[]) => runCli(args, { terminal: true });

describe("the library's errors", () => {
  test.each([
    [
      "usage",
      [
        new ConfigChoiceError("x"),
        new BackfillUsageError("x"),
        new InitUsageError("x"),
        new ChangedSinceError("x"),
        new CostUsageError("x"),
        new RestoreInputError("--x", "x"),
      ],
    ],
    ["invalid", [new LakehouseValidationError("lakehouse.yaml", [{ path: "a", message: "x" }]), new GuardrailError([])]],
    [
      "failed",
      [
        new CostInputError("x"),
        new ShardError("x"),
        new SnowflakeError("x"),
        new VaultError("x"),
        new StateConflictError("x"),
        new SnowflakeSqlError("x", 500),
        new PlanInputError("x"),
        new RefSynthError("main", "x"),
      ],
    ],
  ])("share one base whose kind is %s, which the CLI maps to its exit code", (kind, errors) => {
    for (const e of errors)
      expect({ name: e.name, base: e instanceof LakehouseError, kind: (e as LakehouseError).kind }).toEqual({ name: e.constructor.name, base: true, kind });
  });
});

describe("choosing what synth builds", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lakehouse-cli-stacks-"))));

  test("--stack (repeatable, globs) writes only the chosen stacks; a glob matching none names the nearest", async () => {
    const out = join(dir, "out");
    const r = await run(["synth", "--example", "default", "--out", out, "--stack", "tenant-initech-*", "--stack", "platform-prod"]);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining("synthesized 2 stacks") });
    expect(readdirSync(join(out, "stacks")).sort()).toEqual(["platform-prod", "tenant-initech-prod"]);
    const bad = await run(["synth", "--example", "default", "--out", join(dir, "bad"), "--stack", "tenant-initek-prod"]);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining("tenant-initek-prod: matches no stack (did you mean tenant-initech-prod?)") });
    expect(existsSync(join(dir, "bad"))).toBe(false);
  });

  test.each([["0"], ["two"], ["=-1"], ["1.5"]])("--jobs %s is a usage error", async (jobs) => {
    const r = await run(["synth", "--example", "default", "--out", join(dir, "out"), ...(jobs.startsWith("=") ? [`--jobs${jobs}`] : ["--jobs", jobs])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--jobs must be a whole number of worker processes, at least 1");
  });

  test("--jobs 1 and the default give the same output", async () => {
    expect((await run(["synth", "--example", "default", "--out", join(dir, "a"), "--jobs", "1"])).code).toBe(0);
    expect((await run(["synth", "--example", "default", "--out", join(dir, "b")])).code).toBe(0);
    for (const stack of readdirSync(join(dir, "a", "stacks")))
      expect(readFileSync(join(dir, "b", "stacks", stack, "cdk.tf.json"), "utf8")).toBe(readFileSync(join(dir, "a", "stacks", stack, "cdk.tf.json"), "utf8"));
  });

  test("--changed-since synthesizes only what can have changed, says why, and nothing when nothing changed", async () => {
    const repo = join(dir, "repo");
    const sh = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" });
    mkdirSync(repo);
    copyFileSync(join(__dirname, "..", "examples", "default", "lakehouse.yaml"), join(repo, "lakehouse.yaml"));
    sh("init", "-q");
    sh("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "empty");
    sh("add", "-A");
    sh("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "base");
    const cwd = process.cwd();
    process.chdir(repo);
    try {
      const none = await run(["synth", "--config", "lakehouse.yaml", "--out", "out", "--changed-since", "HEAD"]);
      expect(none).toMatchObject({ code: 0, stdout: expect.stringContaining("no stack can have changed since HEAD: nothing synthesized") });
      expect(existsSync(join(repo, "out"))).toBe(false);
      const text = readFileSync("lakehouse.yaml", "utf8");
      writeFileSync("lakehouse.yaml", text.replace("retentionDays: 730", "retentionDays: 800"));
      // The tenant's inputs changed; the platform's output did not (since account-monitors 0.3.0 the tamper
      // monitor expects the cleaners by role, table and task, not by their purge's text).
      const one = await run(["synth", "--config", "lakehouse.yaml", "--out", "out", "--changed-since", "HEAD"]);
      expect(one).toMatchObject({ code: 0, stdout: expect.stringContaining("synthesized 1 stacks") });
      expect(one.stderr).toContain("tenant-initech-prod: its inputs changed");
      expect(one.stderr).not.toContain("platform-prod");
      expect(readdirSync(join(repo, "out", "stacks")).sort()).toEqual(["tenant-initech-prod"]);
      writeFileSync("lakehouse.yaml", text.replace("displayName: Initech GmbH", "displayName: Initech AG"));
      const tenantOnly = await run(["synth", "--config", "lakehouse.yaml", "--out", "out", "--changed-since", "HEAD"]);
      expect(tenantOnly.stdout).toContain("synthesized 1 stacks");
      expect(readdirSync(join(repo, "out", "stacks"))).toEqual(["tenant-initech-prod"]);
      // Everything since the first (empty) commit: the config is new there.
      expect((await run(["synth", "--config", "lakehouse.yaml", "--out", "out", "--changed-since", "HEAD~1", "--quiet"])).code).toBe(0);
      expect(readdirSync(join(repo, "out", "stacks"))).toHaveLength(5);
      expect(await run(["synth", "--config", "lakehouse.yaml", "--changed-since", "nope"])).toMatchObject({
        code: 2,
        stderr: expect.stringContaining("--changed-since nope: not a commit in"),
      });
    } finally {
      process.chdir(cwd);
    }
  });
});
