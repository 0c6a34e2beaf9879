import { LakehouseValidationError } from "../../modules/core/errors";
import { AccountMonitors } from "../../modules/snowflake/account-monitors";
import { AlertStore, alertStoreNames } from "../../modules/snowflake/alert-store";
import { LogCanary, LogCanaryProps } from "../../modules/snowflake/log-canary";
import { TableCleaner, TableCleanerProps } from "../../modules/snowflake/table-cleaner";
import { onlyResource, resourcesOf, synthJson, testStack } from "../support/synth";

const store = alertStoreNames("LOGS_PROD");

describe("AlertStore", () => {
  test("a managed-access MONITORING schema with the ALERTS and ALERT_SUPPRESSIONS tables", () => {
    const stack = testStack();
    const s = new AlertStore(stack, "Alerts", { database: "LOGS_PROD" });
    const json = synthJson(stack);
    expect(onlyResource(json, "snowflake_schema")).toMatchObject({ database: "LOGS_PROD", name: "MONITORING", with_managed_access: "true" });
    const tables = resourcesOf(json, "snowflake_table") as { name: string; column: { name: string; type: string }[] }[];
    expect(tables.map((t) => [t.name, t.column.map((c) => c.name)]).sort()).toEqual([
      ["ALERTS", ["ALERT_TIME", "KIND", "SEVERITY", "TENANT", "SUBJECT", "MESSAGE", "DELIVERED_AT"]],
      ["ALERT_SUPPRESSIONS", ["KIND", "SUBJECT", "SUPPRESSED_UNTIL"]],
    ]);
    expect(s.names).toEqual({ alerts: "LOGS_PROD.MONITORING.ALERTS", suppressions: "LOGS_PROD.MONITORING.ALERT_SUPPRESSIONS" });
  });

  test("rejects a bad database name", () => {
    expect(() => new AlertStore(testStack(), "A", { database: "logs" })).toThrow(/database: must be an upper-case Snowflake identifier/);
  });
});

describe("LogCanary", () => {
  const base: LogCanaryProps = { database: "LOGS_PROD", schema: "GLOBEX", tableName: "OKTA", tenant: "globex", alertStore: store };

  test("a started serverless task on its cron that runs the two canary statements as one block", () => {
    const stack = testStack();
    const canary = new LogCanary(stack, "Canary", { ...base, windowMinutes: 30, suppressionMinutes: 120, schedule: "*/5 * * * * UTC" });
    const task = onlyResource(synthJson(stack), "snowflake_task");
    expect(task).toMatchObject({
      name: "OKTA_CANARY",
      schedule: { using_cron: "*/5 * * * * UTC" },
      started: true,
      user_task_managed_initial_warehouse_size: "XSMALL",
      allow_overlapping_execution: "false",
    });
    expect(task.warehouse).toBeUndefined();
    expect(task.sql_statement).toBe(`BEGIN\n${canary.statements.map((s) => `${s.split("\n").map((l) => `  ${l}`).join("\n")};`).join("\n")}\nEND`);
    expect(canary.statements).toHaveLength(2);
    expect(canary.statements[0]).toContain("FROM LOGS_PROD.GLOBEX.OKTA WHERE PARSE_TIME >= DATEADD(minute, -30, CURRENT_TIMESTAMP())");
    expect(canary.statements[0]).toContain("INSERT INTO LOGS_PROD.MONITORING.ALERTS");
    expect(canary.statements[1]).toContain("DATEADD(minute, 120, a.ALERT_TIME)");
    expect(canary.taskName).toBe("LOGS_PROD.GLOBEX.OKTA_CANARY");
  });

  test("windows count by load time (PARSE_TIME), never by event time", () => {
    const canary = new LogCanary(testStack(), "Canary", base);
    expect(canary.statements.join("\n")).not.toContain("EVENT_TIME");
  });

  test("given its pipe, the canary also alerts when the pipe is not RUNNING", () => {
    const canary = new LogCanary(testStack(), "Canary", { ...base, pipeName: "LOGS_PROD.GLOBEX.OKTA_PIPE" });
    expect(canary.statements).toHaveLength(4);
    expect(canary.statements[2]).toContain("JSON_EXTRACT_PATH_TEXT(SYSTEM$PIPE_STATUS('LOGS_PROD.GLOBEX.OKTA_PIPE'), 'executionState')");
    expect(canary.statements[2]).toContain("'PIPE_NOT_RUNNING'");
    expect(canary.statements[3]).toContain("a.SUBJECT = 'LOGS_PROD.GLOBEX.OKTA_PIPE'");
  });

  test("a disabled canary's task exists but is not started", () => {
    const stack = testStack();
    new LogCanary(stack, "Canary", { ...base, enabled: false });
    expect(onlyResource(synthJson(stack), "snowflake_task").started).toBe(false);
  });

  test.each([
    [{ windowMinutes: 1 }, /windowMinutes/],
    [{ schedule: "hourly" }, /schedule: must be five cron fields and a time zone/],
    [{ alertStore: { alerts: "ALERTS", suppressions: store.suppressions } }, /alertStore.alerts: must be DATABASE.SCHEMA.NAME/],
    [{ tenant: "Globex" }, /tenant: must be a tenant id/],
  ] as [Partial<LogCanaryProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new LogCanary(testStack(), "C", { ...base, ...props })).toThrow(LakehouseValidationError);
    expect(() => new LogCanary(testStack(), "C", { ...base, ...props })).toThrow(message);
  });
});

