import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PlanJson, changelogSection, gateChanges, judgeUpgrade } from "../tools/upgrade-gate";

const change = (address: string, actions: string[], extra: Record<string, unknown> = {}) => ({
  address,
  type: address.split(".")[0],
  change: { actions },
  ...extra,
});
const plan = (...rc: ReturnType<typeof change>[]): PlanJson => ({ resource_changes: rc });

const BUCKET = "aws_s3_bucket.LogBucket_Resource_1A2B3C";
const SECTION = (line: string) => `\nSomething about the release.\n\n- An unrelated change.\n${line}\n- Another one.\n`;

describe("the upgrade gate", () => {
  test("GIVEN a plan of updates, creates and a policy replaced THEN figures count them and nothing is a violation", () => {
    const r = judgeUpgrade(
      gateChanges(
        "tenant-a-prod",
        plan(
          change(BUCKET, ["no-op"]),
          change("aws_s3_bucket_policy.P", ["update"]),
          change("aws_sqs_queue_policy.Q", ["create"]),
          change("aws_iam_role_policy.R", ["delete", "create"]),
          change("data.aws_iam_policy_document.D", ["read"], { mode: "data" }),
        ),
      ),
      SECTION(""),
      {},
    );
    expect(r.figures).toEqual({ resources: 4, creates: 1, updates: 1, deletes: 0, replacements: 1, moves: 0 });
    expect(r.violations).toEqual([]);
  });

  test("GIVEN a bucket replaced (either order) or a key deleted, and the CHANGELOG silent THEN each is a violation naming the stack, the address and what to add", () => {
    const r = judgeUpgrade(
      [
        ...gateChanges("tenant-a-prod", plan(change(BUCKET, ["delete", "create"]), change("aws_kms_key.Key", ["delete"]))),
        ...gateChanges("tenant-b-prod", plan(change(BUCKET, ["create", "delete"]))),
      ],
      SECTION(""),
      {},
    );
    expect(r.violations.map((v) => v.why)).toEqual([
      expect.stringMatching(
        /^tenant-a-prod: aws_s3_bucket\.LogBucket_Resource_1A2B3C is replaced \(aws_s3_bucket holds the logs.*\); the CHANGELOG's section does not name .* add a moved block/,
      ),
      expect.stringMatching(/^tenant-a-prod: aws_kms_key\.Key is deleted \(aws_kms_key encrypts the logs/),
      expect.stringMatching(/^tenant-b-prod: aws_s3_bucket\.LogBucket_Resource_1A2B3C is replaced/),
    ]);
    expect(r.figures).toMatchObject({ deletes: 1, replacements: 2 });
  });

  test("GIVEN the CHANGELOG names the bucket and links an upgrade guide that names it THEN it is migrated, not a violation; a guide that does not name it, or no link, does not excuse it", () => {
    const changes = gateChanges("tenant-a-prod", plan(change(BUCKET, ["delete", "create"])));
    const line = `- log-bucket 2.0.0: \`${BUCKET}\` is replaced; copy the objects first, see [upgrading to 0.6](docs/upgrading/0.6.md#log-bucket).`;
    const ok = judgeUpgrade(changes, SECTION(line), { "docs/upgrading/0.6.md": `# 0.6\n\nBefore applying, copy ${BUCKET}'s objects…` });
    expect(ok.violations).toEqual([]);
    expect(ok.migrated.map((m) => m.migration)).toEqual(["docs/upgrading/0.6.md"]);
    expect(judgeUpgrade(changes, SECTION(line), { "docs/upgrading/0.6.md": "# 0.6\n\nNothing about that bucket." }).violations).toHaveLength(1);
    expect(judgeUpgrade(changes, SECTION(line), {}).violations).toHaveLength(1);
    expect(judgeUpgrade(changes, SECTION(`- \`${BUCKET}\` is replaced.`), {}).violations[0].why).toMatch(/names it but links no upgrade guide/);
    // Another release's section does not count: the line must be in the section given.
    expect(judgeUpgrade(changes, SECTION("- nothing here"), { "docs/upgrading/0.6.md": BUCKET }).violations).toHaveLength(1);
  });

  test("GIVEN a moved block THEN Terraform plans a move: counted, no violation; GIVEN the CHANGELOG claims a moved block but the plan still replaces THEN the violation says the moved block is wrong", () => {
    const moved = judgeUpgrade(gateChanges("t", plan(change("aws_s3_bucket.LogBucket_New", ["no-op"], { previous_address: BUCKET }))), SECTION(""), {});
    expect(moved.figures.moves).toBe(1);
    expect(moved.violations).toEqual([]);
    const claimed = judgeUpgrade(
      gateChanges("t", plan(change(BUCKET, ["delete"]), change("aws_s3_bucket.LogBucket_New", ["create"]))),
      SECTION(`- \`${BUCKET}\` moved to \`aws_s3_bucket.LogBucket_New\` (a moved block).`),
      {},
    );
    expect(claimed.violations.map((v) => v.why)).toEqual([expect.stringMatching(/says a moved block carries it, but Terraform still plans it deleted/)]);
  });

  test("changelogSection takes exactly one release's section and refuses a release without one", () => {
    const changelog = "# Changelog\n\n## 0.5.0 — unreleased\n\n- five\n\n## 0.4.0 — 2026-12-04\n\n- four\n";
    expect(changelogSection(changelog, "0.5.0").trim()).toBe("- five");
    expect(changelogSection(changelog, "0.4.0").trim()).toBe("- four");
    expect(() => changelogSection(changelog, "0.6.0")).toThrow(/no section for 0\.6\.0/);
    // The repository's own CHANGELOG has a section for its version.
    const repo = join(__dirname, "..");
    const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version;
    expect(changelogSection(readFileSync(join(repo, "CHANGELOG.md"), "utf8"), version)).toContain("- ");
  });
});
