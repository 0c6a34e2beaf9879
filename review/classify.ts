import { AttributeChange, ResourceChange } from "./diff";
import { StatementChange } from "./policy";
import { describeInterval, exemptionChanges, expectedSuspendedTasks, pipeGapBackfill, purgeOf, scheduleIntervalMinutes } from "./snowflake";

/** `critical`: data lost — a data-bearing resource deleted or replaced, known only from a plan. */
export type Severity = "critical" | "high" | "medium" | "low";
export const SEVERITIES: Severity[] = ["critical", "high", "medium", "low"];
export const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1 };

export interface Finding {
  readonly severity: Severity;
  /** Stable rule id, e.g. `iam.allow-widened`. */
  readonly rule: string;
  readonly message: string;
  /** Attribute path the finding is about, if any. */
  readonly path?: string;
  /** For policy findings: the statement before and after. */
  readonly statement?: { sid: string; before?: unknown; after?: unknown };
}

export interface ClassifiedChange extends ResourceChange {
  readonly severity: Severity;
  readonly findings: Finding[];
}

export function maxSeverity(findings: readonly { severity: Severity }[]): Severity {
  return findings.reduce<Severity>((m, f) => (RANK[f.severity] > RANK[m] ? f.severity : m), "low");
}

/** Resource types that hold data: removing or renaming one deletes or orphans logs. */
const DATA_STORES = new Set(["aws_s3_bucket", "snowflake_table", "snowflake_database", "snowflake_schema", "aws_kms_key", "aws_kinesis_stream"]);
/** Controls whose removal weakens the bucket or key they guard. */
const CONTROLS: Record<string, string> = {
  aws_s3_bucket_server_side_encryption_configuration: "encryption at rest removed",
  aws_s3_bucket_public_access_block: "public access block removed",
  aws_s3_bucket_versioning: "versioning removed",
  aws_s3_bucket_object_lock_configuration: "object lock removed",
  aws_s3_bucket_policy: "bucket policy removed (TLS-only and encryption denies go with it)",
  aws_s3_bucket_logging: "access logging removed",
  aws_s3_bucket_lifecycle_configuration: "lifecycle removed",
  aws_organizations_policy: "service control policy removed",
  aws_organizations_policy_attachment: "service control policy detached",
  aws_cloudtrail: "audit trail removed",
  aws_kinesis_resource_policy: "stream resource policy removed (the only-listed-producers and only-listed-consumers denies go with it)",
  aws_s3_bucket_metric: "request metric removed (an alarm on failed Firehose records or stale backups goes blind)",
  aws_s3_bucket_replication_configuration: "replication removed (new logs no longer reach the backup vault)",
};
const ALERT_ROUTES = new Set(["aws_sns_topic_subscription", "aws_sns_topic", "snowflake_notification_integration", "snowflake_email_notification_integration", "snowflake_alert"]);
const GRANTS = new Set(["snowflake_grant_privileges_to_account_role", "snowflake_grant_privileges_to_database_role", "snowflake_grant_account_role", "snowflake_grant_database_role"]);

/**
 * GRANT … TO ROLE … statements inside SQL a resource runs (snowflake_execute): grants, ownership
 * handovers among them, that no grant resource models, normalised to one line each.
 */
export function sqlGrants(sql: unknown): string[] {
  if (typeof sql !== "string") return [];
  return [...sql.matchAll(/\bGRANT\s+[^;]+?\s+TO\s+(?:DATABASE\s+)?ROLE\s+[^\s;]+(?:\s+(?:COPY|REVOKE)\s+CURRENT\s+GRANTS)?/gi)].map((m) => m[0].replace(/\s+/g, " "));
}

/** Findings for the grants an executed SQL statement adds: medium on a new resource, high on a change. */
function sqlGrantFindings(address: string, before: unknown, after: unknown, severity: Severity): Finding[] {
  const old = new Set(sqlGrants(before));
  return sqlGrants(after)
    .filter((g) => !old.has(g))
    .map((g) => ({ severity, rule: /^GRANT OWNERSHIP/i.test(g) ? "grants.sql-ownership" : "grants.sql", message: `${address} runs ${g}`, path: "execute" }));
}

