import { TableCleaner, TableCleanerProps } from "../../../modules/snowflake/table-cleaner";
import { onlyResource, synthJson, testStack } from "../../support/synth";

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
    expect(() => new TableCleaner(testStack(), "C", { ...base, purgeOn: "event_time" } as TableCleanerProps)).toThrow(
      /C.*purgeOn: was removed in 0\.5\.0: a cleaner purges by load time only/s,
    );
    expect(new TableCleaner(testStack(), "C", { ...base, purgeOn: "load_time" } as TableCleanerProps).statement).not.toContain("EVENT_TIME");
  });

  test.each([
    [{ retentionDays: undefined }, /retentionDays: required: a cleaner needs the table's retention/],
    [{ retentionDays: 0 }, /retentionDays/],
  ] as [Partial<TableCleanerProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new TableCleaner(testStack(), "C", { ...base, ...props } as TableCleanerProps)).toThrow(message);
  });
});
