import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { SchemaObject } from "../schema-object";
import { qualified } from "../../core/naming";
import { stampModule } from "../../core/stamp";
import { serverlessTask } from "../serverless-task";
import { cronSchedule, dependables, parseProps, pathOf, refusingRemovedProps, snowflakeIdentifier } from "../../core/validate";
import { purgeStatement } from "./sql";

export const TABLE_CLEANER_MODULE = "snowflake/table-cleaner" as const;

export interface TableCleanerProps {
  /** Database and schema of the table (and the task). */
  readonly database: string;
  readonly schema: string;
  /** The table purged; the task is `<TABLE>_CLEANER`. */
  readonly tableName: string;
  /**
   * Rows loaded more than this many days ago are deleted, by PARSE_TIME (load time) only: the time an
   * event claims never shortens or lengthens its stay. Required: no cleaner without a retention.
   */
  readonly retentionDays: number;
  /** Cron schedule with time zone. @default "0 3 * * * UTC" (daily) */
  readonly schedule?: string;
  /** Objects the task must wait for (the table). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const identifier = snowflakeIdentifier();
const propsSchema = refusingRemovedProps(
  z.object({
    database: identifier,
    schema: identifier,
    tableName: identifier,
    retentionDays: z.number({ message: "required: a cleaner needs the table's retention" }).int().min(1),
    schedule: cronSchedule().default("0 3 * * * UTC"),
    waitFor: dependables(),
  }),
  // Removed in 0.5.0 (not in the props): refused rather than ignored when a caller still asks for event time.
  {
    purgeOn: z
      .literal("load_time", { message: "was removed in 0.5.0: a cleaner purges by load time only (an event's own time can be 1970 or 2099)" })
      .optional(),
  },
);

/**
 * A daily serverless task that deletes the rows of one log table loaded longer ago than its retention
 * (by PARSE_TIME, never by the event's own time). Pair it with an S3 expiry at least as long (the
 * config checks this): the files outlive the rows, never the other way round.
 */
export class TableCleaner extends Construct {
  /** The purge the task runs. */
  public readonly statement: string;
  /** `DATABASE.SCHEMA.<TABLE>_CLEANER` */
  public readonly taskName: string;
  /** The task, to hand over to a pipeline role. */
  public readonly ownedObjects: readonly SchemaObject[];

  constructor(scope: Construct, id: string, props: TableCleanerProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, TABLE_CLEANER_MODULE);
    const table = qualified(p.database, p.schema, p.tableName);
    this.statement = purgeStatement(table, p.retentionDays);
    this.taskName = `${table}_CLEANER`;
    const task = serverlessTask(this, "Task", {
      database: p.database,
      schema: p.schema,
      name: `${p.tableName}_CLEANER`,
      schedule: p.schedule,
      sql: this.statement,
      comment: `Deletes rows of ${table} loaded more than ${p.retentionDays} days ago`,
      dependsOn: p.waitFor,
    });
    this.ownedObjects = [{ type: "TASK", name: this.taskName, started: true, resource: task }];
  }
}
