import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { SchemaObject } from "../schema-object";
import { stampModule } from "../../core/stamp";
import { serverlessTask } from "../serverless-task";
import { cronSchedule, dependables, parseProps, pathOf, qualifiedSnowflakeName, snowflakeIdentifier } from "../../core/validate";
import { MAX_SUPPRESSION_MINUTES } from "../alert-store/sql";
import { canaryCall, pipeStateCall } from "./sql";
import { scriptingBlock } from "../sql";

export const LOG_CANARY_MODULE = "snowflake/log-canary" as const;

export interface LogCanaryProps {
  /** Database and schema of the task (next to the table it watches). */
  readonly database: string;
  readonly schema: string;
  /** Name of the table watched, in that schema; the task is `<TABLE>_CANARY`. */
  readonly tableName: string;
  /**
   * The tenant's alert procedure (`TenantAlertWriter.procedureName`, `DB.MONITORING.RAISE_ALERT_<SCHEMA>`):
   * the canary raises its alerts through it, never by writing the alert store, and the procedure writes
   * the tenant on them.
   */
  readonly alertProcedure: string;
  /** No rows loaded (by load time) within this many minutes raises an alert. @default 60 */
  readonly windowMinutes?: number;
  /** After an alert the canary stays quiet this long. @default 1440 */
  readonly suppressionMinutes?: number;
  /** Cron schedule with time zone. @default "*\/15 * * * * UTC" */
  readonly schedule?: string;
  /** Whether the task runs. @default true */
  readonly enabled?: boolean;
  /**
   * The pipe loading the table (`DB.SCHEMA.PIPE`): the same task also alerts (kind PIPE_NOT_RUNNING)
   * when SYSTEM$PIPE_STATUS reports it is not RUNNING — paused, stopped or stale. @default not watched
   */
  readonly pipeName?: string;
  /** Objects the task must wait for (the table). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const identifier = snowflakeIdentifier();
const qualifiedName = qualifiedSnowflakeName();
const propsSchema = z.object({
  database: identifier,
  schema: identifier,
  tableName: identifier,
  alertProcedure: qualifiedName,
  windowMinutes: z.number().int().min(5).max(10080).default(60),
  suppressionMinutes: z.number().int().min(0).max(MAX_SUPPRESSION_MINUTES).default(1440),
  schedule: cronSchedule().default("*/15 * * * * UTC"),
  enabled: z.boolean().default(true),
  pipeName: qualifiedName.optional(),
  waitFor: dependables(),
});

/** `DATABASE.SCHEMA.<TABLE>_CANARY`: the canary task of a table. */
export function canaryTaskName(database: string, schema: string, tableName: string): string {
  return `${database}.${schema}.${tableName}_CANARY`;
}

/**
 * A log canary for one table: a serverless task that, on its schedule, calls its tenant's alert
 * procedure with the reason when no row was loaded within the window (NULL otherwise); the procedure
 * raises the alert unless the canary is suppressed, and keeps the suppression (see `canaryCall`).
 *
 * One task per source, not one task reading a definitions table: each canary keeps its own schedule,
 * can be switched off alone, lives in its tenant's stack (adding a source touches one tenant's plan),
 * and its SQL is static — every table name is known at synth, checked by the SQL parser in CI and
 * run on data in tests, with no dynamic SQL.
 */
export class LogCanary extends Construct {
  /** The statements the task runs, in order. */
  public readonly statements: readonly string[];
  /** `DATABASE.SCHEMA.<TABLE>_CANARY` */
  public readonly taskName: string;
  /** The task, to hand over to a pipeline role. */
  public readonly ownedObjects: readonly SchemaObject[];

  constructor(scope: Construct, id: string, props: LogCanaryProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, LOG_CANARY_MODULE);
    const table = `${p.database}.${p.schema}.${p.tableName}`;
    this.statements = [
      canaryCall({ procedure: p.alertProcedure, table, windowMinutes: p.windowMinutes, suppressionMinutes: p.suppressionMinutes }),
      ...(p.pipeName ? [pipeStateCall({ procedure: p.alertProcedure, pipe: p.pipeName, suppressionMinutes: p.suppressionMinutes })] : []),
    ];
    this.taskName = canaryTaskName(p.database, p.schema, p.tableName);
    const task = serverlessTask(this, "Task", {
      database: p.database,
      schema: p.schema,
      name: `${p.tableName}_CANARY`,
      schedule: p.schedule,
      started: p.enabled,
      sql: scriptingBlock(this.statements),
      watcher: true,
      comment: `Log canary of ${table}: alert when nothing loaded for ${p.windowMinutes} minutes`,
      dependsOn: p.waitFor,
    });
    this.ownedObjects = [{ type: "TASK", name: this.taskName, started: p.enabled, resource: task }];
  }
}
