import { GrantPrivilegesToAccountRole } from "@cdktf/provider-snowflake/lib/grant-privileges-to-account-role";
import { ProcedureSql } from "@cdktf/provider-snowflake/lib/procedure-sql";
import { Schema } from "@cdktf/provider-snowflake/lib/schema";
import { Table } from "@cdktf/provider-snowflake/lib/table";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { qualified, quotedName } from "../../core/naming";
import { stampModule } from "../../core/stamp";
import { dependables, parseProps, pathOf, qualifiedSnowflakeName, snowflakeIdentifier } from "../../core/validate";
import { AlertStoreNames, TENANT_ALERT_ARGUMENTS, TENANT_ALERT_KINDS, tenantAlertProcedureBody, tenantAlertProcedureName } from "./sql";

export const ALERT_STORE_MODULE = "snowflake/alert-store" as const;

export interface AlertStoreProps {
  /** Database that holds the monitoring schema. */
  readonly database: string;
  /** Monitoring schema name. @default "MONITORING" */
  readonly schema?: string;
  /** Time Travel days of the alert tables. @default 7 */
  readonly dataRetentionDays?: number;
  /** Objects to create first, e.g. the database resource in the same stack. @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const identifier = snowflakeIdentifier();
const propsSchema = z.object({
  database: identifier,
  schema: identifier.default("MONITORING"),
  dataRetentionDays: z.number().int().min(0).max(90).default(7),
  waitFor: dependables(),
});

/** Names of the alert store of a database, the same wherever they are computed. */
export function alertStoreNames(database: string, schema = "MONITORING"): AlertStoreNames {
  return {
    alerts: qualified(database, schema, "ALERTS"),
    suppressions: qualified(database, schema, "ALERT_SUPPRESSIONS"),
    events: qualified(database, schema, "MONITOR_EVENTS"),
  };
}

/**
 * Where every monitor writes: a managed-access MONITORING schema with
 * - ALERTS, one row per alert (ALERT_ID, ALERT_TIME, KIND, SEVERITY, TENANT, SUBJECT, MESSAGE) and its
 *   delivery (SNS_DELIVERED_AT and EMAIL_DELIVERED_AT per channel, DELIVERY_BATCH while a batch is
 *   being sent, DELIVERED_AT once every channel has it);
 * - ALERT_SUPPRESSIONS (KIND, SUBJECT, SUPPRESSED_UNTIL), which keeps a monitor from alerting again too soon;
 * - MONITOR_EVENTS, every event an account monitor has seen, once (so overlapping lookbacks never
 *   alert twice).
 * No tenant role is granted anything here: tenants raise alerts through `TenantAlertWriter`.
 */
export class AlertStore extends Construct {
  public readonly names: AlertStoreNames;
  /** The schema resource, for `depends_on` of monitors in the same stack. */
  public readonly schemaResource: Schema;
  /** The ALERTS, ALERT_SUPPRESSIONS and MONITOR_EVENTS tables, for `depends_on`. */
  public readonly tables: readonly Table[];

  constructor(scope: Construct, id: string, props: AlertStoreProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, ALERT_STORE_MODULE);
    this.names = alertStoreNames(p.database, p.schema);

    this.schemaResource = new Schema(this, "Schema", {
      database: p.database,
      name: p.schema,
      withManagedAccess: "true",
      dataRetentionTimeInDays: p.dataRetentionDays,
      comment: "Alerts raised by the lakehouse monitors",
      dependsOn: p.waitFor.length > 0 ? [...p.waitFor] : undefined,
    });
    const ts = (name: string, comment: string, nullable = true) => ({ name, type: "TIMESTAMP_LTZ(9)", nullable, comment });
    const text = (name: string, comment: string, nullable = false) => ({ name, type: "VARCHAR(16777216)", nullable, comment });
    const table = (id: string, name: string, comment: string, column: ReturnType<typeof text>[]) =>
      new Table(this, id, { database: p.database, schema: p.schema, name, dataRetentionTimeInDays: p.dataRetentionDays, comment, column, dependsOn: [this.schemaResource] });
    // New columns go last: the provider adds them to the existing table in place.
    const alerts = table("Alerts", "ALERTS", "One row per alert", [
      ts("ALERT_TIME", "When the monitor raised the alert", false),
      text("KIND", "LOG_CANARY, PIPE_NOT_RUNNING, LOAD_FAILURE, …"),
      text("SEVERITY", "HIGH, MEDIUM or LOW"),
      text("TENANT", "Tenant id, or '*' for platform alerts"),
      text("SUBJECT", "What the alert is about, e.g. the fully qualified log table"),
      text("MESSAGE", "Human-readable reason"),
      ts("DELIVERED_AT", "When every configured delivery channel had sent it; NULL until then"),
      text("ALERT_ID", "Unique id (UUID) set by the writer; delivery gives one to a row without", true),
      text("DELIVERY_BATCH", "The batch a delivery channel is sending it in", true),
      ts("SNS_DELIVERED_AT", "When alert delivery sent it to SNS; NULL until then"),
      ts("EMAIL_DELIVERED_AT", "When alert delivery sent it by e-mail; NULL until then"),
    ]);
    const suppressions = table("Suppressions", "ALERT_SUPPRESSIONS", "A monitor stays quiet about a subject until SUPPRESSED_UNTIL", [
      text("KIND", "Monitor kind"),
      text("SUBJECT", "Subject of the suppressed alert"),
      ts("SUPPRESSED_UNTIL", "End of the suppression", false),
    ]);
    const events = table("Events", "MONITOR_EVENTS", "Every event an account monitor has seen, once", [
      text("KIND", "Monitor kind"),
      text("EVENT_KEY", "What makes the event unique: a query id, a table and file, a task run"),
      text("TENANT", "Tenant id, or '*'"),
      text("SUBJECT", "What an alert about it is about"),
      ts("EVENT_TIME", "When it happened"),
      text("DETAIL", "What happened", true),
      ts("SEEN_AT", "When a monitor first saw it", false),
    ]);
    this.tables = [alerts, suppressions, events];
  }
}