const num = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);
const isWildcard = (s: string) => s === "*" || s.endsWith(":*") || (s.endsWith("*") && !s.includes("/"));
const last = (path: string) => path.split(/[.[\]]+/).filter(Boolean).pop() ?? path;
const truthy = (v: unknown) => v === true || v === "true";
/** A value for a one-line message: multi-line or long text (SQL, documents) is shown as a line diff instead. */
const short = (v: unknown) =>
  typeof v === "string" && v.includes("\n") ? `${v.split("\n").length} lines, see the diff` : typeof v === "string" && v.length > 120 ? JSON.stringify(`${v.slice(0, 117)}…`) : JSON.stringify(v);
const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** Findings for one statement-level policy change. `fresh`: the whole resource is new. */
function policyFindings(path: string, c: StatementChange, fresh: boolean): Finding[] {
  const where = { path, statement: { sid: c.sid, before: c.before, after: c.after } };
  const out: Finding[] = [];
  const describe = (s?: { Action?: unknown; Resource?: unknown; Principal?: unknown }) =>
    s ? `actions ${JSON.stringify(s.Action)} on ${JSON.stringify(s.Resource ?? "(any)")}${s.Principal ? ` for ${JSON.stringify(s.Principal)}` : ""}` : "";
  if (c.effect === "Allow") {
    const wild = [...c.actionsAdded, ...c.principalsAdded].filter(isWildcard);
    if (wild.length > 0) out.push({ severity: "high", rule: "iam.wildcard", message: `${c.sid}: wildcard ${wild.join(", ")} allowed`, ...where });
    if (c.kind === "added") {
      out.push(fresh
        ? { severity: "medium", rule: "iam.new-access", message: `${c.sid}: new access, ${describe(c.after)}`, ...where }
        : { severity: "high", rule: "iam.allow-added", message: `${c.sid}: statement added, ${describe(c.after)}`, ...where });
    } else if (c.kind === "changed") {
      if (c.actionsAdded.length) out.push({ severity: "high", rule: "iam.actions-added", message: `${c.sid}: actions added ${c.actionsAdded.join(", ")}`, ...where });
      if (c.resourcesAdded.length) out.push({ severity: "high", rule: "iam.resources-widened", message: `${c.sid}: resources added ${c.resourcesAdded.join(", ")}`, ...where });
      if (c.conditionsRemoved.length) out.push({ severity: "high", rule: "iam.condition-dropped", message: `${c.sid}: condition dropped ${c.conditionsRemoved.join("; ")}`, ...where });
      const named = c.principalsAdded.filter((p) => !isWildcard(p));
      if (named.length) out.push({ severity: "medium", rule: "iam.new-principal", message: `${c.sid}: new principal ${named.join(", ")}`, ...where });
      if (out.length === 0) out.push({ severity: "low", rule: "iam.allow-narrowed", message: `${c.sid}: narrowed`, ...where });
    } else {
      out.push({ severity: "low", rule: "iam.allow-removed", message: `${c.sid}: allow removed`, ...where });
    }
  } else {
    const tls = JSON.stringify(c.before ?? {}).match(/aws:SecureTransport|s3:TlsVersion/) ? " (TLS enforcement)" : "";
    const enc = JSON.stringify(c.before ?? {}).match(/x-amz-server-side-encryption/) ? " (encryption enforcement)" : "";
    if (c.kind === "removed") out.push({ severity: "high", rule: "iam.deny-removed", message: `${c.sid}: deny removed${tls}${enc}`, ...where });
    else if (c.kind === "changed") {
      if (c.actionsRemoved.length || c.resourcesRemoved.length || c.principalsRemoved.length || c.conditionsAdded.length || c.conditionsRemoved.length) {
        out.push({ severity: "high", rule: "iam.deny-narrowed", message: `${c.sid}: deny narrowed or its condition changed${tls}${enc}`, ...where });
      } else out.push({ severity: "low", rule: "iam.deny-widened", message: `${c.sid}: deny widened`, ...where });
    } else out.push({ severity: "low", rule: "iam.deny-added", message: `${c.sid}: deny added`, ...where });
  }
  return out;
}

