import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changedStacks } from "../cli/synth/changed-stacks";
import { loadConfigFile } from "../stacks/config/load";

const ROOT = join(__dirname, "..");
let repo: string;
let base: string;
const sh = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
const config = () => join(repo, "lakehouse.yaml");
const edit = (from: string, to: string) => {
  const text = readFileSync(config(), "utf8");
  if (!text.includes(from)) throw new Error(`the edit found no ${from}`);
  writeFileSync(config(), text.replace(from, to));
};
const changed = () => changedStacks(repo, base, config(), loadConfigFile(config()));

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "lakehouse-changed-"));
  copyFileSync(join(ROOT, "examples", "default", "lakehouse.yaml"), config());
  writeFileSync(join(repo, "README.md"), "ours\n");
  writeFileSync(join(repo, "package-lock.json"), "{}\n");
  sh("init", "-q");
  sh("config", "user.email", "t@example.com");
  sh("config", "user.name", "t");
  sh("add", "-A");
  sh("commit", "-qm", "base");
  base = sh("rev-parse", "HEAD");
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));
afterEach(() => {
  sh("checkout", "-q", "--", ".");
  sh("clean", "-qfd");
});

describe("stacks that can have changed since a ref", () => {
  test("nothing changed, or only files synth does not read: no stack", () => {
    expect(changed().stacks).toEqual([]);
    writeFileSync(join(repo, "README.md"), "ours, edited\n");
    writeFileSync(join(repo, "notes.txt"), "new\n");
    expect(changed().stacks).toEqual([]);
  });

  test("one tenant's canary window: only that tenant's stack (the platform's output is the same)", () => {
    edit('canary: { windowMinutes: 30, schedule: "*/5 * * * * UTC" }', 'canary: { windowMinutes: 45, schedule: "*/5 * * * * UTC" }');
    const r = changed();
    expect(r.stacks).toEqual(["tenant-globex-prod"]);
    expect(r.reasons.get("tenant-globex-prod")).toMatch(/its inputs changed/);
  });

  test("a tenant's canary switched off: that tenant and the platform, whose suspended-task monitor lists it", () => {
    edit("canary: { enabled: false }", "canary: { enabled: true }");
    const r = changed();
    expect(r.stacks).toEqual(["platform-prod", "tenant-initech-prod"]);
    expect(r.reasons.get("platform-prod")).toBe("its synthesized output differs");
  });

  test("a key reordered in the YAML is no change", () => {
    edit("    displayName: Initech GmbH\n    region: eu-west-1\n", "    region: eu-west-1\n    displayName: Initech GmbH\n");
    expect(changed().stacks).toEqual([]);
  });

  test("an environment-wide change reaches every stack of the environment", () => {
    edit("soc-oncall@acme.example", "soc@acme.example");
    expect(changed().stacks).toEqual(["platform-prod", "tenant-globex-prod", "tenant-initech-prod", "tenant-umbrella-prod", "tenant-hooli-prod"]);
  });

  test("the installed library changed (package-lock.json): every stack, saying why", () => {
    writeFileSync(join(repo, "package-lock.json"), '{"lockfileVersion": 3}\n');
    const r = changed();
    expect(r.stacks).toHaveLength(5);
    expect(r.reasons.get("tenant-umbrella-prod")).toBe(`package-lock.json changed since ${base}`);
  });

  test("an unknown ref is a clear error", () => {
    expect(() => changedStacks(repo, "no-such-ref", config(), loadConfigFile(config()))).toThrow(/--changed-since no-such-ref: not a commit in/);
  });
});
