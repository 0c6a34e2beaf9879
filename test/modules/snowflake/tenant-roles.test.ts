import { View } from "@cdktf/provider-snowflake/lib/view";
import { TenantRoles } from "../../../modules/snowflake/tenant-roles";
import { resourcesOf, synthJson, testStack } from "../../support/synth";

describe("TenantRoles (Snowflake)", () => {
  const stack = testStack();
  const roles = new TenantRoles(stack, "Roles", {
    database: "LOGS_PROD",
    schema: "GLOBEX",
    rolePrefix: "ACME_PROD_GLOBEX",
    parentRole: "LAKEHOUSE_DEPLOY",
    monitoringRole: "ACME_PROD_MONITORING",
  });
  const view = new View(stack, "SomeView", { database: "LOGS_PROD", schema: "GLOBEX", name: "V", statement: "SELECT 1 AS X" });
  roles.grantOnExistingAfter(view);
  const json = synthJson(stack);
  type Grant = {
    account_role_name: string;
    privileges: string[];
    on_account?: boolean;
    on_schema?: { schema_name: string };
    on_account_object?: { object_type: string; object_name: string };
    on_schema_object?: {
      object_type?: string;
      object_name?: string;
      all?: { object_type_plural: string; in_schema: string };
      future?: { object_type_plural: string; in_schema: string };
    };
  };
  const grants = resourcesOf(json, "snowflake_grant_privileges_to_account_role") as Grant[];
  const roleOf = (g: { account_role_name: string }) => /Roles_([A-Z]+)_/.exec(g.account_role_name)?.[1] ?? g.account_role_name;
  const describeGrant = (g: Grant) => {
    const o = g.on_schema_object;
    const on = g.on_account
      ? "ACCOUNT"
      : (g.on_schema?.schema_name ??
        (g.on_account_object ? `${g.on_account_object.object_type} ${g.on_account_object.object_name}` : undefined) ??
        (o?.object_name
          ? `${o.object_type} ${o.object_name}`
          : `${o!.all ? "all" : "future"} ${(o!.all ?? o!.future)!.object_type_plural} IN ${(o!.all ?? o!.future)!.in_schema}`));
    return `${roleOf(g)} ${g.privileges.join("+")} ON ${on}`;
  };

  test("three roles, each granted to the deploying role, reader inherited by analyst", () => {
    expect(
      resourcesOf(json, "snowflake_account_role")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["ACME_PROD_GLOBEX_ANALYST", "ACME_PROD_GLOBEX_PIPELINE", "ACME_PROD_GLOBEX_READER"]);
    const hierarchy = resourcesOf(json, "snowflake_grant_account_role").map(
      (g) => `${String(g.role_name).replace(/.*Roles_([A-Z]+)_.*/, "$1")} -> ${String(g.parent_role_name).replace(/.*Roles_([A-Z]+)_.*/, "$1")}`,
    );
    expect(hierarchy.sort()).toEqual(["ANALYST -> LAKEHOUSE_DEPLOY", "PIPELINE -> LAKEHOUSE_DEPLOY", "READER -> ANALYST", "READER -> LAKEHOUSE_DEPLOY"]);
    expect(roles.readerRole).toBe("ACME_PROD_GLOBEX_READER");
    expect(roles.pipelineRole).toBe("ACME_PROD_GLOBEX_PIPELINE");
  });

  test("exactly these grants: reads on the tenant's schema; the pipeline role runs tasks, nothing else (no alert store: tenants raise alerts through their procedure)", () => {
    expect(grants.map(describeGrant).sort()).toEqual([
      // The environment's monitoring role sees the tenant's tasks (SHOW TASKS in the suspended-task monitor).
      'ACME_PROD_MONITORING MONITOR ON all TASKS IN "LOGS_PROD"."GLOBEX"',
      'ACME_PROD_MONITORING MONITOR ON future TASKS IN "LOGS_PROD"."GLOBEX"',
      'ACME_PROD_MONITORING USAGE ON "LOGS_PROD"."GLOBEX"',
      'ANALYST SELECT ON all TABLES IN "LOGS_PROD"."GLOBEX"',
      'ANALYST SELECT ON future TABLES IN "LOGS_PROD"."GLOBEX"',
      "PIPELINE EXECUTE MANAGED TASK+EXECUTE TASK ON ACCOUNT",
      'PIPELINE USAGE ON "LOGS_PROD"."GLOBEX"',
      "PIPELINE USAGE ON DATABASE LOGS_PROD",
      'READER SELECT ON all VIEWS IN "LOGS_PROD"."GLOBEX"',
      'READER SELECT ON future VIEWS IN "LOGS_PROD"."GLOBEX"',
      'READER USAGE ON "LOGS_PROD"."GLOBEX"',
      "READER USAGE ON DATABASE LOGS_PROD",
    ]);
    for (const g of grants) expect(g.privileges.some((p) => p === "OWNERSHIP" || p.startsWith("ALL"))).toBe(false);
  });

  test("FUTURE grants come before the schema's objects (they wait for them); ALL grants after the objects they cover", () => {
    const all = Object.entries(json.resource.snowflake_grant_privileges_to_account_role).filter(([, g]) => (g as Grant).on_schema_object?.all);
    const future = Object.entries(json.resource.snowflake_grant_privileges_to_account_role).filter(([, g]) => (g as Grant).on_schema_object?.future);
    expect(future).toHaveLength(3);
    expect(
      roles.futureGrants.map((d) => `snowflake_grant_privileges_to_account_role.${(d as unknown as { friendlyUniqueId: string }).friendlyUniqueId}`).sort(),
    ).toEqual(future.map(([name]) => `snowflake_grant_privileges_to_account_role.${name}`).sort());
    expect(all).toHaveLength(3);
    for (const [, g] of all) expect((g as { depends_on: string[] }).depends_on).toContain(`snowflake_view.${view.friendlyUniqueId}`);
    for (const [, g] of future) expect((g as { depends_on?: string[] }).depends_on ?? []).not.toContain(`snowflake_view.${view.friendlyUniqueId}`);
  });

  test("what the pipeline role needs before it can own the pipeline: the role, its parent grant and its grants", () => {
    const ready = roles.pipelineRoleReady.map((d) => (d as unknown as { friendlyUniqueId: string }).friendlyUniqueId);
    expect(ready.every((id) => id.includes("PIPELINE") || id.includes("Pipeline"))).toBe(true);
    expect(ready).toHaveLength(1 + 1 + 3);
  });

  test("the roles are granted to SYSADMIN unless a parent role is given", () => {
    const s = testStack();
    new TenantRoles(s, "Roles", { database: "LOGS_PROD", schema: "GLOBEX", rolePrefix: "ACME_PROD_GLOBEX" });
    expect(resourcesOf(synthJson(s), "snowflake_grant_account_role").map((g) => g.parent_role_name)).toContain("SYSADMIN");
  });

  test("rejects a lower-case prefix", () => {
    expect(() => new TenantRoles(testStack(), "R", { database: "LOGS_PROD", schema: "GLOBEX", rolePrefix: "acme" })).toThrow(
      /rolePrefix: must be an upper-case Snowflake identifier/,
    );
  });
});
