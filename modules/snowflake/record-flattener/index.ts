import { StreamOnTable } from "@cdktf/provider-snowflake/lib/stream-on-table";
import { Table } from "@cdktf/provider-snowflake/lib/table";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { qualified } from "../../core/naming";
import { stampModule } from "../../core/stamp";
import { cronSchedule, dependables, parseProps, pathOf, snowflakeIdentifier } from "../../core/validate";
import { SchemaObject } from "../schema-object";
import { serverlessTask } from "../serverless-task";
import { flattenStatement } from "./sql";
import { EVENT_TIME_FORMATS, EVENT_TIME_FORMAT_HINT, EventTimeFormat } from "../snowpipe/sql";
import { JSON_PATH, JSON_PATH_HINT, literal } from "../sql";

export const RECORD_FLATTENER_MODULE = "snowflake/record-flattener" as const;

/** The landing table of a per-event table: where its pipe loads the files. */
export function landingTableOf(tableName: string): string {
  return `${tableName}_FILES`;
}

export interface RecordFlattenerProps {
  /** Database of the landing table, stream and task (and of the per-event table). */
  readonly database: string;
  /** Schema of the landing table, stream and task (and of the per-event table). */
  readonly schema: string;
  /**
   * The per-event log table written (a `SemiStructuredTable`); the landing table is `<TABLE>_FILES`,
   * its stream `<TABLE>_FILES_STREAM`, the task `<TABLE>_FLATTENER`.
   */
  readonly tableName: string;
  /** JSON path of the array of events in each landed file record, e.g. `Records` (CloudTrail). */
  readonly recordsPath: string;
  /** JSON path of the event time within each event, e.g. `eventTime`. */
  readonly eventTimeField: string;
  /** `AUTO`, `EPOCH_S` or `EPOCH_MS` (as the pipe's). @default "AUTO" */
  readonly eventTimeFormat?: EventTimeFormat;
  /**
   * Cron schedule of the flattening task; a run is skipped while the stream is empty (no compute, only the cloud-services check of WHEN).
   * @default "* * * * * UTC" (every minute: the smallest task interval)
   */
  readonly schedule?: string;
  /**
   * Time Travel days of the landing table. Its stream keeps unread rows for up to 14 days beyond this
   * (MAX_DATA_EXTENSION_TIME_IN_DAYS) before it goes stale. @default 1
   */
  readonly landingDataRetentionDays?: number;
  /** Human description; the module stamp is appended. @default the stamp only */
  readonly comment?: string;
  /** Objects to create first (the schema and the per-event table). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const identifier = snowflakeIdentifier();
const propsSchema = z.object({
  database: identifier,
  schema: identifier,
  tableName: identifier,
  recordsPath: z.string().regex(JSON_PATH, `must be ${JSON_PATH_HINT}`),
  eventTimeField: z.string().regex(JSON_PATH, `must be ${JSON_PATH_HINT}`),
  eventTimeFormat: z.enum(EVENT_TIME_FORMATS, { message: EVENT_TIME_FORMAT_HINT }).default("AUTO"),
  schedule: cronSchedule().default("* * * * * UTC"),
  landingDataRetentionDays: z.number().int().min(0).max(90).default(1),
  comment: z.string().max(200).optional(),
  waitFor: dependables(),
});

/**
 * One row per event for sources whose files wrap their events (CloudTrail's `{"Records": […]}`):
 * the pipe loads each file as one row into a landing table, an append-only stream records the new
 * rows, and a serverless task (every minute, only WHEN the stream has data) inserts one row per
 * element of the records array into the per-event table, with EVENT_TIME from each event; a landed
 * row with no such array (a file that is not JSON, a digest file) goes over whole, with PARSE_ERROR,
 * so nothing lives only in the landing table. The landing table needs a cleaner of its own (short
 * retention, by load time).
 */
export class RecordFlattener extends Construct {
  /** `DATABASE.SCHEMA.<TABLE>_FILES`: where the pipe loads. */
  public readonly landingTableName: string;
  /** Landing table name without database and schema, for the pipe and its cleaner. */
  public readonly landingTable: string;
  /** `DATABASE.SCHEMA.<TABLE>_FILES_STREAM` */
  public readonly streamName: string;
  /** `DATABASE.SCHEMA.<TABLE>_FLATTENER` */
  public readonly taskName: string;
  /** The INSERT … FLATTEN the task runs. */
  public readonly statement: string;
  /** The landing table resource, for `depends_on` of the pipe and cleaner. */
  public readonly landing: Table;
  /** Landing table, stream and task, to hand over to a pipeline role. */
  public readonly ownedObjects: readonly SchemaObject[];