/** A backup's replication rule: what makes deletions reach the vault, objects skip it, or replicas leave it. */
function replicationFinding(path: string, key: string, before: unknown, after: unknown): [Severity, string, string] | undefined {
  if (/delete_marker_replication/.test(path) && key === "status" && after === "Enabled") return ["high", "retention.deletes-replicated", "delete markers now replicated: a deletion in the log bucket reaches the backup"];
  if (/sse_kms_encrypted_objects/.test(path) && key === "status" && before === "Enabled") return ["high", "retention.backup-skips-objects", "SSE-KMS objects (every log object) no longer replicated"];
  if (key === "status" && /^rule(\[\d+\])?\.status$/.test(path) && before === "Enabled") return ["high", "retention.backup-off", "replication rule disabled: new logs no longer reach the backup vault"];
  if (key === "replica_kms_key_id") return ["medium", "encryption.key-changed", "replicas encrypted with another key"];
  if (/destination/.test(path) && key === "bucket") return ["high", "routes.backup-destination-changed", "replicas now go to another bucket"];
  if (/filter/.test(path) && key === "prefix") return ["medium", "retention.backup-narrowed", "replication filter changed: some keys may no longer be backed up"];
  if (/metrics/.test(path) && key === "status" && before === "Enabled") return ["medium", "monitoring.backup-metrics-off", "replication metrics off: the vault's failure alarm goes blind"];
  return undefined;
}

/** Findings for one changed attribute of a resource that exists on both sides. */
function attributeFindings(type: string, a: AttributeChange): Finding[] {
  const { path, before, after } = a;
  const key = last(path);
  const f = (severity: Severity, rule: string, message: string): Finding[] => [{ severity, rule, message: `${message} (${path}: ${short(before)} → ${short(after)})`, path }];
  if (a.statements) return a.statements.flatMap((s) => policyFindings(path, s, false));
  if (key === "is_secure" && truthy(before) && !truthy(after)) return f("high", "access.view-not-secure", "view no longer SECURE: its definition is visible to readers and the optimizer may expose filtered rows");
  if (/^tags(_all)?\./.test(path) || path === "tags" || path === "tags_all") return f("low", "meta.tags", "tags changed");
  if (key === "comment" || key === "description") return f("low", "meta.comment", "comment or description changed");
  if (type === "aws_s3_bucket_public_access_block" && before === true && after !== true) return f("high", "public.access-allowed", "public access no longer blocked");
  if (key === "sse_algorithm" && before === "aws:kms" && after !== "aws:kms") return f("high", "encryption.weakened", "encryption no longer SSE-KMS");
  if (type === "aws_kinesis_firehose_delivery_stream") {
    const found = deliveryStreamFinding(path, key, before, after);
    if (found) return f(...found);
  }
  if (type === "aws_s3_bucket_replication_configuration") {
    const found = replicationFinding(path, key, before, after);
    if (found) return f(...found);
  }
  if (type === "aws_kinesis_stream" && key === "encryption_type" && before === "KMS" && after !== "KMS") return f("high", "encryption.weakened", "stream records no longer encrypted with KMS");
  if (type === "aws_kinesis_stream" && key === "retention_period" && num(before) !== undefined && (num(after) ?? 24) < num(before)!) return f("high", "retention.stream-reduced", "stream retention reduced: a stalled consumer loses records sooner");
  if (key === "kms_master_key_id" || key === "kms_key_id") return f("medium", "encryption.key-changed", "encryption key changed");
  if (key === "enable_key_rotation" && before === true && after !== true) return f("high", "encryption.rotation-off", "key rotation turned off");
  if (type === "aws_s3_bucket_versioning" && key === "status" && before === "Enabled") return f("high", "retention.versioning-off", "versioning no longer enabled");
  if (key === "force_destroy" && after === true) return f("high", "deletion.force-destroy", "force_destroy on: a destroy deletes every object");
  if (key === "prevent_destroy" && before === true && after !== true) return f("high", "deletion.unprotected", "prevent_destroy removed");
  if (key === "mode" && before === "COMPLIANCE" && after !== "COMPLIANCE") return f("high", "retention.lock-weakened", "object lock weakened from COMPLIANCE");
  const b = num(before);
  const n = num(after);
  const reduced = b !== undefined && (n === undefined || n < b);
  if (reduced && (key === "days" || key === "years") && /object_lock|default_retention/.test(`${type} ${path}`)) return f("high", "retention.lock-reduced", "object lock retention reduced");
  if (reduced && key === "days" && /expiration/.test(path)) return f("high", "retention.expiry-reduced", "lifecycle expiry reduced: logs deleted sooner");
  if (reduced && key === "noncurrent_days") return f("high", "retention.noncurrent-reduced", "noncurrent versions deleted sooner");
  if (reduced && key === "data_retention_time_in_days") return f("high", "retention.time-travel-reduced", "Snowflake Time Travel reduced");
  if (reduced && key === "deletion_window_in_days") return f("medium", "deletion.window-reduced", "key deletion window reduced");
  if (path.startsWith("storage_allowed_locations") && after !== undefined) return f("high", "access.locations-widened", "integration may read another location");
  if (path.startsWith("storage_blocked_locations") && before !== undefined) return f("high", "access.block-removed", "blocked location removed");
  if (GRANTS.has(type) && (path.startsWith("privileges") || key === "all_privileges" || path.includes("on_all") || path.includes("on_future"))) return f("high", "grants.widened", "grant changed");
  if (type === "snowflake_grant_ownership" && /role_name/.test(path)) return f("high", "grants.ownership-moved", "ownership moved to another role");
  if (type === "aws_s3_bucket_notification" && path.startsWith("queue") && after === undefined) return f("medium", "routes.notification-removed", "event notification removed");
  // A function in a VPC reaches what its subnets and security groups reach (a Kafka cluster's network).
  if (type === "aws_lambda_function" && path.startsWith("vpc_config")) return f("medium", "network.function-placement", "function's subnets or security groups changed: it reaches a different network");
  if (/schedule|cron/i.test(path)) return f("medium", "ops.schedule", "schedule changed");
  if (key === "bucket" && type === "aws_s3_bucket") return f("high", "data.store-replaced", "bucket renamed: a new bucket replaces the one holding the logs");
  if (key === "name" && DATA_STORES.has(type)) return f("high", "data.store-replaced", "renamed: the object holding the logs is replaced");
  if (key === "name" || key === "alias") return f("low", "meta.name", "name changed");
  return f("medium", "change.unclassified", "changed");
}

