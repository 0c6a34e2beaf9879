/** The canary's and the pipe-state check's calls of their tenant's alert procedure. */
import { CANARY_KIND, PIPE_KIND } from "../alert-store/sql";
import { literal } from "../sql";

/**
 * One check of a canary: a CALL of the tenant's alert procedure whose MESSAGE argument is a scalar
 * subquery — the reason when the check fires, NULL when it does not.
 */
function tenantAlertCall(p: {
  readonly procedure: string;
  readonly kind: string;
  readonly subject: string;
  readonly suppressionMinutes: number;
  readonly message: string;
}): string {
  return [
    `CALL ${p.procedure}(${literal(p.kind)}, 'HIGH', ${literal(p.subject)}, (`,
    `  ${p.message.split("\n").join("\n  ")}`,
    `), ${p.suppressionMinutes})`,
  ].join("\n");
}

export interface CanaryParts {
  /** The tenant's alert procedure (`tenantAlertProcedureName`). */
  readonly procedure: string;
  /** Fully qualified log table. */
  readonly table: string;
  readonly windowMinutes: number;
  readonly suppressionMinutes: number;
}

/**
 * The log canary: alert when no row was loaded (by PARSE_TIME, so late-arriving events cannot cause
 * a false alarm) within the window; suppression is kept per table.
 */
export function canaryCall(p: CanaryParts): string {
  return tenantAlertCall({
    procedure: p.procedure,
    kind: CANARY_KIND,
    subject: p.table,
    suppressionMinutes: p.suppressionMinutes,
    message: [
      `SELECT 'no rows loaded in the last ${p.windowMinutes} minutes'`,
      `FROM (SELECT COUNT(*) AS LOADED FROM ${p.table} WHERE PARSE_TIME >= DATEADD(minute, -${p.windowMinutes}, CURRENT_TIMESTAMP())) w`,
      `WHERE w.LOADED = 0`,
    ].join("\n"),
  });
}

/** A pipe whose execution state (SYSTEM$PIPE_STATUS) is anything but RUNNING: paused, stopped, stale. */
export function pipeStateCall(p: { readonly procedure: string; readonly pipe: string; readonly suppressionMinutes: number }): string {
  return tenantAlertCall({
    procedure: p.procedure,
    kind: PIPE_KIND,
    subject: p.pipe,
    suppressionMinutes: p.suppressionMinutes,
    message: [
      `SELECT 'pipe is ' || COALESCE(s.STATE, 'in an unknown state')`,
      `FROM (SELECT JSON_EXTRACT_PATH_TEXT(SYSTEM$PIPE_STATUS(${literal(p.pipe)}), 'executionState') AS STATE) s`,
      `WHERE COALESCE(s.STATE, 'UNKNOWN') <> 'RUNNING'`,
    ].join("\n"),
  });
}
