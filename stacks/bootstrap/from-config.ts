/**
 * The bootstrap of each Snowflake account a config deploys into: what the platform and tenant stacks
 * need that they cannot give themselves. Objects the stacks create belong to the deploy role, which
 * therefore needs no grant on them; what is left is global privileges, the roles only an
 * administrator can make or grant (the monitoring role and its SNOWFLAKE database roles), and the
 * warehouse the providers connect with.
 */
import { LakehouseError } from "../../modules/core/errors";
import { ResolvedLakehouse } from "../config/resolve";
import { ACCOUNT_ADMIN_ROLE } from "../providers";
import { deployRoleOf, deployWarehouseOf, monitoringRoleOf } from "../config/names";
import { ACCOUNT_USAGE_VIEW_ROLES, MONITORED_VIEWS } from "./account-usage";
import { BootstrapGrant, BootstrapPlan, accountPrivilege } from "./plan";

/** The deploy warehouse: the smallest, idle within a minute, at most this many credits a month. */
export const DEPLOY_WAREHOUSE = { size: "XSMALL", autoSuspendSeconds: 60, monthlyCreditQuota: 10 } as const;

export interface BootstrapOptions {
  /** Only this environment. @default every environment */
  readonly env?: string;
  /** Only the Snowflake account of this region. @default every account with tenants */
  readonly region?: string;
  /** The user Terraform connects as: the deploy role is granted to it. @default none (a comment says to) */
  readonly deployUser?: string;
}

/** A usage error in what the options select (an unknown environment or region). */
export class BootstrapSelectionError extends LakehouseError {
  constructor(message: string) {
    super(message, "usage");
  }
}

/** The grants a monitoring role needs from an administrator: its ACCOUNT_USAGE views and the right to run tasks. */
export function monitoringRoleGrants(role: string): BootstrapGrant[] {
  const byRole = new Map<string, string[]>();
  for (const [view, reader] of Object.entries(MONITORED_VIEWS)) {
    const dbRole = ACCOUNT_USAGE_VIEW_ROLES[view].role;
    byRole.set(dbRole, [...(byRole.get(dbRole) ?? []), `${view} (${reader})`]);
  }
  return [
    accountPrivilege("EXECUTE MANAGED TASK", role, "it owns and runs the platform's serverless tasks (monitors, alert delivery)"),
    accountPrivilege("EXECUTE TASK", role, "it owns and runs the platform's tasks: a task runs only while its owner may execute tasks"),
    ...[...byRole.entries()].sort().map(([dbRole, views]): BootstrapGrant => ({
      kind: "database role",
      databaseRole: `SNOWFLAKE.${dbRole}`,
      to: role,
      why: `the monitors read SNOWFLAKE.ACCOUNT_USAGE.${views.join(", ")}; this database role covers those views and no others of the SNOWFLAKE database`,
    })),
  ];
}

/** The deploy role's grants that do not depend on the environments it deploys. */
export function deployRoleGrants(role: string, warehouse: string): BootstrapGrant[] {
  return [
    {
      kind: "privilege",
      privilege: "USAGE",
      on: { type: "WAREHOUSE", name: warehouse },
      to: role,
      why: "the providers connect with this warehouse (the view resource reads policy references, which needs one)",
    },
    accountPrivilege("CREATE DATABASE", role, "the platform stack creates the environment's log database"),
    accountPrivilege("CREATE WAREHOUSE", role, "the platform stack creates the query and backfill warehouses"),
    accountPrivilege("CREATE INTEGRATION", role, "every source has a storage integration; alert delivery has notification integrations"),
    accountPrivilege(
      "CREATE ROLE",
      role,
      "the stacks create each tenant's reader, analyst and pipeline roles and the BACKFILL role (the privilege USERADMIN holds, not the role)",
    ),
    accountPrivilege(
      "EXECUTE MANAGED TASK",
      role,
      "it creates the serverless tasks before handing them over, and grants this to the tenants' pipeline roles",
      true,
    ),
    accountPrivilege("EXECUTE TASK", role, "it resumes the tasks it creates and hands over, and grants this to the tenants' pipeline roles", true),
    {
      kind: "role",
      role,
      to: { role: "SYSADMIN" },
      why: `the platform stacks' ${ACCOUNT_ADMIN_ROLE} provider assigns resource monitors to the warehouses this role owns: ${ACCOUNT_ADMIN_ROLE} reaches them through SYSADMIN`,
    },
  ];
}

