import { CONFIG_OPTION } from "../config-file";
import { SNOWFLAKE_OPTIONS } from "../snowflake-sql-api";

/**
 * The options of `lakehouse restore`, apart from its code so that the CLI's command table does not
 * load the AWS SDK for the other commands (cli/lakehouse.ts imports the command only to run it).
 */
export const RESTORE_COMMAND = {
  summary: "restore a tenant's backed-up logs of a date range from the vault and load them into Snowflake",
  details:
    "One run lists the range in the tenant's vault, requests the restores not yet requested, loads what is\n" +
    "readable and exits 0: 'pending' if restores are still under way, 'complete' when every file is loaded.\n" +
    "Rerun the same command (from any machine) to go on: its state is in the tenant's log bucket under\n" +
    "_restore-state/. --wait polls until done. AWS credentials: the usual chain, as the tenant's restore\n" +
    "role (<prefix>-restore); batch jobs run as <prefix>-restore-batch. Snowflake: SNOWFLAKE_USER and\n" +
    "SNOWFLAKE_PRIVATE_KEY_FILE (or the options), as for backfill; without them restores are requested and\n" +
    "tracked, and nothing is loaded. Exit 1 if files failed to load or could not be loaded.",
  options: {
    config: CONFIG_OPTION,
    env: { type: "string", value: "name", help: "the environment (required)" },
    tenant: { type: "string", value: "id", help: "the tenant (required)" },
    source: { type: "string", value: "name", help: "the tenant's log source (required)" },
    from: { type: "string", value: "YYYY-MM-DD", help: "first day of the range, UTC (required)" },
    to: { type: "string", value: "YYYY-MM-DD", help: "last day of the range, UTC, included (required)" },
    tier: { type: "string", value: "bulk|standard|expedited", help: "retrieval tier (default: bulk; Deep Archive has no expedited)" },
    days: { type: "string", value: "n", help: "days a restored copy stays readable (default: 7)" },
    into: {
      type: "string",
      value: "schema or table",
      help: "load into SCHEMA (as <TABLE>_RESTORED), SCHEMA.TABLE or DB.SCHEMA.TABLE (default: <TABLE>_RESTORED in the tenant's schema)",
    },
    wait: { type: "boolean", help: "poll until every file is loaded" },
    "poll-seconds": { type: "string", value: "n", help: "with --wait: seconds between passes (default: 900)" },
    "dry-run": { type: "boolean", help: "read the vault and the state, say what a run would do; request, write and load nothing" },
    json: { type: "boolean", help: "print the outcome as JSON on stdout" },
    ...SNOWFLAKE_OPTIONS,
    role: {
      type: "string",
      value: "role",
      help: "Snowflake role: needs CREATE TABLE in the target schema and USAGE on the backup stage (default: $SNOWFLAKE_ROLE, else the user's default role)",
    },
  },
} as const;