/** A Firehose delivery stream's attribute change that matters: where records go, how they are encrypted and logged. */
function deliveryStreamFinding(path: string, key: string, before: unknown, after: unknown): [Severity, string, string] | undefined {
  if (/server_side_encryption/.test(path) && key === "enabled" && truthy(before) && !truthy(after)) return ["high", "encryption.weakened", "delivery stream no longer encrypted at rest"];
  if (/server_side_encryption/.test(path) && key === "key_type" && before === "CUSTOMER_MANAGED_CMK") return ["high", "encryption.weakened", "delivery stream no longer encrypted with the tenant's key"];
  if (key === "kms_key_arn" && before !== undefined && after === undefined) return ["high", "encryption.weakened", "delivered objects no longer encrypted with the tenant's key"];
  if (key === "kms_key_arn" || key === "key_arn") return ["medium", "encryption.key-changed", "encryption key changed"];
  if (/cloudwatch_logging_options/.test(path) && key === "enabled" && truthy(before) && !truthy(after)) return ["high", "logging.disabled", "delivery errors no longer logged"];
  if (key === "bucket_arn" || key === "prefix" || key === "kinesis_stream_arn") return ["high", "routes.destination-changed", "records now go to another bucket, prefix or come from another stream (Snowpipe loads only the source's prefix)"];
  if (key === "error_output_prefix") return ["medium", "routes.error-prefix-changed", "failed records go elsewhere (its alarm and retention rule must follow)"];
  return undefined;
}

/** The role a grant gives privileges to (a literal name or a `${snowflake_account_role.X.name}` reference). */
function granteeOf(body: Record<string, unknown> | undefined): string | undefined {
  const v = body?.account_role_name ?? body?.database_role_name ?? body?.parent_role_name ?? body?.user_name;
  return typeof v === "string" ? v : undefined;
}

