import { SnowflakeProvider } from "@cdktf/provider-snowflake/lib/provider";
import { Table } from "@cdktf/provider-snowflake/lib/table";
import { guardrailViolations } from "../../../modules/core/guardrails";
import { BACKFILL_PROGRESS_COLUMNS, BackfillTenantAccess, BackfillWarehouse, BackfillWarehouseProps } from "../../../modules/snowflake/backfill-warehouse";
import { onlyResource, resourcesOf, stampOf, synthJson, synthWithMetadata, testStack } from "../../support/synth";

const base: BackfillWarehouseProps = {
  database: "ACME_LOGS_PROD",
  warehouseName: "ACME_PROD_BACKFILL_WH",
  roleName: "ACME_PROD_BACKFILL",
  parentRole: "LAKEHOUSE_DEPLOY",
  monthlyCreditQuota: 20,
};

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

/** `<privileges> ON <what>`, one line per grant, to compare whole grant sets. */
function describeGrant(g: Grant): string {
  const o = g.on_schema_object;
  const on = g.on_account
    ? "ACCOUNT"
    : (g.on_schema?.schema_name ??
      (g.on_account_object ? `${g.on_account_object.object_type} ${g.on_account_object.object_name}` : undefined) ??
      (o?.object_name
        ? `${o.object_type} ${o.object_name}`
        : `${o!.all ? "all" : "future"} ${(o!.all ?? o!.future)!.object_type_plural} IN ${(o!.all ?? o!.future)!.in_schema}`));
  return `${g.privileges.join("+")} ON ${on}`;
}

