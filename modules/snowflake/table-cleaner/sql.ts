/** The cleaner's purge: rows whose load time is past retention. */

/**
 * The table cleaner's purge: rows loaded longer ago than the retention, by PARSE_TIME (load time) only.
 * An event's own time never decides how long it is kept: a device at 1970 or a forged 2099 stays
 * exactly as long as any row loaded with it. The account monitors exempt exactly this text.
 */
export function purgeStatement(table: string, retentionDays: number): string {
  return `DELETE FROM ${table} WHERE PARSE_TIME < DATEADD(day, -${retentionDays}, CURRENT_TIMESTAMP())`;
}
