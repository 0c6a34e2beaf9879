import { previewFeaturesFor } from "../../../modules/core/snowflake-preview";
import { AlertStore, TenantAlertWriter, alertStoreNames } from "../../../modules/snowflake/alert-store";
import { tenantAlertProcedureBody } from "../../../modules/snowflake/alert-store/sql";
import { onlyResource, resourcesOf, synthJson, testStack } from "../../support/synth";

const store = alertStoreNames("LOGS_PROD");

describe("AlertStore", () => {
  test("a managed-access MONITORING schema with ALERTS, ALERT_SUPPRESSIONS and MONITOR_EVENTS, and no grant to anyone", () => {
    const stack = testStack();
    const s = new AlertStore(stack, "Alerts", { database: "LOGS_PROD" });
    const json = synthJson(stack);
    expect(onlyResource(json, "snowflake_schema")).toMatchObject({ database: "LOGS_PROD", name: "MONITORING", with_managed_access: "true" });
    const tables = resourcesOf(json, "snowflake_table") as { name: string; column: { name: string; type: string; nullable: boolean }[] }[];
    expect(tables.map((t) => [t.name, t.column.map((c) => c.name)]).sort()).toEqual([
      [
        "ALERTS",
        [
          "ALERT_TIME",
          "KIND",
          "SEVERITY",
          "TENANT",
          "SUBJECT",
          "MESSAGE",
          "DELIVERED_AT",
          "ALERT_ID",
          "DELIVERY_BATCH",
          "SNS_DELIVERED_AT",
          "EMAIL_DELIVERED_AT",
        ],
      ],
      ["ALERT_SUPPRESSIONS", ["KIND", "SUBJECT", "SUPPRESSED_UNTIL"]],
      ["MONITOR_EVENTS", ["KIND", "EVENT_KEY", "TENANT", "SUBJECT", "EVENT_TIME", "DETAIL", "SEEN_AT"]],
    ]);
    // The columns added to ALERTS are nullable (added in place to a table that has rows).
    const alerts = tables.find((t) => t.name === "ALERTS")!;
    expect(alerts.column.slice(7).every((c) => c.nullable)).toBe(true);
    expect(s.names).toEqual({
      alerts: "LOGS_PROD.MONITORING.ALERTS",
      suppressions: "LOGS_PROD.MONITORING.ALERT_SUPPRESSIONS",
      events: "LOGS_PROD.MONITORING.MONITOR_EVENTS",
    });
    expect(resourcesOf(json, "snowflake_grant_privileges_to_account_role")).toEqual([]);
  });

  test("rejects a bad database name", () => {
    expect(() => new AlertStore(testStack(), "A", { database: "logs" })).toThrow(/database: must be an upper-case Snowflake identifier/);
  });
});

describe("TenantAlertWriter", () => {
  test("an owner's-rights procedure bound to the tenant's schema, and USAGE on it (and the schema) for the tenant's pipeline role only", () => {
    const stack = testStack();
    const w = new TenantAlertWriter(stack, "Writer", {
      alertStore: store,
      tenant: "globex",
      tenantSchema: "GLOBEX",
      pipelineRole: "ACME_PROD_GLOBEX_PIPELINE",
    });
    const json = synthJson(stack);
    expect(w.procedureName).toBe("LOGS_PROD.MONITORING.RAISE_ALERT_GLOBEX");
    const procedure = onlyResource(json, "snowflake_procedure_sql");
    expect(procedure).toMatchObject({
      database: "LOGS_PROD",
      schema: "MONITORING",
      name: "RAISE_ALERT_GLOBEX",
      execute_as: "OWNER",
      null_input_behavior: "CALLED ON NULL INPUT",
      return_type: "VARCHAR",
      arguments: [
        { arg_name: "KIND", arg_data_type: "VARCHAR" },
        { arg_name: "SEVERITY", arg_data_type: "VARCHAR" },
        { arg_name: "SUBJECT", arg_data_type: "VARCHAR" },
        { arg_name: "MESSAGE", arg_data_type: "VARCHAR" },
        { arg_name: "SUPPRESSION_MINUTES", arg_data_type: "NUMBER" },
      ],
    });
    expect(procedure.procedure_definition).toBe(tenantAlertProcedureBody({ store, tenant: "globex", tenantSchema: "GLOBEX" }));
    // The guard comes first, and the tenant written is the procedure's, not the caller's.
    const body = String(procedure.procedure_definition);
    expect(body).toContain(
      "IF (NOT COALESCE(KIND IN ('LOG_CANARY', 'PIPE_NOT_RUNNING') AND SEVERITY IN ('HIGH', 'MEDIUM', 'LOW') AND STARTSWITH(SUBJECT, 'LOGS_PROD.GLOBEX.') AND SUPPRESSION_MINUTES BETWEEN 0 AND 43200, FALSE)) THEN\n    RAISE refused;",
    );
    expect(body.indexOf("RAISE refused")).toBeLessThan(body.indexOf("INSERT"));
    expect(body).toContain(":SEVERITY, 'globex', :SUBJECT");
    expect(body).not.toMatch(/;\s*$/);
    const grants = resourcesOf(json, "snowflake_grant_privileges_to_account_role");
    expect(
      grants
        .map((g) => [g.account_role_name, g.privileges, g.on_schema ?? g.on_schema_object])
        .sort((a, b) => JSON.stringify(b).localeCompare(JSON.stringify(a))),
    ).toEqual([
      ["ACME_PROD_GLOBEX_PIPELINE", ["USAGE"], { schema_name: '"LOGS_PROD"."MONITORING"' }],
      [
        "ACME_PROD_GLOBEX_PIPELINE",
        ["USAGE"],
        { object_type: "PROCEDURE", object_name: expect.stringMatching(/^\$\{snowflake_procedure_sql\.Writer_Procedure_[0-9A-F]+\.fully_qualified_name\}$/) },
      ],
    ]);
    expect(w.ready).toHaveLength(3);
  });

  test("a preview resource: the provider must enable snowflake_procedure_sql_resource", () => {
    const stack = testStack();
    new TenantAlertWriter(stack, "Writer", { alertStore: store, tenant: "globex", tenantSchema: "GLOBEX" });
    expect(previewFeaturesFor(stack)).toEqual(["snowflake_procedure_sql_resource"]);
  });

  test("without a pipeline role: the procedure only (its owner runs the canaries)", () => {
    const stack = testStack();
    const w = new TenantAlertWriter(stack, "Writer", { alertStore: store, tenant: "example", tenantSchema: "RAW" });
    expect(resourcesOf(synthJson(stack), "snowflake_grant_privileges_to_account_role")).toEqual([]);
    expect(w.ready).toHaveLength(1);
  });

  test.each([
    [{ tenant: "Globex" }, /tenant: must be a tenant id/],
    [{ tenantSchema: "globex" }, /tenantSchema: must be an upper-case Snowflake identifier/],
    [{ pipelineRole: "globex_pipeline" }, /pipelineRole: must be an upper-case Snowflake identifier/],
  ])("rejects %j", (props, message) => {
    expect(() => new TenantAlertWriter(testStack(), "W", { alertStore: store, tenant: "globex", tenantSchema: "GLOBEX", ...props })).toThrow(message);
  });
});