/** What a grant is on, for messages: `TABLES in "DB"."S" (all)`, `INTEGRATION X`, `the account`. */
function grantTarget(body: Record<string, unknown> | undefined): string {
  const b = body ?? {};
  if (b.on_account === true || b.on_account === "true") return "the account";
  for (const key of ["on_account_object", "on_schema", "on_schema_object"]) {
    const on = b[key] as Record<string, unknown> | undefined;
    if (!on) continue;
    if (on.object_type && on.object_name) return `${on.object_type} ${on.object_name}`;
    if (on.schema_name) return `schema ${on.schema_name}`;
    for (const scope of ["all", "future"]) {
      const x = on[scope] as Record<string, unknown> | undefined;
      if (x) return `${scope} ${x.object_type_plural ?? "objects"} in ${x.in_schema ?? x.in_database}`;
    }
    for (const scope of ["all_schemas_in_database", "future_schemas_in_database"]) if (on[scope]) return `${scope.replace(/_/g, " ")} ${on[scope]}`;
  }
  return "(target not recognised)";
}

/** Privileges a grant gives (`ALL PRIVILEGES` when all_privileges is on). */
function privilegesOf(body: Record<string, unknown> | undefined): string[] {
  return truthy(body?.all_privileges) ? ["ALL PRIVILEGES"] : asStrings(body?.privileges);
}

/** A changed grant, judged on its privileges as a whole (not element by element). */
function grantChangeFindings(c: ResourceChange, handled: Set<string>): Finding[] {
  const paths = c.attributes.filter((a) => a.path.startsWith("privileges") || a.path === "all_privileges").map((a) => a.path);
  if (paths.length === 0) return [];
  paths.forEach((p) => handled.add(p));
  const before = privilegesOf(c.before);
  const after = privilegesOf(c.after);
  const added = after.filter((p) => !before.includes(p));
  const removed = before.filter((p) => !after.includes(p));
  const who = granteeOf(c.after) ?? "the role";
  const out: Finding[] = [];
  if (added.length) out.push({ severity: "high", rule: "grants.privileges-added", message: `${who} gains ${added.join(", ")} on ${grantTarget(c.after)}`, path: "privileges" });
  if (removed.length) out.push({ severity: "low", rule: "grants.privileges-removed", message: `${who} loses ${removed.join(", ")} on ${grantTarget(c.after)}`, path: "privileges" });
  return out;
}

const isCanary = (c: ResourceChange) => /_CANARY$/.test(String(c.after?.name ?? c.before?.name ?? "")) || /'LOG_CANARY'/.test(String(c.after?.sql_statement ?? ""));
const isMonitor = (c: ResourceChange) => /_MONITOR$/.test(String(c.after?.name ?? c.before?.name ?? ""));

