import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { stampModule } from "../../core/stamp";
import { serverlessTask } from "../serverless-task";
import { cronSchedule, dependables, parseProps, pathOf, qualifiedSnowflakeName, snowflakeIdentifier } from "../../core/validate";
import {
  ACCOUNT_USAGE_LATENCY_MINUTES,
  ExpectedTableChange,
  TABLE_CHANGE_TYPES,
  eventMonitorStatements,
  loadFailuresSelect,
  longQueriesSelect,
  monitorStatements,
  showTasksStatement,
  suspendedTasksSelect,
  tableChangesSelect,
  taskFailuresSelect,
} from "./sql";
import { MAX_SUPPRESSION_MINUTES } from "../alert-store/sql";
import { scriptingBlock } from "../sql";

export const ACCOUNT_MONITORS_MODULE = "snowflake/account-monitors" as const;

export interface AccountMonitorsProps {
  /** The log database watched; the monitors' tasks live in its MONITORING schema. */
  readonly database: string;
  /** `ALERTS`, `ALERT_SUPPRESSIONS` and `MONITOR_EVENTS` (`AlertStore.names`). */
  readonly alertStore: { readonly alerts: string; readonly suppressions: string; readonly events: string };
  /**
   * Minutes each monitor looks back beyond its ACCOUNT_USAGE view's documented latency
   * (`ACCOUNT_USAGE_LATENCY_MINUTES`): at least two schedule intervals, so a late or slow run still
   * overlaps the one before. Events are de-duplicated, so a longer margin costs only scanning.
   * @default 60
   */
  readonly lookbackMarginMinutes?: number;
  /** A subject alerted once stays quiet this long; what happens meanwhile is reported when it ends. @default 1440 */
  readonly suppressionMinutes?: number;
  /** Queries running longer than this are reported. @default 60 */
  readonly longQueryMinutes?: number;
  /**
   * Roles whose every change in the database is expected: nothing they do is reported. Prefer
   * `expectedChanges`, which names the tables, statement types and task.
   * @default none
   */
  readonly exemptRoles?: readonly string[];
  /**
   * Changes that are expected: by a role, to some tables, of some statement types (`TABLE_CHANGE_TYPES`),
   * optionally only in runs of one task — e.g. each cleaner's purge: its pipeline role, its table,
   * DELETE, its own task. Matched on what Snowflake records, never on statement text.
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

/**
 * Minutes between runs of the simple cron forms (`*\/N * …`, `M * …`, `M *\/H …`, `M H …` with every
 * day), or undefined for others.
 */
export function cronIntervalOf(cron: string): number | undefined {
  const [minute, hour, dom, month, dow] = cron.trim().split(/\s+/);
  if (dom !== "*" || month !== "*" || dow !== "*") return undefined;
  const step = (field: string) => (field === "*" ? 1 : /^\*\/(\d+)$/.exec(field)?.[1]);
  if (hour === "*") {
    const s = step(minute);
    if (s !== undefined) return Number(s);
    return /^\d+$/.test(minute) ? 60 : undefined;
  }
  if (!/^\d+$/.test(minute)) return undefined;
  const h = step(hour);
  if (h !== undefined) return 60 * Number(h);
  return /^\d+$/.test(hour) ? 1440 : undefined;
}

const identifier = snowflakeIdentifier();
const qualifiedName = qualifiedSnowflakeName();
const roleName = z.string().regex(/^[A-Z_][A-Z0-9_$]*$/, "must be an upper-case role name");
const propsSchema = z
  .object({
    database: identifier,
    alertStore: z.object({ alerts: qualifiedName, suppressions: qualifiedName, events: qualifiedName }),
    lookbackMarginMinutes: z.number().int().min(15).max(1440).default(60),
    suppressionMinutes: z.number().int().min(0).max(MAX_SUPPRESSION_MINUTES).default(1440),
    longQueryMinutes: z.number().int().min(1).max(1440).default(60),
    exemptRoles: z.array(roleName).default([]),
    expectedChanges: z
      .array(
        z.object({
          role: roleName,
          tables: z.array(qualifiedName).min(1).optional(),
          queryTypes: z.array(z.enum(TABLE_CHANGE_TYPES)).min(1).optional(),
          task: qualifiedName.optional(),
        }),
      )
      .default([]),
    expectedSuspendedTasks: z.array(qualifiedName).default([]),
    schedule: cronSchedule().default("*/15 * * * * UTC"),
    waitFor: dependables(),
  })
  .superRefine((p, ctx) => {
    const interval = cronIntervalOf(p.schedule);
    if (interval !== undefined && p.lookbackMarginMinutes < 2 * interval) {
      ctx.addIssue({
        code: "custom",
        path: ["lookbackMarginMinutes"],
        message: `must be at least two intervals of schedule '${p.schedule}' (${2 * interval} minutes), or an event that reaches its view just after a run can fall out of the next run's lookback`,
      });
    }
  });

/** The monitors, by task name and alert KIND. */
export const MONITOR_KINDS = {
  LOAD_FAILURES_MONITOR: "LOAD_FAILURE",
  TASK_FAILURES_MONITOR: "TASK_FAILURE",
  LONG_QUERIES_MONITOR: "LONG_QUERY",
  LOG_TABLE_CHANGES_MONITOR: "LOG_TABLE_CHANGE",
  SUSPENDED_TASKS_MONITOR: "TASK_SUSPENDED",
} as const;

type MonitorTask = keyof typeof MONITOR_KINDS;

/** The ACCOUNT_USAGE view each event monitor reads (for its latency). */
export const MONITOR_VIEWS = {
  LOAD_FAILURES_MONITOR: "COPY_HISTORY",
  TASK_FAILURES_MONITOR: "TASK_HISTORY",
  LONG_QUERIES_MONITOR: "QUERY_HISTORY",
  LOG_TABLE_CHANGES_MONITOR: "ACCESS_HISTORY",
} as const satisfies Partial<Record<MonitorTask, keyof typeof ACCOUNT_USAGE_LATENCY_MINUTES>>;

/**
 * Account-level monitors of one log database, each a serverless task in its MONITORING schema that
 * writes to the alert store:
 * - LOAD_FAILURE: files whose COPY/Snowpipe load failed, was partial or skipped, per table;
 * - TASK_FAILURE: task runs that did not succeed (failed, auto-suspended, cancelled), per task;
 * - LONG_QUERY: queries that ran longer than the threshold (default one hour), each once;
 * - LOG_TABLE_CHANGE: tamper detection from ACCESS_HISTORY — writes that are not appends and
 *   redefinitions of the database, its schemas, tables, streams, pipes and tasks, each statement once,
 *   unless expected (by role, table, statement type and task; never by statement text);
 * - TASK_SUSPENDED: tasks of the database left suspended, per task, from SHOW TASKS.
 * The first four read SNOWFLAKE.ACCOUNT_USAGE views (the task owner needs the SNOWFLAKE database roles
 * USAGE_VIEWER and GOVERNANCE_VIEWER, or IMPORTED PRIVILEGES) and look back each view's documented
 * latency plus `lookbackMarginMinutes`; every event is recorded once in MONITOR_EVENTS.
 */
export class AccountMonitors extends Construct {
  /** Task name → the statements it runs. */
  public readonly statements: Readonly<Record<MonitorTask, readonly string[]>>;
  /** Minutes each ACCOUNT_USAGE monitor looks back. */
  public readonly lookbackMinutes: Readonly<Record<keyof typeof MONITOR_VIEWS, number>>;

