import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

const DIR = join(__dirname, "..", "templates", "github-actions");
type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };
type Job = {
  name?: string;
  needs?: string | string[];
  if?: string;
  steps: Step[];
  strategy?: { matrix?: Record<string, unknown>; "max-parallel"?: number; "fail-fast"?: boolean };
  concurrency?: unknown;
  outputs?: Record<string, string>;
  environment?: string;
};
type Workflow = { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> };

function load(name: string): { text: string; wf: Workflow } {
  const text = readFileSync(join(DIR, name), "utf8");
  return { text, wf: parse(text, { uniqueKeys: true }) as Workflow };
}
const names = (job: Job) => job.steps.map((s) => s.name);
const runOf = (job: Job, name: string) => job.steps.find((s) => s.name === name)?.run ?? "";

describe.each(["lakehouse-pull-request.yml", "lakehouse-main.yml", "lakehouse-release.yml"])("%s", (file) => {
  test("is valid YAML with jobs, and never uses long-lived cloud keys", () => {
    const { text, wf } = load(file);
    expect(Object.keys(wf.jobs).length).toBeGreaterThan(0);
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|SNOWFLAKE_PRIVATE_KEY|SNOWFLAKE_PASSWORD/);
    for (const job of Object.values(wf.jobs)) {
      for (const step of job.steps) if (step.uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
    }
  });
});

/**
 * A stand-in `terraform` on the PATH, for running a template's shell as GitHub would: it records
 * each call (one line: the arguments) in calls.txt and acts on the stack folder given with -chdir.
 * init writes a lock file when there is none and notes whether one was there ("had-lock"); plan
 * fails where the folder holds a file named FAIL; apply refuses, as Terraform does, a saved plan
 * whose stack holds a file named STALE.
 */
const FAKE_TERRAFORM = `#!/usr/bin/env bash
echo "$*" >> "$CALLS"
dir=.
case "$1" in -chdir=*) dir="\${1#-chdir=}"; shift;; esac
cmd="$1"; shift
case "$cmd" in
  init)
    if [ -f "$dir/.terraform.lock.hcl" ]; then echo "had-lock $dir" >> "$CALLS"; else echo "# providers" > "$dir/.terraform.lock.hcl"; fi ;;
  plan)
    [ -f "$dir/FAIL" ] && { echo "Error: planning failed" >&2; exit 1; }
    for a in "$@"; do case "$a" in -out=*) echo "saved plan of $dir" > "$dir/\${a#-out=}";; esac; done ;;
  show)
    if [ "$1" = "-json" ]; then echo '{"format_version":"1.2","resource_changes":[]}'; else echo "plan of $dir"; fi ;;
  apply)
    [ -f "$dir/STALE" ] && { echo "Error: Saved plan is stale" >&2; exit 1; }
    echo "applied $dir" >> "$CALLS" ;;
esac
`;

/** Runs `script` with bash -e -o pipefail (GitHub's default shell) in `cwd`, the stand-in terraform first on the PATH. */
function runStep(script: string, cwd: string, env: Record<string, string>): { status: number; calls: string[]; output: string } {
  mkdirSync(join(cwd, "bin"), { recursive: true });
  writeFileSync(join(cwd, "bin", "terraform"), FAKE_TERRAFORM, { mode: 0o755 });
  const calls = join(cwd, "calls.txt");
  writeFileSync(calls, "");
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      PATH: `${join(cwd, "bin")}:${process.env.PATH}`,
      CALLS: calls,
      GITHUB_WORKSPACE: cwd,
      RUNNER_TEMP: join(cwd, "tmp"),
      TF_PLUGIN_CACHE_DIR: join(cwd, "tmp", "cache"),
      ...env,
    },
  });
  return { status: r.status ?? 1, calls: readFileSync(calls, "utf8").trim().split("\n").filter(Boolean), output: r.stdout + r.stderr };
}

function synthOutput(dir: string, stacks: string[]): void {
  for (const s of stacks) mkdirSync(join(dir, "cdktf.out", "stacks", s), { recursive: true });
  mkdirSync(join(dir, "tmp"), { recursive: true });
}

