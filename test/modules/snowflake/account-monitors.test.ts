import { AccountMonitors, AccountMonitorsProps, cronIntervalOf } from "../../../modules/snowflake/account-monitors";
import { alertStoreNames } from "../../../modules/snowflake/alert-store";
import { ACCOUNT_USAGE_LATENCY_MINUTES } from "../../../modules/snowflake/account-monitors/sql";
import { resourcesOf, synthJson, testStack } from "../../support/synth";

const store = alertStoreNames("LOGS_PROD");
const base: AccountMonitorsProps = { database: "LOGS_PROD", alertStore: store };

describe("AccountMonitors", () => {
  test("five started serverless tasks in MONITORING that never auto-suspend, each body a block without a trailing ';'", () => {
    const stack = testStack();
    new AccountMonitors(stack, "Monitors", base);
    const tasks = resourcesOf(synthJson(stack), "snowflake_task");
    expect(tasks.map((t) => t.name).sort()).toEqual([
      "LOAD_FAILURES_MONITOR",
      "LOG_TABLE_CHANGES_MONITOR",
      "LONG_QUERIES_MONITOR",
      "SUSPENDED_TASKS_MONITOR",
      "TASK_FAILURES_MONITOR",
    ]);
    for (const t of tasks) {
      expect(t).toMatchObject({ schema: "MONITORING", started: true, schedule: { using_cron: "*/15 * * * * UTC" }, suspend_task_after_num_failures: 0 });
      expect(t.warehouse).toBeUndefined();
      expect(String(t.sql_statement)).toMatch(/^BEGIN\n[\s\S]*\nEND$/);
    }
  });

  test("each ACCOUNT_USAGE monitor looks back its view's documented latency plus the margin", () => {
    const m = new AccountMonitors(testStack(), "Monitors", base);
    expect(ACCOUNT_USAGE_LATENCY_MINUTES).toEqual({ ACCESS_HISTORY: 180, COPY_HISTORY: 2880, QUERY_HISTORY: 45, TASK_HISTORY: 45 });
    expect(m.lookbackMinutes).toEqual({ LOAD_FAILURES_MONITOR: 2940, TASK_FAILURES_MONITOR: 105, LONG_QUERIES_MONITOR: 105, LOG_TABLE_CHANGES_MONITOR: 240 });
    expect(m.statements.LOAD_FAILURES_MONITOR[0]).toContain("LAST_LOAD_TIME >= DATEADD(minute, -2940, CURRENT_TIMESTAMP())");
    expect(m.statements.TASK_FAILURES_MONITOR[0]).toContain("COMPLETED_TIME >= DATEADD(minute, -105, CURRENT_TIMESTAMP())");
    expect(m.statements.LOG_TABLE_CHANGES_MONITOR[0]).toContain("ah.QUERY_START_TIME >= DATEADD(minute, -240, CURRENT_TIMESTAMP())");
    const wider = new AccountMonitors(testStack(), "Monitors", { ...base, lookbackMarginMinutes: 120 });
    expect(wider.lookbackMinutes.LOG_TABLE_CHANGES_MONITOR).toBe(300);
  });

  test("every event is recorded once (within its lookback), alerted from MONITOR_EVENTS, then suppressed", () => {
    const m = new AccountMonitors(testStack(), "Monitors", base);
    for (const name of ["LOAD_FAILURES_MONITOR", "TASK_FAILURES_MONITOR", "LONG_QUERIES_MONITOR", "LOG_TABLE_CHANGES_MONITOR"] as const) {
      const [record, alert, suppress] = m.statements[name];
      expect(record).toMatch(/^INSERT INTO LOGS_PROD\.MONITORING\.MONITOR_EVENTS \(KIND, EVENT_KEY/);
      expect(record).toContain(`e.EVENT_KEY = f.EVENT_KEY AND e.SEEN_AT >= DATEADD(minute, -${m.lookbackMinutes[name]}, CURRENT_TIMESTAMP())`);
      expect(alert).toMatch(/^INSERT INTO LOGS_PROD\.MONITORING\.ALERTS \(ALERT_ID,/);
      expect(alert).toContain("(l.LAST_ALERT IS NULL OR e.SEEN_AT > l.LAST_ALERT)");
      expect(suppress).toMatch(/^INSERT INTO LOGS_PROD\.MONITORING\.ALERT_SUPPRESSIONS/);
    }
  });

  test("the tamper monitor reads what Snowflake recorded a statement did, never its text", () => {
    const m = new AccountMonitors(testStack(), "Monitors", base);
    const sql = m.statements.LOG_TABLE_CHANGES_MONITOR[0];
    expect(sql).toContain("FROM SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY ah, LATERAL FLATTEN(INPUT => ah.OBJECTS_MODIFIED) m");
    expect(sql).toContain("ah.OBJECT_MODIFIED_BY_DDL:operationType::VARCHAR");
    expect(sql).toContain("WHERE (c.OBJECT_NAME = 'LOGS_PROD' OR STARTSWITH(c.OBJECT_NAME, 'LOGS_PROD.') OR c.OBJECT_NAME = 'TRUNCATED')");
    expect(sql).not.toMatch(/QUERY_TEXT|LIKE|DATABASE_NAME = /);
    // Nothing expected: no expected-change list at all.
    expect(sql).not.toContain("VALUES");
  });

  test("expected changes: one row per role, table, statement type and task; an exempt role is all wildcards", () => {
    const m = new AccountMonitors(testStack(), "Monitors", {
      ...base,
      exemptRoles: ["LAKEHOUSE_DEPLOYER"],
      expectedChanges: [
        { role: "ACME_PROD_GLOBEX_PIPELINE", tables: ["LOGS_PROD.GLOBEX.OKTA"], queryTypes: ["DELETE"], task: "LOGS_PROD.GLOBEX.OKTA_CLEANER" },
      ],
    });
    const lines = m.statements.LOG_TABLE_CHANGES_MONITOR[0].split("\n").map((l) => l.trim());
    const at = lines.indexOf("LEFT JOIN (VALUES");
    expect(lines.slice(at + 1, at + 3)).toEqual([
      "('LAKEHOUSE_DEPLOYER', '*', '*', '*'),",
      "('ACME_PROD_GLOBEX_PIPELINE', 'LOGS_PROD.GLOBEX.OKTA', 'DELETE', 'LOGS_PROD.GLOBEX.OKTA_CLEANER')) x (ROLE_NAME, OBJECT_NAME, QUERY_TYPE, TASK_NAME)",
    ]);
    expect(m.statements.LOG_TABLE_CHANGES_MONITOR[0]).toContain("AND x.ROLE_NAME IS NULL");
  });

  test("task failures are every state but SUCCEEDED and SKIPPED; load failures every status but Loaded", () => {
    const m = new AccountMonitors(testStack(), "Monitors", base);
    expect(m.statements.TASK_FAILURES_MONITOR[0]).toContain("STATE NOT IN ('SUCCEEDED', 'SKIPPED')");
    expect(m.statements.LOAD_FAILURES_MONITOR[0]).toContain("UPPER(STATUS) <> 'LOADED'");
  });

  test("the suspended-task monitor lists the tasks right before reading them, and leaves out the expected ones", () => {
    const m = new AccountMonitors(testStack(), "Monitors", { ...base, expectedSuspendedTasks: ["LOGS_PROD.GLOBEX.OKTA_CANARY"] });
    expect(m.statements.SUSPENDED_TASKS_MONITOR[0]).toBe("SHOW TASKS IN DATABASE LOGS_PROD");
    expect(m.statements.SUSPENDED_TASKS_MONITOR[1]).toContain(`FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) t\n  WHERE t."state" = 'suspended'`);
    expect(m.statements.SUSPENDED_TASKS_MONITOR[1]).toContain(`NOT IN ('LOGS_PROD.GLOBEX.OKTA_CANARY')`);
  });

  test("the long-query threshold is settable", () => {
    const m = new AccountMonitors(testStack(), "Monitors", { ...base, longQueryMinutes: 30 });
    expect(m.statements.LONG_QUERIES_MONITOR[0]).toContain("TOTAL_ELAPSED_TIME > 1800000 AND END_TIME >= DATEADD(minute, -105, CURRENT_TIMESTAMP())");
  });

  test.each([
    ["*/15 * * * * UTC", 15],
    ["* * * * * UTC", 1],
    ["5 * * * * UTC", 60],
    ["0 */2 * * * UTC", 120],
    ["0 3 * * * UTC", 1440],
    ["0 3 * * MON UTC", undefined],
    ["0,30 * * * * UTC", undefined],
  ])("cron %s runs every %s minutes (undefined: not a simple form)", (cron, minutes) => {
    expect(cronIntervalOf(cron)).toBe(minutes);
  });

  test.each([
    [{ exemptRoles: ["sysadmin"] }, /exemptRoles\[0\]: must be an upper-case role name/],
    [{ expectedChanges: [{ role: "R", queryTypes: ["SELECT"] }] }, /expectedChanges\[0\]\.queryTypes\[0\]/],
    [{ expectedChanges: [{ role: "R", tables: ["OKTA"] }] }, /expectedChanges\[0\]\.tables\[0\]: must be DATABASE\.SCHEMA\.NAME/],
    [{ expectedChanges: [{ role: "R", task: "OKTA_CLEANER" }] }, /expectedChanges\[0\]\.task: must be DATABASE\.SCHEMA\.NAME/],
    [{ expectedSuspendedTasks: ["OKTA_CANARY"] }, /expectedSuspendedTasks\[0\]: must be DATABASE\.SCHEMA\.NAME/],
    [{ lookbackMarginMinutes: 5 }, /lookbackMarginMinutes/],
    [{ lookbackMarginMinutes: 20 }, /lookbackMarginMinutes: must be at least two intervals of schedule '\*\/15 \* \* \* \* UTC' \(30 minutes\)/],
    [{ schedule: "0 * * * * UTC" }, /lookbackMarginMinutes: must be at least two intervals of schedule '0 \* \* \* \* UTC' \(120 minutes\)/],
    [{ longQueryMinutes: 0 }, /longQueryMinutes/],
    [{ alertStore: { alerts: store.alerts, suppressions: store.suppressions } }, /alertStore\.events/],
  ])("rejects %j", (props, message) => {
    expect(() => new AccountMonitors(testStack(), "M", { ...base, ...(props as Partial<AccountMonitorsProps>) })).toThrow(message);
  });
});
