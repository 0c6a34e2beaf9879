import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { main } from "../cli/lakehouse";
import { DEFAULT_MAX_JOBS, GITHUB_MATRIX_LIMIT, ShardError, ShardPlan, StackNode, depths, shardCounts, shardStacks } from "../cli/shards/shard-stacks";
import { plannedStacks } from "../stacks/synth/plan";
import { parseConfig } from "../stacks/config/load";
import { resolveConfig } from "../stacks/config/resolve";

/** An MSSP: `tenants` tenants, each in every one of `environments`, one source each. */
/** Tenants per AWS account, as an MSSP of this size must spread them: the config refuses an account over its IAM role and Lambda quotas (stacks/config/quotas.ts). */
const TENANTS_PER_ACCOUNT = 50;

function msspConfig(tenants: number, environments: string[]) {
  return {
    organization: "mssp",
    environments: environments.map((name, i) => ({
      name,
      awsAccountId: String(111111111111 + i),
      snowflakeAccounts: [{ region: "us-east-1", organization: "MSSP", account: `ACCT_${name.toUpperCase()}` }],
    })),
    tenants: Array.from({ length: tenants }, (_, t) => ({
      id: `t${String(t).padStart(4, "0")}`,
      region: "us-east-1",
      awsAccountId: String(200_000_000_000 + Math.floor(t / TENANTS_PER_ACCOUNT)),
      sources: [{ name: "okta", type: "okta", delivery: { options: { orgUrl: `https://t${t}.okta.com` } } }],
    })),
  };
}

/** The stacks of each shard, in phase order. */
const stacksOf = (plan: ShardPlan) => plan.phases.map((p) => p.shards.map((s) => s.stacks.split(" ").filter(Boolean)));

/** Checks what must hold of any shard plan: each stack once, within the limit, dependencies in earlier phases. */
function expectSound(plan: ShardPlan, changed: string[], graph: StackNode[], maxJobs: number) {
  const all = stacksOf(plan).flat(2);
  expect(all.length).toBe(changed.length);
  expect([...all].sort()).toEqual([...changed].sort());
  const jobs = plan.phases.reduce((n, p) => n + p.shards.length, 0);
  expect(jobs).toBe(plan.jobs);
  expect(jobs).toBeLessThanOrEqual(maxJobs);
  expect(jobs).toBeLessThanOrEqual(GITHUB_MATRIX_LIMIT);
  expect(plan.phases.flatMap((p) => p.shards).filter((s) => s.stacks === "")).toEqual([]);
  expect(new Set(plan.phases.flatMap((p) => p.shards.map((s) => s.shard))).size).toBe(jobs);
  const phaseOf = new Map(stacksOf(plan).flatMap((shards, i) => shards.flat().map((s) => [s, i] as const)));
  const outOfOrder = graph.flatMap((node) =>
    node.dependencies
      .filter((dep) => phaseOf.has(node.name) && phaseOf.has(dep) && phaseOf.get(dep)! >= phaseOf.get(node.name)!)
      .map((dep) => `${dep} not before ${node.name}`),
  );
  expect(outOfOrder).toEqual([]);
}

