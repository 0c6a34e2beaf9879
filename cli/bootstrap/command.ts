/** `lakehouse bootstrap snowflake`: the command line around stacks/bootstrap/from-config.ts (what the stacks need) and check.ts (a live account). */
import { loadConfigFile } from "../../stacks/config/load";
import { resolveConfig } from "../../stacks/config/resolve";
import { SNOWFLAKE_OPTIONS, SnowflakeSqlApi, SnowflakeSqlError, SqlClient, snowflakeConnection, snowflakeSettingsOf } from "../snowflake-sql-api";
import { CheckResult, checkPlan, checkReport } from "./check";
import { BootstrapSelectionError, bootstrapPlans } from "../../stacks/bootstrap/from-config";
import { BootstrapPlan, bootstrapSql } from "../../stacks/bootstrap/plan";
import { OptionValues, Output, str } from "../command";

/** The command's entry in the CLI's COMMANDS (the same shape as its other commands). */
export const BOOTSTRAP_COMMAND = {
  summary: "print the SQL an account administrator runs once per Snowflake account, or --check it against the account",
  subcommands: ["snowflake"],
  details:
    "`lakehouse bootstrap snowflake --config <file>` prints, per Snowflake account the config deploys into,\n" +
    "the deploy role the providers work as (exactly the privileges the stacks need), the environment's\n" +
    "monitoring role (owner of the platform's tasks, with the SNOWFLAKE database roles its monitors read\n" +
    "through) and the warehouse the providers connect with; each grant comes with its reason. Run it as\n" +
    "ACCOUNTADMIN; every statement may run again. --check reads the account's grants (SHOW GRANTS, through\n" +
    "the SQL API; SNOWFLAKE_USER and SNOWFLAKE_PRIVATE_KEY_FILE, or the options) and exits 1 if a grant is\n" +
    "missing or a role holds more than the stacks need. See docs/deploying.md.",
  options: {
    config: { type: "string", value: "file", help: "the lakehouse config (required)" },
    env: { type: "string", value: "name", help: "only this environment (default: every environment)" },
    region: { type: "string", value: "region", help: "only the Snowflake account of this region (required with --check when there are several)" },
    "deploy-user": { type: "string", value: "user", help: "the user Terraform connects as: the deploy role is granted to it (default: a comment says to)" },
    check: { type: "boolean", help: "compare the account's grants with the script instead of printing it" },
    "snowflake-account": SNOWFLAKE_OPTIONS["snowflake-account"],
    "snowflake-user": SNOWFLAKE_OPTIONS["snowflake-user"],
    "private-key-file": SNOWFLAKE_OPTIONS["private-key-file"],
    role: { type: "string", value: "role", help: "with --check: the role that reads the grants (default: $SNOWFLAKE_ROLE, else the deploy role)" },
  },
} as const;

/** What the command uses from outside; tests replace them. */
export interface BootstrapEnvironment {
  readonly env: NodeJS.ProcessEnv;
  /** A client for the plan's account. @default the SQL API with the connection options */
  readonly sql?: (plan: BootstrapPlan) => SqlClient;
}

/**
 * Runs `lakehouse bootstrap <subcommand>`; resolves to the exit code. Usage errors are made by `usage`
 * (the CLI's, exit 2); config errors are thrown to the CLI (exit 1).
 */
export async function bootstrapCommand(
  subcommand: string,
  values: OptionValues,
  out: Output,
  err: Output,
  usage: (message: string) => Error,
  outside: BootstrapEnvironment = { env: process.env },
): Promise<number> {
  if (subcommand !== "snowflake") throw usage(`bootstrap: nothing to bootstrap for '${subcommand}' (only snowflake)`);
  const configFile = str(values.config);
  if (!configFile) throw usage("bootstrap snowflake needs --config <file>");
  const lakehouse = resolveConfig(loadConfigFile(configFile));
  let plans: BootstrapPlan[];
  try {
    plans = bootstrapPlans(lakehouse, { env: str(values.env), region: str(values.region), deployUser: str(values["deploy-user"])?.toUpperCase() });
  } catch (e) {
    if (e instanceof BootstrapSelectionError) throw usage(e.message);
    throw e;
  }
  if (values.check !== true) {
    out.write(plans.map((p) => bootstrapSql(p, [`From ${configFile}.`])).join("\n"));
    return 0;
  }
  if (plans.length > 1) throw usage(`--check reads one account at a time, and the config deploys into ${plans.map((p) => p.account).join(", ")}: add --region`);
  const [plan] = plans;
  let sql = outside.sql?.(plan);
  let as = str(values.role) ?? outside.env.SNOWFLAKE_ROLE ?? plan.deployRole;
  if (!sql) {
    const connection = snowflakeConnection(snowflakeSettingsOf(values), { account: plan.account, role: plan.deployRole }, outside.env);
    if ("missing" in connection) throw usage(`--check needs ${connection.missing.join(", ")}`);
    as = connection.role ?? as;
    sql = new SnowflakeSqlApi(connection);
  }
  let result: CheckResult;
  try {
    result = await checkPlan(plan, sql);
  } catch (e) {
    if (!(e instanceof SnowflakeSqlError)) throw e;
    err.write(`lakehouse: bootstrap --check: ${e.message}\n`);
    return 1;
  }
  out.write(`${checkReport(result, as)}\n`);
  return result.missing.length + result.extra.length > 0 ? 1 : 0;
}
