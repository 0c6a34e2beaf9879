import { classify } from "../review/classify";
import { reviewContext } from "../review/context";
import { ResourceChange, diffStacks } from "../review/diff";
import { diffLines, unifiedLines } from "../review/line-diff";
import { PlanCoverage } from "../review/plan";
import { MARKDOWN_LIMIT, ReviewReport, buildReport, toJson, toMarkdown } from "../review/report";
import { UPGRADE_CASES } from "./fixtures/review-corpus/upgrades";

const noPlan: PlanCoverage = {
  status: "none",
  planned: [],
  unplanned: ["s"],
  unplannedWithChanges: ["s"],
  message: "Replacements and deletions are unknown: no Terraform plan was given.",
};
const reportInput = {
  base: { ref: "main", commit: "a".repeat(40) },
  head: { ref: "HEAD", commit: "b".repeat(40) },
  plan: noPlan,
  attribution: { library: { changed: false }, configChanged: false, method: "library unchanged" as const },
  modules: [],
  suppressions: [],
};
function reportOf(changes: ResourceChange[]): ReviewReport {
  return buildReport({ ...reportInput, changes: classify(changes) });
}
const task = (sql: string) => ({ s: { resource: { snowflake_task: { Monitor: { name: "X_MONITOR", sql_statement: sql } } } } });
/** The lines of each diff block, its own indentation (in a list item or not) taken off. */
const diffBlocks = (md: string) => [...md.matchAll(/^( *)```diff\n([\s\S]*?)\n\1```/gm)].map((m) => m[2].split("\n").map((l) => l.slice(m[1].length)));

describe("line diff", () => {
  test("keeps common lines and marks only what changed", () => {
    expect(diffLines("a\nb\nc\nd", "a\nc\nd\ne")).toEqual([
      { op: " ", text: "a" },
      { op: "-", text: "b" },
      { op: " ", text: "c" },
      { op: " ", text: "d" },
      { op: "+", text: "e" },
    ]);
    expect(unifiedLines("same", "same")).toEqual([]);
  });

  test("far from a change, unchanged lines are skipped with a marker", () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n");
    const after = before.replace("line 10", "line ten");
    expect(unifiedLines(before, after, 2)).toEqual(["  …", "  line 8", "  line 9", "- line 10", "+ line ten", "  line 11", "  line 12", "  …"]);
  });
});

