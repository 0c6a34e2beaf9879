/**
 * `lakehouse bootstrap snowflake --check`: a live account's grants against the plan, read with SHOW
 * GRANTS through the SQL API. Each grant of the plan is present or missing; what the plan's roles
 * hold beyond it is reported where it widens what they may do — account-level privileges, SNOWFLAKE
 * database roles and system roles — while the grants the stacks themselves make (on the objects they
 * create, the tenant roles granted to the deploy role) are theirs and not judged here.
 *
 * SHOW GRANTS TO ROLE <role> answers privilege, granted_on, name, grant_option (…) per row; a role
 * granted to the role is a USAGE row on ROLE, a database role a USAGE row on DATABASE_ROLE. SHOW
 * GRANTS OF ROLE <role> answers the roles and users the role is granted to (granted_to, grantee_name).
 * (Snowflake, SHOW GRANTS.)
 */
import { SqlClient, SqlRow, cell } from "../snowflake-sql-api";
import { BootstrapGrant, BootstrapPlan, grantSql } from "../../stacks/bootstrap/plan";

/** System roles: holding one of them is more than any lakehouse role needs. */
const SYSTEM_ROLES = new Set(["ACCOUNTADMIN", "SECURITYADMIN", "SYSADMIN", "USERADMIN", "ORGADMIN", "GLOBALORGADMIN"]);

export interface CheckResult {
  readonly account: string;
  readonly present: readonly string[];
  readonly missing: readonly string[];
  /** More than the plan grants: `<what> (<why it matters>)`. */
  readonly extra: readonly string[];
}

const text = (row: SqlRow, column: string) => String(cell(row, column) ?? "").toUpperCase();
const unquote = (name: string) => name.replace(/"/g, "");

/** Whether a SHOW GRANTS TO ROLE row is the grant (with its grant option, unless `anyOption`). */
function rowIsGrant(row: SqlRow, g: BootstrapGrant, anyOption = false): boolean {
  const privilege = text(row, "privilege");
  const on = text(row, "granted_on");
  const name = unquote(text(row, "name"));
  switch (g.kind) {
    case "privilege":
      // ON ACCOUNT rows name the account locator, which the plan does not know.
      if (privilege !== g.privilege || on !== g.on.type.replace(/ /g, "_")) return false;
      if (g.on.type !== "ACCOUNT" && name !== g.on.name) return false;
      return anyOption || !g.grantOption || text(row, "grant_option") === "TRUE";
    case "database role":
      return privilege === "USAGE" && on === "DATABASE_ROLE" && name === g.databaseRole;
    case "role":
      return privilege === "USAGE" && on === "ROLE" && name === g.role;
  }
}

/** Checks one plan against an account; `sql` is connected to that account. */
export async function checkPlan(plan: BootstrapPlan, sql: SqlClient): Promise<CheckResult> {
  const roles = plan.roles.map((r) => r.name);
  const to = new Map<string, readonly SqlRow[]>();
  for (const role of roles) to.set(role, (await sql.query(`SHOW GRANTS TO ROLE ${role}`)).rows);
  // Grants of a plan role to a role outside the plan (SYSADMIN) or to the user are seen from the granted role.
  const ofRole = new Map<string, readonly SqlRow[]>();
  const grantsOf = async (role: string) => {
    if (!ofRole.has(role)) ofRole.set(role, (await sql.query(`SHOW GRANTS OF ROLE ${role}`)).rows);
    return ofRole.get(role)!;
  };

  const present: string[] = [];
  const missing: string[] = [];
  for (const g of plan.grants) {
    let found: boolean;
    if (g.kind === "role" && ("user" in g.to || !roles.includes(g.to.role))) {
      const grantee = "user" in g.to ? g.to.user : g.to.role;
      const kind = "user" in g.to ? "USER" : "ROLE";
      found = (await grantsOf(g.role)).some((row) => text(row, "granted_to") === kind && unquote(text(row, "grantee_name")) === grantee.toUpperCase());
    } else {
      const grantee = g.kind === "role" ? (g.to as { role: string }).role : g.to;
      found = (to.get(grantee) ?? []).some((row) => rowIsGrant(row, g));
    }
    (found ? present : missing).push(grantSql(g));
  }

  const extra: string[] = [];
  for (const role of roles) {
    for (const row of to.get(role) ?? []) {
      const on = text(row, "granted_on");
      const name = unquote(text(row, "name"));
      const privilege = text(row, "privilege");
      // A planned grant present without its grant option is reported missing, not also as more.
      if (
        plan.grants.some(
          (g) => ((g.kind === "role" && "role" in g.to && g.to.role === role) || (g.kind !== "role" && g.to === role)) && rowIsGrant(row, g, true),
        )
      )
        continue;
      if (on === "ACCOUNT")
        extra.push(
          `${privilege} ON ACCOUNT${text(row, "grant_option") === "TRUE" ? " WITH GRANT OPTION" : ""} to ${role} (an account-level privilege the stacks do not need)`,
        );
      else if (on === "DATABASE_ROLE") extra.push(`database role ${name} to ${role} (more of SNOWFLAKE.ACCOUNT_USAGE than the monitors read)`);
      else if (on === "ROLE" && SYSTEM_ROLES.has(name)) extra.push(`role ${name} to ${role} (a system role: everything it may do)`);
    }
  }
  return { account: plan.account, present, missing, extra };
}

/** The report of a check, a line per grant, then the counts. */
export function checkReport(r: CheckResult, as: string): string {
  return [
    `${r.account} (as ${as}):`,
    ...r.present.map((s) => `  ok       ${s}`),
    ...r.missing.map((s) => `  MISSING  ${s}`),
    ...r.extra.map((s) => `  EXTRA    ${s}`),
    `${r.present.length} granted, ${r.missing.length} missing, ${r.extra.length} more than needed`,
  ].join("\n");
}