export interface TenantAlertWriterProps {
  /** The alert store (`alertStoreNames(database)`), made by the platform stack. */
  readonly alertStore: AlertStoreNames;
  /** The tenant id written on every alert the procedure raises. */
  readonly tenant: string;
  /** The tenant's schema: the only objects its alerts may be about. */
  readonly tenantSchema: string;
  /**
   * The tenant's pipeline role (owner of its canaries): granted USAGE on this procedure and the
   * MONITORING schema. @default no grant — the canaries run as the procedure's owner (a stack
   * without tenant roles)
   */
  readonly pipelineRole?: string;
  /** Objects to create first (the pipeline role). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const writerSchema = z.object({
  alertStore: z.object({ alerts: qualifiedSnowflakeName(), suppressions: qualifiedSnowflakeName(), events: qualifiedSnowflakeName() }),
  tenant: z.string().regex(/^[a-z][a-z0-9-]*$/, "must be a tenant id"),
  tenantSchema: identifier,
  pipelineRole: identifier.optional(),
  waitFor: dependables(),
});

/**
 * How one tenant raises alerts without seeing or suppressing another's: an owner's-rights procedure
 * `MONITORING.RAISE_ALERT_<SCHEMA>` (owned by the deploying role, which owns the alert store) that
 * writes only the tenant's own alerts (the tenant written by the procedure, the subject within the
 * tenant's schema, LOG_CANARY or PIPE_NOT_RUNNING) and their suppressions, and USAGE on it (and on
 * the MONITORING schema) for the tenant's pipeline role — which holds no privilege on ALERTS,
 * ALERT_SUPPRESSIONS or MONITOR_EVENTS, so it can neither read them nor write another tenant's rows.
 * Made in the tenant's stack, so adding a tenant touches its own plan.
 */
export class TenantAlertWriter extends Construct {
  /** `DB.MONITORING.RAISE_ALERT_<SCHEMA>`, what the tenant's canaries CALL. */
  public readonly procedureName: string;
  /** The procedure and the grants the pipeline role needs before its canaries run. */
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: TenantAlertWriterProps) {
    const p = parseProps(pathOf(scope, id), writerSchema, props);
    super(scope, id);
    stampModule(this, ALERT_STORE_MODULE);
    this.procedureName = tenantAlertProcedureName(p.alertStore, p.tenantSchema);
    const [database, schema, name] = this.procedureName.split(".");
    const waits = p.waitFor.length > 0 ? [...p.waitFor] : undefined;
    const procedure = new ProcedureSql(this, "Procedure", {
      database,
      schema,
      name,
      arguments: TENANT_ALERT_ARGUMENTS.map((a) => ({ argName: a.name, argDataType: a.type })),
      returnType: "VARCHAR",
      executeAs: "OWNER",
      nullInputBehavior: "CALLED ON NULL INPUT",
      procedureDefinition: tenantAlertProcedureBody({ store: p.alertStore, tenant: p.tenant, tenantSchema: p.tenantSchema }),
      comment: `Raises ${TENANT_ALERT_KINDS.join(" and ")} alerts of tenant ${p.tenant} (${database}.${p.tenantSchema} only)`,
      dependsOn: waits,
    });
    const grants = p.pipelineRole
      ? [
          new GrantPrivilegesToAccountRole(this, "SchemaUsage", {
            accountRoleName: p.pipelineRole,
            privileges: ["USAGE"],
            onSchema: { schemaName: quotedName(database, schema) },
            dependsOn: waits,
          }),
          new GrantPrivilegesToAccountRole(this, "ProcedureUsage", {
            accountRoleName: p.pipelineRole,
            privileges: ["USAGE"],
            onSchemaObject: { objectType: "PROCEDURE", objectName: procedure.fullyQualifiedName },
            dependsOn: waits,
          }),
        ]
      : [];
    this.ready = [procedure, ...grants];
  }
}
