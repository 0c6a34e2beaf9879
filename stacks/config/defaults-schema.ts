import { z } from "zod";
import { canary, cron, retentionDays, transition } from "./fields";

/** What tenants and sources inherit (`defaults:`), and the built-in defaults under it. */

const warehouseSettings = (what: string, quota: number) =>
  z
    .strictObject({
      size: z.enum(["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE"]).optional().describe("Warehouse size. Default XSMALL."),
      monthlyCreditQuota: z
        .number()
        .positive()
        .optional()
        .describe(`Credits a month before the warehouse is suspended. Its resource monitor suspends it at the quota; default ${quota}.`),
      autoSuspendSeconds: z.number().int().min(60).max(3600).optional().describe("Idle seconds before the warehouse suspends, 60-3600. Default 60."),
    })
    .optional()
    .describe(what);

export const defaultsSchema = z
  .strictObject({
    retentionDays: retentionDays
      .optional()
      .describe("Days files stay in S3 before they expire. For tenants and sources that set none, and for the audit trail; default 365."),
    retentionFloorDays: retentionDays
      .optional()
      .describe(
        "No retention may be set below this many days. Tenants, sources and backups alike; also the backups' default lock. Default 90; lowering it lets logs be deleted sooner.",
      ),
    canary: canary.omit({ enabled: true }).optional().describe("Canary settings of every source. A source's own canary overrides them."),
    warehouse: warehouseSettings("The query warehouse of every Snowflake account. For analysts and detections.", 100),
    backfillWarehouse: warehouseSettings("The backfill warehouse of every Snowflake account. lakehouse backfill runs its COPY batches on it.", 20),
    monitors: z
      .strictObject({
        lookbackMarginMinutes: z
          .number()
          .int()
          .min(15)
          .max(1440)
          .optional()
          .describe(
            "Extra minutes each monitor looks back, 15-1440. Beyond its ACCOUNT_USAGE view's documented latency; at least two schedule intervals. Default 60.",
          ),
        suppressionMinutes: z
          .number()
          .int()
          .min(0)
          .max(43200)
          .optional()
          .describe("Minutes a subject alerted once stays quiet. What happens meanwhile is reported when it ends; default 1440."),
        longQueryMinutes: z.number().int().min(1).max(1440).optional().describe("Queries running longer than this many minutes are reported. Default 60."),
        schedule: cron.optional().describe("When every monitor runs. Five cron fields and a time zone; default every 15 minutes, '*/15 * * * * UTC'."),
      })
      .optional()
      .describe("The account monitors of every environment. Load and task failures, long queries, log table changes."),
    timeTravelDays: z
      .number()
      .int()
      .min(0)
      .max(90)
      .optional()
      .describe(
        "Snowflake Time Travel days of the log data, 0-90. For the log databases, schemas and tables; beyond 1 needs Enterprise edition. Default 7; fewer days leave less time to recover changed or dropped data.",
      ),
    accessLogRetentionDays: retentionDays.optional().describe("Days S3 server access logs are kept, in each region's access-log bucket. Default 365."),
    transitions: z.array(transition).optional().describe("Storage-class transitions of sources that set none. Default: none (files stay in STANDARD)."),
  })
  .describe("Defaults that tenants and sources inherit unless they set their own. Each built-in default is the secure and boring choice.");

/** Built-in defaults, each the secure and boring choice; `defaults:` in the config overrides them. */
export const BUILT_IN_DEFAULTS = {
  retentionDays: 365,
  retentionFloorDays: 90,
  canary: { windowMinutes: 60, suppressionMinutes: 1440, schedule: "*/15 * * * * UTC" },
  timeTravelDays: 7,
  accessLogRetentionDays: 365,
  transitions: [] as z.output<typeof transition>[],
};