describe("SQL and policies in the Markdown", () => {
  test("a multi-line SQL change is a line diff in a diff block, not one long string", () => {
    const before = ["BEGIN", "  SELECT 1;", "  DELETE FROM T WHERE A < 3;", "END"].join("\n");
    const after = ["BEGIN", "  SELECT 1;", "  DELETE FROM T WHERE A < 2;", "END"].join("\n");
    const report = reportOf(diffStacks(task(before), task(after)));
    expect(report.changes[0].findings.map((f) => [f.rule, f.message])).toEqual([
      ["change.unclassified", "changed (sql_statement: 4 lines, see the diff → 4 lines, see the diff)"],
    ]);
    const md = toMarkdown(report);
    // In the medium section (collapsed) and in the attribute-level details.
    const blocks = diffBlocks(md);
    expect(blocks).toHaveLength(2);
    for (const b of blocks) expect(b).toEqual(["  BEGIN", "    SELECT 1;", "-   DELETE FROM T WHERE A < 3;", "+   DELETE FROM T WHERE A < 2;", "  END"]);
    expect(md).toContain("  <details><summary>diff</summary>");
    expect(md).not.toContain(JSON.stringify(before));
  });

  test("a policy document is pretty-printed and diffed line by line", () => {
    const doc = (actions: string[]) =>
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Read", Effect: "Allow", Action: actions, Resource: "arn:aws:s3:::logs/*" }] });
    const set = (actions: string[]) => ({ s: { resource: { aws_iam_role_policy: { P: { role: "r", policy: doc(actions) } } } } });
    const md = toMarkdown(reportOf(diffStacks(set(["s3:GetObject"]), set(["s3:GetObject", "s3:PutObject"]))));
    const [finding, details] = diffBlocks(md);
    // The statement a finding is about, in full …
    expect(finding).toEqual([
      "  {",
      '    "Sid": "Read",',
      '    "Effect": "Allow",',
      '    "Action": [',
      '-     "s3:GetObject"',
      '+     "s3:GetObject",',
      '+     "s3:PutObject"',
      "    ],",
      '    "Resource": "arn:aws:s3:::logs/*"',
      "  }",
    ]);
    // … and the document in the details, pretty-printed, three lines of context around the change.
    expect(details).toEqual([
      "  …",
      '        "Sid": "Read",',
      '        "Effect": "Allow",',
      '        "Action": [',
      '-         "s3:GetObject"',
      '+         "s3:GetObject",',
      '+         "s3:PutObject"',
      "        ],",
      '        "Resource": "arn:aws:s3:::logs/*"',
      "      }",
      "  …",
    ]);
  });
});

describe("a grant matched across an address change", () => {
  test("is one changed grant that names the address it had, in both formats", () => {
    const { base, head } = UPGRADE_CASES.find((u) => u.rule === "grants.readdressed")!;
    const report = buildReport({ ...reportInput, changes: classify(diffStacks(base, head), reviewContext(base, head)) });
    expect(report.changes.map((c) => [c.action, c.address, c.movedFrom])).toEqual([
      [
        "changed",
        "snowflake_grant_privileges_to_account_role.Analyst_AllTables_2222BBBB",
        "snowflake_grant_privileges_to_account_role.AnalystAllTables_1111AAAA",
      ],
    ]);
    expect(JSON.parse(toJson(report)).changes[0].movedFrom).toBe("snowflake_grant_privileges_to_account_role.AnalystAllTables_1111AAAA");
    expect(toMarkdown(report)).toContain(
      "`snowflake_grant_privileges_to_account_role.Analyst_AllTables_2222BBBB` (was `snowflake_grant_privileges_to_account_role.AnalystAllTables_1111AAAA`)",
    );
  });
});

describe("Markdown size", () => {
  /** `n` changed tasks, each with a 40-line SQL change and a cleaner retention cut (high). */
  function large(n: number): ReviewReport {
    const sql = (days: number, salt: number) =>
      [
        `DELETE FROM DB.S.T${salt} WHERE PARSE_TIME < DATEADD(day, -${days}, CURRENT_TIMESTAMP())`,
        ...Array.from({ length: 40 }, (_, i) => `-- filler line ${i} of task ${salt} ${"x".repeat(40)}`),
      ].join("\n");
    const set = (days: number) => ({
      s: {
        resource: {
          snowflake_task: Object.fromEntries(
            Array.from({ length: n }, (_, i) => [
              `Cleaner${i}`,
              { name: `T${i}_CLEANER`, sql_statement: sql(days - (i % 2), i), comment: `retention ${days}` },
            ]),
          ),
        },
      },
    });
    return reportOf(diffStacks(set(730), set(200)));
  }

  test("a large change set stays under 60,000 characters: details cut with a note pointing to the JSON and the details file", () => {
    const r = large(400);
    const full = toMarkdown(r, { limit: Infinity });
    expect(full.length).toBeGreaterThan(MARKDOWN_LIMIT);
    expect(full).toContain("<details><summary>Attribute-level changes</summary>");
    const md = toMarkdown(r, { detailsFile: "review-full.md" });
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(md).toContain("✂ **Cut to fit a pull-request comment (60000 characters):**");
    expect(md).toContain("Everything is in the JSON report (`--format json`) and the full Markdown in `review-full.md`.");
    expect(md).not.toContain("Attribute-level changes");
    // The summary and the high findings come first, whatever was cut.
    expect(md).toMatch(/^## Security review: `main` → `HEAD`\n\n\*\*0 critical\*\*, \*\*400 high\*\*/);
    expect(md).toContain("### 🔴 high (400)");
  });

  test("when even the findings do not fit, the list is cut too and says how many were left out", () => {
    const r = large(3000);
    const md = toMarkdown(r);
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(md).toContain("only the first changes are listed");
    const left = /_… (\d+) more high changes not listed here: see the JSON report/.exec(md);
    expect(left).not.toBeNull();
    const listed = (md.match(/^- \*\*changed\*\* /gm) ?? []).length;
    expect(listed).toBeGreaterThan(100);
    expect(listed + Number(left![1])).toBe(3000);
    expect(md).toContain("(or the full Markdown: `--details-file <path>`)");
  });

  test("a small report is not cut", () => {
    const md = toMarkdown(large(3));
    expect(md).not.toContain("✂");
    expect(md).toContain("<details><summary>Attribute-level changes</summary>");
  });
});
