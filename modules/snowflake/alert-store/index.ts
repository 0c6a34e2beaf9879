import { Schema } from "@cdktf/provider-snowflake/lib/schema";
import { Table } from "@cdktf/provider-snowflake/lib/table";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { qualified } from "../../core/naming";
import { stampModule } from "../../core/stamp";
import { dependables, parseProps, pathOf, snowflakeIdentifier } from "../../core/validate";
import { AlertStoreNames } from "../sql";

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
  return { alerts: qualified(database, schema, "ALERTS"), suppressions: qualified(database, schema, "ALERT_SUPPRESSIONS") };
}

/**
 * Where every monitor writes: a managed-access MONITORING schema with the ALERTS table (one row per
 * alert: ALERT_TIME, KIND, SEVERITY, TENANT, SUBJECT, MESSAGE, DELIVERED_AT) and ALERT_SUPPRESSIONS
 * (KIND, SUBJECT, SUPPRESSED_UNTIL) that keeps a monitor from alerting again too soon. None of them can
 * be destroyed by a plan (`prevent_destroy`).
 */
export class AlertStore extends Construct {
  public readonly names: AlertStoreNames;
  /** The schema resource, for `depends_on` of monitors in the same stack. */
  public readonly schemaResource: Schema;
  /** The ALERTS and ALERT_SUPPRESSIONS tables, for `depends_on`. */
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
      // The alert history is evidence: no plan may drop it (guardrail SNOWFLAKE_DATA_KEPT_ON_DESTROY).
      lifecycle: { preventDestroy: true },
    });
    const ts = (name: string, comment: string, nullable = true) => ({ name, type: "TIMESTAMP_LTZ(9)", nullable, comment });
    const text = (name: string, comment: string) => ({ name, type: "VARCHAR(16777216)", nullable: false, comment });
    const alerts = new Table(this, "Alerts", {
      database: p.database,
      schema: p.schema,
      name: "ALERTS",
      dataRetentionTimeInDays: p.dataRetentionDays,
      comment: "One row per alert",
      column: [
        ts("ALERT_TIME", "When the monitor raised the alert", false),
        text("KIND", "LOG_CANARY, PIPE_FAILURE, …"),
        text("SEVERITY", "HIGH, MEDIUM or LOW"),
        text("TENANT", "Tenant id, or '*' for platform alerts"),
        text("SUBJECT", "What the alert is about, e.g. the fully qualified log table"),
        text("MESSAGE", "Human-readable reason"),
        ts("DELIVERED_AT", "When alert delivery sent it; NULL until then"),
      ],
      dependsOn: [this.schemaResource],
      lifecycle: { preventDestroy: true },
    });
    const suppressions = new Table(this, "Suppressions", {
      database: p.database,
      schema: p.schema,
      name: "ALERT_SUPPRESSIONS",
      dataRetentionTimeInDays: p.dataRetentionDays,
      comment: "A monitor stays quiet about a subject until SUPPRESSED_UNTIL",
      column: [text("KIND", "Monitor kind"), text("SUBJECT", "Subject of the suppressed alert"), ts("SUPPRESSED_UNTIL", "End of the suppression", false)],
      dependsOn: [this.schemaResource],
      lifecycle: { preventDestroy: true },
    });
    this.tables = [alerts, suppressions];
  }
}
