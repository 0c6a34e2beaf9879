import { AccountRole } from "@cdktf/provider-snowflake/lib/account-role";
import { GrantAccountRole } from "@cdktf/provider-snowflake/lib/grant-account-role";
import { GrantPrivilegesToAccountRole, GrantPrivilegesToAccountRoleConfig } from "@cdktf/provider-snowflake/lib/grant-privileges-to-account-role";
import { Schema } from "@cdktf/provider-snowflake/lib/schema";
import { Table } from "@cdktf/provider-snowflake/lib/table";
import { Warehouse as WarehouseResource } from "@cdktf/provider-snowflake/lib/warehouse";
import { ITerraformDependable, TerraformProvider, dependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { qualified, quotedName } from "../../core/naming";
import { stampModule } from "../../core/stamp";
import { dependables, parseProps, pathOf, snowflakeIdentifier } from "../../core/validate";
import { warehouseResourceMonitor } from "../resource-monitor";

export const BACKFILL_WAREHOUSE_MODULE = "snowflake/backfill-warehouse" as const;

/**
 * Columns of the progress table, in order: one row per event of a backfill run (append-only, so the
 * role needs INSERT and SELECT only). `lakehouse backfill` writes and reads exactly these.
 */
export const BACKFILL_PROGRESS_COLUMNS = [
  { name: "RUN_ID", type: "VARCHAR(16777216)", nullable: false, comment: "One backfill run (a UUID); a resumed run keeps its id" },
  { name: "TENANT", type: "VARCHAR(16777216)", nullable: false, comment: "Tenant id" },
  { name: "SOURCE", type: "VARCHAR(16777216)", nullable: false, comment: "Source name" },
  { name: "TARGET_TABLE", type: "VARCHAR(16777216)", nullable: false, comment: "Table the COPY loads (a wrapped source's landing table)" },
  { name: "RANGE_FROM", type: "TIMESTAMP_TZ(9)", nullable: false, comment: "Start of the range (inclusive)" },
  { name: "RANGE_TO", type: "TIMESTAMP_TZ(9)", nullable: false, comment: "End of the range (exclusive)" },
  { name: "BATCH", type: "NUMBER(38,0)", nullable: false, comment: "Batch number from 1; 0 on the run's own rows" },
  { name: "STATUS", type: "VARCHAR(16777216)", nullable: false, comment: "RUN_STARTED, BATCH_STARTED, BATCH_LOADED, BATCH_FAILED or RUN_FINISHED" },
  { name: "FILES", type: "VARIANT", nullable: true, comment: "BATCH_STARTED: the batch's files, a JSON array of names relative to the stage" },
  { name: "FILE_COUNT", type: "NUMBER(38,0)", nullable: true, comment: "Files of the batch (of the run on RUN_FINISHED)" },
  { name: "BYTES", type: "NUMBER(38,0)", nullable: true, comment: "Bytes of those files as listed in S3" },
  { name: "ROWS_LOADED", type: "NUMBER(38,0)", nullable: true, comment: "Rows the COPY loaded" },
  { name: "ERRORS", type: "NUMBER(38,0)", nullable: true, comment: "Rows the COPY could not load (ON_ERROR as the pipe's)" },
  { name: "QUERY_TAG", type: "VARCHAR(16777216)", nullable: true, comment: "The COPY's QUERY_TAG, to find it in the query history" },
  { name: "MESSAGE", type: "VARCHAR(16777216)", nullable: true, comment: "Why a batch failed, or what a run did" },
  { name: "RECORDED_AT", type: "TIMESTAMP_LTZ(9)", nullable: false, default: { expression: "CURRENT_TIMESTAMP()" }, comment: "When the row was written" },
] as const;

export type WarehouseSize = "XSMALL" | "SMALL" | "MEDIUM" | "LARGE" | "XLARGE";

export interface BackfillWarehouseProps {
  /** Database of the log tables; the progress schema is made in it. */
  readonly database: string;
  /** Warehouse name; its resource monitor is `<name>_MONITOR`. */
  readonly warehouseName: string;
  /** The backfill role: USAGE on the warehouse, database and progress schema, INSERT + SELECT on the progress table. */
  readonly roleName: string;
  /** Role the backfill role is granted to (the deploying role), so administrators keep control of it. @default "SYSADMIN" */
  readonly parentRole?: string;
  /** Schema of the progress table (managed access). @default "BACKFILL" */
  readonly schema?: string;
  /** Warehouse size: a COPY loads files in parallel, about 8 at a time per XSMALL node. @default "XSMALL" */
  readonly size?: WarehouseSize;
  /** Idle seconds before it suspends. @default 60 */
  readonly autoSuspendSeconds?: number;
  /** Statements running longer are cancelled: one COPY batch must finish within it. @default 7200 */
  readonly statementTimeoutSeconds?: number;
  /** Credits a month before the resource monitor suspends the warehouse (at 100 %; cut off at 110 %). */
  readonly monthlyCreditQuota: number;
  /** Percentages of the quota that notify account administrators. @default [75, 90] */
  readonly notifyAtPercent?: readonly number[];
  /** Time Travel days of the progress table. @default 7 */
  readonly dataRetentionDays?: number;
  /** Objects to create first (the database). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
  /**
   * A provider working as ACCOUNTADMIN, bound to the warehouse's resource monitor and its assignment
   * alone (only account administrators may create or assign one). @default the stack's provider
   */
  readonly administrator?: TerraformProvider;
}

const identifier = snowflakeIdentifier();
const propsSchema = z
  .object({
    database: identifier,
    warehouseName: identifier,
    roleName: identifier,
    parentRole: identifier.default("SYSADMIN"),
    schema: identifier.default("BACKFILL"),
    size: z.enum(["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE"]).default("XSMALL"),
    autoSuspendSeconds: z.number().int().min(60, "must be at least 60 (billing is per second after a 60-second minimum)").max(3600).default(60),
    statementTimeoutSeconds: z.number().int().min(300, "must be at least 300: a COPY batch needs minutes").max(172800).default(7200),
    monthlyCreditQuota: z.number({ message: "required: a warehouse without a credit quota has no cost guard" }).positive(),
    notifyAtPercent: z.array(z.number().int().min(1).max(99, "must be below 100, where the warehouse suspends")).max(5).default([75, 90]),
    dataRetentionDays: z.number().int().min(0).max(90).default(7),
    waitFor: dependables(),
    administrator: z.custom<TerraformProvider>((v) => v instanceof TerraformProvider, "must be a provider").optional(),
  })
  .refine((p) => p.warehouseName !== p.roleName, { message: "must differ from roleName", path: ["warehouseName"] });

/**
 * What `lakehouse backfill` runs on, per Snowflake account: a warehouse of its own (so neither the
 * serverless pipes nor the analysts' query warehouse are slowed), auto-suspending, with a resource
 * monitor that notifies and then suspends it at its monthly quota; the BACKFILL role, which may use
 * that warehouse, the database and the progress schema and write the progress table — nothing else
 * here (its access to the tenants' stages, file formats and log tables is `BackfillTenantAccess`, in
 * each tenant's stack, where those schemas are made); and the progress table, append-only, one row
 * per event of a run, which a rerun reads to resume.
 */
export class BackfillWarehouse extends Construct {
  public readonly warehouseName: string;
  public readonly monitorName: string;
  public readonly roleName: string;
  /** `DATABASE.SCHEMA` of the progress table. */
  public readonly progressSchema: string;
  /** `DATABASE.SCHEMA.PROGRESS` */
  public readonly progressTable: string;

  constructor(scope: Construct, id: string, props: BackfillWarehouseProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, BACKFILL_WAREHOUSE_MODULE);
    const waits = p.waitFor.length > 0 ? [...p.waitFor] : undefined;
    this.warehouseName = p.warehouseName;
    this.monitorName = `${p.warehouseName}_MONITOR`;
    this.roleName = p.roleName;
    this.progressSchema = `${p.database}.${p.schema}`;
    this.progressTable = qualified(p.database, p.schema, "PROGRESS");

    const warehouse = new WarehouseResource(this, "Warehouse", {
      name: p.warehouseName,
      warehouseType: "STANDARD",
      warehouseSize: p.size,
      autoSuspend: p.autoSuspendSeconds,
      autoResume: "true",
      initiallySuspended: true,
      statementTimeoutInSeconds: p.statementTimeoutSeconds,
      comment: `For lakehouse backfill COPY batches; monthly quota ${p.monthlyCreditQuota} credits`,
    });
    warehouseResourceMonitor(this, {
      warehouse,
      warehouseName: p.warehouseName,
      monitorName: this.monitorName,
      creditQuota: p.monthlyCreditQuota,
      notifyTriggers: p.notifyAtPercent,
      suspendTrigger: 100,
      suspendImmediateTrigger: 110,
      administrator: p.administrator,
    });

    const schema = new Schema(this, "Schema", {
      database: p.database,
      name: p.schema,
      withManagedAccess: "true",
      dataRetentionTimeInDays: p.dataRetentionDays,
      comment: "Progress of lakehouse backfill runs",
      dependsOn: waits,
      // A rerun resumes from what is recorded here: no plan may drop it.
      lifecycle: { preventDestroy: true },
    });
    const table = new Table(this, "Progress", {
      database: p.database,
      schema: p.schema,
      name: "PROGRESS",
      dataRetentionTimeInDays: p.dataRetentionDays,
      comment: "One row per event of a backfill run (append-only); a rerun of the same range resumes from it",
      column: BACKFILL_PROGRESS_COLUMNS.map((c) => ({ ...c })),
      dependsOn: [schema],
      lifecycle: { preventDestroy: true },
    });

    const role = new AccountRole(this, "Role", {
      name: p.roleName,
      comment: `Runs lakehouse backfill: COPY into the log tables of ${p.database} on ${p.warehouseName}`,
    });
    // A role's name is read once: each attribute read makes a new token.
    const roleName = role.name;
    new GrantAccountRole(this, "RoleToParent", { roleName, parentRoleName: p.parentRole });
    const grant = (grantId: string, config: Omit<GrantPrivilegesToAccountRoleConfig, "accountRoleName">, after: ITerraformDependable[]) =>
      new GrantPrivilegesToAccountRole(this, grantId, { accountRoleName: roleName, ...config, dependsOn: after });
    grant("WarehouseUsage", { privileges: ["USAGE"], onAccountObject: { objectType: "WAREHOUSE", objectName: p.warehouseName } }, [warehouse]);
    grant("DatabaseUsage", { privileges: ["USAGE"], onAccountObject: { objectType: "DATABASE", objectName: p.database } }, [...(waits ?? [])]);
    grant("ProgressSchemaUsage", { privileges: ["USAGE"], onSchema: { schemaName: quotedName(p.database, p.schema) } }, [schema]);
    grant(
      "ProgressWrite",
      { privileges: ["INSERT", "SELECT"], onSchemaObject: { objectType: "TABLE", objectName: quotedName(p.database, p.schema, "PROGRESS") } },
      [table],
    );
  }
}