  constructor(scope: Construct, id: string, props: AccountMonitorsProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, ACCOUNT_MONITORS_MODULE);
    const lookback = (task: keyof typeof MONITOR_VIEWS) => ACCOUNT_USAGE_LATENCY_MINUTES[MONITOR_VIEWS[task]] + p.lookbackMarginMinutes;
    this.lookbackMinutes = {
      LOAD_FAILURES_MONITOR: lookback("LOAD_FAILURES_MONITOR"),
      TASK_FAILURES_MONITOR: lookback("TASK_FAILURES_MONITOR"),
      LONG_QUERIES_MONITOR: lookback("LONG_QUERIES_MONITOR"),
      LOG_TABLE_CHANGES_MONITOR: lookback("LOG_TABLE_CHANGES_MONITOR"),
    };
    const events = (task: keyof typeof MONITOR_VIEWS, severity: "HIGH" | "MEDIUM", plural: string, firing: (lookbackMinutes: number) => string) =>
      eventMonitorStatements({
        store: p.alertStore,
        kind: MONITOR_KINDS[task],
        severity,
        plural,
        lookbackMinutes: this.lookbackMinutes[task],
        suppressionMinutes: p.suppressionMinutes,
        firing: firing(this.lookbackMinutes[task]),
      });
    const database = p.database;
    this.statements = {
      LOAD_FAILURES_MONITOR: events("LOAD_FAILURES_MONITOR", "HIGH", "files not loaded", (l) => loadFailuresSelect({ database, lookbackMinutes: l })),
      TASK_FAILURES_MONITOR: events("TASK_FAILURES_MONITOR", "HIGH", "task runs not succeeded", (l) => taskFailuresSelect({ database, lookbackMinutes: l })),
      LONG_QUERIES_MONITOR: events("LONG_QUERIES_MONITOR", "MEDIUM", "long queries", (l) =>
        longQueriesSelect({ database, lookbackMinutes: l, thresholdMinutes: p.longQueryMinutes }),
      ),
      LOG_TABLE_CHANGES_MONITOR: events("LOG_TABLE_CHANGES_MONITOR", "HIGH", "changes", (l) =>
        tableChangesSelect({ database, lookbackMinutes: l, expected: [...p.exemptRoles.map((role) => ({ role })), ...p.expectedChanges] }),
      ),
      // The INSERT right after SHOW TASKS reads its result (RESULT_SCAN of LAST_QUERY_ID).
      SUSPENDED_TASKS_MONITOR: [
        showTasksStatement(p.database),
        ...monitorStatements({
          store: p.alertStore,
          kind: MONITOR_KINDS.SUSPENDED_TASKS_MONITOR,
          severity: "HIGH",
          suppressionMinutes: p.suppressionMinutes,
          firing: suspendedTasksSelect({ expectedSuspended: p.expectedSuspendedTasks }),
        }),
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
        comment: `Monitor ${MONITOR_KINDS[name as MonitorTask]} of ${p.database}`,
        dependsOn: p.waitFor,
      });
    }
  }
}