/** A changed task: suspended, slowed down, or its SQL (cleaner purge, monitor exemptions) changed. */
function taskFindings(c: ResourceChange, handled: Set<string>): Finding[] {
  const out: Finding[] = [];
  const started = c.attributes.find((a) => a.path === "started");
  if (started) {
    handled.add("started");
    if (truthy(started.before) && !truthy(started.after)) {
      const [rule, why] = isCanary(c)
        ? ["monitoring.canary-disabled", "canary disabled: no alert when this source stops delivering logs"]
        : isMonitor(c)
          ? ["monitoring.monitor-suspended", "monitor suspended: what it watches is no longer alerted on"]
          : ["ops.task-suspended", "task suspended: it no longer runs (a cleaner stops purging, a watcher goes quiet)"];
      out.push({ severity: "high", rule, message: `${why} (started: ${short(started.before)} → ${short(started.after)})`, path: "started" });
    } else out.push({ severity: "low", rule: "ops.task-started", message: `task started (started: ${short(started.before)} → ${short(started.after)})`, path: "started" });
  }
  const schedule = c.attributes.filter((a) => a.path === "schedule" || a.path.startsWith("schedule.") || a.path.startsWith("schedule["));
  if (schedule.length > 0) {
    schedule.forEach((a) => handled.add(a.path));
    const b = scheduleIntervalMinutes(c.before?.schedule);
    const n = scheduleIntervalMinutes(c.after?.schedule);
    const shown = `(schedule: ${JSON.stringify(c.before?.schedule)} → ${JSON.stringify(c.after?.schedule)})`;
    if (b !== undefined && n !== undefined && n > b) out.push({ severity: "medium", rule: "ops.schedule-slowed", message: `schedule slowed: ${describeInterval(b)} → ${describeInterval(n)} ${shown}`, path: "schedule" });
    else if (b !== undefined && n !== undefined && n < b) out.push({ severity: "low", rule: "ops.schedule-faster", message: `schedule faster: ${describeInterval(b)} → ${describeInterval(n)} ${shown}`, path: "schedule" });
    else out.push({ severity: "medium", rule: "ops.schedule", message: `schedule changed ${shown}`, path: "schedule" });
  }
  const sql = c.attributes.find((a) => a.path === "sql_statement");
  if (sql) {
    const found: Finding[] = [];
    const pb = purgeOf(sql.before);
    const pa = purgeOf(sql.after);
    if (pb && pa) {
      if (pa.table !== pb.table) found.push({ severity: "high", rule: "retention.cleaner-retargeted", message: `table cleaner now purges ${pa.table} instead of ${pb.table}`, path: "sql_statement" });
      if (pa.retentionDays < pb.retentionDays) {
        found.push({ severity: "high", rule: "retention.cleaner-reduced", message: `table cleaner retention reduced: rows of ${pa.table} deleted sooner (${pb.retentionDays} → ${pa.retentionDays} days)`, path: "sql_statement" });
      } else if (pa.retentionDays > pb.retentionDays) {
        found.push({ severity: "low", rule: "retention.cleaner-extended", message: `table cleaner retention extended (${pb.retentionDays} → ${pa.retentionDays} days)`, path: "sql_statement" });
      }
      if (pa.column !== pb.column) {
        found.push({ severity: "high", rule: "retention.purge-column-changed", message: `table cleaner purges by another time: rows may be deleted earlier than their retention (${pb.column} → ${pa.column})`, path: "sql_statement" });
      }
    }
    const exemptions = exemptionChanges(sql.before, sql.after);
    for (const e of exemptions.added) found.push({ severity: "high", rule: "monitoring.exemption-added", message: `tamper monitor exempts more: ${e} is no longer alerted on`, path: "sql_statement" });
    for (const e of exemptions.changed) found.push({ severity: "medium", rule: "monitoring.exemption-changed", message: `tamper monitor expects another statement instead: ${e}`, path: "sql_statement" });
    const suspended = new Set(expectedSuspendedTasks(sql.before));
    for (const t of expectedSuspendedTasks(sql.after).filter((x) => !suspended.has(x))) {
      found.push({ severity: "high", rule: "monitoring.suspension-expected", message: `suspended-task monitor no longer alerts on ${t} being suspended`, path: "sql_statement" });
    }
    if (found.length > 0) {
      handled.add("sql_statement");
      out.push(...found);
    }
  }
  return out;
}

/** Findings for a resource that exists on both sides. */
function changedFindings(c: ResourceChange): Finding[] {
  const handled = new Set<string>();
  const out: Finding[] = [];
  if (c.type === "snowflake_task") out.push(...taskFindings(c, handled));
  // The provider recreates a pipe whose COPY, auto-ingest or topic changes: files arriving in between are never loaded.
  const recreating = c.type === "snowflake_pipe" ? c.attributes.filter((a) => ["copy_statement", "auto_ingest", "aws_sns_topic_arn"].includes(a.path)) : [];
  if (recreating.length > 0) {
    recreating.forEach((a) => handled.add(a.path));
    out.push({
      severity: "high",
      rule: "data.pipe-replaced",
      message: `pipe replaced (${recreating.map((a) => a.path).join(", ")} changed): files that land between the drop and the new pipe are never loaded; after the apply, run ${pipeGapBackfill(c.stack, c.after)}`,
      path: recreating[0].path,
    });
  }
  if (GRANTS.has(c.type)) out.push(...grantChangeFindings(c, handled));
  for (const a of c.attributes) {
    if (handled.has(a.path)) continue;
    if (c.type === "snowflake_execute" && a.path === "execute") out.push(...sqlGrantFindings(c.address, a.before, a.after, "high"));
    out.push(...attributeFindings(c.type, a));
  }
  return out;
}

