import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { SchemaObject } from "../schema-object";
import { qualified } from "../../core/naming";
import { stampModule } from "../../core/stamp";
import { serverlessTask } from "../serverless-task";
import { cronSchedule, dependables, parseProps, pathOf, snowflakeIdentifier } from "../../core/validate";
import { purgeStatement } from "../sql";

export const TABLE_CLEANER_MODULE = "snowflake/table-cleaner" as const;

export interface TableCleanerProps {
  /** Database and schema of the table (and the task). */
  readonly database: string;
  readonly schema: string;
  /** The table purged; the task is `<TABLE>_CLEANER`. */
  readonly tableName: string;
  /** Rows older than this many days are deleted. Required: no cleaner without a retention. */
  readonly retentionDays: number;
  /**
   * `event_time`: by EVENT_TIME, falling back to PARSE_TIME when it is NULL; `load_time`: by PARSE_TIME.
   * @default "event_time"
   */
  readonly purgeOn?: "event_time" | "load_time";
  /** Cron schedule with time zone. @default "0 3 * * * UTC" (daily) */
  readonly schedule?: string;
  /** Objects the task must wait for (the table). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const identifier = snowflakeIdentifier();
const propsSchema = z.object({
  database: identifier,
  schema: identifier,
  tableName: identifier,
  retentionDays: z.number({ message: "required: a cleaner needs the table's retention" }).int().min(1),
  purgeOn: z.enum(["event_time", "load_time"]).default("event_time"),
  schedule: cronSchedule().default("0 3 * * * UTC"),
  waitFor: dependables(),
});

/**
 * A daily serverless task that deletes the rows of one log table older than its retention. Pair it
 * with an S3 expiry at least as long (the config checks this): the files outlive the rows, never the
 * other way round.
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
    this.statement = purgeStatement(table, p.retentionDays, p.purgeOn);
    this.taskName = `${table}_CLEANER`;
    const task = serverlessTask(this, "Task", {
      database: p.database,
      schema: p.schema,
      name: `${p.tableName}_CLEANER`,
      schedule: p.schedule,
      sql: this.statement,
      comment: `Deletes rows of ${table} older than ${p.retentionDays} days (${p.purgeOn})`,
      dependsOn: p.waitFor,
    });
    this.ownedObjects = [{ type: "TASK", name: this.taskName, started: true, resource: task }];
  }
}