describe("TableCleaner", () => {
  const base: TableCleanerProps = { database: "LOGS_PROD", schema: "GLOBEX", tableName: "OKTA", retentionDays: 365 };

  test("a daily serverless task deleting rows loaded longer ago than the retention, by load time only", () => {
    const stack = testStack();
    const cleaner = new TableCleaner(stack, "Cleaner", base);
    const task = onlyResource(synthJson(stack), "snowflake_task");
    expect(task).toMatchObject({ name: "OKTA_CLEANER", schedule: { using_cron: "0 3 * * * UTC" }, started: true });
    expect(task.sql_statement).toBe("DELETE FROM LOGS_PROD.GLOBEX.OKTA WHERE PARSE_TIME < DATEADD(day, -365, CURRENT_TIMESTAMP())");
    expect(task.comment).toMatch(/^Deletes rows of LOGS_PROD\.GLOBEX\.OKTA loaded more than 365 days ago/);
    expect(cleaner.statement).toBe(task.sql_statement);
  });

  test("there is no way to purge by event time: an event's own timestamp (1970, 2099) never decides its stay", () => {
    // The prop is gone; a caller (JavaScript, or a cast) still asking for event time is refused, not ignored.
    expect(() => new TableCleaner(testStack(), "C", { ...base, purgeOn: "event_time" } as TableCleanerProps)).toThrow(/C.*purgeOn: was removed in 0\.5\.0: a cleaner purges by load time only/s);
    expect(new TableCleaner(testStack(), "C", { ...base, purgeOn: "load_time" } as TableCleanerProps).statement).not.toContain("EVENT_TIME");
  });

  test.each([
    [{ retentionDays: undefined }, /retentionDays: required: a cleaner needs the table's retention/],
    [{ retentionDays: 0 }, /retentionDays/],
  ] as [Partial<TableCleanerProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new TableCleaner(testStack(), "C", { ...base, ...props } as TableCleanerProps)).toThrow(message);
  });
});