/** Roles (addresses and literal names) a change set creates, per stack: grants to them are new access, not more access. */
function newRoles(changes: readonly ResourceChange[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const c of changes) {
    if (c.action !== "added" || !/^snowflake_(account|database)_role$/.test(c.type)) continue;
    const set = out.get(c.stack) ?? new Set<string>();
    set.add(c.address);
    if (typeof c.after?.name === "string") set.add(c.after.name);
    out.set(c.stack, set);
  }
  return out;
}

function addedGrantFinding(c: ResourceChange, roles: Set<string>): Finding {
  const grantee = granteeOf(c.after);
  const ref = /^\$\{([a-z_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}$/.exec(grantee ?? "")?.[1];
  const fresh = grantee === undefined || roles.has(ref ?? grantee);
  const what = c.type === "snowflake_grant_account_role" || c.type === "snowflake_grant_database_role" ? `role ${c.after?.role_name ?? c.after?.database_role_name}` : `${privilegesOf(c.after).join(", ")} on ${grantTarget(c.after)}`;
  return fresh
    ? { severity: "medium", rule: "grants.added", message: `new grant ${c.address}: ${what} to new role ${grantee ?? "?"}` }
    : { severity: "high", rule: "grants.added-to-role", message: `existing role ${grantee} gains ${what} (${c.address})` };
}

function addedFindings(c: ResourceChange, roles: Set<string>): Finding[] {
  const out = c.attributes.flatMap((a) => (a.statements ? a.statements.flatMap((s) => policyFindings(a.path, s, true)) : []));
  if (GRANTS.has(c.type)) out.push(addedGrantFinding(c, roles));
  if (c.type === "snowflake_grant_ownership") out.push({ severity: "medium", rule: "grants.added", message: `new grant ${c.address}` });
  if (c.type === "snowflake_execute") out.push(...sqlGrantFindings(c.address, undefined, c.after?.execute, "medium"));
  if (/security_group|vpc_endpoint|network_policy|route/.test(c.type)) out.push({ severity: "medium", rule: "network.path-added", message: `new network path ${c.address}` });
  if (c.type === "aws_lambda_function" && hasVpcConfig(c.after)) out.push({ severity: "medium", rule: "network.path-added", message: `new function inside a VPC ${c.address}: it reaches what its subnets and security groups reach` });
  if (out.length === 0) out.push({ severity: "low", rule: "resource.added", message: `added ${c.address}` });
  return out;
}

function hasVpcConfig(body: Record<string, unknown> | undefined): boolean {
  const v = body?.vpc_config;
  return (Array.isArray(v) ? v.length > 0 : typeof v === "object" && v !== null) && JSON.stringify(v).includes("subnet");
}

function removedFindings(c: ResourceChange): Finding[] {
  if (DATA_STORES.has(c.type)) return [{ severity: "high", rule: "data.store-removed", message: `${c.address} removed: the logs it holds are deleted or orphaned` }];
  if (CONTROLS[c.type]) return [{ severity: "high", rule: "control.removed", message: `${c.address}: ${CONTROLS[c.type]}` }];
  if (ALERT_ROUTES.has(c.type)) return [{ severity: "medium", rule: "routes.alert-removed", message: `${c.address}: alert route removed` }];
  if (GRANTS.has(c.type)) return [{ severity: "low", rule: "grants.removed", message: `${c.address}: grant removed` }];
  return [{ severity: "medium", rule: "resource.removed", message: `${c.address} removed` }];
}

/** Findings sorted highest first, and the resource's severity (its highest finding). */
export function withFindings<T extends ResourceChange>(c: T, findings: readonly Finding[]): T & { severity: Severity; findings: Finding[] } {
  const sorted = [...findings].sort((x, y) => RANK[y.severity] - RANK[x.severity]);
  return { ...c, findings: sorted, severity: maxSeverity(sorted) };
}

/** Classifies each resource change by security weight; the resource takes its highest finding. */
export function classify(changes: readonly ResourceChange[]): ClassifiedChange[] {
  const roles = newRoles(changes);
  return changes.map((c) =>
    withFindings(c, c.action === "added" ? addedFindings(c, roles.get(c.stack) ?? new Set()) : c.action === "removed" ? removedFindings(c) : changedFindings(c)),
  );
}
