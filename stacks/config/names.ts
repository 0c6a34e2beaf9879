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

/** The backfill progress schema in the log database (module snowflake/backfill-warehouse). */
export const BACKFILL_SCHEMA = "BACKFILL";

/** Schemas the platform makes in the log database (alert store, backfill progress): no tenant's schema may take one. */
export const PLATFORM_SCHEMAS: readonly string[] = ["MONITORING", BACKFILL_SCHEMA];