describe("shardStacks", () => {
  describe("GIVEN an MSSP config of 1,000 tenants × 2 environments (2,002 stacks, the graph from plannedStacks)", () => {
    const graph = plannedStacks(resolveConfig(parseConfig(msspConfig(1000, ["dev", "prod"]))));
    const names = graph.map((s) => s.name);

    test("the graph is what the config builds: 2 platforms, 2,000 tenant stacks depending on their platform", () => {
      expect(graph).toHaveLength(2002);
      expect(graph.filter((s) => s.dependencies.length === 0).map((s) => s.name)).toEqual(["platform-dev", "platform-prod"]);
      expect(graph.find((s) => s.name === "tenant-t0042-prod")!.dependencies).toEqual(["platform-prod"]);
    });

    test("WHEN a library upgrade changes every stack THEN every stack is planned exactly once, in at most 250 jobs, platforms in the first phase", () => {
      const plan = shardStacks(names, graph);
      expectSound(plan, names, graph, DEFAULT_MAX_JOBS);
      expect(plan.stacks).toBe(2002);
      expect(plan.phases.map((p) => p.name)).toEqual(["platform", "tenants"]);
      expect(stacksOf(plan)[0].flat()).toEqual(["platform-dev", "platform-prod"]);
      expect(
        stacksOf(plan)[1]
          .flat()
          .every((s) => s.startsWith("tenant-")),
      ).toBe(true);
      // Two platform jobs side by side, then 2,000 tenant stacks in 248 shards of 8 or 9 (ceil(2000/248) = 9):
      // the least sum of largest shards (1 + 9) that fits 250 jobs.
      expect(plan.phases[0].shards).toHaveLength(2);
      const sizes = stacksOf(plan)[1].map((s) => s.length);
      expect(Math.max(...sizes)).toBe(9);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect(plan.jobs).toBeLessThanOrEqual(250);
      // A tenant's environments stay in one shard when they can (sorted by name, cut contiguously).
      const together = stacksOf(plan)[1].filter((s) => s.includes("tenant-t0500-dev"))[0];
      expect(together).toContain("tenant-t0500-prod");
    });

    test("WHEN --max-jobs is GitHub's 256 THEN the 256 jobs are used and no more", () => {
      const plan = shardStacks(names, graph, { maxJobs: 256 });
      expectSound(plan, names, graph, 256);
      expect(Math.max(...stacksOf(plan)[1].map((s) => s.length))).toBe(8);
    });

    test("WHEN --max-jobs is small THEN the budget still holds and both phases get a job", () => {
      for (const maxJobs of [2, 3, 7, 100]) {
        const plan = shardStacks(names, graph, { maxJobs });
        expectSound(plan, names, graph, maxJobs);
        expect(plan.phases.every((p) => p.shards.length >= 1)).toBe(true);
      }
    });

    test("WHEN only some tenants change THEN the platform phase is empty and each changed stack is planned once", () => {
      const changed = names.filter((n, i) => n.startsWith("tenant-") && i % 7 === 0);
      const plan = shardStacks([...changed, ...changed.slice(0, 10)], graph);
      expectSound(plan, changed, graph, DEFAULT_MAX_JOBS);
      expect(plan.phases[0].shards).toEqual([]);
    });

    test("WHEN few stacks change THEN each gets a job of its own", () => {
      const plan = shardStacks(["tenant-t0001-prod", "platform-prod", "tenant-t0002-dev"], graph);
      expect(plan.phases).toEqual([
        { name: "platform", shards: [{ shard: "platform-1", stacks: "platform-prod" }] },
        {
          name: "tenants",
          shards: [
            { shard: "tenants-1", stacks: "tenant-t0001-prod" },
            { shard: "tenants-2", stacks: "tenant-t0002-dev" },
          ],
        },
      ]);
    });
  });

  test("10,000 stacks over three levels still fit the limit, each once, in dependency order", () => {
    const graph: StackNode[] = [
      { name: "org", dependencies: [] },
      ...Array.from({ length: 9 }, (_, i) => ({ name: `platform-${i}`, dependencies: ["org"] })),
      ...Array.from({ length: 9990 }, (_, i) => ({ name: `tenant-${i}`, dependencies: [`platform-${i % 9}`] })),
    ];
    const names = graph.map((s) => s.name);
    const plan = shardStacks(names, graph, { maxJobs: 256 });
    expectSound(plan, names, graph, 256);
    expect(plan.phases.map((p) => p.name)).toEqual(["phase-1", "phase-2", "phase-3"]);
  });

  test("bad input is refused, naming what is wrong", () => {
    const graph: StackNode[] = [
      { name: "platform-prod", dependencies: [] },
      { name: "tenant-a-prod", dependencies: ["platform-prod"] },
    ];
    expect(() => shardStacks(["tenant-b-prod"], graph)).toThrow(new ShardError("not stacks of the config: tenant-b-prod"));
    expect(() => shardStacks(["platform-prod"], graph, { maxJobs: 257 })).toThrow(/--max-jobs must be a whole number from 1 to 256/);
    expect(() => shardStacks(["platform-prod"], graph, { maxJobs: 0 })).toThrow(ShardError);
    expect(() => shardStacks(["platform-prod", "tenant-a-prod"], graph, { maxJobs: 1 })).toThrow(/2 phases need at least 2 jobs/);
    expect(() =>
      depths([
        { name: "a", dependencies: ["b"] },
        { name: "b", dependencies: ["a"] },
      ]),
    ).toThrow(/cycle: a → b → a/);
    expect(() => depths([{ name: "a", dependencies: ["x"] }])).toThrow(/a depends on x, which is not a stack/);
    expect(() => shardStacks(["bad name"], [{ name: "bad name", dependencies: [] }])).toThrow(/cannot pass through a shell loop/);
  });

  test("shardCounts minimizes the sum of the phases' largest shards, then the jobs", () => {
    expect(shardCounts([2, 2000], 250)).toEqual([2, 223]);
    expect(shardCounts([0, 5], 250)).toEqual([0, 5]);
    expect(shardCounts([3, 0], 2)).toEqual([2, 0]);
    expect(shardCounts([1, 1, 1], 3)).toEqual([1, 1, 1]);
  });
});

