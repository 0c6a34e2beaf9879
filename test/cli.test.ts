import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../cli/lakehouse";

function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = main(args, { write: (s: string) => ((stdout += s), true) } as never, { write: (s: string) => ((stderr += s), true) } as never);
  return { code, stdout, stderr };
}

const COMMANDS = ["synth", "validate", "schema", "review", "versions"];
const OPTIONS: Record<string, string[]> = {
  synth: ["--config <file>", "--out <dir>", "-q, --quiet", "--json"],
  validate: ["--config <file>"],
  schema: [],
  review: ["--base <ref>", "--head <ref>", "--config <file>", "--format <md|json>", "--allow-high", "--plan <stack=plan.json>...", "--details-file <path>"],
  versions: ["--base <ref>", "--head <ref>"],
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

  test("synth with no config writes the embedded default: one stack per platform and tenant", () => {
    const out = join(dir, "out");
    const r = run(["synth", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/synthesized 4 stacks/);
    expect(readdirSync(join(out, "stacks")).sort()).toEqual(["platform-prod", "tenant-globex-prod", "tenant-initech-prod", "tenant-umbrella-prod"]);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks)).toHaveLength(4);
    expect(readdirSync(dir)).toEqual(["out"]); // no staging folder left behind
  });

  test("a bad config exits non-zero, lists every problem by path, and writes nothing", () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, BAD);
    const out = join(dir, "out");
    const r = run(["synth", "--config", file, "--out", out]);
    expect(r.code).toBe(1);
    for (const line of [
      `- ${file}:2:15: organization: must be lower-case`,
      `- ${file}:5:19: environments[0].awsAccountId: must be a 12-digit AWS account id`,
      `- ${file}:10:20: tenants[0].retentionDays: 10 is below the retention floor of 90 days`,
      `- ${file}:12:9: tenants[0].sources[0].eventTimeField: required`,
      `- ${file}:14:9: tenants[1].id: duplicate tenant id 'globex' (also tenants[0])`,
      `- ${file}:15:13: tenants[1].region: is not a known AWS region`,
    ]) {
      expect(r.stderr).toContain(line);
    }
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(["bad.yaml"]);
  });

  test("synth creates missing parent folders; an invalid config creates none", () => {
    expect(run(["synth", "--out", join(dir, "a", "b", "out")]).code).toBe(0);
    expect(readdirSync(join(dir, "a", "b"))).toEqual(["out"]);
    const file = join(dir, "bad.yaml");
    writeFileSync(file, BAD);
    expect(run(["synth", "--config", file, "--out", join(dir, "x", "y", "out")]).code).toBe(1);
    expect(existsSync(join(dir, "x"))).toBe(false);
  });

  test("a failed synth keeps the previous output as it was", () => {
    const out = join(dir, "out");
    expect(run(["synth", "--out", out]).code).toBe(0);
    const before = readFileSync(join(out, "manifest.json"), "utf8");
    const file = join(dir, "bad.yaml");
    writeFileSync(file, BAD);
    expect(run(["synth", "--config", file, "--out", out]).code).toBe(1);
    expect(readFileSync(join(out, "manifest.json"), "utf8")).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(["bad.yaml", "out"]);
  });

  test("validate: ok for the default, exit 1 with problems for a bad file, exit 2 without --config", () => {
    expect(run(["validate", "--config", join(__dirname, "..", "examples", "default", "lakehouse.yaml")])).toMatchObject({ code: 0, stdout: expect.stringContaining("valid") });
    const file = join(dir, "bad.yaml");
    writeFileSync(file, BAD);
    const r = run(["validate", "--config", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml: \d+ problems/);
    expect(run(["validate"]).code).toBe(2);
  });

  test("a missing config file and unknown commands are clear errors", () => {
    expect(run(["synth", "--config", join(dir, "nope.yaml"), "--out", join(dir, "o")])).toMatchObject({ code: 1, stderr: expect.stringContaining("cannot read") });
    expect(run(["deploy"])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'deploy'") });
    expect(run(["synth", "--verbose"]).code).toBe(2);
    expect(run([]).code).toBe(2);
  });

  test("--help, -h, help and help <command> print the commands on stdout and exit 0", () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const r = run(args);
      expect(r).toMatchObject({ code: 0, stderr: "" });
      for (const command of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${command} +\\S`, "m"));
      expect(r.stdout).toContain("exit codes: 0 ok, 1");
    }
    expect(run(["help", "review"]).stdout).toBe(run(["review", "--help"]).stdout);
    expect(run(["help", "synt"])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'synt'; did you mean synth?") });
  });

  test.each(COMMANDS.map((c) => [c]))("%s --help lists its options and exits 0, before any other check", (command) => {
    const r = run([command, "--help"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(new RegExp(`^usage: lakehouse ${command}`));
    expect(r.stdout).toContain("-h, --help");
    for (const option of OPTIONS[command]) expect(r.stdout).toContain(option);
    // Help wins over a mistake elsewhere on the line (no required option, unknown option).
    expect(run([command, "--nonsense", "-h"]).code).toBe(0);
  });

  test("--version prints the package version and exits 0", () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
    expect(run(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
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
  ])("usage error %j: exit 2, one line naming the problem, and a pointer to --help", (args, message) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`lakehouse: ${message}`);
    expect(r.stderr).toMatch(/Run 'lakehouse --help'/);
    expect(r.stderr.trim().split("\n")).toHaveLength(2);
  });

  test("options take the --name=value form too", () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, BAD);
    expect(run(["validate", `--config=${file}`]).code).toBe(1);
  });

  test.each([
    ["a syntax error", "organization: acme\ntenants: [a, b\nenvironments: []\n", 3, 1, "Flow sequence in block collection must be sufficiently indented"],
    ["an unresolved alias", "organization: acme\nenvironments: *envs\n", 2, 15, "alias *envs has no anchor &envs before it"],
    ["a duplicate key", "organization: acme\nenvironments: []\norganization: b\n", 3, 1, "Map keys must be unique (duplicate key organization)"],
    ["excessive aliases", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n", 3, undefined, "expands the document past 100 aliased nodes"],
  ])("malformed YAML, %s: exit 1 with one clean line 'lakehouse: file:line:col: reason', no stack trace", (_what, text, line, col, reason) => {
    const file = join(dir, "broken.yaml");
    writeFileSync(file, text);
    for (const command of ["validate", "synth"]) {
      const r = run([command, "--config", file, "--out", join(dir, "out")].slice(0, command === "validate" ? 3 : 5));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^lakehouse: ${escape(file)}:${line}:${col ?? "\\d+"}: invalid YAML: `));
      expect(lines[0]).toContain(reason);
    }
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  test("synth --json prints stacks, resources per stack and seconds; --quiet prints nothing; neither shows progress off a terminal", () => {
    const out = join(dir, "out");
    const json = run(["synth", "--out", out, "--json"]);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe("");
    const summary = JSON.parse(json.stdout);
    expect(summary.stacks.map((s: { name: string }) => s.name)).toEqual(["platform-prod", "tenant-globex-prod", "tenant-initech-prod", "tenant-umbrella-prod"]);
    for (const stack of summary.stacks) {
      const written = JSON.parse(readFileSync(join(out, "stacks", stack.name, "cdk.tf.json"), "utf8"));
      const resources = Object.values(written.resource as Record<string, object>).reduce((n: number, byName) => n + Object.keys(byName).length, 0);
      expect(stack.resources).toBe(resources);
      expect(stack.resources).toBeGreaterThan(10);
    }
    expect(summary.seconds).toBeGreaterThan(0);
    expect(summary.out).toBe(out);

    expect(run(["synth", "--out", out, "--quiet"])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(run(["synth", "--out", out, "-q"])).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("on a terminal, synth shows stacks done / total and elapsed on stderr, and clears the line; --quiet does not", () => {
    const out = join(dir, "out");
    const tty = runOnTerminal(["synth", "--out", out]);
    expect(tty.code).toBe(0);
    for (let done = 0; done <= 4; done++) expect(tty.stderr).toMatch(new RegExp(`\\r\\x1b\\[Ksynth: ${done}/4 stacks, \\d+\\.\\ds`));
    expect(tty.stderr).toContain("4/4 stacks");
    expect(tty.stderr.endsWith("\r\x1b[K")).toBe(true);
    expect(tty.stdout).toMatch(/^synthesized 4 stacks/);
    expect(runOnTerminal(["synth", "--out", out, "--quiet"])).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function runOnTerminal(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = main(args, { write: (s: string) => ((stdout += s), true) } as never, { isTTY: true, write: (s: string) => ((stderr += s), true) } as never);
  return { code, stdout, stderr };
}
