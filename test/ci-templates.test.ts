import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

const DIR = join(__dirname, "..", "templates", "github-actions");
type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };
type Job = { name?: string; needs?: string | string[]; if?: string; steps: Step[]; strategy?: { matrix?: Record<string, unknown>; "max-parallel"?: number }; concurrency?: { group: string; "cancel-in-progress": boolean }; outputs?: Record<string, string>; environment?: string };
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

describe("pull request template", () => {
  const { wf } = load("lakehouse-pull-request.yml");

  test("runs on pull requests with OIDC (id-token) and may comment", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions).toMatchObject({ "id-token": "write", "pull-requests": "write", contents: "read" });
  });

  test("installs, tests and synthesizes, and finds the changed stacks to plan", () => {
    const job = wf.jobs.synth;
    expect(names(job)).toEqual(expect.arrayContaining(["Install", "Test", "Synth", "Changed stacks", "Save synth output"]));
    expect(runOf(job, "Install")).toBe("npm ci");
    expect(runOf(job, "Test")).toBe("npm test --if-present && npx lakehouse validate --config lakehouse.yaml");
    expect(runOf(job, "Changed stacks")).toContain('lakehouse review --base "origin/${{ github.base_ref }}" --head HEAD --config lakehouse.yaml --format json --allow-high > changes.json');
    expect(job.outputs!.stacks).toBe("${{ steps.stacks.outputs.stacks }}");
    expect(job.steps[0].with).toMatchObject({ "fetch-depth": 0 });
  });

  test("plans only the changed stacks, as a matrix, and saves each plan with its JSON form", () => {
    const plan = wf.jobs.plan;
    expect(plan.needs).toBe("synth");
    expect(plan.strategy!.matrix!.stack).toBe("${{ fromJson(needs.synth.outputs.stacks) }}");
    const run = runOf(plan, "Terraform plan");
    expect(run).toContain("terraform plan -input=false -lock-timeout=5m -out=tfplan");
    expect(run.split("\n")).toContain("terraform show -json tfplan > plan.json");
    // setup-terraform's wrapper writes extra lines to stdout: plan.json would not be JSON.
    expect(plan.steps.find((s) => s.name === "Setup Terraform")!.with).toMatchObject({ terraform_wrapper: false });
    expect(plan.steps.find((s) => s.name === "Assume the plan role (OIDC)")!.with).toMatchObject({ "role-to-assume": "${{ vars.LAKEHOUSE_PLAN_ROLE_ARN }}" });
    const save = plan.steps.find((s) => s.name === "Save the plan")!;
    expect(save.uses).toBe("actions/upload-artifact@v4");
    expect(save.with!.name).toBe("plan-${{ matrix.stack }}");
    expect(String(save.with!.path).split("\n")).toContain("cdktf.out/stacks/${{ matrix.stack }}/plan.json");
  });

  test("after the plans, the review gets every stack's plan and is posted as the comment; critical or high findings need the label", () => {
    const review = wf.jobs.review;
    expect(review.needs).toEqual(["synth", "plan"]);
    // It runs when no stack changed (plan skipped) or a plan failed, and then says which stacks had no plan.
    expect(review.if).toBe("${{ !cancelled() && needs.synth.result == 'success' }}");
    expect(review.steps.find((s) => s.name === "Download the plans")!.with).toEqual({ pattern: "plan-*", path: "plans" });
    const run = runOf(review, "Review against the target branch");
    expect(run).toContain('npx lakehouse review --base "origin/${{ github.base_ref }}" --head HEAD --config lakehouse.yaml --format md --details-file review-full.md "${plans[@]}" > review.md');
    expect(review.steps.find((s) => s.name === "Post the review as a comment")!.with).toMatchObject({ header: "lakehouse-review", path: "review.md" });
    const gate = review.steps.find((s) => s.name === "Critical or high findings need the security-reviewed label")!;
    expect(gate.if).toBe("steps.review.outputs.exit == '3' && !contains(github.event.pull_request.labels.*.name, 'security-reviewed')");
    expect(names(review).indexOf("Download the plans")).toBeLessThan(names(review).indexOf("Review against the target branch"));
  });

  test("its review script passes one --plan <stack>=<file> per downloaded plan artifact (run with bash on a plans/ tree)", () => {
    const dir = mkdtempSync(join(tmpdir(), "lakehouse-ci-"));
    try {
      for (const stack of ["platform-prod", "tenant-globex-prod"]) {
        mkdirSync(join(dir, "plans", `plan-${stack}`), { recursive: true });
        writeFileSync(join(dir, "plans", `plan-${stack}`, "plan.json"), "{}");
      }
      // npx stands in for the CLI: it records its arguments, one per line, each call ending with "--";
      // it exits 3 (critical or high findings) unless --allow-high, as the CLI does.
      const script = `npx() { printf '%s\\n' "$@" -- >> calls.txt; case " $* " in *" --allow-high "*) return 0;; esac; return 3; }\n${runOf(wf.jobs.review, "Review against the target branch").replace(/\$\{\{ github\.base_ref \}\}/g, "main")}`;
      execFileSync("bash", ["-e", "-c", script], { cwd: dir, env: { ...process.env, GITHUB_OUTPUT: join(dir, "out.txt") } });
      const calls = readFileSync(join(dir, "calls.txt"), "utf8").split("--\n").filter(Boolean).map((c) => c.trim().split("\n"));
      expect(calls).toHaveLength(2);
      for (const args of calls) {
        const plans = args.flatMap((a, i) => (a === "--plan" ? [args[i + 1]] : []));
        expect(plans).toEqual(["platform-prod=plans/plan-platform-prod/plan.json", "tenant-globex-prod=plans/plan-tenant-globex-prod/plan.json"]);
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

  test("runs on merge to main", () => {
    expect(wf.on).toEqual({ push: { branches: ["main"] } });
    expect(wf.permissions["id-token"]).toBe("write");
  });

  test("applies platform stacks before tenant stacks, with a concurrency lock per stack", () => {
    const platform = wf.jobs["apply-platform"];
    const tenants = wf.jobs["apply-tenants"];
    expect(tenants.needs).toEqual(["changes", "apply-platform"]);
    expect(platform.strategy!.matrix!.stack).toBe("${{ fromJson(needs.changes.outputs.platform) }}");
    expect(tenants.strategy!.matrix!.stack).toBe("${{ fromJson(needs.changes.outputs.tenants) }}");
    for (const job of [platform, tenants]) {
      expect(job.concurrency).toEqual({ group: "terraform-${{ matrix.stack }}", "cancel-in-progress": false });
      expect(job.environment).toBe("production");
      expect(runOf(job, "Terraform apply")).toMatch(/terraform plan .*-out=tfplan\nterraform apply .*tfplan/);
      expect(job.steps.find((s) => s.name === "Assume the apply role (OIDC)")!.with).toMatchObject({ "role-to-assume": "${{ vars.LAKEHOUSE_APPLY_ROLE_ARN }}" });
    }
    expect(runOf(wf.jobs.changes, "Changed stacks, platform first")).toContain('select(startswith("platform-"))');
  });
});

describe("release template", () => {
  const { wf } = load("lakehouse-release.yml");

  test("runs on version tags and takes the notes from CHANGELOG.md", () => {
    expect(wf.on).toEqual({ push: { tags: ["v*"] } });
    expect(runOf(wf.jobs.release, "Release notes from CHANGELOG.md")).toContain("CHANGELOG.md");
  });

  test("its notes extraction really returns this version's CHANGELOG section", () => {
    const script = runOf(wf.jobs.release, "Release notes from CHANGELOG.md").split("\n").find((l) => l.startsWith("awk"))!;
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
