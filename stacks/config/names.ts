import { snowflakeName } from "../../modules/core/naming";

/**
 * Snowflake names the config's parts get, in one place: the resolver names the objects with them
 * and the config's cross-checks compare what users write (a view's FROM) against them.
 */

/** The environment's log database (one per Snowflake account), e.g. `ACME_LOGS_PROD`. */
export function logDatabaseName(organization: string, environment: string): string {
  return snowflakeName(organization, "logs", environment);
}

/** The tenant's schema in the log database. */
export function tenantSchemaName(tenantId: string): string {
  return snowflakeName(tenantId);
}

/** A source's log table in its tenant's schema. */
export function sourceTableName(sourceName: string): string {
  return snowflakeName(sourceName);
}