export interface BackfillTenantAccessProps {
  /** The backfill role (`BackfillWarehouse.roleName`, made in the platform stack). */
  readonly roleName: string;
  /** Database holding the tenant's schema. */
  readonly database: string;
  /** The tenant's schema: every grant is on this schema and its objects only. */
  readonly schema: string;
  /** Objects to create first (the schema). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const accessSchema = z.object({ roleName: identifier, database: identifier, schema: identifier, waitFor: dependables() });

/**
 * The backfill role's access to one tenant's schema, exactly what a COPY through the source's own
 * stage needs: USAGE on the schema, on its stages and file formats, and INSERT + SELECT on its tables
 * (the log tables and the landing tables of wrapped sources; SELECT to find the files already
 * loaded) — existing and future ones, as the tenant roles' grants. No OWNERSHIP, no pipe, task or
 * view privileges. Made in the tenant's stack: the schema does not exist when the platform is applied.
 * The schema's objects wait for `futureGrants`; `grantOnExistingAfter` makes the ALL grants wait for
 * the objects (as `TenantRoles`), so no object falls between the two.
 */
export class BackfillTenantAccess extends Construct {
  /** The FUTURE grants: create the schema's objects after them. */
  public readonly futureGrants: readonly ITerraformDependable[];
  private readonly allGrants: GrantPrivilegesToAccountRole[] = [];