describe("BackfillWarehouse", () => {
  const stack = testStack();
  const backfill = new BackfillWarehouse(stack, "Backfill", base);
  const json = synthJson(stack);

  test("GIVEN the defaults THEN an XSMALL warehouse that starts suspended, suspends after 60 s idle and answers to its own resource monitor, which suspends it at the quota", () => {
    expect(onlyResource(json, "snowflake_resource_monitor")).toMatchObject({
      name: "ACME_PROD_BACKFILL_WH_MONITOR",
      credit_quota: 20,
      notify_triggers: [75, 90],
      suspend_trigger: 100,
      suspend_immediate_trigger: 110,
    });
    const wh = onlyResource(json, "snowflake_warehouse");
    expect(wh).toMatchObject({
      name: "ACME_PROD_BACKFILL_WH",
      warehouse_size: "XSMALL",
      auto_suspend: 60,
      auto_resume: "true",
      initially_suspended: true,
      statement_timeout_in_seconds: 7200,
    });
    // Only an account administrator may assign a monitor: a statement does, and the warehouse ignores it.
    expect(wh.resource_monitor).toBeUndefined();
    expect(wh.lifecycle).toEqual({ ignore_changes: ["resource_monitor"] });
    expect(onlyResource(json, "snowflake_execute")).toMatchObject({
      execute: "ALTER WAREHOUSE ACME_PROD_BACKFILL_WH SET RESOURCE_MONITOR = ACME_PROD_BACKFILL_WH_MONITOR",
      revert: "ALTER WAREHOUSE ACME_PROD_BACKFILL_WH UNSET RESOURCE_MONITOR",
      query: "SHOW WAREHOUSES LIKE 'ACME_PROD_BACKFILL_WH'",
    });
    expect(backfill.monitorName).toBe("ACME_PROD_BACKFILL_WH_MONITOR");
  });

  test("THEN the role is granted to the deploying role and holds exactly: USAGE on its warehouse, the database and the progress schema; INSERT + SELECT on the progress table", () => {
    expect(onlyResource(json, "snowflake_account_role").name).toBe("ACME_PROD_BACKFILL");
    const parent = onlyResource(json, "snowflake_grant_account_role");
    expect(parent.parent_role_name).toBe("LAKEHOUSE_DEPLOY");
    expect(String(parent.role_name)).toMatch(/snowflake_account_role\.Backfill_Role_.*\.name/);
    const grants = resourcesOf(json, "snowflake_grant_privileges_to_account_role") as Grant[];
    expect(grants.map(describeGrant).sort()).toEqual([
      'INSERT+SELECT ON TABLE "ACME_LOGS_PROD"."BACKFILL"."PROGRESS"',
      'USAGE ON "ACME_LOGS_PROD"."BACKFILL"',
      "USAGE ON DATABASE ACME_LOGS_PROD",
      "USAGE ON WAREHOUSE ACME_PROD_BACKFILL_WH",
    ]);
    for (const g of grants) expect(String(g.account_role_name)).toMatch(/snowflake_account_role\.Backfill_Role_.*\.name/);
  });

  test("THEN the progress table is append-only bookkeeping in a managed-access schema, with the columns the CLI writes", () => {
    expect(onlyResource(json, "snowflake_schema")).toMatchObject({
      database: "ACME_LOGS_PROD",
      name: "BACKFILL",
      with_managed_access: "true",
      data_retention_time_in_days: 7,
    });
    const table = onlyResource(json, "snowflake_table") as { name: string; column: { name: string; type: string; nullable: boolean }[] };
    expect(table.name).toBe("PROGRESS");
    expect(table.column.map((c) => c.name)).toEqual([
      "RUN_ID",
      "TENANT",
      "SOURCE",
      "TARGET_TABLE",
      "RANGE_FROM",
      "RANGE_TO",
      "BATCH",
      "STATUS",
      "FILES",
      "FILE_COUNT",
      "BYTES",
      "ROWS_LOADED",
      "ERRORS",
      "QUERY_TAG",
      "MESSAGE",
      "RECORDED_AT",
    ]);
    expect(table.column.map((c) => c.name)).toEqual(BACKFILL_PROGRESS_COLUMNS.map((c) => c.name));
    // Snowflake does not parse a bare TIMESTAMP in the provider (REFERENCE.md): every time column says which.
    expect(table.column.filter((c) => /TIMESTAMP/.test(c.type)).map((c) => c.type)).toEqual(["TIMESTAMP_TZ(9)", "TIMESTAMP_TZ(9)", "TIMESTAMP_LTZ(9)"]);
    expect(backfill.progressTable).toBe("ACME_LOGS_PROD.BACKFILL.PROGRESS");
    // A rerun resumes from the progress table: no plan may drop it or its schema.
    expect(onlyResource(json, "snowflake_schema").lifecycle).toEqual({ prevent_destroy: true });
    expect(onlyResource(json, "snowflake_table").lifecycle).toEqual({ prevent_destroy: true });
  });

  test("GIVEN an administrator provider THEN only the resource monitor and its assignment are bound to it", () => {
    const s = testStack();
    const admin = new SnowflakeProvider(s, "admin", { alias: "account_admin", organizationName: "ORG", accountName: "ACCT", role: "ACCOUNTADMIN" });
    new BackfillWarehouse(s, "B", { ...base, administrator: admin });
    const j = synthJson(s);
    const bound = Object.entries(j.resource).flatMap(([type, byName]) =>
      Object.values(byName)
        .filter((r) => r.provider === "snowflake.account_admin")
        .map(() => type),
    );
    expect(bound.sort()).toEqual(["snowflake_execute", "snowflake_resource_monitor"]);
  });

  test("THEN every resource is stamped with the module and its version, and no guardrail fires", () => {
    const full = synthWithMetadata(stack);
    const all = Object.values(full.resource).flatMap((byName) => Object.values(byName));
    expect(all.length).toBe(11);
    for (const r of all) expect(stampOf(r)).toBe("snowflake/backfill-warehouse@0.2.0");
    for (const type of ["snowflake_warehouse", "snowflake_schema", "snowflake_table", "snowflake_account_role"]) {
      expect(String(resourcesOf(full, type)[0].comment)).toMatch(/\[snowflake\/backfill-warehouse@0\.2\.0\]$/);
    }
    expect(guardrailViolations(full as never)).toEqual([]);
  });

  test("GIVEN a size, an idle time and notify points THEN they are used", () => {
    const s = testStack();
    new BackfillWarehouse(s, "B", { ...base, size: "MEDIUM", autoSuspendSeconds: 120, notifyAtPercent: [50], statementTimeoutSeconds: 600 });
    const j = synthJson(s);
    expect(onlyResource(j, "snowflake_warehouse")).toMatchObject({ warehouse_size: "MEDIUM", auto_suspend: 120, statement_timeout_in_seconds: 600 });
    expect(onlyResource(j, "snowflake_resource_monitor")).toMatchObject({ notify_triggers: [50] });
  });

  test.each([
    [{ monthlyCreditQuota: undefined }, /monthlyCreditQuota: required: a warehouse without a credit quota has no cost guard/],
    [{ autoSuspendSeconds: 30 }, /autoSuspendSeconds: must be at least 60/],
    [{ statementTimeoutSeconds: 60 }, /statementTimeoutSeconds: must be at least 300/],
    [{ notifyAtPercent: [80, 100] }, /notifyAtPercent\.1: must be below 100|notifyAtPercent\[1\]: must be below 100/],
    [{ roleName: "ACME_PROD_BACKFILL_WH" }, /warehouseName: must differ from roleName/],
    [{ database: "acme_logs" }, /database: must be an upper-case Snowflake identifier/],
  ] as [Partial<BackfillWarehouseProps>, RegExp][])("rejects %j, naming the prop", (props, message) => {
    expect(() => new BackfillWarehouse(testStack(), "B", { ...base, ...props } as BackfillWarehouseProps)).toThrow(message);
  });
});