describe("pull request template", () => {
  const { wf } = load("lakehouse-pull-request.yml");

  test("runs on pull requests with OIDC (id-token) and may comment", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions).toMatchObject({ "id-token": "write", "pull-requests": "write", contents: "read" });
  });

  test("installs, tests and synthesizes, finds the changed stacks and shards them; saves the synth output and the planned tree", () => {
    const job = wf.jobs.synth;
    expect(names(job)).toEqual(expect.arrayContaining(["Install", "Test", "Synth", "Changed stacks", "Shards", "Save synth output", "Save the shards"]));
    expect(runOf(job, "Install")).toBe("npm ci");
    expect(runOf(job, "Test")).toBe("npm test --if-present && npx lakehouse validate --config lakehouse.yaml");
    expect(runOf(job, "Changed stacks")).toBe(
      'npx lakehouse review --base "origin/${{ github.base_ref }}" --head HEAD --config lakehouse.yaml --format json --allow-high > changes.json',
    );
    const shards = runOf(job, "Shards").split("\n");
    expect(shards).toContain("npx lakehouse shards --changes changes.json --config lakehouse.yaml > shards.json");
    expect(shards).toContain("git rev-parse 'HEAD^{tree}' > tree.txt");
    expect(job.outputs!.shards).toBe("${{ steps.shards.outputs.shards }}");
    expect(String(job.steps.find((s) => s.name === "Save the shards")!.with!.path).split("\n")).toEqual(expect.arrayContaining(["shards.json", "tree.txt"]));
    expect(job.steps[0].with).toMatchObject({ "fetch-depth": 0 });
  });

  test("its Shards step turns lakehouse shards' JSON into one matrix of every phase's shards, platform shards first (run with bash)", () => {
    const dir = mkdtempSync(join(tmpdir(), "lakehouse-ci-"));
    try {
      const shards = {
        phases: [
          { name: "platform", shards: [{ shard: "platform-1", stacks: "platform-prod" }] },
          { name: "tenants", shards: [{ shard: "tenants-1", stacks: "tenant-a-prod tenant-b-prod" }] },
        ],
      };
      const script = `npx() { printf '%s\\n' '${JSON.stringify(shards)}'; }\ngit() { echo tree0123; }\n${runOf(wf.jobs.synth, "Shards")}`;
      execFileSync("bash", ["-e", "-c", script], { cwd: dir, env: { ...process.env, GITHUB_OUTPUT: join(dir, "out.txt") } });
      const output = readFileSync(join(dir, "out.txt"), "utf8");
      expect(JSON.parse(output.replace(/^shards=/, ""))).toEqual([...shards.phases[0].shards, ...shards.phases[1].shards]);
      expect(readFileSync(join(dir, "tree.txt"), "utf8")).toBe("tree0123\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("plans each shard as one matrix job, its stacks one after another with one plugin cache, and saves each stack's plan", () => {
    const plan = wf.jobs.plan;
    expect(plan.needs).toBe("synth");
    expect(plan.if).toBe("needs.synth.outputs.shards != '[]'");
    expect(plan.strategy!.matrix).toEqual({ include: "${{ fromJson(needs.synth.outputs.shards) }}" });
    const step = plan.steps.find((s) => s.name === "Terraform plan, each stack of the shard")!;
    expect(step.env).toMatchObject({ STACKS: "${{ matrix.stacks }}", TF_PLUGIN_CACHE_DIR: "${{ runner.temp }}/terraform-plugin-cache" });
    // Read-only: providers that would assume deploy roles run as the plan roles (stacks/tenant-stack.ts).
    expect(step.env).toMatchObject({ TF_VAR_lakehouse_read_only: "true" });
    expect(step.run).toContain('terraform -chdir="$dir" plan -input=false -lock-timeout=5m -out=tfplan');
    // setup-terraform's wrapper writes extra lines to stdout: plan.json would not be JSON.
    expect(plan.steps.find((s) => s.name === "Setup Terraform")!.with).toMatchObject({ terraform_wrapper: false });
    expect(plan.steps.find((s) => s.name === "Assume the plan role (OIDC)")!.with).toMatchObject({ "role-to-assume": "${{ vars.LAKEHOUSE_PLAN_ROLE_ARN }}" });
    const save = plan.steps.find((s) => s.name === "Save the plans")!;
    expect(save.uses).toBe("actions/upload-artifact@v4");
    expect(save.if).toBe("${{ !cancelled() }}");
    expect(save.with).toEqual({ name: "plan-${{ matrix.shard }}", path: "plans" });
  });

  test("its plan script plans every stack of the shard once, shares the first lock file (so the plugin cache serves the rest), keeps going past a failed stack and then fails (run with bash)", () => {
    const dir = mkdtempSync(join(tmpdir(), "lakehouse-ci-"));
    try {
      const stacks = ["tenant-a-prod", "tenant-b-prod", "tenant-c-prod"];
      synthOutput(dir, stacks);
      const script = runOf(wf.jobs.plan, "Terraform plan, each stack of the shard");
      const ok = runStep(script, dir, { STACKS: stacks.join(" ") });
      expect(ok.status).toBe(0);
      for (const s of stacks) {
        expect(ok.calls.filter((c) => c.startsWith(`-chdir=cdktf.out/stacks/${s} plan `))).toEqual([
          `-chdir=cdktf.out/stacks/${s} plan -input=false -lock-timeout=5m -out=tfplan`,
        ]);
        expect(readFileSync(join(dir, "plans", s, "tfplan"), "utf8")).toBe(`saved plan of cdktf.out/stacks/${s}\n`);
        expect(JSON.parse(readFileSync(join(dir, "plans", s, "plan.json"), "utf8"))).toMatchObject({ format_version: "1.2" });
        expect(readFileSync(join(dir, "plans", s, "terraform.lock.hcl"), "utf8")).toBe("# providers\n");
      }
      // The first stack's init wrote the lock file; the second and third started from it.
      expect(ok.calls.filter((c) => c.startsWith("had-lock"))).toEqual(["had-lock cdktf.out/stacks/tenant-b-prod", "had-lock cdktf.out/stacks/tenant-c-prod"]);

      rmSync(join(dir, "plans"), { recursive: true });
      writeFileSync(join(dir, "cdktf.out", "stacks", "tenant-b-prod", "FAIL"), "");
      const failed = runStep(script, dir, { STACKS: stacks.join(" ") });
      expect(failed.status).toBe(1);
      expect(failed.output).toContain("::error::terraform plan failed for: tenant-b-prod");
      expect(readdirSync(join(dir, "plans")).sort()).toEqual(["tenant-a-prod", "tenant-c-prod"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("after the plans, the review gets every stack's plan and is posted as the comment; critical or high findings need the label", () => {
    const review = wf.jobs.review;
    expect(review.needs).toEqual(["synth", "plan"]);
    // It runs when no stack changed (plan skipped) or a plan failed, and then says which stacks had no plan.
    expect(review.if).toBe("${{ !cancelled() && needs.synth.result == 'success' }}");
    expect(review.steps.find((s) => s.name === "Download the plans")!.with).toEqual({ pattern: "plan-*", path: "plans", "merge-multiple": true });
    const run = runOf(review, "Review against the target branch");
    expect(run).toContain(
      'npx lakehouse review --base "origin/${{ github.base_ref }}" --head HEAD --config lakehouse.yaml --format md --details-file review-full.md "${plans[@]}" > review.md',
    );
    expect(review.steps.find((s) => s.name === "Post the review as a comment")!.with).toMatchObject({ header: "lakehouse-review", path: "review.md" });
    const gate = review.steps.find((s) => s.name === "Critical or high findings need the security-reviewed label")!;
    expect(gate.if).toBe("steps.review.outputs.exit == '3' && !contains(github.event.pull_request.labels.*.name, 'security-reviewed')");
    expect(names(review).indexOf("Download the plans")).toBeLessThan(names(review).indexOf("Review against the target branch"));
  });

  test("its review script passes one --plan <stack>=<file> per stack of the merged plan artifacts (run with bash on a plans/ tree)", () => {
    const dir = mkdtempSync(join(tmpdir(), "lakehouse-ci-"));
    try {
      for (const stack of ["platform-prod", "tenant-globex-prod"]) {
        mkdirSync(join(dir, "plans", stack), { recursive: true });
        writeFileSync(join(dir, "plans", stack, "plan.json"), "{}");
      }
      // npx stands in for the CLI: it records its arguments, one per line, each call ending with "--";
      // it exits 3 (critical or high findings) unless --allow-high, as the CLI does.
      const script = `npx() { printf '%s\\n' "$@" -- >> calls.txt; case " $* " in *" --allow-high "*) return 0;; esac; return 3; }\n${runOf(wf.jobs.review, "Review against the target branch").replace(/\$\{\{ github\.base_ref \}\}/g, "main")}`;
      execFileSync("bash", ["-e", "-c", script], { cwd: dir, env: { ...process.env, GITHUB_OUTPUT: join(dir, "out.txt") } });
      const calls = readFileSync(join(dir, "calls.txt"), "utf8")
        .split("--\n")
        .filter(Boolean)
        .map((c) => c.trim().split("\n"));
      expect(calls).toHaveLength(2);
      for (const args of calls) {
        const plans = args.flatMap((a, i) => (a === "--plan" ? [args[i + 1]] : []));
        expect(plans).toEqual(["platform-prod=plans/platform-prod/plan.json", "tenant-globex-prod=plans/tenant-globex-prod/plan.json"]);
      }
      expect(calls[0]).toEqual(expect.arrayContaining(["--format", "md", "--details-file", "review-full.md"]));
      expect(calls[1]).toEqual(expect.arrayContaining(["--format", "json", "--allow-high"]));
      // The first call's exit code is what gates the label.
      expect(readFileSync(join(dir, "out.txt"), "utf8")).toBe("exit=3\n");
      // No plan downloaded: the review still runs, with no --plan at all.
      rmSync(join(dir, "plans"), { recursive: true });
      rmSync(join(dir, "calls.txt"));
      execFileSync("bash", ["-e", "-c", script], { cwd: dir, env: { ...process.env, GITHUB_OUTPUT: join(dir, "out.txt") } });
      expect(readFileSync(join(dir, "calls.txt"), "utf8")).not.toContain("--plan");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("main template", () => {
  const { wf } = load("lakehouse-main.yml");
  const applyJobs = () => [wf.jobs["apply-platform"], wf.jobs["apply-tenants"]];

  test("runs on merge to main, may read the pull request run's artifacts, and has no concurrency group that could cancel a pending apply", () => {
    expect(wf.on).toEqual({ push: { branches: ["main"] } });
    expect(wf.permissions).toEqual({ contents: "read", "id-token": "write", actions: "read", "pull-requests": "read" });
    expect((wf as unknown as Record<string, unknown>).concurrency).toBeUndefined();
    for (const job of Object.values(wf.jobs)) expect(job.concurrency).toBeUndefined();
  });

  test("finds the pull request run that planned the merge and applies only to the tree it planned", () => {
    const job = wf.jobs.reviewed;
    expect(names(job)).toEqual([
      "Checkout",
      "The pull request run that planned this merge",
      "Download the shards that were planned",
      "The merged tree is the planned tree",
      "Shards to apply, platform first",
    ]);
    expect(job.steps.find((s) => s.name === "Download the shards that were planned")!.with).toEqual({
      name: "shards",
      path: "reviewed",
      "run-id": "${{ steps.run.outputs.run-id }}",
      "github-token": "${{ github.token }}",
    });
    expect(runOf(job, "Shards to apply, platform first")).toBe(
      `echo "platform=$(jq -c '.phases[0].shards' reviewed/shards.json)" >> "$GITHUB_OUTPUT"\necho "tenants=$(jq -c '.phases[1].shards' reviewed/shards.json)" >> "$GITHUB_OUTPUT"\n`,
    );
  });

  test("its run finder takes the merged pull request's head and that head's completed pull request run; a push without a pull request applies nothing (run with bash, gh stood in)", () => {
    const dir = mkdtempSync(join(tmpdir(), "lakehouse-ci-"));
    try {
      const script = runOf(wf.jobs.reviewed, "The pull request run that planned this merge");
      const gh = (pulls: string) =>
        `gh() { echo "$*" >> gh.txt; case "$1 $2" in "api repos/acme/lake/commits/abc/pulls") echo '${pulls}' | jq -r "$4";; "api repos/acme/lake/pulls/7") echo '{"head":{"sha":"def"}}' | jq -r "$4";; "run list") echo '[{"databaseId":99}]' | jq -r "\${@: -1}";; esac; }\n`;
      const env = { ...process.env, GITHUB_OUTPUT: join(dir, "out.txt"), GITHUB_REPOSITORY: "acme/lake", GITHUB_SHA: "abc" };
      execFileSync("bash", ["-eo", "pipefail", "-c", gh('[{"number":7,"merged_at":"2026-12-01T00:00:00Z"}]') + script], { cwd: dir, env });
      expect(readFileSync(join(dir, "out.txt"), "utf8")).toBe("run-id=99\n");
      expect(readFileSync(join(dir, "gh.txt"), "utf8")).toContain(
        "run list --repo acme/lake --workflow lakehouse-pull-request.yml --event pull_request --commit def --status completed",
      );
      const none = spawnSync("bash", ["-eo", "pipefail", "-c", gh("[]") + script], { cwd: dir, env, encoding: "utf8" });
      expect(none.status).toBe(1);
      expect(none.stdout).toContain("was not merged from a pull request");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("its tree check refuses a merge whose tree is not the planned one (run with bash)", () => {
    const dir = mkdtempSync(join(tmpdir(), "lakehouse-ci-"));
    try {
      mkdirSync(join(dir, "reviewed"));
      const script = `git() { echo tree-merged; }\n${runOf(wf.jobs.reviewed, "The merged tree is the planned tree")}`;
      writeFileSync(join(dir, "reviewed", "tree.txt"), "tree-merged\n");
      expect(spawnSync("bash", ["-eo", "pipefail", "-c", script], { cwd: dir }).status).toBe(0);
      writeFileSync(join(dir, "reviewed", "tree.txt"), "tree-planned\n");
      const r = spawnSync("bash", ["-eo", "pipefail", "-c", script], { cwd: dir, encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain("is not what the pull request run planned");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("applies platform shards before tenant shards, each from the pull request run's synth output and plans", () => {
    const [platform, tenants] = applyJobs();
    expect(platform.needs).toBe("reviewed");
    expect(tenants.needs).toEqual(["reviewed", "apply-platform"]);
    expect(tenants.if).toContain("(needs.apply-platform.result == 'success' || needs.apply-platform.result == 'skipped')");
    expect(platform.strategy!.matrix).toEqual({ include: "${{ fromJson(needs.reviewed.outputs.platform) }}" });
    expect(tenants.strategy!.matrix).toEqual({ include: "${{ fromJson(needs.reviewed.outputs.tenants) }}" });
    for (const job of [platform, tenants]) {
      expect(job.environment).toBe("production");
      // A failed shard must not cancel another one mid-apply.
      expect(job.strategy).toMatchObject({ "fail-fast": false });
      const fromRun = { "run-id": "${{ needs.reviewed.outputs.run-id }}", "github-token": "${{ github.token }}" };
      expect(job.steps.find((s) => s.name === "Download the synth output that was planned")!.with).toEqual({ name: "synth", path: "cdktf.out", ...fromRun });
      expect(job.steps.find((s) => s.name === "Download the reviewed plans")!.with).toEqual({ name: "plan-${{ matrix.shard }}", path: "plans", ...fromRun });
      expect(job.steps.find((s) => s.name === "Assume the apply role (OIDC)")!.with).toMatchObject({
        "role-to-assume": "${{ vars.LAKEHOUSE_APPLY_ROLE_ARN }}",
      });
      const run = runOf(job, "Terraform apply the reviewed plans");
      // Never a new plan on merge: only the saved one is applied.
      expect(run).not.toMatch(/terraform[^\n]* plan/);
      expect(run).toContain('terraform -chdir="$dir" apply -input=false -lock-timeout=30m "$plan"');
      expect(runOf(job, "Terraform apply the reviewed plans")).toBe(runOf(platform, "Terraform apply the reviewed plans"));
      // The plans were made read-only; the ephemeral variable is given again, false, so the saved plans
      // are applied as the deploy roles.
      expect(job.steps.find((s) => s.name === "Terraform apply the reviewed plans")!.env).toMatchObject({ TF_VAR_lakehouse_read_only: "false" });
    }
    // No npm, no synth on merge: the plans and the synth output are the pull request run's.
    for (const job of applyJobs()) expect(job.steps.some((s) => /npm|lakehouse synth/.test(s.run ?? ""))).toBe(false);
  });

  test("its apply script applies each stack's saved plan with the lock file recorded with it, and fails for a missing or stale plan without re-planning (run with bash)", () => {
    const dir = mkdtempSync(join(tmpdir(), "lakehouse-ci-"));
    try {
      const stacks = ["tenant-a-prod", "tenant-b-prod", "tenant-c-prod"];
      synthOutput(dir, stacks);
      for (const s of stacks) {
        mkdirSync(join(dir, "plans", s), { recursive: true });
        writeFileSync(join(dir, "plans", s, "tfplan"), `reviewed plan of ${s}`);
        writeFileSync(join(dir, "plans", s, "terraform.lock.hcl"), `# lock recorded with ${s}'s plan\n`);
      }
      const script = runOf(wf.jobs["apply-tenants"], "Terraform apply the reviewed plans");
      const ok = runStep(script, dir, { STACKS: stacks.join(" ") });
      expect(ok.status).toBe(0);
      for (const s of stacks) {
        expect(ok.calls).toContain(`-chdir=cdktf.out/stacks/${s} init -input=false -lockfile=readonly`);
        expect(ok.calls).toContain(`-chdir=cdktf.out/stacks/${s} apply -input=false -lock-timeout=30m ${join(dir, "plans", s, "tfplan")}`);
        expect(readFileSync(join(dir, "cdktf.out", "stacks", s, ".terraform.lock.hcl"), "utf8")).toBe(`# lock recorded with ${s}'s plan\n`);
      }
      expect(ok.calls.filter((c) => / plan( |$)/.test(c))).toEqual([]);

      // b's plan is stale (the state moved after it was made), c has no plan: a applied, the job fails naming both.
      writeFileSync(join(dir, "cdktf.out", "stacks", "tenant-b-prod", "STALE"), "");
      rmSync(join(dir, "plans", "tenant-c-prod"), { recursive: true });
      const bad = runStep(script, dir, { STACKS: stacks.join(" ") });
      expect(bad.status).toBe(1);
      expect(bad.calls).toContain("applied cdktf.out/stacks/tenant-a-prod");
      expect(bad.calls.filter((c) => c.startsWith("applied"))).toEqual(["applied cdktf.out/stacks/tenant-a-prod"]);
      expect(bad.output).toContain("Saved plan is stale");
      expect(bad.output).toContain("::error::tenant-c-prod has no reviewed plan");
      expect(bad.output).toContain("::error::not applied: tenant-b-prod tenant-c-prod");
      expect(bad.calls.filter((c) => / plan( |$)/.test(c))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("release template", () => {
  const { wf } = load("lakehouse-release.yml");

  test("runs on version tags and takes the notes from CHANGELOG.md", () => {
    expect(wf.on).toEqual({ push: { tags: ["v*"] } });
    expect(runOf(wf.jobs.release, "Release notes from CHANGELOG.md")).toContain("CHANGELOG.md");
  });

  test("its notes extraction really returns this version's CHANGELOG section", () => {
    const script = runOf(wf.jobs.release, "Release notes from CHANGELOG.md")
      .split("\n")
      .find((l) => l.startsWith("awk"))!;
    const program = /'([^']+)'/.exec(script)![1];
    const version = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")).version as string;
    const notes = execFileSync("awk", ["-v", `v=${version}`, program, join(__dirname, "..", "CHANGELOG.md")], { encoding: "utf8" });
    // Exactly the section under "## <version>", up to the next release heading.
    const changelog = readFileSync(join(__dirname, "..", "CHANGELOG.md"), "utf8");
    const section = changelog.split(/^## /m).find((s) => s.startsWith(`${version} `))!;
    expect(section).toBeDefined();
    expect(notes.trim()).toBe(section.slice(section.indexOf("\n") + 1).trim());
    expect(notes).not.toMatch(/^## /m);
  });
});
