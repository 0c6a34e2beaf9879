import { AccountRole } from "@cdktf/provider-snowflake/lib/account-role";
import { GrantAccountRole } from "@cdktf/provider-snowflake/lib/grant-account-role";
import { GrantPrivilegesToAccountRole, GrantPrivilegesToAccountRoleConfig } from "@cdktf/provider-snowflake/lib/grant-privileges-to-account-role";
import { ITerraformDependable, dependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { quotedName } from "../../core/naming";
import { stampModule } from "../../core/stamp";
import { dependables, parseProps, pathOf, snowflakeIdentifier } from "../../core/validate";

export const TENANT_ROLES_MODULE = "snowflake/tenant-roles" as const;

export interface TenantRolesProps {
  /** Database holding the tenant's schema. */
  readonly database: string;
  /** The tenant's schema: every grant is on this schema and its objects only. */
  readonly schema: string;
  /** Prefix of the role names, e.g. `ACME_PROD_GLOBEX` → `ACME_PROD_GLOBEX_READER`, `_ANALYST`, `_PIPELINE`. */
  readonly rolePrefix: string;
  /** Warehouse the reader and analyst may use to query. @default none */
  readonly warehouse?: string;
  /**
   * Role the tenant roles are granted to: the deploying role, which keeps managing the objects the
   * pipeline role owns through this grant. @default "SYSADMIN"
   */
  readonly parentRole?: string;
  /**
   * The environment's monitoring role (made by `lakehouse bootstrap snowflake`, owner of the platform's
   * monitors): USAGE on the schema and MONITOR on its tasks, existing and future, so the suspended-task
   * monitor's SHOW TASKS sees them. @default none
   */
  readonly monitoringRole?: string;
  /** Objects to create first (the schema). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const identifier = snowflakeIdentifier();
const propsSchema = z.object({
  database: identifier,
  schema: identifier,
  rolePrefix: identifier.refine((s) => s.length <= 200, "must be at most 200 characters"),
  warehouse: identifier.optional(),
  parentRole: identifier.default("SYSADMIN"),
  monitoringRole: identifier.optional(),
  waitFor: dependables(),
});

export type TenantRole = "READER" | "ANALYST" | "PIPELINE";

/** `<prefix>_READER`, `_ANALYST`, `_PIPELINE`. */
export function tenantRoleName(rolePrefix: string, role: TenantRole): string {
  return `${rolePrefix}_${role}`;
}

/**
 * Least-privilege Snowflake roles of one tenant, every grant on that tenant's schema only:
 * - `<prefix>_READER`: USAGE on the database and schema, SELECT on its views (existing and future) —
 *   the dynamic schemas analysts and detections read — and USAGE on the query warehouse, if given;
 * - `<prefix>_ANALYST`: READER plus SELECT on the raw log tables (existing and future);
 * - `<prefix>_PIPELINE`: the owner of the tenant's pipeline objects (handed over by
 *   `PipelineOwnership`): USAGE on the database and schema, EXECUTE TASK and EXECUTE MANAGED TASK
 *   (its serverless tasks run as it) — and nothing on the alert store: its canaries raise alerts
 *   through the tenant's alert procedure (`TenantAlertWriter`, which grants its USAGE), so one
 *   tenant can neither read nor suppress another's alerts. In a managed-access schema an owner cannot
 *   grant access to what it owns.
 * All three are granted to `parentRole` so administrators keep control of them. With `monitoringRole`,
 * that role may see the schema's tasks (MONITOR).
 *
 * A FUTURE grant covers only objects created after it and an ALL grant only objects that exist when
 * it runs (and the provider does not read `on_all` grants back): the schema's objects must wait for
 * `futureGrants`, and `grantOnExistingAfter` makes the ALL grants wait for the objects, so no object
 * falls between the two.
 */
export class TenantRoles extends Construct {
  public readonly readerRole: string;
  public readonly analystRole: string;
  public readonly pipelineRole: string;
  /** The pipeline role and every grant it needs before it can own and run the pipeline. */
  public readonly pipelineRoleReady: readonly ITerraformDependable[];
  /** The FUTURE grants on the schema's objects: create the objects after them. */
  public readonly futureGrants: readonly ITerraformDependable[];
  private readonly allGrants: GrantPrivilegesToAccountRole[] = [];

  constructor(scope: Construct, id: string, props: TenantRolesProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, TENANT_ROLES_MODULE);
    const schema = quotedName(p.database, p.schema);
    const waits = p.waitFor.length > 0 ? [...p.waitFor] : undefined;

    // A role's name is read once: each attribute read makes a new token (with a captured stack trace).
    const made: ITerraformDependable[] = [];
    const role = (suffix: TenantRole, comment: string) => {
      const account = new AccountRole(this, suffix, { name: tenantRoleName(p.rolePrefix, suffix), comment });
      const name = account.name;
      made.push(account, new GrantAccountRole(this, `${suffix}ToParent`, { roleName: name, parentRoleName: p.parentRole }));
      return name;
    };
    const grant = (id: string, config: Omit<GrantPrivilegesToAccountRoleConfig, "dependsOn">) => {
      const g = new GrantPrivilegesToAccountRole(this, id, { ...config, dependsOn: waits });
      made.push(g);
      return g;
    };
    const usage = (role: string, who: string) => {
      grant(`${who}DatabaseUsage`, { accountRoleName: role, privileges: ["USAGE"], onAccountObject: { objectType: "DATABASE", objectName: p.database } });
      grant(`${who}SchemaUsage`, { accountRoleName: role, privileges: ["USAGE"], onSchema: { schemaName: schema } });
    };
    const future: ITerraformDependable[] = [];
    const onObjects = (role: string, who: string, privileges: string[], plural: string) => {
      const name = plural.charAt(0) + plural.slice(1).toLowerCase();
      this.allGrants.push(
        grant(`${who}All${name}`, { accountRoleName: role, privileges, onSchemaObject: { all: { objectTypePlural: plural, inSchema: schema } } }),
      );
      future.push(
        grant(`${who}Future${name}`, { accountRoleName: role, privileges, onSchemaObject: { future: { objectTypePlural: plural, inSchema: schema } } }),
      );
    };

    const reader = role("READER", `Reads the views of ${p.database}.${p.schema}`);
    usage(reader, "Reader");
    onObjects(reader, "Reader", ["SELECT"], "VIEWS");
    if (p.warehouse)
      grant("ReaderWarehouseUsage", { accountRoleName: reader, privileges: ["USAGE"], onAccountObject: { objectType: "WAREHOUSE", objectName: p.warehouse } });

    const analyst = role("ANALYST", `Reads the views and raw log tables of ${p.database}.${p.schema}`);
    new GrantAccountRole(this, "ReaderToAnalyst", { roleName: reader, parentRoleName: analyst });
    onObjects(analyst, "Analyst", ["SELECT"], "TABLES");

    const pipelineStart = made.length;
    const pipeline = role("PIPELINE", `Owns and runs the pipeline objects of ${p.database}.${p.schema}`);
    usage(pipeline, "Pipeline");
    grant("PipelineExecuteTasks", { accountRoleName: pipeline, privileges: ["EXECUTE MANAGED TASK", "EXECUTE TASK"], onAccount: true });
    this.pipelineRoleReady = made.slice(pipelineStart);

    if (p.monitoringRole) {
      grant("MonitoringSchemaUsage", { accountRoleName: p.monitoringRole, privileges: ["USAGE"], onSchema: { schemaName: schema } });
      onObjects(p.monitoringRole, "Monitoring", ["MONITOR"], "TASKS");
    }
    this.futureGrants = future;

    this.readerRole = tenantRoleName(p.rolePrefix, "READER");
    this.analystRole = tenantRoleName(p.rolePrefix, "ANALYST");
    this.pipelineRole = tenantRoleName(p.rolePrefix, "PIPELINE");
  }

  /** Makes the ALL grants (on the schema's existing objects) run after `objects` are created. */
  public grantOnExistingAfter(...objects: ITerraformDependable[]): void {
    // `dependable` renders a bare address (`type.name`), as depends_on requires.
    for (const g of this.allGrants) g.dependsOn = [...(g.dependsOn ?? []), ...objects.map((o) => dependable(o))];
  }
}
