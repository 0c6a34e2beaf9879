import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_FAILED, EXIT_HIGH_FINDINGS, EXIT_USAGE } from "../cli/command";
import { runCli } from "./support/cli";
import { MODULE_VERSIONS } from "../modules/core/versions";
import { review, toMarkdown } from "../review";
import { transpile } from "../review/synth-ref";

/**
 * A consumer repository: its own lakehouse.yaml and package-lock.json in git, security-lakehouse
 * installed under node_modules (here: this checkout transpiled into dist/, as `npm run build` lays it
 * out, with this checkout's dependencies).
 *   k1  the default example's config
 *   k2  only the config: globex's okta canary window 30 → 45 minutes
 *   k3  only the config: initech's retention cut 730 → 400 days
 *   k4  an invalid config: a retention under the floor and a misspelt key
 */
const ROOT = join(__dirname, "..");
let scratch: string;
let repo: string;
const commits: Record<string, string> = {};
const sh = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "lakehouse-consumer-"));
  const lib = join(scratch, "installed-security-lakehouse");
  mkdirSync(lib);
  writeFileSync(join(lib, "package.json"), JSON.stringify({ name: "security-lakehouse", version: "0.2.0", bin: { lakehouse: "dist/cli/lakehouse.js" } }));
  transpile(ROOT, join(lib, "dist"));
  symlinkSync(join(ROOT, "node_modules"), join(lib, "node_modules"), "dir");

  repo = join(scratch, "consumer");
  mkdirSync(join(repo, "node_modules"), { recursive: true });
  symlinkSync(lib, join(repo, "node_modules", "security-lakehouse"), "dir");
  copyFileSync(join(ROOT, "examples", "default", "lakehouse.yaml"), join(repo, "lakehouse.yaml"));
  writeFileSync(
    join(repo, "package.json"),
    JSON.stringify({ name: "acme-lakehouse", private: true, dependencies: { "security-lakehouse": "0.2.0" } }, null, 2),
  );
  // The same lockfile on both sides: the review shares the installed node_modules (no npm ci, no network).
  writeFileSync(
    join(repo, "package-lock.json"),
    JSON.stringify({ name: "acme-lakehouse", lockfileVersion: 3, packages: { "node_modules/security-lakehouse": { version: "0.2.0" } } }, null, 2),
  );
  writeFileSync(join(repo, ".gitignore"), "node_modules\n");
  sh(repo, "init", "-q");
  sh(repo, "config", "user.email", "test@example.com");
  sh(repo, "config", "user.name", "test");
  sh(repo, "add", "-A");
  sh(repo, "commit", "-q", "-m", "k1");
  commits.k1 = sh(repo, "rev-parse", "HEAD");
  const config = join(repo, "lakehouse.yaml");
  const text = readFileSync(config, "utf8");
  const edited = text.replace('canary: { windowMinutes: 30, schedule: "*/5 * * * * UTC" }', 'canary: { windowMinutes: 45, schedule: "*/5 * * * * UTC" }');
  if (edited === text) throw new Error("the config edit changed nothing");
  writeFileSync(config, edited);
  sh(repo, "commit", "-q", "-am", "k2");
  commits.k2 = sh(repo, "rev-parse", "HEAD");
  const cut = edited.replace("retentionDays: 730", "retentionDays: 400");
  if (cut === edited) throw new Error("the retention edit changed nothing");
  writeFileSync(config, cut);
  sh(repo, "commit", "-q", "-am", "k3");
  commits.k3 = sh(repo, "rev-parse", "HEAD");
  const invalid = edited.replace("retentionDays: 730", "retentionDays: 30").replace("displayName: Initech GmbH", "displayNme: Initech GmbH");
  if (invalid === edited) throw new Error("the invalid edit changed nothing");
  writeFileSync(config, invalid);
  sh(repo, "commit", "-q", "-am", "k4");
  commits.k4 = sh(repo, "rev-parse", "HEAD");
}, 120000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("review in a consumer repository", () => {
  test("GIVEN only their config changed WHEN reviewed through the installed library THEN the change is the config's, not an unbumped module", () => {
    const report = review({ repo, base: commits.k1, head: commits.k2, config: "lakehouse.yaml" });
    // The change itself is reported …
    expect(JSON.stringify(report.changes)).toContain("no rows loaded in the last 45 minutes");
    const canary = report.changes.find((c) => c.stack === "tenant-globex-prod" && c.type === "snowflake_task" && c.address.includes("okta_Canary"))!;
    const canaryVersion = MODULE_VERSIONS["snowflake/log-canary"];
    expect(canary).toMatchObject({ action: "changed", module: `snowflake/log-canary@${canaryVersion}` });
    // … and attributed to the config: the installed library is the same on both sides.
    expect(report.attribution).toEqual({ library: { base: "0.2.0", head: "0.2.0", changed: false }, configChanged: true, method: "library unchanged" });
    const module = report.modules.find((m) => m.module === "snowflake/log-canary")!;
    expect(module.changedResources.length).toBeGreaterThan(0);
    expect(module).toMatchObject({
      baseVersion: canaryVersion,
      headVersion: canaryVersion,
      cause: "config",
      changedWithoutBump: false,
      codeChangedResources: [],
    });
    expect(report.modules.every((m) => !m.changedWithoutBump)).toBe(true);
    const md = toMarkdown(report);
    expect(md).not.toContain("without a version bump");
    expect(md).toContain(
      "the same security-lakehouse 0.2.0 module code on both sides; config changed; module changes told from config changes by: library unchanged.",
    );
  }, 120000);

  test("GIVEN no --config WHEN review runs in their repository THEN it reviews their lakehouse.yaml: a retention cut is high and exits 3", async () => {
    const r = await runCli(["review", "--base", commits.k2, "--head", commits.k3, "--format", "json"], { cwd: repo });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(EXIT_HIGH_FINDINGS);
    const json = JSON.parse(r.stdout);
    expect(json.summary.high).toBeGreaterThan(0);
    expect(JSON.stringify(json.changes)).toContain("retention.expiry-reduced");
  }, 180000);

  test("GIVEN neither --config nor a lakehouse.yaml where it runs WHEN review runs THEN it is a usage error that never falls back to the bundled demo", async () => {
    const elsewhere = join(repo, "docs");
    mkdirSync(elsewhere, { recursive: true });
    const r = await runCli(["review", "--base", commits.k1, "--head", commits.k2], { cwd: elsewhere });
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`lakehouse: review: no config: give --config <file>, or run it where your lakehouse.yaml is (none in ${elsewhere})`);
  });

  test("GIVEN a head or base whose config is invalid WHEN reviewed THEN a clean error lists the config's problems, no stack trace", async () => {
    for (const [side, base, head] of [
      ["head", commits.k3, commits.k4],
      ["base", commits.k4, commits.k3],
    ]) {
      const run = await runCli(["review", "--base", base, "--head", head, "--config", "lakehouse.yaml"], { cwd: repo });
      expect(run.code).toBe(EXIT_FAILED);
      const ref = side === "head" ? head : base;
      expect(run.stderr).toMatch(new RegExp(`^lakehouse: ${side} \\(${ref}\\) cannot be synthesized: invalid lakehouse\\.yaml: \\d+ problems\n`));
      // Each problem by its place in the repository's file (not the scratch checkout's) and its path.
      expect(run.stderr).toMatch(/^ {2}- lakehouse\.yaml:\d+:\d+: tenants\[1\]: .*displayNme/m);
      expect(run.stderr).toMatch(/^ {2}- lakehouse\.yaml:\d+:\d+: tenants\[1\]\.retentionDays: /m);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).not.toContain(tmpdir());
    }
  }, 240000);

  test("with no config change there is no infrastructure change and nothing to attribute", () => {
    const report = review({ repo, base: commits.k1, head: commits.k1, config: "lakehouse.yaml" });
    expect(report.changes).toEqual([]);
    expect(report.attribution).toMatchObject({ configChanged: false, library: { changed: false } });
    expect(report.modules.every((m) => m.cause === "none" && !m.changedWithoutBump)).toBe(true);
  }, 120000);
});
