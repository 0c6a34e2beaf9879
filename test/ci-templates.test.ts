import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const DIR = join(__dirname, "..", "templates", "github-actions");
type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };
type Job = { needs?: string | string[]; if?: string; steps: Step[]; strategy?: { matrix?: Record<string, unknown>; "max-parallel"?: number }; concurrency?: { group: string; "cancel-in-progress": boolean }; outputs?: Record<string, string>; environment?: string };
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

  test("installs, tests, synthesizes, reviews against the target branch and posts it as a comment", () => {
    const job = wf.jobs.review;
    expect(names(job)).toEqual(expect.arrayContaining(["Install", "Test", "Synth", "Review against the target branch", "Post the review as a comment", "Changed stacks"]));
    expect(runOf(job, "Install")).toBe("npm ci");
    expect(runOf(job, "Test")).toBe("npm test --if-present && npx lakehouse validate --config lakehouse.yaml");
    expect(runOf(job, "Review against the target branch")).toContain('lakehouse review --base "origin/${{ github.base_ref }}"');
    expect(job.steps.find((s) => s.name === "Post the review as a comment")!.with).toMatchObject({ path: "review.md" });
    expect(job.steps[0].with).toMatchObject({ "fetch-depth": 0 });
  });

  test("plans only the changed stacks, as a matrix, and saves each plan", () => {
    const plan = wf.jobs.plan;
    expect(plan.needs).toBe("review");
    expect(plan.strategy!.matrix!.stack).toBe("${{ fromJson(needs.review.outputs.stacks) }}");
    expect(wf.jobs.review.outputs!.stacks).toBe("${{ steps.stacks.outputs.stacks }}");
    expect(runOf(plan, "Terraform plan")).toContain("terraform plan -input=false -lock-timeout=5m -out=tfplan");
    expect(plan.steps.find((s) => s.name === "Assume the plan role (OIDC)")!.with).toMatchObject({ "role-to-assume": "${{ vars.LAKEHOUSE_PLAN_ROLE_ARN }}" });
    expect(plan.steps.find((s) => s.name === "Save the plan")!.uses).toBe("actions/upload-artifact@v4");
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
