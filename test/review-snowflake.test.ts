import { Construct } from "constructs";
import { AccountMonitors, AccountMonitorsProps } from "../modules/snowflake/account-monitors";
import { alertStoreNames } from "../modules/snowflake/alert-store";
import { LogCanary, LogCanaryProps } from "../modules/snowflake/log-canary";
import { SemiStructuredTable, SemiStructuredTableProps } from "../modules/snowflake/semi-structured-table";
import { TableCleaner, TableCleanerProps } from "../modules/snowflake/table-cleaner";
import { ClassifiedChange, classify } from "../review/classify";
import { reviewContext } from "../review/context";
import { diffStacks } from "../review/diff";
import { cronIntervalMinutes, exemptionChanges, exemptionsAdded, purgeOf, scheduleIntervalMinutes } from "../review/snowflake";
import { literal } from "../modules/snowflake/sql";
import { StackSet } from "../review/synth-ref";
import { synthWithMetadata, testStack } from "./support/synth";

/** The real output of a module, built by `make` in a fresh stack, as a one-stack set. */
function synthOf(make: (scope: Construct) => void): StackSet {
  const stack = testStack();
  make(stack);
  return { "tenant-globex-prod": synthWithMetadata(stack) as unknown as StackSet[string] };
}

/** The classified changes between two builds of the same module, one per resource. */
function reviewOf(before: (scope: Construct) => void, after: (scope: Construct) => void): ClassifiedChange[] {
  return classify(diffStacks(synthOf(before), synthOf(after)));
}

const findingsOf = (changes: ClassifiedChange[]) => changes.flatMap((c) => c.findings.map((f) => ({ ...f, severity: f.severity })));
const store = alertStoreNames("LOGS_PROD");

describe("table cleaner retention (snowflake_task sql_statement)", () => {
  const cleaner = (props: Partial<TableCleanerProps>) => (scope: Construct) =>
    new TableCleaner(scope, "Cleaner", { database: "LOGS_PROD", schema: "GLOBEX", tableName: "OKTA", retentionDays: 730, ...props });

  test("GIVEN the TableCleaner module WHEN retentionDays 730 → 200 THEN high retention.cleaner-reduced naming both day counts (like an S3 expiry cut)", () => {
    const [c] = reviewOf(cleaner({ retentionDays: 730 }), cleaner({ retentionDays: 200 }));
    expect(c).toMatchObject({ type: "snowflake_task", action: "changed", severity: "high" });
    // The task's comment states the retention too: a low finding beside the high one.
    expect(c.findings.map((f) => [f.severity, f.rule, f.path])).toEqual([
      ["high", "retention.cleaner-reduced", "sql_statement"],
      ["low", "meta.comment", "comment"],
    ]);
    expect(c.findings[0].message).toBe("table cleaner retention reduced: rows of LOGS_PROD.GLOBEX.OKTA deleted sooner (730 → 200 days)");
  });

  test("a longer retention is low; purging by load time instead of event time (the 0.4.0 → 0.5.0 upgrade) is high", () => {
    expect(reviewOf(cleaner({ retentionDays: 200 }), cleaner({ retentionDays: 730 }))[0].findings.map((f) => [f.severity, f.rule])).toEqual([
      ["low", "retention.cleaner-extended"],
      ["low", "meta.comment"],
    ]);
    // The 0.4.0 module's default purge (by event time), as its task held it, against this module's.
    const upgraded = synthOf(cleaner({}));
    const task = Object.values(
      (upgraded["tenant-globex-prod"] as unknown as { resource: { snowflake_task: Record<string, { sql_statement: string }> } }).resource.snowflake_task,
    )[0];
    const before = JSON.parse(JSON.stringify(upgraded)) as StackSet;
    Object.values(
      (before["tenant-globex-prod"] as unknown as { resource: { snowflake_task: Record<string, { sql_statement: string }> } }).resource.snowflake_task,
    )[0].sql_statement = "DELETE FROM LOGS_PROD.GLOBEX.OKTA WHERE COALESCE(EVENT_TIME, PARSE_TIME) < DATEADD(day, -730, CURRENT_TIMESTAMP())";
    expect(task.sql_statement).toBe("DELETE FROM LOGS_PROD.GLOBEX.OKTA WHERE PARSE_TIME < DATEADD(day, -730, CURRENT_TIMESTAMP())");
    const [c] = classify(diffStacks(before, upgraded));
    expect(c.severity).toBe("high");
    expect(c.findings.map((f) => f.rule)).toEqual(["retention.purge-column-changed"]);
    expect(c.findings[0].message).toContain("(COALESCE(EVENT_TIME, PARSE_TIME) → PARSE_TIME)");
  });

  test("a cleaner scheduled weekly instead of daily is a medium schedule-slowed finding with before and after", () => {
    const [c] = reviewOf(cleaner({ schedule: "0 3 * * * UTC" }), cleaner({ schedule: "0 3 * * 0 UTC" }));
    expect(c.findings.map((f) => [f.severity, f.rule])).toEqual([["medium", "ops.schedule-slowed"]]);
    expect(c.findings[0].message).toBe(
      'schedule slowed: every 24 h → every 7 days (schedule: {"using_cron":"0 3 * * * UTC"} → {"using_cron":"0 3 * * 0 UTC"})',
    );
  });

  test("purgeOf reads the module's statement and other day units; other SQL is not a purge", () => {
    const task = new TableCleaner(testStack(), "C", { database: "D", schema: "S", tableName: "T", retentionDays: 90 });
    expect(purgeOf(task.statement)).toEqual({ table: "D.S.T", column: "PARSE_TIME", retentionDays: 90 });
    expect(purgeOf("DELETE FROM A.B.C WHERE EVENT_TIME < DATEADD(year, -2, CURRENT_TIMESTAMP())")?.retentionDays).toBe(730);
    expect(purgeOf("SELECT 1")).toBeUndefined();
  });
});