describe("BackfillTenantAccess", () => {
  test("GIVEN a tenant schema THEN the backfill role gets exactly what a COPY through the source's stage needs there, existing and future objects, nothing else", () => {
    const stack = testStack();
    new BackfillTenantAccess(stack, "Access", { roleName: "ACME_PROD_BACKFILL", database: "ACME_LOGS_PROD", schema: "GLOBEX" });
    const full = synthWithMetadata(stack);
    const grants = resourcesOf(full, "snowflake_grant_privileges_to_account_role") as Grant[];
    expect(grants.map(describeGrant).sort()).toEqual([
      'INSERT+SELECT ON all TABLES IN "ACME_LOGS_PROD"."GLOBEX"',
      'INSERT+SELECT ON future TABLES IN "ACME_LOGS_PROD"."GLOBEX"',
      'USAGE ON "ACME_LOGS_PROD"."GLOBEX"',
      'USAGE ON all FILE FORMATS IN "ACME_LOGS_PROD"."GLOBEX"',
      'USAGE ON all STAGES IN "ACME_LOGS_PROD"."GLOBEX"',
      'USAGE ON future FILE FORMATS IN "ACME_LOGS_PROD"."GLOBEX"',
      'USAGE ON future STAGES IN "ACME_LOGS_PROD"."GLOBEX"',
    ]);
    for (const g of grants) {
      expect(g.account_role_name).toBe("ACME_PROD_BACKFILL");
      expect(g.privileges.some((p) => p === "OWNERSHIP" || p.startsWith("ALL") || p === "DELETE" || p === "TRUNCATE" || p === "UPDATE")).toBe(false);
    }
    for (const r of Object.values(full.resource).flatMap((byName) => Object.values(byName))) expect(stampOf(r)).toBe("snowflake/backfill-warehouse@0.2.0");
  });

  test("GIVEN objects of the schema THEN the FUTURE grants come before them and the ALL grants after", () => {
    const stack = testStack();
    const access = new BackfillTenantAccess(stack, "Access", { roleName: "ACME_PROD_BACKFILL", database: "ACME_LOGS_PROD", schema: "GLOBEX" });
    const table = new Table(stack, "T", {
      database: "ACME_LOGS_PROD",
      schema: "GLOBEX",
      name: "OKTA",
      column: [{ name: "DATA", type: "VARIANT" }],
      dependsOn: [...access.futureGrants],
    });
    access.grantOnExistingAfter(table);
    const grants = Object.values(synthJson(stack).resource.snowflake_grant_privileges_to_account_role) as (Grant & { depends_on?: string[] })[];
    const address = `snowflake_table.${table.friendlyUniqueId}`;
    expect(access.futureGrants).toHaveLength(3);
    for (const g of grants.filter((x) => x.on_schema_object?.all)) expect(g.depends_on).toContain(address);
    for (const g of grants.filter((x) => x.on_schema_object?.future)) expect(g.depends_on ?? []).not.toContain(address);
  });

  test("rejects a schema that is not an upper-case identifier, naming the prop", () => {
    expect(() => new BackfillTenantAccess(testStack(), "A", { roleName: "R", database: "D", schema: "globex" })).toThrow(
      /schema: must be an upper-case Snowflake identifier/,
    );
  });
});
