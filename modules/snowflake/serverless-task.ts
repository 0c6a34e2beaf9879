import { Task, TaskConfig } from "@cdktf/provider-snowflake/lib/task";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

/**
 * The library's scheduled SQL: a serverless task (no warehouse — seconds of work every few minutes
 * cost less than resuming a warehouse for its 60-second minimum), never overlapping itself. Watchers
 * (canaries, monitors, alert delivery) never auto-suspend: one that keeps failing must stay visible
 * in TASK_HISTORY, where TASK_FAILURE reports it, instead of going quiet.
 */
export function serverlessTask(
  scope: Construct,
  id: string,
  p: {
    readonly database: string;
    readonly schema: string;
    readonly name: string;
    readonly schedule: string;
    readonly sql: string;
    readonly comment: string;
    /** @default true */
    readonly started?: boolean;
    /** Watchers never auto-suspend; others keep Snowflake's default. @default false */
    readonly watcher?: boolean;
    /** A condition checked before each run (e.g. SYSTEM$STREAM_HAS_DATA); a false one skips the run at no cost. @default none */
    readonly when?: string;
    readonly dependsOn?: readonly ITerraformDependable[];
  },
): Task {
  const config: TaskConfig = {
    database: p.database,
    schema: p.schema,
    name: p.name,
    schedule: { usingCron: p.schedule },
    started: p.started ?? true,
    sqlStatement: p.sql,
    userTaskManagedInitialWarehouseSize: "XSMALL",
    suspendTaskAfterNumFailures: p.watcher ? 0 : undefined,
    allowOverlappingExecution: "false",
    when: p.when,
    comment: p.comment,
    dependsOn: p.dependsOn && p.dependsOn.length > 0 ? [...p.dependsOn] : undefined,
  };
  return new Task(scope, id, config);
}