describe("canaries, tasks and schedules", () => {
  const canary = (props: Partial<LogCanaryProps>) => (scope: Construct) =>
    new LogCanary(scope, "Canary", {
      database: "LOGS_PROD",
      schema: "GLOBEX",
      tableName: "OKTA",
      alertProcedure: "LOGS_PROD.MONITORING.RAISE_ALERT_GLOBEX",
      ...props,
    });

  test("a canary switched off (started true → false) is high monitoring.canary-disabled", () => {
    const [c] = reviewOf(canary({ enabled: true }), canary({ enabled: false }));
    expect(c.severity).toBe("high");
    expect(c.findings.map((f) => [f.rule, f.path])).toEqual([["monitoring.canary-disabled", "started"]]);
    expect(c.findings[0].message).toContain("(started: true → false)");
  });

  test("a task other than a canary suspended is high ops.task-suspended; started again is low", () => {
    const task = (started: boolean) => ({
      t: {
        resource: {
          snowflake_task: {
            Cleaner: { name: "OKTA_CLEANER", started, sql_statement: "DELETE FROM A.B.C WHERE PARSE_TIME < DATEADD(day, -1, CURRENT_TIMESTAMP())" },
          },
        },
      },
    });
    expect(classify(diffStacks(task(true), task(false)))[0].findings.map((f) => [f.severity, f.rule])).toEqual([["high", "ops.task-suspended"]]);
    expect(classify(diffStacks(task(false), task(true)))[0].findings.map((f) => [f.severity, f.rule])).toEqual([["low", "ops.task-started"]]);
  });

  test("a canary every 30 minutes instead of 5 is medium; every minute instead of 5 is low", () => {
    expect(
      reviewOf(canary({ schedule: "*/5 * * * * UTC" }), canary({ schedule: "*/30 * * * * UTC" }))[0].findings.map((f) => [
        f.severity,
        f.rule,
        f.message.split(" (")[0],
      ]),
    ).toEqual([["medium", "ops.schedule-slowed", "schedule slowed: every 5 min → every 30 min"]]);
    expect(reviewOf(canary({ schedule: "*/5 * * * * UTC" }), canary({ schedule: "* * * * * UTC" }))[0].findings.map((f) => [f.severity, f.rule])).toEqual([
      ["low", "ops.schedule-faster"],
    ]);
  });

  test.each([
    ["*/15 * * * * UTC", 15],
    ["0 * * * * UTC", 60],
    ["0 3 * * * UTC", 1440],
    ["0 3 * * MON-FRI UTC", (1440 * 7) / 5],
    ["0,30 9-17 * * * Europe/Berlin", 1440 / 18],
    ["0 0 1 * * UTC", 1440 * 30.44],
  ])("cron %s runs about every %d minutes", (cron, minutes) => {
    expect(cronIntervalMinutes(cron)).toBeCloseTo(minutes, 5);
  });

  test("minutes, seconds and the old string form are read too; nonsense is not", () => {
    expect(scheduleIntervalMinutes({ minutes: 5 })).toBe(5);
    expect(scheduleIntervalMinutes({ seconds: 30 })).toBe(0.5);
    expect(scheduleIntervalMinutes("USING CRON */10 * * * * UTC")).toBe(10);
    expect(scheduleIntervalMinutes("60 MINUTE")).toBe(60);
    expect(cronIntervalMinutes("every day")).toBeUndefined();
    const t = (schedule: unknown) => ({ s: { resource: { snowflake_task: { T: { name: "X", schedule } } } } });
    expect(classify(diffStacks(t({ minutes: 5 }), t({ minutes: 60 })))[0].findings.map((f) => [f.severity, f.rule])).toEqual([
      ["medium", "ops.schedule-slowed"],
    ]);
    expect(classify(diffStacks(t({ using_cron: "0 3 * * * UTC" }), t({ using_cron: "bogus" })))[0].findings.map((f) => [f.severity, f.rule])).toEqual([
      ["medium", "ops.schedule"],
    ]);
  });
});

