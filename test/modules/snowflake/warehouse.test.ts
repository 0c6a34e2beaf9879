import { SnowflakeProvider } from "@cdktf/provider-snowflake/lib/provider";
import { Warehouse as WarehouseResource } from "@cdktf/provider-snowflake/lib/warehouse";
import { guardrailViolations } from "../../../modules/core/guardrails";
import { Warehouse, WarehouseProps } from "../../../modules/snowflake/warehouse";
import { onlyResource, synthJson, synthWithMetadata, testStack } from "../../support/synth";

const base: WarehouseProps = { name: "ACME_PROD_QUERY_WH", purpose: "queries", monthlyCreditQuota: 100 };

describe("Warehouse", () => {
  test("auto-suspending, initially suspended, with its own resource monitor that notifies, then suspends", () => {
    const stack = testStack();
    new Warehouse(stack, "Wh", base);
    const json = synthJson(stack);
    expect(onlyResource(json, "snowflake_resource_monitor")).toMatchObject({
      name: "ACME_PROD_QUERY_WH_MONITOR",
      credit_quota: 100,
      notify_triggers: [75, 90],
      suspend_trigger: 100,
      suspend_immediate_trigger: 110,
    });
    const wh = onlyResource(json, "snowflake_warehouse");
    expect(wh).toMatchObject({
      name: "ACME_PROD_QUERY_WH",
      warehouse_size: "XSMALL",
      auto_suspend: 60,
      auto_resume: "true",
      initially_suspended: true,
      statement_timeout_in_seconds: 3600,
    });
    // Assigned by a statement (only an account administrator may), which the warehouse leaves alone.
    expect(wh.resource_monitor).toBeUndefined();
    expect(wh.lifecycle).toEqual({ ignore_changes: ["resource_monitor"] });
    const assignment = onlyResource(json, "snowflake_execute");
    expect(assignment).toMatchObject({
      execute: "ALTER WAREHOUSE ACME_PROD_QUERY_WH SET RESOURCE_MONITOR = ACME_PROD_QUERY_WH_MONITOR",
      revert: "ALTER WAREHOUSE ACME_PROD_QUERY_WH UNSET RESOURCE_MONITOR",
      query: "SHOW WAREHOUSES LIKE 'ACME_PROD_QUERY_WH'",
    });
    // After the warehouse and the monitor, and again whenever either is recreated.
    expect((assignment.lifecycle as { replace_triggered_by: string[] }).replace_triggered_by).toEqual([
      expect.stringMatching(/^snowflake_warehouse\.Wh_[0-9A-F]+\.id$/),
      expect.stringMatching(/^snowflake_resource_monitor\.Wh_Monitor_[0-9A-F]+\.id$/),
    ]);
    expect(guardrailViolations(synthWithMetadata(stack) as never)).toEqual([]);
  });

  test("an administrator provider makes the monitor and its assignment, the stack's provider the warehouse", () => {
    const stack = testStack();
    const admin = new SnowflakeProvider(stack, "admin", { alias: "account_admin", organizationName: "ORG", accountName: "ACCT", role: "ACCOUNTADMIN" });
    new Warehouse(stack, "Wh", { ...base, administrator: admin });
    const json = synthJson(stack);
    expect(onlyResource(json, "snowflake_resource_monitor").provider).toBe("snowflake.account_admin");
    expect(onlyResource(json, "snowflake_execute").provider).toBe("snowflake.account_admin");
    expect(onlyResource(json, "snowflake_warehouse").provider).toBeUndefined();
  });

  test("WAREHOUSE_HAS_RESOURCE_MONITOR fires on a warehouse without one", () => {
    const stack = testStack();
    new WarehouseResource(stack, "Bare", { name: "BARE_WH" });
    expect(guardrailViolations(synthWithMetadata(stack) as never).map((v) => v.rule)).toEqual(["WAREHOUSE_HAS_RESOURCE_MONITOR"]);
  });

  test.each([
    [{ monthlyCreditQuota: undefined }, /monthlyCreditQuota: required: a warehouse without a credit quota has no cost guard/],
    [{ autoSuspendSeconds: 0 }, /autoSuspendSeconds: must be at least 60/],
    [{ notifyAtPercent: [80, 100] }, /notifyAtPercent\[1\]: must be below suspendAtPercent \(100\)/],
    [{ suspendImmediatelyAtPercent: 90 }, /suspendImmediatelyAtPercent: must not be below suspendAtPercent/],
  ] as [Partial<WarehouseProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new Warehouse(testStack(), "W", { ...base, ...props } as WarehouseProps)).toThrow(message);
  });
});
