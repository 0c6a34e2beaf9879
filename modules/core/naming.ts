import { createHash } from "node:crypto";

/**
 * Deterministic, length-limited, collision-free names. Every name is built from the parts that make
 * it unique (organization, environment, tenant, source); when the joined name is too long it is cut
 * and an 8-character hash of the *whole* name is appended, so two different inputs never meet on the
 * same cut name and the same input always gives the same name.
 */

function shortHash(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 8);
}

/** Joins parts with `sep`; if longer than `max`, keeps a prefix and appends `sep + hash(full)`. */
export function limitedName(parts: readonly string[], sep: string, max: number): string {
  const full = parts.filter((p) => p !== "").join(sep);
  if (full.length <= max) return full;
  const hash = shortHash(full);
  let head = full.slice(0, max - hash.length - sep.length);
  // Never end the kept part on a separator (S3 and IAM names must not end in '-', Snowflake in '_').
  while (head.endsWith(sep) || head.endsWith("-") || head.endsWith("_")) head = head.slice(0, -1);
  return `${head}${sep}${hash}`;
}

/** S3 bucket names: 3–63 chars of a–z, 0–9 and '-'; no dots (they break virtual-host TLS). */
export function bucketName(...parts: string[]): string {
  return limitedName(
    parts.map((p) => p.toLowerCase().replace(/[^a-z0-9-]/g, "-")),
    "-",
    63,
  );
}

/** IAM role names: at most 64 characters of [\w+=,.@-]. */
export function iamRoleName(...parts: string[]): string {
  return limitedName(
    parts.map((p) => p.replace(/[^\w+=,.@-]/g, "-")),
    "-",
    64,
  );
}

/** KMS alias names (after `alias/`): at most 250 characters of [A-Za-z0-9/_-]. */
export function kmsAliasName(...parts: string[]): string {
  return `alias/${limitedName(
    parts.map((p) => p.replace(/[^A-Za-z0-9/_-]/g, "-")),
    "-",
    200,
  )}`;
}

/**
 * Unquoted Snowflake identifiers: upper case, [A-Z0-9_], at most 255 characters. Hyphens become
 * underscores; the config forbids underscores in tenant ids, so this stays one-to-one.
 */
export function snowflakeName(...parts: string[]): string {
  const name = limitedName(
    parts.map((p) => p.toUpperCase().replace(/[^A-Z0-9_]/g, "_")),
    "_",
    255,
  );
  return /^[A-Z_]/.test(name) ? name : `_${name}`;
}

/** `"DB"."SCHEMA"` or `"DB"."SCHEMA"."OBJECT"`: each part quoted, as the grant resources expect. */
export function quotedName(...parts: string[]): string {
  return parts.map((p) => `"${p}"`).join(".");
}

/** Fully qualified Snowflake name `DB.SCHEMA.OBJECT`. */
export function qualified(database: string, schema: string, object: string): string {
  return `${database}.${schema}.${object}`;
}