describe("account monitors' exemptions (inside the monitor task's SQL)", () => {
  const monitors = (props: Partial<AccountMonitorsProps>) => (scope: Construct) =>
    new AccountMonitors(scope, "Monitors", { database: "LOGS_PROD", alertStore: store, ...props });
  const okta = "LOGS_PROD.GLOBEX.OKTA";
  const cleanerRole = { role: "GLOBEX_PIPELINE", tables: [okta], queryTypes: ["DELETE" as const], task: `${okta}_CLEANER` };

  test("a new exempt role is high monitoring.exemption-added on the tamper monitor only", () => {
    const changes = reviewOf(monitors({ expectedChanges: [cleanerRole] }), monitors({ expectedChanges: [cleanerRole], exemptRoles: ["LAKEHOUSE_DEPLOYER"] }));
    expect(changes.map((c) => c.address)).toEqual([expect.stringMatching(/^snowflake_task\.Monitors_LOG_TABLE_CHANGES_MONITOR_/)]);
    expect(changes[0].severity).toBe("high");
    expect(changes[0].findings.map((f) => [f.rule, f.message])).toEqual([
      ["monitoring.exemption-added", "tamper monitor exempts more: new exempt role LAKEHOUSE_DEPLOYER: every change is no longer alerted on"],
    ]);
  });

  test("a new expected table for a known role, a purge by any statement instead of its task's runs, and a role allowed every DELETE, are each named", () => {
    const other = "LOGS_PROD.GLOBEX.OTHER";
    const [c] = reviewOf(
      monitors({ expectedChanges: [cleanerRole] }),
      monitors({ expectedChanges: [cleanerRole, { ...cleanerRole, tables: [other], task: `${other}_CLEANER` }] }),
    );
    expect(findingsOf([c]).map((f) => f.message)).toEqual([
      `tamper monitor exempts more: GLOBEX_PIPELINE: DELETE to ${other} in runs of ${other}_CLEANER is no longer alerted on`,
    ]);
    const [t] = reviewOf(monitors({ expectedChanges: [cleanerRole] }), monitors({ expectedChanges: [{ ...cleanerRole, task: undefined }] }));
    expect(findingsOf([t]).map((f) => [f.severity, f.message])).toEqual([
      ["high", `tamper monitor exempts more: GLOBEX_PIPELINE: DELETE to ${okta} by any statement is no longer alerted on`],
    ]);
    const [d] = reviewOf(monitors({ expectedChanges: [cleanerRole] }), monitors({ expectedChanges: [{ role: "GLOBEX_PIPELINE", queryTypes: ["DELETE"] }] }));
    expect(findingsOf([d]).map((f) => [f.severity, f.message])).toEqual([
      ["high", "tamper monitor exempts more: GLOBEX_PIPELINE: every DELETE is no longer alerted on"],
    ]);
  });

  test("a cleaner's expected purge moved to its renamed table is medium exemption-changed, not an added exemption; a new retention changes no exemption", () => {
    const renamed = "LOGS_PROD.GLOBEX.OKTA_V2";
    const [c] = reviewOf(
      monitors({ expectedChanges: [cleanerRole] }),
      monitors({ expectedChanges: [{ ...cleanerRole, tables: [renamed], task: `${renamed}_CLEANER` }] }),
    );
    expect(findingsOf([c]).map((f) => [f.severity, f.rule, f.message])).toEqual([
      [
        "medium",
        "monitoring.exemption-changed",
        `tamper monitor expects another statement instead: GLOBEX_PIPELINE: DELETE to ${okta} in runs of ${okta}_CLEANER → DELETE to ${renamed} in runs of ${renamed}_CLEANER`,
      ],
    ]);
  });

  test("the upgrade from statement texts to tables and tasks reads as a changed exemption per cleaner, not as new ones", () => {
    const purge = "DELETE FROM LOGS_PROD.GLOBEX.OKTA WHERE PARSE_TIME < DATEADD(day, -180, CURRENT_TIMESTAMP())";
    const before = `  AND NOT ((ROLE_NAME = 'GLOBEX_PIPELINE' AND QUERY_TYPE IN ('DELETE') AND TRIM(QUERY_TEXT) IN (${literal(purge)})))`;
    const after = new AccountMonitors(testStack(), "M", { database: "LOGS_PROD", alertStore: store, expectedChanges: [cleanerRole] }).statements
      .LOG_TABLE_CHANGES_MONITOR[0];
    expect(exemptionChanges(before, after)).toEqual({
      added: [],
      changed: [`GLOBEX_PIPELINE: DELETE '${purge}' → DELETE to ${okta} in runs of ${okta}_CLEANER`],
    });
  });

  test("a narrower exemption list is no exemption finding", () => {
    const values = (...rows: string[][]) =>
      `LEFT JOIN (VALUES\n    ${rows.map((r) => `(${r.map(literal).join(", ")})`).join(",\n    ")}) x (ROLE_NAME, OBJECT_NAME, QUERY_TYPE, TASK_NAME)`;
    expect(exemptionsAdded(values(["A", "*", "*", "*"], ["B", "*", "*", "*"]), values(["A", "*", "DELETE", "*"]))).toEqual([]);
    expect(exemptionsAdded(values(["A", "*", "*", "*"]), values(["A", "*", "*", "*"], ["O'BRIEN", "*", "*", "*"]))).toEqual([
      "new exempt role O'BRIEN: every change",
    ]);
    expect(exemptionsAdded(values(["A", okta, "DELETE", "*"]), values(["A", okta, "DELETE", `${okta}_CLEANER`]))).toEqual([]);
  });

  test("a task added to the expected-suspended list is high monitoring.suspension-expected", () => {
    const [c] = reviewOf(monitors({}), monitors({ expectedSuspendedTasks: ["LOGS_PROD.GLOBEX.OKTA_CANARY"] }));
    expect(c.address).toMatch(/SUSPENDED_TASKS_MONITOR/);
    expect(findingsOf([c]).map((f) => [f.severity, f.rule, f.message])).toEqual([
      ["high", "monitoring.suspension-expected", "suspended-task monitor no longer alerts on LOGS_PROD.GLOBEX.OKTA_CANARY being suspended"],
    ]);
  });
});

