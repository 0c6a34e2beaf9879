/**
 * What `lakehouse bootstrap snowflake` makes in a Snowflake account, as data: the roles, the warehouse
 * the providers connect with, and every grant, each with the reason the stacks need it. The SQL an
 * account administrator runs (`bootstrapSql`) and the check against a live account (`./check.ts`) are
 * both read from it, and test/bootstrap.test.ts derives from the synthesized stacks what each object
 * needs and checks that a plan grants exactly that.
 */

/** Where a privilege is granted: the account (global privileges), or a named account object. */
export type GrantTarget = { readonly type: "ACCOUNT" } | { readonly type: "WAREHOUSE" | "DATABASE" | "SCHEMA" | "INTEGRATION"; readonly name: string };

export interface PrivilegeGrant {
  readonly kind: "privilege";
  readonly privilege: string;
  readonly on: GrantTarget;
  readonly to: string;
  /** The grantee may grant it on (to the roles the stacks make). @default false */
  readonly grantOption?: boolean;
  readonly why: string;
}

/** A role granted to a role, or to the user Terraform connects as. */
export interface RoleGrant {
  readonly kind: "role";
  readonly role: string;
  readonly to: { readonly role: string } | { readonly user: string };
  readonly why: string;
}

/** A database role of the SNOWFLAKE database (USAGE_VIEWER, GOVERNANCE_VIEWER, …) granted to a role. */
export interface DatabaseRoleGrant {
  readonly kind: "database role";
  /** `SNOWFLAKE.<ROLE>` */
  readonly databaseRole: string;
  readonly to: string;
  readonly why: string;
}

export type BootstrapGrant = PrivilegeGrant | RoleGrant | DatabaseRoleGrant;

/** The warehouse the providers connect with, and its resource monitor (both made by the bootstrap). */
export interface DeployWarehouse {
  readonly name: string;
  readonly size: "XSMALL" | "SMALL";
  readonly autoSuspendSeconds: number;
  readonly monthlyCreditQuota: number;
  readonly monitor: string;
}

export interface BootstrapPlan {
  /** `ORGANIZATION-ACCOUNT`: where it runs. */
  readonly account: string;
  /** The environments (or stacks) deployed into the account, for the header. */
  readonly deploys: readonly string[];
  /** The role Terraform works as (the providers' `role`). */
  readonly deployRole: string;
  readonly warehouse: DeployWarehouse;
  /** Roles the bootstrap makes (the deploy role first), with their comments. */
  readonly roles: readonly { readonly name: string; readonly comment: string }[];
  readonly grants: readonly BootstrapGrant[];
  /** The user Terraform connects as, when known: the deploy role is granted to it. */
  readonly deployUser?: string;
  /** What the administrator must know beyond the SQL (printed as comments). */
  readonly notes: readonly string[];
}

/** Global privileges of the deploying role, one grant each, with why the stacks need it. */
export function accountPrivilege(privilege: string, to: string, why: string, grantOption = false): PrivilegeGrant {
  return { kind: "privilege", privilege, on: { type: "ACCOUNT" }, to, grantOption, why };
}

/** `ON ACCOUNT`, `ON WAREHOUSE X`, … as in GRANT. */
export function targetSql(on: GrantTarget): string {
  return on.type === "ACCOUNT" ? "ACCOUNT" : `${on.type} ${on.name}`;
}

/** The GRANT statement of one grant. */
export function grantSql(g: BootstrapGrant): string {
  switch (g.kind) {
    case "privilege":
      return `GRANT ${g.privilege} ON ${targetSql(g.on)} TO ROLE ${g.to}${g.grantOption ? " WITH GRANT OPTION" : ""}`;
    case "role":
      return `GRANT ROLE ${g.role} TO ${"role" in g.to ? `ROLE ${g.to.role}` : `USER ${g.to.user}`}`;
    case "database role":
      return `GRANT DATABASE ROLE ${g.databaseRole} TO ROLE ${g.to}`;
  }
}

/** A comment line for text that may hold anything but a line break. */
const comment = (text: string) => `-- ${text.replace(/\s+/g, " ").trim()}`;
const quoted = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;

/**
 * The statements of a plan in the order an administrator runs them: roles by USERADMIN (the role
 * Snowflake recommends for making roles), then as ACCOUNTADMIN the deploy warehouse's resource
 * monitor (only account administrators may create one) and the warehouse, then the grants. Every
 * statement can run again: IF NOT EXISTS for what it makes, and a GRANT that exists is a no-op.
 */
export function bootstrapStatements(plan: BootstrapPlan): { sql: string; why?: string }[] {
  const w = plan.warehouse;
  return [
    { sql: "USE ROLE USERADMIN" },
    ...plan.roles.map((r) => ({ sql: `CREATE ROLE IF NOT EXISTS ${r.name} COMMENT = ${quoted(r.comment)}` })),
    { sql: "USE ROLE ACCOUNTADMIN" },
    {
      sql: `CREATE RESOURCE MONITOR IF NOT EXISTS ${w.monitor} WITH CREDIT_QUOTA = ${w.monthlyCreditQuota} TRIGGERS ON 75 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND ON 110 PERCENT DO SUSPEND_IMMEDIATE`,
      why: "only account administrators may create a resource monitor; it caps what the deploy warehouse spends",
    },
    {
      sql: `CREATE WAREHOUSE IF NOT EXISTS ${w.name} WITH WAREHOUSE_SIZE = ${w.size} AUTO_SUSPEND = ${w.autoSuspendSeconds} AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE RESOURCE_MONITOR = ${w.monitor} COMMENT = ${quoted(`The providers connect with it (lakehouse bootstrap snowflake); monthly quota ${w.monthlyCreditQuota} credits`)}`,
      why: "the warehouse the providers connect with: views read policy references, which needs a warehouse in the connection",
    },
    ...plan.grants.map((g) => ({ sql: grantSql(g), why: g.why })),
  ];
}

/** The script an account administrator runs once per account. */
export function bootstrapSql(plan: BootstrapPlan, header: readonly string[] = []): string {
  const lines = [
    comment(`lakehouse bootstrap snowflake: Snowflake account ${plan.account} (${plan.deploys.join(", ")})`),
    ...header.map(comment),
    comment("Run once as a user granted ACCOUNTADMIN (and so USERADMIN). Every statement may run again."),
    ...plan.notes.map(comment),
  ];
  if (!plan.deployUser) lines.push(comment(`Then grant the deploy role to the user Terraform connects as: GRANT ROLE ${plan.deployRole} TO USER <user>;`));
  lines.push("");
  for (const s of bootstrapStatements(plan)) {
    if (s.why) lines.push(comment(s.why));
    lines.push(`${s.sql};`);
  }
  return `${lines.join("\n")}\n`;
}
