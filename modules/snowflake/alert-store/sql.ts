/** The alert store's names and kinds, its suppression bookkeeping and each tenant's alert procedure (the one way a pipeline role raises an alert). */
import { literal } from "../sql";

/** Where alerts, suppressions and the monitors' seen events live (the platform's alert store). */
export interface AlertStoreNames {
  /** `DB.MONITORING.ALERTS` */
  readonly alerts: string;
  /** `DB.MONITORING.ALERT_SUPPRESSIONS` */
  readonly suppressions: string;
  /** `DB.MONITORING.MONITOR_EVENTS`: every event an account monitor has seen, once. */
  readonly events: string;
}

export const CANARY_KIND = "LOG_CANARY";

export const PIPE_KIND = "PIPE_NOT_RUNNING";

/** The kinds a tenant's pipeline role may raise, through its tenant's alert procedure only. */
export const TENANT_ALERT_KINDS = [CANARY_KIND, PIPE_KIND] as const;

export const ALERT_SEVERITIES = ["HIGH", "MEDIUM", "LOW"] as const;

/** Longest suppression any monitor or canary may ask for (30 days), also enforced by the tenant procedures. */
export const MAX_SUPPRESSION_MINUTES = 43200;

/** Alert texts are cut to this many characters, so one alert row is bounded (delivery batches by bytes). */
export const ALERT_MESSAGE_CHARS = 2000;

/**
 * The suppression bookkeeping shared by every kind: every alert of `kind` (and `subject`, when given)
 * from the last `suppressionMinutes` that has none gets a suppression lasting `suppressionMinutes` from
 * the alert — idempotent, so a run that dies before it is repaired by the next. `subject` may be a
 * literal or a bind (`:SUBJECT`), as may `suppressionMinutes` in the tenant procedures.
 */
export function suppressionStatement(p: {
  readonly store: AlertStoreNames;
  readonly kind: string;
  readonly subject?: string;
  readonly suppressionMinutes: string;
}): string {
  const ownSubject = p.subject === undefined ? "" : ` AND a.SUBJECT = ${p.subject}`;
  const back = /^\d+$/.test(p.suppressionMinutes) ? `-${p.suppressionMinutes}` : `-1 * ${p.suppressionMinutes}`;
  return [
    `INSERT INTO ${p.store.suppressions} (KIND, SUBJECT, SUPPRESSED_UNTIL)`,
    `SELECT a.KIND, a.SUBJECT, DATEADD(minute, ${p.suppressionMinutes}, a.ALERT_TIME)`,
    `FROM ${p.store.alerts} a`,
    `WHERE a.KIND = ${p.kind}${ownSubject} AND a.ALERT_TIME >= DATEADD(minute, ${back}, CURRENT_TIMESTAMP())`,
    `  AND NOT EXISTS (SELECT 1 FROM ${p.store.suppressions} s WHERE s.KIND = a.KIND AND s.SUBJECT = a.SUBJECT AND s.SUPPRESSED_UNTIL >= DATEADD(minute, ${p.suppressionMinutes}, a.ALERT_TIME))`,
  ].join("\n");
}

/** `NOT EXISTS` an active suppression of `kind` for `subject` (SQL expressions). */
export const notSuppressed = (store: AlertStoreNames, kind: string, subject: string) =>
  `NOT EXISTS (SELECT 1 FROM ${store.suppressions} s WHERE s.KIND = ${kind} AND s.SUBJECT = ${subject} AND s.SUPPRESSED_UNTIL > CURRENT_TIMESTAMP())`;

/** `DB.MONITORING.RAISE_ALERT_<SCHEMA>`: the one way a tenant's pipeline role raises an alert. */
export function tenantAlertProcedureName(store: AlertStoreNames, tenantSchema: string): string {
  const [database, schema] = store.alerts.split(".");
  return `${database}.${schema}.RAISE_ALERT_${tenantSchema}`;
}

/** Arguments of a tenant's alert procedure, in order (upper-case: the provider quotes argument names). */
export const TENANT_ALERT_ARGUMENTS = [
  { name: "KIND", type: "VARCHAR" },
  { name: "SEVERITY", type: "VARCHAR" },
  { name: "SUBJECT", type: "VARCHAR" },
  { name: "MESSAGE", type: "VARCHAR" },
  { name: "SUPPRESSION_MINUTES", type: "NUMBER" },
] as const;

/**
 * The body of a tenant's alert procedure (Snowflake Scripting, EXECUTE AS OWNER): the tenant's
 * pipeline role holds USAGE on this procedure and no privilege on the alert store, so the owner's
 * rights are the only way its canaries write alerts — with the tenant written here, not by the
 * caller, and only about the tenant's own schema. A call with another kind, severity, subject or a
 * suppression beyond 30 days is refused (the task fails, and TASK_FAILURE reports it). MESSAGE NULL
 * means "not firing": only the suppression bookkeeping runs.
 */
export function tenantAlertProcedureBody(p: { readonly store: AlertStoreNames; readonly tenant: string; readonly tenantSchema: string }): string {
  const [database] = p.store.alerts.split(".");
  const prefix = `${database}.${p.tenantSchema}.`;
  const allowed = [
    `KIND IN (${TENANT_ALERT_KINDS.map(literal).join(", ")})`,
    `SEVERITY IN (${ALERT_SEVERITIES.map(literal).join(", ")})`,
    `STARTSWITH(SUBJECT, ${literal(prefix)})`,
    `SUPPRESSION_MINUTES BETWEEN 0 AND ${MAX_SUPPRESSION_MINUTES}`,
  ].join(" AND ");
  const refusal = `alert refused: tenant ${p.tenant} raises only ${TENANT_ALERT_KINDS.join(" and ")} alerts about objects in ${prefix}*`;
  const indent = (s: string) =>
    s
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n");
  return [
    "DECLARE",
    `  refused EXCEPTION (-20001, ${literal(refusal)});`,
    "BEGIN",
    `  IF (NOT COALESCE(${allowed}, FALSE)) THEN`,
    "    RAISE refused;",
    "  END IF;",
    indent(
      [
        `INSERT INTO ${p.store.alerts} (ALERT_ID, ALERT_TIME, KIND, SEVERITY, TENANT, SUBJECT, MESSAGE)`,
        `SELECT UUID_STRING(), CURRENT_TIMESTAMP(), :KIND, :SEVERITY, ${literal(p.tenant)}, :SUBJECT, LEFT(m.MESSAGE, ${ALERT_MESSAGE_CHARS})`,
        `FROM (SELECT :MESSAGE AS MESSAGE) m`,
        `WHERE m.MESSAGE IS NOT NULL AND ${notSuppressed(p.store, ":KIND", ":SUBJECT")};`,
      ].join("\n"),
    ),
    indent(`${suppressionStatement({ store: p.store, kind: ":KIND", subject: ":SUBJECT", suppressionMinutes: ":SUPPRESSION_MINUTES" })};`),
    "  RETURN 'done';",
    "END",
  ].join("\n");
}
