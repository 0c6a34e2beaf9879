import { Execute } from "@cdktf/provider-snowflake/lib/execute";
import { ResourceMonitor } from "@cdktf/provider-snowflake/lib/resource-monitor";
import { Warehouse } from "@cdktf/provider-snowflake/lib/warehouse";
import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";

/** The statements that assign a resource monitor to a warehouse, take it off, and read the assignment back. */
export function monitorAssignmentStatements(warehouse: string, monitor: string): { assign: string; unassign: string; read: string } {
  return {
    assign: `ALTER WAREHOUSE ${warehouse} SET RESOURCE_MONITOR = ${monitor}`,
    unassign: `ALTER WAREHOUSE ${warehouse} UNSET RESOURCE_MONITOR`,
    // SHOW WAREHOUSES reports the assigned monitor (column resource_monitor): a reassignment shows in the next refresh.
    read: `SHOW WAREHOUSES LIKE '${warehouse}'`,
  };
}

/**
 * A warehouse's resource monitor and the monitor's assignment to it — what only account
 * administrators may do: CREATE RESOURCE MONITOR "can only be executed by account administrators"
 * (Snowflake, CREATE RESOURCE MONITOR), and "assigning resource monitors to warehouses requires
 * ACCOUNTADMIN role" (provider docs, resources/warehouse.md at v2.11.0; provider issue #3019). Both
 * are bound to `administrator` — a provider working as ACCOUNTADMIN, used for these alone — while
 * the warehouse stays with the deploying role, which ignores the assignment it cannot make itself.
 * Without `administrator`, both use the stack's own provider (which must then be an account
 * administrator for them to apply). The assignment's revert takes the monitor off again.
 */
export function warehouseResourceMonitor(
  scope: Construct,
  p: {
    readonly warehouse: Warehouse;
    readonly warehouseName: string;
    readonly monitorName: string;
    readonly creditQuota: number;
    readonly notifyTriggers: readonly number[];
    readonly suspendTrigger: number;
    readonly suspendImmediateTrigger: number;
    readonly administrator?: TerraformProvider;
  },
): { monitor: ResourceMonitor; assignment: Execute } {
  const monitor = new ResourceMonitor(scope, "Monitor", {
    provider: p.administrator,
    name: p.monitorName,
    creditQuota: p.creditQuota,
    notifyTriggers: [...p.notifyTriggers],
    suspendTrigger: p.suspendTrigger,
    suspendImmediateTrigger: p.suspendImmediateTrigger,
  });
  // The deploying role would otherwise try to unset what the administrator assigned (and may not).
  p.warehouse.lifecycle = { ...p.warehouse.lifecycle, ignoreChanges: ["resource_monitor"] };
  const sql = monitorAssignmentStatements(p.warehouseName, p.monitorName);
  const address = (r: Warehouse | ResourceMonitor) => `${r.terraformResourceType}.${r.friendlyUniqueId}.id`;
  const assignment = new Execute(scope, "MonitorAssignment", {
    provider: p.administrator,
    execute: sql.assign,
    revert: sql.unassign,
    query: sql.read,
    dependsOn: [p.warehouse, monitor],
    // A recreated warehouse or monitor is assigned again.
    lifecycle: { replaceTriggeredBy: [address(p.warehouse), address(monitor)] },
  });
  return { monitor, assignment };
}