  constructor(scope: Construct, id: string, props: RecordFlattenerProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, RECORD_FLATTENER_MODULE);
    const table = qualified(p.database, p.schema, p.tableName);
    this.landingTable = landingTableOf(p.tableName);
    this.landingTableName = qualified(p.database, p.schema, this.landingTable);
    this.streamName = `${this.landingTableName}_STREAM`;
    this.taskName = `${table}_FLATTENER`;
    const waits = p.waitFor.length > 0 ? [...p.waitFor] : undefined;

    // Same columns as the log table, so the pipe's COPY is the same; not clustered (rows live days).
    this.landing = new Table(this, "Landing", {
      database: p.database,
      schema: p.schema,
      name: this.landingTable,
      comment: `Files as loaded, one row each, before flattening into ${table}${p.comment ? `: ${p.comment}` : ""}`,
      dataRetentionTimeInDays: p.landingDataRetentionDays,
      // A stream needs change tracking; stated so the plan shows no drift after the stream enables it.
      changeTracking: true,
      dependsOn: waits,
      // Files not yet flattened live here: a plan that would drop the table fails.
      lifecycle: { preventDestroy: true },
      column: [
        { name: "DATA", type: "VARIANT", nullable: true, comment: "The file's record as loaded" },
        { name: "PARSE_TIME", type: "TIMESTAMP_LTZ(9)", nullable: false, default: { expression: "CURRENT_TIMESTAMP()" }, comment: "When the file was loaded" },
        { name: "EVENT_TIME", type: "TIMESTAMP_TZ(9)", nullable: true, comment: "Event time of the file's first event" },
        { name: "SOURCE_FILE", type: "VARCHAR(16777216)", nullable: true, comment: "Staged file the row came from" },
        { name: "SOURCE_FILE_ROW", type: "NUMBER(38,0)", nullable: true, comment: "Line number within the file" },
        // As the log table's: the pipe's COPY writes them, and the task carries them over.
        { name: "RAW_TEXT", type: "VARCHAR(16777216)", nullable: true, comment: "The file's line as staged when it was not parsed; NULL for a parsed record" },
        { name: "PARSE_ERROR", type: "VARCHAR(16777216)", nullable: true, comment: "Why DATA does not hold the line as a parsed record; NULL when it does" },
      ],
    });

    const stream = new StreamOnTable(this, "Stream", {
      database: p.database,
      schema: p.schema,
      name: `${this.landingTable}_STREAM`,
      table: this.landingTableName,
      // Inserts only: the cleaner's deletes on the landing table are not events to flatten.
      appendOnly: "true",
      // A stale stream is recreated with CREATE OR REPLACE: keep its grants.
      copyGrants: true,
      comment: `New files of ${this.landingTableName}, read by ${this.taskName}`,
      dependsOn: [this.landing],
    });

    this.statement = flattenStatement({
      table,
      stream: this.streamName,
      recordsPath: p.recordsPath,
      eventTimeField: p.eventTimeField,
      eventTimeFormat: p.eventTimeFormat,
    });
    const task = serverlessTask(this, "Task", {
      database: p.database,
      schema: p.schema,
      name: `${p.tableName}_FLATTENER`,
      schedule: p.schedule,
      sql: this.statement,
      when: `SYSTEM$STREAM_HAS_DATA(${literal(this.streamName)})`,
      comment: `One row per event of ${p.recordsPath} from ${this.landingTableName} into ${table}`,
      dependsOn: [stream, ...p.waitFor],
    });

    this.ownedObjects = [
      { type: "TABLE", name: this.landingTableName, resource: this.landing },
      { type: "STREAM", name: this.streamName, resource: stream },
      { type: "TASK", name: this.taskName, started: true, resource: task },
    ];
  }
}
