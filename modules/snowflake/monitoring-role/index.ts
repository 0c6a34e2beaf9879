import { GrantPrivilegesToAccountRole, GrantPrivilegesToAccountRoleConfig } from "@cdktf/provider-snowflake/lib/grant-privileges-to-account-role";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { quotedName } from "../../core/naming";
import { stampModule } from "../../core/stamp";
import { dependables, parseProps, pathOf, qualifiedSnowflakeName, snowflakeIdentifier } from "../../core/validate";

export const MONITORING_ROLE_MODULE = "snowflake/monitoring-role" as const;

export interface MonitoringRoleProps {
  /**
   * The environment's monitoring role, which comes to own and run the platform's tasks. It is made by
   * `lakehouse bootstrap snowflake` — with the SNOWFLAKE database roles its monitors read
   * ACCOUNT_USAGE through and EXECUTE TASK / EXECUTE MANAGED TASK, which only an administrator grants —
   * and granted to the deploying role.
   */
  readonly role: string;
  /** The log database; the tasks and the alert store live in its MONITORING schema. */
  readonly database: string;
  /** `ALERTS`, `ALERT_SUPPRESSIONS` and `MONITOR_EVENTS` (`AlertStore.names`), in one schema. */
  readonly alertStore: { readonly alerts: string; readonly suppressions: string; readonly events: string };
  /** Notification integrations the alert delivery task sends through. @default none */
  readonly notificationIntegrations?: readonly string[];
  /** Objects to create first (the alert store, the integrations). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const identifier = snowflakeIdentifier();
const propsSchema = z
  .object({
    role: identifier,
    database: identifier,
    alertStore: z.object({ alerts: qualifiedSnowflakeName(), suppressions: qualifiedSnowflakeName(), events: qualifiedSnowflakeName() }),
    notificationIntegrations: z.array(identifier).default([]),
    waitFor: dependables(),
  })
  .refine((p) => new Set([p.alertStore.alerts, p.alertStore.suppressions, p.alertStore.events].map((t) => t.split(".").slice(0, 2).join("."))).size === 1, {
    message: "alerts, suppressions and events must be in one schema",
    path: ["alertStore"],
  })
  .refine((p) => p.alertStore.alerts.startsWith(`${p.database}.`), { message: "must be in the database", path: ["alertStore"] });

/**
 * What the environment's monitoring role needs in the log database to run the platform's tasks — the
 * account monitors and alert delivery, which the stack hands over to it (`PipelineOwnership`), so
 * that they are owned by and run as neither the deploying role nor ACCOUNTADMIN — and the tenants'
 * alert procedures, which run with its rights: USAGE on the database and the alert store's schema;
 * INSERT and SELECT on ALERTS and ALERT_SUPPRESSIONS (alerts and their suppression bookkeeping) and on
 * MONITOR_EVENTS (each event an account monitor saw, once), UPDATE on ALERTS (delivery marks what it
 * sent); USAGE on the notification integrations delivery sends through. What it reads in
 * SNOWFLAKE.ACCOUNT_USAGE, and the right to run tasks, come from `lakehouse bootstrap snowflake`.
 */
export class MonitoringRole extends Construct {
  /** Every grant: the tasks' handover waits for them. */
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: MonitoringRoleProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, MONITORING_ROLE_MODULE);
    const waits = p.waitFor.length > 0 ? [...p.waitFor] : undefined;
    const grant = (grantId: string, config: Omit<GrantPrivilegesToAccountRoleConfig, "accountRoleName" | "dependsOn">) =>
      new GrantPrivilegesToAccountRole(this, grantId, { accountRoleName: p.role, ...config, dependsOn: waits });
    const [database, schema] = p.alertStore.alerts.split(".");
    this.ready = [
      grant("DatabaseUsage", { privileges: ["USAGE"], onAccountObject: { objectType: "DATABASE", objectName: p.database } }),
      grant("SchemaUsage", { privileges: ["USAGE"], onSchema: { schemaName: quotedName(database, schema) } }),
      grant("AlertsWrite", {
        privileges: ["INSERT", "SELECT", "UPDATE"],
        onSchemaObject: { objectType: "TABLE", objectName: quotedName(...p.alertStore.alerts.split(".")) },
      }),
      grant("SuppressionsWrite", {
        privileges: ["INSERT", "SELECT"],
        onSchemaObject: { objectType: "TABLE", objectName: quotedName(...p.alertStore.suppressions.split(".")) },
      }),
      grant("EventsWrite", {
        privileges: ["INSERT", "SELECT"],
        onSchemaObject: { objectType: "TABLE", objectName: quotedName(...p.alertStore.events.split(".")) },
      }),
      ...p.notificationIntegrations.map((name) =>
        grant(`IntegrationUsage_${name}`, { privileges: ["USAGE"], onAccountObject: { objectType: "INTEGRATION", objectName: name } }),
      ),
    ];
  }
}