describe("AccountMonitors", () => {
  test("five started serverless tasks in MONITORING, each writing its kind to the alert store", () => {
    const stack = testStack();
    const m = new AccountMonitors(stack, "Monitors", { database: "LOGS_PROD", alertStore: store, exemptRoles: ["LAKEHOUSE_DEPLOYER"] });
    const tasks = resourcesOf(synthJson(stack), "snowflake_task");
    expect(tasks.map((t) => t.name).sort()).toEqual(["LOAD_FAILURES_MONITOR", "LOG_TABLE_CHANGES_MONITOR", "LONG_QUERIES_MONITOR", "SUSPENDED_TASKS_MONITOR", "TASK_FAILURES_MONITOR"]);
    for (const t of tasks) {
      expect(t).toMatchObject({ schema: "MONITORING", started: true, schedule: { using_cron: "*/15 * * * * UTC" }, suspend_task_after_num_failures: 0 });
      expect(t.warehouse).toBeUndefined();
      expect(String(t.sql_statement)).toMatch(/^BEGIN\n( {2}SHOW TASKS IN DATABASE LOGS_PROD;\n)? {2}INSERT INTO LOGS_PROD\.MONITORING\.ALERTS/);
    }
    expect(m.statements.LOAD_FAILURES_MONITOR[0]).toContain("SNOWFLAKE.ACCOUNT_USAGE.COPY_HISTORY");
    expect(m.statements.LOAD_FAILURES_MONITOR[0]).toContain("'LOAD_FAILURE'");
    expect(m.statements.LONG_QUERIES_MONITOR[0]).toContain("TOTAL_ELAPSED_TIME > 3600000");
    expect(m.statements.LOG_TABLE_CHANGES_MONITOR[0]).toContain("AND NOT ((ROLE_NAME = 'LAKEHOUSE_DEPLOYER'))");
    expect(m.statements.LOG_TABLE_CHANGES_MONITOR[0]).toMatch(/QUERY_TYPE IN \('ALTER_TABLE', .*'DROP', 'TRUNCATE_TABLE', 'DELETE'/);
    // The INSERT reads SHOW TASKS's result, so it must come right after it.
    expect(m.statements.SUSPENDED_TASKS_MONITOR[0]).toBe("SHOW TASKS IN DATABASE LOGS_PROD");
    expect(m.statements.SUSPENDED_TASKS_MONITOR[1]).toContain(`FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) t\n  WHERE t."state" = 'suspended') f`);
  });

  test("expected changes narrow by role, statement type and exact statement; expected-suspended tasks are left out", () => {
    const m = new AccountMonitors(testStack(), "Monitors", {
      database: "LOGS_PROD",
      alertStore: store,
      expectedChanges: [{ role: "ACME_PROD_GLOBEX_PIPELINE", queryTypes: ["DELETE"], statements: ["DELETE FROM LOGS_PROD.GLOBEX.OKTA WHERE PARSE_TIME < DATEADD(day, -30, CURRENT_TIMESTAMP())"] }],
      expectedSuspendedTasks: ["LOGS_PROD.GLOBEX.OKTA_CANARY"],
    });
    expect(m.statements.LOG_TABLE_CHANGES_MONITOR[0]).toContain(
      "AND NOT ((ROLE_NAME = 'ACME_PROD_GLOBEX_PIPELINE' AND QUERY_TYPE IN ('DELETE') AND TRIM(QUERY_TEXT) IN ('DELETE FROM LOGS_PROD.GLOBEX.OKTA WHERE PARSE_TIME < DATEADD(day, -30, CURRENT_TIMESTAMP())')))",
    );
    expect(m.statements.SUSPENDED_TASKS_MONITOR[1]).toContain(`NOT IN ('LOGS_PROD.GLOBEX.OKTA_CANARY')`);
  });

  test("the long-query threshold and lookback are settable", () => {
    const m = new AccountMonitors(testStack(), "Monitors", { database: "LOGS_PROD", alertStore: store, longQueryMinutes: 30, lookbackMinutes: 60 });
    expect(m.statements.LONG_QUERIES_MONITOR[0]).toContain("TOTAL_ELAPSED_TIME > 1800000 AND END_TIME >= DATEADD(minute, -60, CURRENT_TIMESTAMP())");
  });

  test.each([
    [{ exemptRoles: ["sysadmin"] }, /exemptRoles\[0\]: must be an upper-case role name/],
    [{ expectedChanges: [{ role: "R", queryTypes: ["SELECT"] }] }, /expectedChanges\[0\]\.queryTypes\[0\]/],
    [{ expectedChanges: [{ role: "R", statements: [" DELETE FROM T"] }] }, /expectedChanges\[0\]\.statements\[0\]: must have no leading or trailing whitespace/],
    [{ expectedSuspendedTasks: ["OKTA_CANARY"] }, /expectedSuspendedTasks\[0\]: must be DATABASE\.SCHEMA\.NAME/],
    [{ lookbackMinutes: 5 }, /lookbackMinutes/],
    [{ longQueryMinutes: 0 }, /longQueryMinutes/],
  ])("rejects %j", (props, message) => {
    expect(() => new AccountMonitors(testStack(), "M", { database: "LOGS_PROD", alertStore: store, ...props })).toThrow(message);
  });
});
