/**
 * Which SNOWFLAKE database role lets a role read each ACCOUNT_USAGE view — the table of Snowflake's
 * "SNOWFLAKE database roles" page (https://docs.snowflake.com/en/sql-reference/snowflake-db-roles,
 * "Database role required to access ACCOUNT_USAGE views"). Granting a database role instead of
 * IMPORTED PRIVILEGES on the SNOWFLAKE database gives the views that role covers and nothing else.
 * The rows marked `seen: false` were not read in full here (the page is reachable only in excerpts):
 * try `SELECT COUNT(*) FROM SNOWFLAKE.ACCOUNT_USAGE.<VIEW>` as a role holding only that database role.
 */
export const ACCOUNT_USAGE_VIEW_ROLES: Readonly<Record<string, { readonly role: string; readonly seen: boolean }>> = {
  ACCESS_HISTORY: { role: "GOVERNANCE_VIEWER", seen: true },
  COPY_HISTORY: { role: "USAGE_VIEWER", seen: true },
  LOAD_HISTORY: { role: "USAGE_VIEWER", seen: true },
  PIPE_USAGE_HISTORY: { role: "USAGE_VIEWER", seen: true },
  QUERY_HISTORY: { role: "GOVERNANCE_VIEWER", seen: false },
  TASK_HISTORY: { role: "USAGE_VIEWER", seen: false },
  SERVERLESS_TASK_HISTORY: { role: "USAGE_VIEWER", seen: false },
};

export const SNOWFLAKE_DB_ROLES_DOC = "https://docs.snowflake.com/en/sql-reference/snowflake-db-roles";

/**
 * The views the account monitors read (snowflake/account-monitors): load and task failures, long
 * queries and changes to log tables. A change there that reads another view needs a row above and,
 * when its role is new, a line in `monitoringRoleGrants` — test/bootstrap.test.ts derives the views
 * from the synthesized tasks and fails on either.
 */
export const MONITORED_VIEWS: Readonly<Record<string, string>> = {
  ACCESS_HISTORY: "the log-table-change (tamper) monitor",
  COPY_HISTORY: "the load-failure monitor",
  TASK_HISTORY: "the task-failure and log-table-change monitors",
  QUERY_HISTORY: "the long-query and log-table-change monitors",
};
