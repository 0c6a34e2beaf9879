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
      "- organization: must be lower-case",
      "- environments[0].awsAccountId: must be a 12-digit AWS account id",
      "- tenants[0].retentionDays: 10 is below the retention floor of 90 days",
      "- tenants[0].sources[0].eventTimeField: required",
      "- tenants[1].id: duplicate tenant id 'globex' (also tenants[0])",
      "- tenants[1].region: is not a known AWS region",
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
  });
});
