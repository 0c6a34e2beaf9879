import { View } from "@cdktf/provider-snowflake/lib/view";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { MODULE_VERSIONS } from "../../../modules/core/versions";
import { MonitoringRole, MonitoringRoleProps } from "../../../modules/snowflake/monitoring-role";
import { resourcesOf, stampOf, synthJson, synthWithMetadata, testStack } from "../../support/synth";

/** A grant as one line: `PRIVILEGES ON <what>`. */
const grantLine = (g: Record<string, unknown>) => {
  const on = (g.on_account_object ?? g.on_schema_object ?? g.on_schema) as Record<string, string>;
  return `${(g.privileges as string[]).join("+")} ON ${on.object_type ?? "SCHEMA"} ${on.object_name ?? on.schema_name}`;
};

describe("MonitoringRole", () => {
  const base: MonitoringRoleProps = {
    role: "ACME_PROD_MONITORING",
    database: "ACME_LOGS_PROD",
    alertStore: {
      alerts: "ACME_LOGS_PROD.MONITORING.ALERTS",
      suppressions: "ACME_LOGS_PROD.MONITORING.ALERT_SUPPRESSIONS",
      events: "ACME_LOGS_PROD.MONITORING.MONITOR_EVENTS",
    },
  };

  test("defaults are least privilege: USAGE on the database and the alert store's schema, writes on the three alert tables only, UPDATE on ALERTS alone", () => {
    const stack = testStack();
    const role = new MonitoringRole(stack, "Monitoring", base);
    const grants = resourcesOf(synthJson(stack), "snowflake_grant_privileges_to_account_role");
    expect(grants.map((g) => g.account_role_name)).toEqual(Array(5).fill("ACME_PROD_MONITORING"));
    expect(grants.map(grantLine).sort()).toEqual([
      'INSERT+SELECT ON TABLE "ACME_LOGS_PROD"."MONITORING"."ALERT_SUPPRESSIONS"',
      'INSERT+SELECT ON TABLE "ACME_LOGS_PROD"."MONITORING"."MONITOR_EVENTS"',
      'INSERT+SELECT+UPDATE ON TABLE "ACME_LOGS_PROD"."MONITORING"."ALERTS"',
      "USAGE ON DATABASE ACME_LOGS_PROD",
      'USAGE ON SCHEMA "ACME_LOGS_PROD"."MONITORING"',
    ]);
    // Named objects only (no all or future objects), no grant option, no ALL PRIVILEGES: what runs as this role reaches these objects alone.
    for (const g of grants) {
      expect(g).not.toHaveProperty("with_grant_option");
      expect(g).not.toHaveProperty("all_privileges");
      expect(Object.keys((g.on_schema_object ?? g.on_schema ?? {}) as object).filter((k) => /^(all|future)/.test(k))).toEqual([]);
      expect(g.depends_on).toBeUndefined();
    }
    expect(role.ready).toHaveLength(5);
  });

  test("each notification integration delivery sends through gets USAGE; everything waits for waitFor", () => {
    const stack = testStack();
    const table = new View(stack, "AlertStore", { database: "ACME_LOGS_PROD", schema: "MONITORING", name: "V", statement: "SELECT 1 AS X" });
    const role = new MonitoringRole(stack, "Monitoring", {
      ...base,
      notificationIntegrations: ["ACME_PROD_ALERTS_SNS", "ACME_PROD_ALERTS_EMAIL"],
      waitFor: [table],
    });
    const grants = resourcesOf(synthJson(stack), "snowflake_grant_privileges_to_account_role");
    expect(
      grants
        .map(grantLine)
        .filter((g) => g.includes("INTEGRATION"))
        .sort(),
    ).toEqual(["USAGE ON INTEGRATION ACME_PROD_ALERTS_EMAIL", "USAGE ON INTEGRATION ACME_PROD_ALERTS_SNS"]);
    expect(grants).toHaveLength(7);
    for (const g of grants) expect(g.depends_on).toEqual(["snowflake_view.AlertStore"]);
    expect(role.ready).toHaveLength(7);
  });

  test("every resource is stamped with snowflake/monitoring-role and its version", () => {
    const stack = testStack();
    new MonitoringRole(stack, "Monitoring", { ...base, notificationIntegrations: ["ACME_PROD_ALERTS_SNS"] });
    const json = synthWithMetadata(stack);
    const stamp = `snowflake/monitoring-role@${MODULE_VERSIONS["snowflake/monitoring-role"]}`;
    for (const type of Object.keys(json.resource)) for (const resource of resourcesOf(json, type)) expect([type, stampOf(resource)]).toEqual([type, stamp]);
  });

  test.each<[string, Partial<MonitoringRoleProps>, string, RegExp]>([
    ["a lower-case role", { role: "acme_prod_monitoring" }, "role", /must be an upper-case Snowflake identifier/],
    [
      "alert tables in two schemas",
      { alertStore: { ...base.alertStore, events: "ACME_LOGS_PROD.OTHER.MONITOR_EVENTS" } },
      "alertStore",
      /alerts, suppressions and events must be in one schema/,
    ],
    ["an alert store in another database", { database: "ACME_LOGS_DEV" }, "alertStore", /must be in the database/],
    [
      "an alert table that is not DATABASE.SCHEMA.NAME",
      { alertStore: { ...base.alertStore, alerts: "ALERTS" } },
      "alertStore.alerts",
      /must be DATABASE\.SCHEMA\.NAME/,
    ],
    [
      "an integration name that is not an identifier",
      { notificationIntegrations: ["alerts-sns"] },
      "notificationIntegrations[0]",
      /must be an upper-case Snowflake identifier/,
    ],
  ])("rejects %s, naming the construct path and the prop", (_what, props, path, message) => {
    try {
      new MonitoringRole(testStack(), "Monitoring", { ...base, ...props });
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(LakehouseValidationError);
      const err = e as LakehouseValidationError;
      expect(err.where).toBe("test/Monitoring");
      expect(err.problems.find((p) => p.path === path)?.message).toMatch(message);
    }
  });
});