describe("views, Time Travel and grants", () => {
  const table = (props: Partial<SemiStructuredTableProps>) => (scope: Construct) =>
    new SemiStructuredTable(scope, "Table", {
      database: "LOGS_PROD",
      schema: "GLOBEX",
      tableName: "OKTA",
      views: { OKTA_EVENTS: "event_time, data:actor AS actor" },
      ...props,
    });

  test("views turned non-secure are high access.view-not-secure; made secure is not high", () => {
    const [c] = reviewOf(table({ secureViews: true }), table({ secureViews: false }));
    expect(c.type).toBe("snowflake_view");
    expect(c.findings.map((f) => [f.severity, f.rule])).toEqual([["high", "access.view-not-secure"]]);
    expect(reviewOf(table({ secureViews: false }), table({ secureViews: true }))[0].severity).not.toBe("high");
  });

  test("Time Travel reduced is high on a table (module output), a schema and a database", () => {
    const [t] = reviewOf(table({ dataRetentionDays: 30 }), table({ dataRetentionDays: 1 }));
    expect(t.findings.map((f) => [f.severity, f.rule, f.path])).toEqual([["high", "retention.time-travel-reduced", "data_retention_time_in_days"]]);
    for (const type of ["snowflake_schema", "snowflake_database"]) {
      const set = (days: number) => ({ s: { resource: { [type]: { X: { name: "X", data_retention_time_in_days: days } } } } });
      expect(classify(diffStacks(set(14), set(1)))[0].findings.map((f) => [f.severity, f.rule])).toEqual([["high", "retention.time-travel-reduced"]]);
    }
  });

  const grant = (privileges: string[], role = "${snowflake_account_role.Analyst.name}") => ({
    account_role_name: role,
    privileges,
    on_schema_object: { all: { in_schema: '"LOGS_PROD"."GLOBEX"', object_type_plural: "TABLES" } },
  });
  const stack = (resource: Record<string, Record<string, unknown>>) => ({ "tenant-globex-prod": { resource } as StackSet[string] });

  test("privileges added to a grant are high and named; removed ones are low", () => {
    const set = (p: string[]) => stack({ snowflake_grant_privileges_to_account_role: { G: grant(p) } });
    const [c] = classify(diffStacks(set(["SELECT"]), set(["SELECT", "INSERT", "DELETE"])));
    expect(c.findings.map((f) => [f.severity, f.rule, f.message])).toEqual([
      ["high", "grants.privileges-added", '${snowflake_account_role.Analyst.name} gains INSERT, DELETE on all TABLES in "LOGS_PROD"."GLOBEX"'],
    ]);
    const [d] = classify(diffStacks(set(["SELECT", "INSERT"]), set(["SELECT"])));
    expect(d.findings.map((f) => [f.severity, f.rule])).toEqual([["low", "grants.privileges-removed"]]);
  });

  test("a new grant to a role that already existed is high, naming the role; to a role the same change creates, medium", () => {
    const role = { snowflake_account_role: { Analyst: { name: "GLOBEX_ANALYST" } } };
    const [before, after] = [stack(role), stack({ ...role, snowflake_grant_privileges_to_account_role: { G: grant(["SELECT"]) } })];
    // The stack states the role's name: the message gives it, not the cdktf token.
    const existing = classify(diffStacks(before, after), reviewContext(before, after));
    expect(existing.map((c) => [c.severity, c.findings[0].rule, c.findings[0].message])).toEqual([
      [
        "high",
        "grants.added-to-role",
        'existing role GLOBEX_ANALYST gains SELECT on all TABLES in "LOGS_PROD"."GLOBEX" (snowflake_grant_privileges_to_account_role.G)',
      ],
    ]);
    const fresh = classify(diffStacks(stack({}), stack({ ...role, snowflake_grant_privileges_to_account_role: { G: grant(["SELECT"]) } })));
    expect(fresh.find((c) => c.type === "snowflake_grant_privileges_to_account_role")!.findings.map((f) => [f.severity, f.rule])).toEqual([
      ["medium", "grants.added"],
    ]);
    // A literal role name is matched against the roles the change creates, by name.
    const literal = classify(diffStacks(stack({}), stack({ ...role, snowflake_grant_privileges_to_account_role: { G: grant(["SELECT"], "GLOBEX_ANALYST") } })));
    expect(literal.find((c) => c.type === "snowflake_grant_privileges_to_account_role")!.severity).toBe("medium");
  });
});

