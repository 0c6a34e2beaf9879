import { Warehouse as WarehouseResource } from "@cdktf/provider-snowflake/lib/warehouse";
import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { stampModule } from "../../core/stamp";
import { parseProps, pathOf, snowflakeIdentifier } from "../../core/validate";
import { warehouseResourceMonitor } from "../resource-monitor";

export const WAREHOUSE_MODULE = "snowflake/warehouse" as const;

export interface WarehouseProps {
  /** Warehouse name; its resource monitor is `<name>_MONITOR`. */
  readonly name: string;
  /** What it is for, e.g. "queries of analysts and detections". */
  readonly purpose: string;
  /** @default "XSMALL" */
  readonly size?: "XSMALL" | "SMALL" | "MEDIUM" | "LARGE" | "XLARGE";
  /** Idle seconds before it suspends. @default 60 */
  readonly autoSuspendSeconds?: number;
  /** Statements running longer are cancelled. @default 3600 */
  readonly statementTimeoutSeconds?: number;
  /** Credits a month before the resource monitor acts. */
  readonly monthlyCreditQuota: number;
  /** Percentages of the quota that notify account administrators. @default [75, 90] */
  readonly notifyAtPercent?: readonly number[];
  /** Percentage at which the warehouse suspends after running statements finish. @default 100 */
  readonly suspendAtPercent?: number;
  /** Percentage at which it suspends and cancels running statements. @default 110 */
  readonly suspendImmediatelyAtPercent?: number;
  /**
   * A provider working as ACCOUNTADMIN, bound to the resource monitor and its assignment alone (only
   * account administrators may create or assign a resource monitor); the warehouse stays with the
   * stack's provider. @default the stack's provider for all three (it must then be an account administrator)
   */
  readonly administrator?: TerraformProvider;
}

const propsSchema = z
  .object({
    name: snowflakeIdentifier(),
    purpose: z.string().min(3).max(150),
    size: z.enum(["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE"]).default("XSMALL"),
    autoSuspendSeconds: z.number().int().min(60, "must be at least 60 (billing is per second after a 60-second minimum)").max(3600).default(60),
    statementTimeoutSeconds: z.number().int().min(60).max(172800).default(3600),
    monthlyCreditQuota: z.number({ message: "required: a warehouse without a credit quota has no cost guard" }).positive(),
    notifyAtPercent: z.array(z.number().int().min(1).max(200)).max(5).default([75, 90]),
    suspendAtPercent: z.number().int().min(1).max(200).default(100),
    suspendImmediatelyAtPercent: z.number().int().min(1).max(200).default(110),
    administrator: z.custom<TerraformProvider>((v) => v instanceof TerraformProvider, "must be a provider").optional(),
  })
  .superRefine((p, ctx) => {
    if (p.suspendImmediatelyAtPercent < p.suspendAtPercent)
      ctx.addIssue({ code: "custom", path: ["suspendImmediatelyAtPercent"], message: `must not be below suspendAtPercent (${p.suspendAtPercent})` });
    p.notifyAtPercent.forEach((n, i) => {
      if (n >= p.suspendAtPercent)
        ctx.addIssue({
          code: "custom",
          path: ["notifyAtPercent", i],
          message: `must be below suspendAtPercent (${p.suspendAtPercent}): notify before suspending`,
        });
    });
  });

/**
 * A warehouse that suspends itself when idle, with its own resource monitor: administrators are
 * notified at the notify percentages of the monthly credit quota, the warehouse suspends at the
 * suspend percentage and is cut off at the immediate one. The monitor and its assignment are made by
 * `administrator` (ACCOUNTADMIN), the warehouse by the deploying role. Loading (Snowpipe) and the monitoring and
 * cleaning tasks are serverless, cheaper for their short runs; warehouses are for people's queries.
 */
export class Warehouse extends Construct {
  public readonly warehouseName: string;
  public readonly monitorName: string;

  constructor(scope: Construct, id: string, props: WarehouseProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, WAREHOUSE_MODULE);
    this.warehouseName = p.name;
    this.monitorName = `${p.name}_MONITOR`;
    const warehouse = new WarehouseResource(this, "Resource", {
      name: p.name,
      warehouseType: "STANDARD",
      warehouseSize: p.size,
      autoSuspend: p.autoSuspendSeconds,
      autoResume: "true",
      initiallySuspended: true,
      statementTimeoutInSeconds: p.statementTimeoutSeconds,
      comment: `For ${p.purpose}; monthly quota ${p.monthlyCreditQuota} credits`,
    });
    warehouseResourceMonitor(this, {
      warehouse,
      warehouseName: p.name,
      monitorName: this.monitorName,
      creditQuota: p.monthlyCreditQuota,
      notifyTriggers: p.notifyAtPercent,
      suspendTrigger: p.suspendAtPercent,
      suspendImmediateTrigger: p.suspendImmediatelyAtPercent,
      administrator: p.administrator,
    });
  }
}