/**
 * One plan per Snowflake account (and deploy role) the selected environments deploy into — only
 * accounts whose region holds tenants have stacks.
 */
export function bootstrapPlans(lakehouse: ResolvedLakehouse, options: BootstrapOptions = {}): BootstrapPlan[] {
  const envs = lakehouse.environments.filter((e) => options.env === undefined || e.name === options.env);
  if (envs.length === 0)
    throw new BootstrapSelectionError(`--env: no environment '${options.env}' in the config (it has ${lakehouse.environments.map((e) => e.name).join(", ")})`);
  const groups = new Map<string, { account: string; deployRole: string; warehouse: string; envs: string[] }>();
  for (const env of envs) {
    for (const region of env.regions) {
      if (options.region !== undefined && region !== options.region) continue;
      const account = env.config.snowflakeAccounts.find((a) => a.region === region)!;
      const deployRole = deployRoleOf(account, lakehouse.organization);
      const warehouse = deployWarehouseOf(account, lakehouse.organization);
      const label = `${account.organization}-${account.account}`.toUpperCase();
      const key = `${label}/${deployRole}/${warehouse}`;
      const group = groups.get(key) ?? { account: label, deployRole, warehouse, envs: [] };
      group.envs.push(env.name);
      groups.set(key, group);
    }
  }
  if (groups.size === 0) {
    const regions = [...new Set(envs.flatMap((e) => e.regions))].sort();
    throw new BootstrapSelectionError(
      `--region: no tenant of ${envs.map((e) => e.name).join(", ")} is in region '${options.region}', so no stack deploys there (tenants are in ${regions.join(", ")})`,
    );
  }
  return [...groups.values()].map((g) => {
    const monitoring = g.envs.map((env) => ({ env, role: monitoringRoleOf(lakehouse.organization, env) }));
    const grants: BootstrapGrant[] = [
      ...deployRoleGrants(g.deployRole, g.warehouse),
      ...monitoring.flatMap((m) => [
        ...monitoringRoleGrants(m.role),
        {
          kind: "role" as const,
          role: m.role,
          to: { role: g.deployRole },
          why: `the deploy role hands the ${m.env} platform's tasks and the tenants' alert procedures to it (GRANT OWNERSHIP needs the new owner active in the session) and keeps managing them`,
        },
      ]),
      ...(options.deployUser
        ? [{ kind: "role" as const, role: g.deployRole, to: { user: options.deployUser }, why: "the user Terraform connects as works as the deploy role" }]
        : []),
    ];
    return {
      account: g.account,
      deploys: g.envs.map((e) => `environment ${e}`),
      deployRole: g.deployRole,
      warehouse: { name: g.warehouse, monitor: `${g.warehouse}_MONITOR`, ...DEPLOY_WAREHOUSE },
      roles: [
        { name: g.deployRole, comment: "Terraform deploys the security lakehouse as this role (lakehouse bootstrap snowflake)" },
        ...monitoring.map((m) => ({
          name: m.role,
          comment: `Owns and runs the ${m.env} platform's monitors and alert delivery (lakehouse bootstrap snowflake)`,
        })),
      ],
      grants,
      deployUser: options.deployUser,
      notes: [
        `Platform stacks also connect as ${ACCOUNT_ADMIN_ROLE} (provider alias <region>_account_admin), for the query and backfill warehouses' resource monitors and their assignment alone:`,
        `the user that applies platform stacks needs ${ACCOUNT_ADMIN_ROLE}; tenant stacks never use it.`,
      ],
    };
  });
}