describe("ownership handovers as resources (snowflake_grant_ownership, pipeline-ownership 0.3.0)", () => {
  const provider = { snowflake: [{ organization_name: "ACMEORG", account_name: "SECLAKE_US", role: "ACME_LAKEHOUSE_DEPLOYER" }] };
  const schema = { snowflake_schema: { S: { database: "LOGS_PROD", name: "GLOBEX" } } };
  const table = (name: string) => ({ [name]: { database: "LOGS_PROD", schema: "GLOBEX", name } });
  const handover = (name: string, role: string) => ({
    account_role_name: role,
    outbound_privileges: "COPY",
    on: { object_type: "TABLE", object_name: `"LOGS_PROD"."GLOBEX"."${name}"` },
  });
  const handoverSql = (name: string, role: string) => ({
    execute: `EXECUTE IMMEDIATE $$\nBEGIN\n  GRANT OWNERSHIP ON TABLE LOGS_PROD.GLOBEX.${name} TO ROLE ${role} COPY CURRENT GRANTS;\nEND;\n$$`,
    revert: "SELECT 1",
  });
  const stack = (resource: Record<string, Record<string, unknown>>) => ({ "tenant-globex-prod": { provider, resource } as unknown as StackSet[string] });
  const review = (before: StackSet, after: StackSet) =>
    classify(diffStacks(before, after), reviewContext(before, after))
      .filter((c) => c.type.startsWith("snowflake_grant"))
      .map((c) => [c.findings[0].severity, c.findings[0].rule]);

  test("a new table handed to the role base's handovers already name is low; to any other role, medium", () => {
    const before = stack({ ...schema, snowflake_table: table("OKTA"), snowflake_grant_ownership: { OKTA: handover("OKTA", "GLOBEX_PIPELINE") } });
    const add = (role: string) =>
      stack({
        ...schema,
        snowflake_table: { ...table("OKTA"), ...table("WAF") },
        snowflake_grant_ownership: { OKTA: handover("OKTA", "GLOBEX_PIPELINE"), WAF: handover("WAF", role) },
      });
    expect(review(before, add("GLOBEX_PIPELINE"))).toEqual([["low", "grants.to-pipeline-owner"]]);
    expect(review(before, add("SOMEONE_ELSE"))).toEqual([["medium", "grants.added"]]);
  });

  test("upgrading from the SQL handover: the same owner is low, another owner is ownership moved (high)", () => {
    const before = stack({ ...schema, snowflake_table: table("OKTA"), snowflake_execute: { Handover: handoverSql("OKTA", "GLOBEX_PIPELINE") } });
    const after = (role: string) => stack({ ...schema, snowflake_table: table("OKTA"), snowflake_grant_ownership: { OKTA: handover("OKTA", role) } });
    expect(review(before, after("GLOBEX_PIPELINE"))).toEqual([["low", "grants.ownership-kept"]]);
    expect(review(before, after("SYSADMIN"))).toEqual([["high", "grants.ownership-moved"]]);
  });

  test("the deploying role keeping OPERATE on a pipe this change creates is low; on an existing one it is high", () => {
    const operate = (pipe: string) => ({
      account_role_name: "ACME_LAKEHOUSE_DEPLOYER",
      privileges: ["MONITOR", "OPERATE"],
      on_schema_object: { object_type: "PIPE", object_name: `"LOGS_PROD"."GLOBEX"."${pipe}"` },
    });
    const pipe = (name: string) => ({ [name]: { database: "LOGS_PROD", schema: "GLOBEX", name } });
    const before = stack({ ...schema, snowflake_pipe: pipe("OKTA_PIPE") });
    expect(
      review(
        before,
        stack({
          ...schema,
          snowflake_pipe: { ...pipe("OKTA_PIPE"), ...pipe("WAF_PIPE") },
          snowflake_grant_privileges_to_account_role: { G: operate("WAF_PIPE") },
        }),
      ),
    ).toEqual([["low", "grants.to-deploying-role"]]);
    expect(
      review(before, stack({ ...schema, snowflake_pipe: pipe("OKTA_PIPE"), snowflake_grant_privileges_to_account_role: { G: operate("OKTA_PIPE") } })),
    ).toEqual([["high", "grants.added-to-role"]]);
  });
});
