import { Warehouse as WarehouseResource } from "@cdktf/provider-snowflake/lib/warehouse";
import { guardrailViolations } from "../../modules/core/guardrails";
import { Warehouse, WarehouseProps } from "../../modules/snowflake/warehouse";
import { onlyResource, synthJson, synthWithMetadata, testStack } from "../support/synth";

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
    expect(wh).toMatchObject({ name: "ACME_PROD_QUERY_WH", warehouse_size: "XSMALL", auto_suspend: 60, auto_resume: "true", initially_suspended: true, statement_timeout_in_seconds: 3600 });
    expect(String(wh.resource_monitor)).toMatch(/snowflake_resource_monitor\..*\.name/);
    expect(guardrailViolations(synthWithMetadata(stack) as never)).toEqual([]);
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
