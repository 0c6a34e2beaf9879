import { LakehouseValidationError } from "../../../modules/core/errors";
import { LogCanary, LogCanaryProps } from "../../../modules/snowflake/log-canary";
import { onlyResource, synthJson, testStack } from "../../support/synth";

const procedure = "LOGS_PROD.MONITORING.RAISE_ALERT_GLOBEX";

describe("LogCanary", () => {
  const base: LogCanaryProps = { database: "LOGS_PROD", schema: "GLOBEX", tableName: "OKTA", alertProcedure: procedure };

  test("a started serverless task on its cron that calls its tenant's alert procedure with the reason, or NULL", () => {
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
    expect(task.sql_statement).toBe(
      `BEGIN\n${canary.statements
        .map(
          (s) =>
            `${s
              .split("\n")
              .map((l) => `  ${l}`)
              .join("\n")};`,
        )
        .join("\n")}\nEND`,
    );
    expect(canary.statements).toHaveLength(1);
    expect(canary.statements[0]).toMatch(/^CALL LOGS_PROD\.MONITORING\.RAISE_ALERT_GLOBEX\('LOG_CANARY', 'HIGH', 'LOGS_PROD\.GLOBEX\.OKTA', \(\n/);
    expect(canary.statements[0]).toContain(
      "FROM (SELECT COUNT(*) AS LOADED FROM LOGS_PROD.GLOBEX.OKTA WHERE PARSE_TIME >= DATEADD(minute, -30, CURRENT_TIMESTAMP())) w",
    );
    expect(canary.statements[0]).toMatch(/\n\), 120\)$/);
    // The canary never touches the alert store itself: its owner has no privilege there.
    expect(canary.statements.join("\n")).not.toMatch(/INSERT|ALERTS|ALERT_SUPPRESSIONS/);
    expect(canary.taskName).toBe("LOGS_PROD.GLOBEX.OKTA_CANARY");
  });

  test("windows count by load time (PARSE_TIME), never by event time", () => {
    const canary = new LogCanary(testStack(), "Canary", base);
    expect(canary.statements.join("\n")).not.toContain("EVENT_TIME");
  });

  test("given its pipe, the canary also alerts when the pipe is not RUNNING", () => {
    const canary = new LogCanary(testStack(), "Canary", { ...base, pipeName: "LOGS_PROD.GLOBEX.OKTA_PIPE" });
    expect(canary.statements).toHaveLength(2);
    expect(canary.statements[1]).toMatch(/^CALL LOGS_PROD\.MONITORING\.RAISE_ALERT_GLOBEX\('PIPE_NOT_RUNNING', 'HIGH', 'LOGS_PROD\.GLOBEX\.OKTA_PIPE', \(/);
    expect(canary.statements[1]).toContain("JSON_EXTRACT_PATH_TEXT(SYSTEM$PIPE_STATUS('LOGS_PROD.GLOBEX.OKTA_PIPE'), 'executionState')");
  });

  test("a disabled canary's task exists but is not started", () => {
    const stack = testStack();
    new LogCanary(stack, "Canary", { ...base, enabled: false });
    expect(onlyResource(synthJson(stack), "snowflake_task").started).toBe(false);
  });

  test.each([
    [{ windowMinutes: 1 }, /windowMinutes/],
    [{ schedule: "hourly" }, /schedule: must be five cron fields and a time zone/],
    [{ alertProcedure: "RAISE_ALERT_GLOBEX" }, /alertProcedure: must be DATABASE.SCHEMA.NAME/],
  ] as [Partial<LogCanaryProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new LogCanary(testStack(), "C", { ...base, ...props })).toThrow(LakehouseValidationError);
    expect(() => new LogCanary(testStack(), "C", { ...base, ...props })).toThrow(message);
  });
});