describe("lakehouse shards", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lakehouse-shards-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(args: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await main(args, { write: (s: string) => ((stdout += s), true) } as never, { write: (s: string) => ((stderr += s), true) } as never);
    return { code, stdout, stderr };
  }

  test("GIVEN a review's JSON and the config WHEN sharded THEN the JSON holds the phases for the matrices; a stack gone from the config is listed as removed", async () => {
    writeFileSync(join(dir, "lakehouse.yaml"), stringify(msspConfig(300, ["dev", "prod"])));
    const changes = [
      { stack: "platform-prod" },
      ...Array.from({ length: 300 }, (_, t) => ({ stack: `tenant-t${String(t).padStart(4, "0")}-prod` })),
      { stack: "tenant-t0001-prod" },
      { stack: "tenant-gone-prod" },
    ];
    writeFileSync(join(dir, "review.json"), JSON.stringify({ schemaVersion: 2, changes }));
    const r = await run(["shards", "--changes", join(dir, "review.json"), "--config", join(dir, "lakehouse.yaml"), "--max-jobs", "100"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as ShardPlan & { removed: string[] };
    expect(out.removed).toEqual(["tenant-gone-prod"]);
    expect(r.stderr).toContain("tenant-gone-prod is in the review but no longer in the config");
    expect(out.stacks).toBe(301);
    expect(out.jobs).toBeLessThanOrEqual(100);
    expect(out.phases[0]).toEqual({ name: "platform", shards: [{ shard: "platform-1", stacks: "platform-prod" }] });
    expect(out.phases[1].shards.flatMap((s) => s.stacks.split(" "))).toHaveLength(300);
  });

  test("usage errors: no --changes, --max-jobs over GitHub's limit; a file that is no review fails", async () => {
    expect(await run(["shards", "--example", "default"])).toMatchObject({ code: 2, stderr: expect.stringContaining("shards needs --changes <review.json>") });
    writeFileSync(join(dir, "review.json"), JSON.stringify({ changes: [] }));
    expect(await run(["shards", "--changes", join(dir, "review.json"), "--example", "default", "--max-jobs", "300"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("from 1 to 256"),
    });
    writeFileSync(join(dir, "plan.json"), JSON.stringify({ format_version: "1.2" }));
    expect(await run(["shards", "--changes", join(dir, "plan.json"), "--example", "default"])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no "changes" list'),
    });
    const empty = await run(["shards", "--changes", join(dir, "review.json"), "--example", "default"]);
    expect(JSON.parse(empty.stdout)).toEqual({
      maxJobs: 250,
      jobs: 0,
      stacks: 0,
      phases: [
        { name: "platform", shards: [] },
        { name: "tenants", shards: [] },
      ],
      removed: [],
    });
  });
});