  constructor(scope: Construct, id: string, props: BackfillTenantAccessProps) {
    const p = parseProps(pathOf(scope, id), accessSchema, props);
    super(scope, id);
    stampModule(this, BACKFILL_WAREHOUSE_MODULE);
    const schema = quotedName(p.database, p.schema);
    const waits = p.waitFor.length > 0 ? [...p.waitFor] : undefined;
    const grant = (grantId: string, config: Omit<GrantPrivilegesToAccountRoleConfig, "accountRoleName" | "dependsOn">) =>
      new GrantPrivilegesToAccountRole(this, grantId, { accountRoleName: p.roleName, ...config, dependsOn: waits });
    grant("SchemaUsage", { privileges: ["USAGE"], onSchema: { schemaName: schema } });
    const future: ITerraformDependable[] = [];
    for (const [plural, privileges] of [
      ["STAGES", ["USAGE"]],
      ["FILE FORMATS", ["USAGE"]],
      ["TABLES", ["INSERT", "SELECT"]],
    ] as const) {
      const name = plural
        .split(" ")
        .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
        .join("");
      this.allGrants.push(grant(`All${name}`, { privileges: [...privileges], onSchemaObject: { all: { objectTypePlural: plural, inSchema: schema } } }));
      future.push(grant(`Future${name}`, { privileges: [...privileges], onSchemaObject: { future: { objectTypePlural: plural, inSchema: schema } } }));
    }
    this.futureGrants = future;
  }

  /** Makes the ALL grants (on the schema's existing objects) run after `objects` are created. */
  public grantOnExistingAfter(...objects: ITerraformDependable[]): void {
    for (const g of this.allGrants) g.dependsOn = [...(g.dependsOn ?? []), ...objects.map((o) => dependable(o))];
  }
}
