/**
 * GRANT statements inside SQL a resource runs (snowflake_execute: the ownership handover of a
 * source's objects to its tenant's pipeline role), read into their parts. The SQL is ours
 * (modules/snowflake/ownership), so this reads our shapes; anything else is not a grant.
 */
export interface SqlGrant {
  /** The statement, on one line: `GRANT OWNERSHIP ON TABLE A.B.C TO ROLE R COPY CURRENT GRANTS`. */
  readonly text: string;
  readonly ownership: boolean;
  /** `OWNERSHIP`, `SELECT, INSERT`, … as written. */
  readonly privileges: string;
  /** What kind of object: `TABLE`, `FILE FORMAT`, `ALL TABLES IN SCHEMA`, … upper-case. */
  readonly kind: string;
  /** The object as written (`ACME_LOGS_PROD.INITECH.OKTA`). */
  readonly object: string;
  readonly role: string;
  readonly databaseRole: boolean;
}

const GRANT = /\bGRANT\s+[^;]+?\s+TO\s+(?:DATABASE\s+)?ROLE\s+[^\s;]+(?:\s+(?:COPY|REVOKE)\s+CURRENT\s+GRANTS)?/gi;

/** Every GRANT … TO ROLE … statement in `sql`, in order. */
export function sqlGrantsOf(sql: unknown): SqlGrant[] {
  if (typeof sql !== "string") return [];
  return [...sql.matchAll(GRANT)].map((m) => {
    const text = m[0].replace(/\s+/g, " ");
    const parts = /^GRANT (.+?) ON (.+) TO (DATABASE )?ROLE (\S+)/i.exec(text);
    const on = (parts?.[2] ?? "").trim().split(" ");
    const privileges = parts?.[1] ?? "";
    return {
      text,
      ownership: /^OWNERSHIP$/i.test(privileges.trim()),
      privileges,
      kind: on.slice(0, -1).join(" ").toUpperCase(),
      object: on[on.length - 1] ?? "",
      role: parts?.[4] ?? "",
      databaseRole: parts?.[3] !== undefined,
    };
  });
}
