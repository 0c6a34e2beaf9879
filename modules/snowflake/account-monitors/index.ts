import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { stampModule } from "../../core/stamp";
import { serverlessTask } from "../serverless-task";
import { cronSchedule, dependables, parseProps, pathOf, qualifiedSnowflakeName, snowflakeIdentifier } from "../../core/validate";
import { ExpectedTableChange, TABLE_CHANGE_TYPES, loadFailuresSelect, longQueriesSelect, monitorStatements, scriptingBlock, showTasksStatement, suspendedTasksSelect, tableChangesSelect, taskFailuresSelect } from "../sql";

export const ACCOUNT_MONITORS_MODULE = "snowflake/account-monitors" as const;

export interface AccountMonitorsProps {
  /** The log database watched; the monitors' tasks live in its MONITORING schema. */
  readonly database: string;
  /** `ALERTS` and `ALERT_SUPPRESSIONS` (`AlertStore.names`). */
  readonly alertStore: { readonly alerts: string; readonly suppressions: string };
  /** How far back each run looks; longer than the schedule plus ACCOUNT_USAGE latency. @default 180 */
  readonly lookbackMinutes?: number;
  /** A subject alerted once stays quiet this long. @default 1440 */
  readonly suppressionMinutes?: number;
  /** Queries running longer than this are reported. @default 60 */
  readonly longQueryMinutes?: number;
  /**
   * Roles whose every change to log tables is expected: nothing they do is reported. Prefer
   * `expectedChanges`, which can be narrowed to statement types and exact statements.
   * @default none
   */
  readonly exemptRoles?: readonly string[];
  /**
   * Changes to log tables that are expected: by a role, of some statement types (`TABLE_CHANGE_TYPES`),
   * optionally only with exact statement texts — e.g. each cleaner's purge by the role that owns it.
   * @default none — every change is reported
   */
  readonly expectedChanges?: readonly ExpectedTableChange[];
  /** Tasks (`DATABASE.SCHEMA.NAME`) meant to be suspended, such as disabled canaries. @default none */
  readonly expectedSuspendedTasks?: readonly string[];
  /** Cron schedule of every monitor. @default "*\/15 * * * * UTC" */
  readonly schedule?: string;
  /** Objects to create first (the alert store). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const identifier = snowflakeIdentifier();
const qualifiedName = qualifiedSnowflakeName();
const roleName = z.string().regex(/^[A-Z_][A-Z0-9_$]*$/, "must be an upper-case role name");
const propsSchema = z.object({
  database: identifier,
  alertStore: z.object({ alerts: qualifiedName, suppressions: qualifiedName }),
  lookbackMinutes: z.number().int().min(15).max(10080).default(180),
  suppressionMinutes: z.number().int().min(0).max(43200).default(1440),
  longQueryMinutes: z.number().int().min(1).max(1440).default(60),
  exemptRoles: z.array(roleName).default([]),
  expectedChanges: z
    .array(
      z.object({
        role: roleName,
        queryTypes: z.array(z.enum(TABLE_CHANGE_TYPES)).min(1).optional(),
        statements: z.array(z.string().min(1).refine((s) => s === s.trim(), "must have no leading or trailing whitespace (compared with the trimmed query text)")).min(1).optional(),
      }),
    )
    .default([]),
  expectedSuspendedTasks: z.array(qualifiedName).default([]),
  schedule: cronSchedule().default("*/15 * * * * UTC"),
  waitFor: dependables(),
});

/** The monitors, by task name and alert KIND. */
export const MONITOR_KINDS = {
  LOAD_FAILURES_MONITOR: "LOAD_FAILURE",
  TASK_FAILURES_MONITOR: "TASK_FAILURE",
  LONG_QUERIES_MONITOR: "LONG_QUERY",
  LOG_TABLE_CHANGES_MONITOR: "LOG_TABLE_CHANGE",
  SUSPENDED_TASKS_MONITOR: "TASK_SUSPENDED",
} as const;

/**
 * Account-level monitors of one log database, each a serverless task in its MONITORING schema that
 * writes to the alert store with the same suppression as the canaries:
 * - LOAD_FAILURE: COPY/Snowpipe loads that failed or loaded partially, per table;
 * - TASK_FAILURE: failed task runs (canaries, cleaners, …), per task;
 * - LONG_QUERY: queries that ran longer than the threshold (default one hour), each once;
 * - LOG_TABLE_CHANGE: ALTER / DROP / TRUNCATE / DELETE / UPDATE / MERGE on log tables that is not an
 *   expected change (tamper detection), each once;
 * - TASK_SUSPENDED: tasks of the database left suspended (auto-suspended after failures, or by hand),
 *   per task, from SHOW TASKS.
 * They read SNOWFLAKE.ACCOUNT_USAGE views: the task owner needs IMPORTED PRIVILEGES on the SNOWFLAKE
 * database, and alerts trail events by the views' latency (up to about 45 minutes).
 */
export class AccountMonitors extends Construct {
  /** Task name → the statements it runs. */
  public readonly statements: Readonly<Record<keyof typeof MONITOR_KINDS, readonly string[]>>;

  constructor(scope: Construct, id: string, props: AccountMonitorsProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, ACCOUNT_MONITORS_MODULE);
    const parts = { database: p.database, lookbackMinutes: p.lookbackMinutes };
    const common = { store: p.alertStore, suppressionMinutes: p.suppressionMinutes };
    this.statements = {
      LOAD_FAILURES_MONITOR: monitorStatements({ ...common, kind: MONITOR_KINDS.LOAD_FAILURES_MONITOR, severity: "HIGH", firing: loadFailuresSelect(parts) }),
      TASK_FAILURES_MONITOR: monitorStatements({ ...common, kind: MONITOR_KINDS.TASK_FAILURES_MONITOR, severity: "HIGH", firing: taskFailuresSelect(parts) }),
      LONG_QUERIES_MONITOR: monitorStatements({ ...common, kind: MONITOR_KINDS.LONG_QUERIES_MONITOR, severity: "MEDIUM", firing: longQueriesSelect({ ...parts, thresholdMinutes: p.longQueryMinutes }) }),
      LOG_TABLE_CHANGES_MONITOR: monitorStatements({
        ...common,
        kind: MONITOR_KINDS.LOG_TABLE_CHANGES_MONITOR,
        severity: "HIGH",
        firing: tableChangesSelect({ ...parts, expected: [...p.exemptRoles.map((role) => ({ role })), ...p.expectedChanges] }),
      }),
      // The INSERT right after SHOW TASKS reads its result (RESULT_SCAN of LAST_QUERY_ID).
      SUSPENDED_TASKS_MONITOR: [
        showTasksStatement(p.database),
        ...monitorStatements({ ...common, kind: MONITOR_KINDS.SUSPENDED_TASKS_MONITOR, severity: "HIGH", firing: suspendedTasksSelect({ expectedSuspended: p.expectedSuspendedTasks }) }),
      ],
    };
    for (const [name, statements] of Object.entries(this.statements)) {
      serverlessTask(this, name, {
        database: p.database,
        schema: "MONITORING",
        name,
        schedule: p.schedule,
        sql: scriptingBlock(statements),
        watcher: true,
        comment: `Monitor ${MONITOR_KINDS[name as keyof typeof MONITOR_KINDS]} of ${p.database}`,
        dependsOn: p.waitFor,
      });
    }
  }
}
