import { ParsedStatement, asList, parsePolicyStatements } from "../modules/core/iam";
import { EMPTY_CONTEXT, ReviewContext, Side, StackFacts, objectArn, objectKey, rulePrefix } from "./context";
import { AttributeChange, ResourceChange, diffAttributes } from "./diff";
import { ConditionChange, StatementChange, diffPolicies, isNegatedOperator, isSetOperator, principals } from "./policy";
import { describeInterval, exemptionDiff, expectedSuspendedTasks, pipeGapBackfill, purgeOf, scheduleIntervalMinutes } from "./snowflake";
import { SqlGrant, sqlGrantsOf } from "./sql-grants";

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
const ALERT_ROUTES = new Set([
  "aws_sns_topic_subscription",
  "aws_sns_topic",
  "snowflake_notification_integration",
  "snowflake_email_notification_integration",
  "snowflake_alert",
]);
const GRANTS = new Set([
  "snowflake_grant_privileges_to_account_role",
  "snowflake_grant_privileges_to_database_role",
  "snowflake_grant_account_role",
  "snowflake_grant_database_role",
]);

/**
 * One change seen with what the review knows about both sides: values resolved to names where the
 * stack's JSON states them (`${snowflake_account_role.X.name}` → the role's name), and the stack's facts.
 */
class Scope {
  readonly facts: StackFacts;
  constructor(
    readonly c: ResourceChange,
    readonly ctx: ReviewContext,
  ) {
    this.facts = ctx.stack(c.stack);
  }
  /** A string with known references replaced by their values, as the given side states them. */
  resolve(side: Side, v: string): string {
    return this.ctx.resolve(side, this.c.stack, v);
  }
  /** Any value with its strings resolved (for messages and statement diffs). */
  deep(side: Side, v: unknown): unknown {
    if (typeof v === "string") return this.resolve(side, v);
    if (Array.isArray(v)) return v.map((x) => this.deep(side, x));
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.deep(side, x)]));
    return v;
  }
  get address(): string {
    return this.c.address;
  }
}

/**
 * GRANT … TO ROLE … statements inside SQL a resource runs (snowflake_execute): grants, ownership
 * handovers among them, that no grant resource models, normalised to one line each.
 */
export function sqlGrants(sql: unknown): string[] {
  return sqlGrantsOf(sql).map((g) => g.text);
}

/** Statements an ownership handover runs besides its grants (pausing and resuming what changes owner). */
const HANDOVER_MECHANICS = /^(ALTER (PIPE|TASK) \S+ (SET PIPE_EXECUTION_PAUSED = (TRUE|FALSE)|SUSPEND|RESUME)|SELECT SYSTEM\$PIPE_FORCE_RESUME\('[^']+'\));?$/i;

/** The schema (`DB.SCHEMA`) a granted object is in, or the schema itself for schema-level grants. */
function schemaOfObject(g: SqlGrant): string {
  const parts = objectKey(g.object).split(".");
  return /SCHEMA$/.test(g.kind) || parts.length === 2 ? parts.slice(0, 2).join(".") : parts.slice(0, -1).join(".");
}

/** A grant in SQL to the role that already owns the stack's pipeline objects, on an object of the stack's own schemas. */
function toOwner(s: Scope, g: SqlGrant): boolean {
  return s.facts.ownerRoles.has(objectKey(g.role)) && s.facts.schemas.has(schemaOfObject(g));
}

/**
 * Findings for the grants an executed SQL statement adds: to the role that owns the stack's pipeline
 * objects, on objects in the stack's own schema, low (a tenant's new objects handed to its pipeline
 * role); to any other role medium on a new resource, high on a change.
 */
function sqlGrantFindings(s: Scope, before: unknown, after: unknown, severity: Severity): Finding[] {
  const old = new Set(sqlGrantsOf(typeof before === "string" ? s.resolve("base", before) : before).map((g) => g.text));
  return sqlGrantsOf(typeof after === "string" ? s.resolve("head", after) : after)
    .filter((g) => !old.has(g.text))
    .map((g): Finding => {
      if (toOwner(s, g)) {
        return {
          severity: "low",
          rule: "grants.to-pipeline-owner",
          message: `${s.address} hands ${g.kind} ${g.object} to ${g.role}, the role that already owns this tenant's pipeline objects (${g.text})`,
          path: "execute",
        };
      }
      return { severity, rule: g.ownership ? "grants.sql-ownership" : "grants.sql", message: `${s.address} runs ${g.text}`, path: "execute" };
    });
}

/** Lines of SQL changed beyond grants and the pausing and resuming around them. */
function otherSqlLinesChanged(before: unknown, after: unknown): boolean {
  const lines = (v: unknown) =>
    typeof v === "string"
      ? v
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => l !== "")
      : [];
  const b = lines(before);
  const a = lines(after);
  const count = (list: string[]) => list.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
  const cb = count(b);
  const ca = count(a);
  const differing = [...new Set([...b, ...a])].filter((l) => cb.get(l) !== ca.get(l));
  return differing.some((l) => !/^GRANT\s/i.test(l) && !HANDOVER_MECHANICS.test(l));
}

const num = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);
/** Wildcards that expand to a few documented, narrow actions (AWS's own key-policy examples use them). */
const NARROW_WILDCARDS = new Set(["kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:Describe*"]);
const isWildcard = (s: string) => !NARROW_WILDCARDS.has(s) && (s === "*" || s.endsWith(":*") || (s.endsWith("*") && !s.includes("/")));
const last = (path: string) =>
  path
    .split(/[.[\]]+/)
    .filter(Boolean)
    .pop() ?? path;
const truthy = (v: unknown) => v === true || v === "true";
/** A value for a one-line message: multi-line or long text (SQL, documents) is shown as a line diff instead. */
const short = (v: unknown) =>
  typeof v === "string" && v.includes("\n")
    ? `${v.split("\n").length} lines, see the diff`
    : typeof v === "string" && v.length > 120
      ? JSON.stringify(`${v.slice(0, 117)}…`)
      : JSON.stringify(v);
const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

// ---- IAM ------------------------------------------------------------------------------------------

/** Actions a key's user needs; a statement granting only these on the stack's own key is a key user's, not an administrator's. */
const KMS_USE = new Set(["kms:Decrypt", "kms:DescribeKey", "kms:Describe*", "kms:GenerateDataKey", "kms:GenerateDataKey*", "kms:Encrypt", "kms:ReEncrypt*"]);
/** Bucket-level actions that read no object: where a bucket is, who owns it. */
const BUCKET_METADATA = new Set(["s3:GetBucketLocation", "s3:GetBucketAcl"]);
const LISTING = new Set(["s3:ListBucket", "s3:ListBucketVersions"]);
/** What a source's writer needs: put objects, and find the bucket and its owner. */
const DELIVERY = new Set(["s3:PutObject", "s3:AbortMultipartUpload", "s3:GetBucketAcl", "s3:GetBucketLocation"]);
const OBJECT_ACTIONS =
  /^s3:(GetObject|GetObjectVersion|GetObjectTagging|PutObject|PutObjectTagging|RestoreObject|AbortMultipartUpload|ListMultipartUploadParts)$/;

const underNewPrefix = (facts: StackFacts, key: string) => [...facts.newPrefixes].some((p) => key.startsWith(p));

/** The statement's condition values on `key` under operators that allow what they list. */
function conditionValues(st: ParsedStatement, key: string): string[] | undefined {
  const found = Object.entries(st.Condition ?? {}).filter(
    ([op, kv]) => !isNegatedOperator(op) && Object.keys(kv).some((k) => k.toLowerCase() === key.toLowerCase()),
  );
  if (found.length === 0) return undefined;
  return found.flatMap(([, kv]) =>
    Object.entries(kv)
      .filter(([k]) => k.toLowerCase() === key.toLowerCase())
      .flatMap(([, v]) => asList(v)),
  );
}

/** An `s3:prefix` value (`guardduty/*`, `guardduty/`) that lies under one of the change's new source prefixes. */
const newSourcePrefixValue = (facts: StackFacts, v: string) => underNewPrefix(facts, v.replace(/\*$/, "")) && v.replace(/\*$/, "") !== "";

/** The statement ties a service principal to the stack's own account or resources (no confused deputy). */
function hasSourceCondition(st: ParsedStatement, facts: StackFacts): boolean {
  const account = conditionValues(st, "aws:SourceAccount");
  const arn = conditionValues(st, "aws:SourceArn");
  return (
    (account !== undefined && account.length > 0 && (facts.account === undefined || account.every((a) => a === facts.account))) ||
    (arn !== undefined && arn.length > 0)
  );
}

/**
 * An Allow statement that gives access only to what this change creates for a new source: objects
 * under the stack's new key prefixes, bucket metadata and listing limited to those prefixes, and — in
 * a policy the change creates (`fresh`) — use (not administration) of the stack's own key or trust of a
 * Snowflake integration of the same stack with its external id. `policyType` tells a key policy
 * (Resource `*` is the key) from the others.
 */
function scopedToNewSources(s: Scope, st: ParsedStatement | undefined, policyType: string, attribute: string, fresh: boolean): boolean {
  const facts = s.facts;
  // Without a new source in the stack, nothing is a new source's standard access.
  if (facts.newPrefixes.size === 0) return false;
  if (!st || st.Effect !== "Allow" || st.NotAction !== undefined || st.NotResource !== undefined || st.NotPrincipal !== undefined) return false;
  const actions = asList(st.Action);
  if (actions.length === 0 || actions.some(isWildcard)) return false;
  const principal = st.Principal as Record<string, unknown> | string | undefined;
  if (principal === "*" || (typeof principal === "object" && asList(principal.AWS).includes("*"))) return false;
  const services = typeof principal === "object" ? asList(principal.Service) : [];
  if (services.length > 0 && !hasSourceCondition(st, facts)) return false;
  // In a key policy every principal must be one that writes a new source's prefix (and so encrypts with the key).
  if (policyType === "aws_kms_key" && !principals(st.Principal).every((p) => facts.newSourceWriters.has(p))) return false;
  // In a bucket policy a principal may only deliver: reading a new prefix is reading every log the source will
  // write, which only a role this change creates in the stack (a new source's reader) may be given here.
  if (principal !== undefined && policyType !== "aws_kms_key" && attribute !== "assume_role_policy" && !actions.every((a) => DELIVERY.has(a))) {
    if (!principals(st.Principal).every((p) => p.startsWith("AWS:") && isRoutineNewRole(s, s.resolve("head", p.slice(4))))) return false;
  }
  if (attribute === "assume_role_policy") {
    if (!fresh) return false;
    // Trust of a same-stack Snowflake integration's IAM user, pinned by its external id.
    const aws = typeof principal === "object" ? asList(principal.AWS) : [];
    const ownReference = (p: string) =>
      /^\$\{snowflake_[a-z_]*integration\.([A-Za-z0-9_-]+)\.[a-z_]+\}$/.test(p) && facts.has("head", p.slice(2, p.lastIndexOf(".")));
    return (
      actions.every((a) => a === "sts:AssumeRole") && aws.length > 0 && aws.every(ownReference) && (conditionValues(st, "sts:ExternalId")?.length ?? 0) > 0
    );
  }
  const resources = asList(st.Resource);
  if (resources.length === 0) return false;
  const key = (r: string) =>
    policyType === "aws_kms_key" ? r === "*" : /^\$\{aws_kms_key\.([A-Za-z0-9_-]+)\.arn\}$/.test(r) && facts.has("head", r.slice(2, r.lastIndexOf(".")));
  return resources.every((raw) => {
    const r = s.resolve("head", raw);
    // Use of the stack's own key: for a principal this change creates (a new policy), or a key policy's new writer.
    if (key(raw)) return (fresh || policyType === "aws_kms_key") && actions.every((a) => KMS_USE.has(a));
    const o = objectArn(r);
    if (o)
      return (
        facts.buckets.has(o.bucket) && underNewPrefix(facts, o.key) && actions.every((a) => OBJECT_ACTIONS.test(a) || BUCKET_METADATA.has(a) || LISTING.has(a))
      );
    const bucket = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(r)?.[1];
    if (bucket && facts.buckets.has(bucket)) {
      const prefixes = conditionValues(st, "s3:prefix");
      return actions.every(
        (a) =>
          BUCKET_METADATA.has(a) ||
          (LISTING.has(a) && prefixes !== undefined && prefixes.length > 0 && prefixes.every((p) => newSourcePrefixValue(facts, p))) ||
          OBJECT_ACTIONS.test(a),
      );
    }
    return false;
  });
}

/** A key policy's standard statement: the key's own account (its root) administers it through IAM. */
function isAccountAdministration(s: Scope, st: ParsedStatement | undefined): boolean {
  if (!st || s.c.type !== "aws_kms_key" || st.Effect !== "Allow" || st.Condition !== undefined || st.NotAction !== undefined) return false;
  const account = s.facts.account;
  const aws = asList((st.Principal as Record<string, unknown> | undefined)?.AWS);
  const actions = asList(st.Action);
  const root = /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(aws[0] ?? "")?.[1];
  return (
    account !== undefined &&
    aws.length === 1 &&
    (root === account || aws[0] === account) &&
    actions.length === 1 &&
    actions[0] === "kms:*" &&
    asList(st.Resource).every((r) => r === "*")
  );
}

/** ARNs of IAM roles this change creates in the same stack. */
function isNewRoleArn(s: Scope, arn: string): boolean {
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m !== null && (s.facts.account === undefined || m[1] === s.facts.account) && s.facts.newIamRoles.has(m[2]);
}

/**
 * A role this change creates whose every statement (trust, inline and attached role policies) is a new
 * source's own access: exempting it from a deny changes nothing for anyone else. A managed policy
 * attached to it cannot be read here, so it is not routine.
 */
function isRoutineNewRole(s: Scope, arn: string): boolean {
  if (!isNewRoleArn(s, arn)) return false;
  const name = arn.slice(arn.lastIndexOf("/") + 1);
  const head = s.facts.resources("head");
  const roles = Object.entries(head.aws_iam_role ?? {}).filter(([, b]) => typeof b.name === "string" && s.resolve("head", b.name) === name);
  if (roles.length !== 1) return false;
  const [address, role] = roles[0];
  const refersToRole = (v: unknown) => typeof v === "string" && (s.resolve("head", v) === name || v.startsWith(`\${aws_iam_role.${address}.`));
  if (Object.values(head.aws_iam_role_policy_attachment ?? {}).some((a) => refersToRole(a.role))) return false;
  const documents: [string, string, unknown][] = [
    ["aws_iam_role", "assume_role_policy", role.assume_role_policy],
    ...((role.inline_policy as { policy?: unknown }[] | undefined) ?? []).map((p): [string, string, unknown] => ["aws_iam_role", "policy", p.policy]),
    ...Object.values(head.aws_iam_role_policy ?? {})
      .filter((p) => refersToRole(p.role))
      .map((p): [string, string, unknown] => ["aws_iam_role_policy", "policy", p.policy]),
  ];
  return documents.every(([type, attribute, doc]) => {
    const statements = parsePolicyStatements(typeof doc === "string" ? s.resolve("head", doc) : doc);
    return (
      statements !== undefined &&
      statements.every((st) => st.Effect === "Deny" || scopedToNewSources(new Scope({ ...s.c, type }, s.ctx), st, type, attribute, true))
    );
  });
}

/** How one condition key of an Allow moved: `wider` when the statement lets more requests through. */
function conditionFinding(s: Scope, cc: ConditionChange): { wider: boolean; routine: boolean; text: string } {
  const label = `${cc.operator} ${cc.key}`;
  if (cc.kind === "key-added") return { wider: false, routine: false, text: `${label} added (${cc.valuesAdded.join(", ")})` };
  if (cc.kind === "key-removed") return { wider: true, routine: false, text: `${label} (was ${cc.valuesRemoved.join(", ")})` };
  if (!isSetOperator(cc.operator))
    return { wider: true, routine: false, text: `${label} changed: ${cc.valuesRemoved.join(", ")} → ${cc.valuesAdded.join(", ")}` };
  // For a listing operator, more values match more requests; for a negated one (an exception list), fewer.
  const negated = isNegatedOperator(cc.operator);
  const matchesMore = negated ? cc.valuesRemoved : cc.valuesAdded;
  const parts = [
    ...(cc.valuesAdded.length ? [`+ ${cc.valuesAdded.join(", ")}`] : []),
    ...(cc.valuesRemoved.length ? [`− ${cc.valuesRemoved.join(", ")}`] : []),
  ];
  const routine = matchesMore.length > 0 && cc.key.toLowerCase() === "s3:prefix" && !negated && matchesMore.every((v) => newSourcePrefixValue(s.facts, v));
  return { wider: matchesMore.length > 0, routine, text: `${label} ${parts.join("; ")}` };
}

/** Findings for one statement-level policy change. `fresh`: the whole resource is new. */
function policyFindings(s: Scope, path: string, c: StatementChange, fresh: boolean): Finding[] {
  const where = { path, statement: { sid: c.sid, before: c.before, after: c.after } };
  const out: Finding[] = [];
  const describe = (st?: { Action?: unknown; Resource?: unknown; Principal?: unknown }) =>
    st ? `actions ${JSON.stringify(st.Action)} on ${JSON.stringify(st.Resource ?? "(any)")}${st.Principal ? ` for ${JSON.stringify(st.Principal)}` : ""}` : "";
  const policyType = s.c.type;
  if (c.effect === "Allow") {
    if (c.kind !== "removed" && isAccountAdministration(s, c.after)) {
      out.push({
        severity: "low",
        rule: "iam.key-account-administration",
        message: `${c.sid}: the key's own account ${s.facts.account} administers it through IAM (the standard key policy statement; IAM policies in that account decide who uses the key)`,
        ...where,
      });
      return out;
    }
    const wild = [...c.actionsAdded, ...c.principalsAdded].filter(isWildcard);
    if (wild.length > 0) out.push({ severity: "high", rule: "iam.wildcard", message: `${c.sid}: wildcard ${wild.join(", ")} allowed`, ...where });
    if (c.kind === "added") {
      if (wild.length === 0 && scopedToNewSources(s, c.after, policyType, path, fresh))
        out.push({
          severity: "low",
          rule: "iam.new-source-access",
          message: `${c.sid}: only what a new source needs (its key prefixes, use of the stack's own key, trust of the stack's own integration): ${describe(c.after)}`,
          ...where,
        });
      else
        out.push(
          fresh
            ? { severity: "medium", rule: "iam.new-access", message: `${c.sid}: new access, ${describe(c.after)}`, ...where }
            : { severity: "high", rule: "iam.allow-added", message: `${c.sid}: statement added, ${describe(c.after)}`, ...where },
        );
    } else if (c.kind === "changed") {
      if (c.actionsAdded.length)
        out.push({ severity: "high", rule: "iam.actions-added", message: `${c.sid}: actions added ${c.actionsAdded.join(", ")}`, ...where });
      const newSource = (r: string) => {
        const o = objectArn(s.resolve("head", r));
        return o !== undefined && s.facts.buckets.has(o.bucket) && underNewPrefix(s.facts, o.key);
      };
      // A function's role may attach to the subnets and security groups its VPC config names: that move is the function's finding.
      const ownNetwork = (r: string) => {
        const id = /^arn:aws[a-z-]*:ec2:[^:]*:\d*:(subnet|security-group)\/(.+)$/.exec(r)?.[2];
        return id !== undefined && s.facts.functionNetwork.has(id);
      };
      const network = c.resourcesAdded.filter((r) => !newSource(r) && ownNetwork(r));
      const wider = c.resourcesAdded.filter((r) => !newSource(r) && !ownNetwork(r));
      const routine = c.resourcesAdded.filter(newSource);
      if (network.length)
        out.push({
          severity: "medium",
          rule: "network.function-placement",
          message: `${c.sid}: the function's role may attach to the network its VPC config now names: ${network.join(", ")}`,
          ...where,
        });
      if (wider.length) out.push({ severity: "high", rule: "iam.resources-widened", message: `${c.sid}: resources added ${wider.join(", ")}`, ...where });
      if (routine.length)
        out.push({
          severity: "low",
          rule: "iam.resources-new-source",
          message: `${c.sid}: resources added for a new source's prefix only: ${routine.join(", ")}`,
          ...where,
        });
      for (const cc of c.conditions) {
        const m = conditionFinding(s, cc);
        if (cc.kind === "key-removed")
          out.push({ severity: "high", rule: "iam.condition-dropped", message: `${c.sid}: condition dropped ${m.text}`, ...where });
        else if (m.wider && m.routine)
          out.push({
            severity: "low",
            rule: "iam.condition-new-source",
            message: `${c.sid}: condition widened by a new source's prefix only: ${m.text}`,
            ...where,
          });
        else if (m.wider) out.push({ severity: "high", rule: "iam.condition-widened", message: `${c.sid}: condition matches more: ${m.text}`, ...where });
      }
      const named = c.principalsAdded.filter((p) => !isWildcard(p));
      const writers = named.filter(
        (p) => s.facts.newSourceWriters.has(p) && c.after !== undefined && (!p.startsWith("Service:") || hasSourceCondition(c.after, s.facts)),
      );
      const others = named.filter((p) => !writers.includes(p));
      if (writers.length)
        out.push({
          severity: "low",
          rule: "iam.new-source-writer",
          message: `${c.sid}: ${writers.join(", ")} added, which this change lets write a new source's prefix only (a service tied to its source account)`,
          ...where,
        });
      // A role that exists may be assumed by more principals: they get everything it may do to what exists
      // (a tenant's read role named for another reader reads every log of the tenant).
      if (others.length && path === "assume_role_policy" && !fresh)
        out.push({
          severity: "high",
          rule: "iam.trust-widened",
          message: `${c.sid}: ${others.join(", ")} may now assume the role, and do all it may`,
          ...where,
        });
      else if (others.length) out.push({ severity: "medium", rule: "iam.new-principal", message: `${c.sid}: new principal ${others.join(", ")}`, ...where });
      if (out.length === 0)
        out.push(
          sameAsSets(c)
            ? { severity: "low", rule: "meta.order", message: `${c.sid}: the same statement, its lists in another order`, ...where }
            : { severity: "low", rule: "iam.allow-narrowed", message: `${c.sid}: narrowed`, ...where },
        );
    } else {
      out.push({ severity: "low", rule: "iam.allow-removed", message: `${c.sid}: allow removed`, ...where });
    }
  } else {
    const tls = JSON.stringify(c.before ?? {}).match(/aws:SecureTransport|s3:TlsVersion/) ? " (TLS enforcement)" : "";
    const enc = JSON.stringify(c.before ?? {}).match(/x-amz-server-side-encryption/) ? " (encryption enforcement)" : "";
    if (c.kind === "removed") out.push({ severity: "high", rule: "iam.deny-removed", message: `${c.sid}: deny removed${tls}${enc}`, ...where });
    else if (c.kind === "changed") {
      const narrowed: string[] = [];
      const routine: string[] = [];
      if (c.actionsRemoved.length) narrowed.push(`no longer denies ${c.actionsRemoved.join(", ")}`);
      if (c.resourcesRemoved.length) narrowed.push(`no longer covers ${c.resourcesRemoved.join(", ")}`);
      if (c.principalsRemoved.length) narrowed.push(`no longer applies to ${c.principalsRemoved.join(", ")}`);
      for (const cc of c.conditions) {
        const m = denyCondition(s, cc);
        if (m.routine) routine.push(m.text);
        else if (m.narrower) narrowed.push(m.text);
      }
      if (narrowed.length)
        out.push({ severity: "high", rule: "iam.deny-narrowed", message: `${c.sid}: deny narrowed${tls}${enc}: ${narrowed.join("; ")}`, ...where });
      if (routine.length)
        out.push({
          severity: "low",
          rule: "iam.deny-exempts-new-role",
          message: `${c.sid}: exempts only roles this change creates in the same stack for a new source, whose every statement is that source's own access: ${routine.join("; ")}`,
          ...where,
        });
      if (out.length === 0)
        out.push(
          sameAsSets(c)
            ? { severity: "low", rule: "meta.order", message: `${c.sid}: the same statement, its lists in another order`, ...where }
            : { severity: "low", rule: "iam.deny-widened", message: `${c.sid}: deny widened`, ...where },
        );
    } else out.push({ severity: "low", rule: "iam.deny-added", message: `${c.sid}: deny added`, ...where });
  }
  return out;
}

/** How one condition key of a Deny moved: `narrower` when the deny matches fewer requests. */
function denyCondition(s: Scope, cc: ConditionChange): { narrower: boolean; routine: boolean; text: string } {
  const label = `${cc.operator} ${cc.key}`;
  // A condition key added to a Deny makes it apply in fewer cases; one dropped makes it apply always.
  if (cc.kind === "key-added") return { narrower: true, routine: false, text: `condition ${label} added (${cc.valuesAdded.join(", ")})` };
  if (cc.kind === "key-removed") return { narrower: false, routine: false, text: `condition ${label} dropped` };
  if (!isSetOperator(cc.operator))
    return { narrower: true, routine: false, text: `condition ${label} changed: ${cc.valuesRemoved.join(", ")} → ${cc.valuesAdded.join(", ")}` };
  const negated = isNegatedOperator(cc.operator);
  const matchesLess = negated ? cc.valuesAdded : cc.valuesRemoved;
  if (matchesLess.length === 0) return { narrower: false, routine: false, text: "" };
  const text = negated ? `exempts also ${matchesLess.join(", ")} (${label})` : `no longer matches ${matchesLess.join(", ")} (${label})`;
  const routine = negated && /^aws:principalarn$/i.test(cc.key) && cc.valuesRemoved.length === 0 && matchesLess.every((a) => isRoutineNewRole(s, a));
  return { narrower: true, routine, text };
}

/** A changed statement whose actions, principals, resources and conditions are the same sets. */
function sameAsSets(c: StatementChange): boolean {
  return (
    [c.actionsAdded, c.actionsRemoved, c.principalsAdded, c.principalsRemoved, c.resourcesAdded, c.resourcesRemoved, c.conditions].every(
      (l) => l.length === 0,
    ) && c.before?.Effect === c.after?.Effect
  );
}

/** Statement changes of a policy attribute, both sides resolved to names where the stacks state them. */
function resolvedStatements(s: Scope, a: AttributeChange): StatementChange[] {
  const parse = (side: Side, v: unknown) => parsePolicyStatements(typeof v === "string" ? s.resolve(side, v) : v);
  const b = parse("base", a.before);
  const n = parse("head", a.after);
  return b || n ? diffPolicies(b ?? [], n ?? []) : (a.statements ?? []);
}

// ---- retention, routes --------------------------------------------------------------------------

/** A single block as synthesized: an object, or a one-element list. */
const block = (v: unknown): Record<string, unknown> | undefined => {
  const x = Array.isArray(v) ? v[0] : v;
  return typeof x === "object" && x !== null ? (x as Record<string, unknown>) : undefined;
};
const replicaBucket = (rule: unknown) => block(block(rule)?.destination)?.bucket;

/**
 * A rule added beside the configuration's existing rules (one rule per source prefix since
 * aws/log-bucket 0.4.0, so a new source adds one) is routine when it sends its keys where the other
 * rules do, without delete markers and with SSE-KMS objects; a rule's priority moving is bookkeeping.
 */
function addedReplicationRule(c: ResourceChange, path: string, before: unknown, after: unknown): [Severity, string, string] | undefined {
  if (/^rule\[id=[^\]]+\]\.priority$/.test(path) && typeof before === "number" && typeof after === "number")
    return ["low", "meta.priority", `replication rule priority ${before} → ${after}`];
  if (!/^rule\[id=[^\]]+\]$/.test(path) || before !== undefined || block(after) === undefined) return undefined;
  const others = (Array.isArray(c.before?.rule) ? (c.before!.rule as unknown[]) : []).map(replicaBucket);
  const rule = block(after)!;
  const sameVault = others.length > 0 && others.every((b) => b === replicaBucket(rule));
  const keepsDeletes = block(rule.delete_marker_replication)?.status !== "Enabled";
  const kmsObjects = block(block(block(rule.source_selection_criteria)?.sse_kms_encrypted_objects))?.status === "Enabled";
  if (sameVault && keepsDeletes && kmsObjects && rule.status === "Enabled")
    return ["low", "retention.backup-extended", `more keys replicated into the same backup vault (${String(replicaBucket(rule))})`];
  return undefined;
}

/** A backup's replication rule: what makes deletions reach the vault, objects skip it, or replicas leave it. */
function replicationFinding(path: string, key: string, before: unknown, after: unknown): [Severity, string, string] | undefined {
  if (/delete_marker_replication/.test(path) && key === "status" && after === "Enabled")
    return ["high", "retention.deletes-replicated", "delete markers now replicated: a deletion in the log bucket reaches the backup"];
  if (/sse_kms_encrypted_objects/.test(path) && key === "status" && before === "Enabled")
    return ["high", "retention.backup-skips-objects", "SSE-KMS objects (every log object) no longer replicated"];
  if (key === "status" && /^rule(\[[^\]]+\])?\.status$/.test(path) && before === "Enabled")
    return ["high", "retention.backup-off", "replication rule disabled: new logs no longer reach the backup vault"];
  if (key === "replica_kms_key_id") return ["medium", "encryption.key-changed", "replicas encrypted with another key"];
  if (/destination/.test(path) && key === "bucket") return ["high", "routes.backup-destination-changed", "replicas now go to another bucket"];
  if (/filter/.test(path) && key === "prefix")
    return ["medium", "retention.backup-narrowed", "replication filter changed: some keys may no longer be backed up"];
  if (/metrics/.test(path) && key === "status" && before === "Enabled")
    return ["medium", "monitoring.backup-metrics-off", "replication metrics off: the vault's failure alarm goes blind"];
  if (/^rule\[[^\]]+\]$/.test(path) && after === undefined)
    return ["high", "retention.backup-off", "replication rule removed: new logs under its filter no longer reach the backup vault"];
  return undefined;
}

type Rule = Record<string, unknown>;
const rulesOf = (body: Record<string, unknown> | undefined): Rule[] => (Array.isArray(body?.rule) ? (body.rule as Rule[]) : []);
const firstOf = (v: unknown) => (Array.isArray(v) ? v[0] : v) as Record<string, unknown> | undefined;
const expiryDays = (r: Rule) => num(firstOf(r.expiration)?.days);
const noncurrentDays = (r: Rule) => num(firstOf(r.noncurrent_version_expiration)?.noncurrent_days);

/** Days after which objects under `prefix` expire by the enabled rules covering all of it (undefined: never). */
function expiryAt(rules: readonly Rule[], prefix: string, days: (r: Rule) => number | undefined): number | undefined {
  const covering = rules
    .filter((r) => r.status !== "Disabled" && prefix.startsWith(rulePrefix(r)))
    .map(days)
    .filter((d): d is number => d !== undefined);
  return covering.length ? Math.min(...covering) : undefined;
}

/**
 * A lifecycle configuration compared by what it does to each key prefix its rules name, not rule by
 * rule: for every prefix, the days after which current (and noncurrent) versions expire before and
 * after. A cut is high wherever it lands, whichever rule carries it; a rule for a new source's
 * prefix is low; a longer retention is low.
 */
function lifecycleFindings(s: Scope, handled: Set<string>): Finding[] {
  const before = rulesOf(s.c.before);
  const after = rulesOf(s.c.after);
  const out: Finding[] = [];
  const probes = [...new Set([...before, ...after].map(rulePrefix))].sort();
  /** The rule that sets a prefix's expiry after the change (the covering rule with those days, longest prefix first). */
  const ruleIdAt = (prefix: string, days: (r: Rule) => number | undefined, value: number | undefined) => {
    const r = after
      .filter((x) => prefix.startsWith(rulePrefix(x)) && (value === undefined || days(x) === value))
      .sort((x, y) => rulePrefix(y).length - rulePrefix(x).length)[0];
    return r && r.id !== undefined ? `rule[id=${String(r.id)}]` : "rule";
  };
  const shown = (d: number | undefined) => (d === undefined ? "never" : `${d} days`);
  const where = (p: string) => (p === "" ? "every object" : `objects under ${p}`);
  for (const [kind, days, reduced, extended] of [
    ["current", expiryDays, "retention.expiry-reduced", "retention.expiry-extended"],
    ["noncurrent", noncurrentDays, "retention.noncurrent-reduced", "retention.noncurrent-extended"],
  ] as const) {
    for (const p of probes) {
      const b = expiryAt(before, p, days);
      const a = expiryAt(after, p, days);
      if (a === b) continue;
      const versions = kind === "current" ? "" : " (noncurrent versions)";
      if (a !== undefined && (b === undefined || a < b)) {
        if (b === undefined && p !== "" && underNewPrefix(s.facts, p)) {
          out.push({
            severity: "low",
            rule: "retention.rule-added",
            message: `new source's prefix ${p}: ${where(p)}${versions} expire after ${a} days`,
            path: ruleIdAt(p, days, a),
          });
        } else {
          out.push({
            severity: "high",
            rule: reduced,
            message: `lifecycle expiry reduced: ${where(p)}${versions} deleted sooner (${shown(b)} → ${shown(a)})`,
            path: ruleIdAt(p, days, a),
          });
        }
      } else {
        out.push({ severity: "low", rule: extended, message: `${where(p)}${versions} kept longer (${shown(b)} → ${shown(a)})`, path: ruleIdAt(p, days, a) });
      }
    }
  }
  for (const a of s.c.attributes) {
    const p = a.path;
    const whole = /^rule\[[^\]]+\]$/.test(p);
    // A rule's own expiry cut is high even where another rule (one with a tag or size filter, counted
    // per prefix as if it covered all of it) already expires the prefix sooner.
    const leaf = /^(rule\[[^\]]+\])\.(expiration|noncurrent_version_expiration)\[\d+\]\.(days|noncurrent_days)$/.exec(p);
    const [b, n] = [num(a.before), num(a.after)];
    if (leaf && b !== undefined && n !== undefined && n < b && !out.some((f) => f.severity === "high" && f.path === leaf[1])) {
      out.push({
        severity: "high",
        rule: leaf[2] === "expiration" ? "retention.expiry-reduced" : "retention.noncurrent-reduced",
        message: `lifecycle expiry reduced: rule ${leaf[1].slice(8, -1)} deletes ${where(rulePrefix(rulesOf(s.c.after).find((r) => `rule[id=${String(r.id)}]` === leaf[1]) ?? {}))}${leaf[2] === "expiration" ? "" : " (noncurrent versions)"} sooner (${b} → ${n} days)`,
        path: leaf[1],
      });
    }
    if (/^rule\[[^\]]+\](\.|$)/.test(p) && (whole || /expiration|\.status$|\.filter|\.prefix$/.test(p))) handled.add(p);
    // Rules without ids, and a different number of them: one change of the whole list, compared per prefix above.
    if (p === "rule" && out.length > 0) handled.add(p);
    if (whole && a.before === undefined && !out.some((f) => f.path === p))
      out.push({
        severity: "low",
        rule: "retention.rule-added",
        message: `lifecycle rule ${p.slice(8, -1)} added for ${where(rulePrefix(a.after as Rule))}: no object expires sooner than before`,
        path: p,
      });
    if (whole && a.after === undefined)
      out.push({
        severity: "low",
        rule: "retention.rule-removed",
        message: `lifecycle rule ${p.slice(8, -1)} removed for ${where(rulePrefix(a.before as Rule))} (what expires when is compared per prefix)`,
        path: p,
      });
  }
  return out;
}

/** A bucket notification's sub-block: added for a new source (low), removed, retargeted or refiltered. */
function notificationFinding(s: Scope, a: AttributeChange): [Severity, string, string] | undefined {
  const m = /^(queue|topic|lambda_function)\[[^\]]+\](\.(.+))?$/.exec(a.path);
  if (!m) return undefined;
  const field = m[3];
  if (field === undefined) {
    if (a.after === undefined) return ["medium", "routes.notification-removed", "event notification removed: its objects are no longer loaded"];
    const prefix = String((a.after as Record<string, unknown>).filter_prefix ?? "");
    return prefix !== "" && underNewPrefix(s.facts, prefix)
      ? ["low", "routes.notification-added", `event notification added for a new source's prefix ${prefix}`]
      : ["medium", "routes.notification-added", `event notification added for ${prefix || "every object"}`];
  }
  if (/_arn$/.test(field)) {
    const own =
      typeof a.after === "string" &&
      /^\$\{([a-z_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}$/.test(a.after) &&
      s.facts.has("head", a.after.slice(2, a.after.lastIndexOf(".")));
    return own
      ? ["medium", "routes.notification-retargeted", "object-created events go to another of this stack's queues"]
      : ["high", "routes.notification-retargeted", "object-created events go to a queue, topic or function outside this stack"];
  }
  return ["medium", "routes.notification-filter-changed", "which objects raise an event changed: some may no longer be loaded"];
}

/** Findings for one changed attribute of a resource that exists on both sides. */
function attributeFindings(s: Scope, a: AttributeChange): Finding[] {
  const type = s.c.type;
  const { path, before, after } = a;
  const key = last(path);
  const f = (severity: Severity, rule: string, message: string): Finding[] => [
    { severity, rule, message: `${message} (${path}: ${short(s.deep("base", before))} → ${short(s.deep("head", after))})`, path },
  ];
  if (a.statements) {
    const statements = resolvedStatements(s, a);
    if (statements.length === 0)
      return f("low", "meta.reference", "policy document changed only in form (references resolve to the same names, or formatting)");
    return statements.flatMap((st) => policyFindings(s, path, st, false));
  }
  if (typeof before === "string" && typeof after === "string" && s.resolve("base", before) === s.resolve("head", after))
    return f("low", "meta.reference", "the same value, written as a reference instead of a name or the other way round");
  if (path === "depends_on" || path.startsWith("lifecycle.replace_triggered_by"))
    return f("low", "meta.dependencies", "dependencies changed (what Terraform orders or replaces with it)");
  if (Array.isArray(before) && Array.isArray(after) && JSON.stringify([...before].map(String).sort()) === JSON.stringify([...after].map(String).sort()))
    return f("low", "meta.order", "the same values in another order");
  if (key === "is_secure" && truthy(before) && !truthy(after))
    return f("high", "access.view-not-secure", "view no longer SECURE: its definition is visible to readers and the optimizer may expose filtered rows");
  if (/^tags(_all)?\./.test(path) || path === "tags" || path === "tags_all") return f("low", "meta.tags", "tags changed");
  if (key === "comment" || key === "description") return f("low", "meta.comment", "comment or description changed");
  if (type === "aws_s3_bucket_public_access_block" && before === true && after !== true)
    return f("high", "public.access-allowed", "public access no longer blocked");
  if (key === "sse_algorithm" && before === "aws:kms" && after !== "aws:kms") return f("high", "encryption.weakened", "encryption no longer SSE-KMS");
  if (type === "aws_kinesis_firehose_delivery_stream") {
    const found = deliveryStreamFinding(path, key, before, after);
    if (found) return f(...found);
  }
  if (type === "aws_s3_bucket_replication_configuration") {
    const found = addedReplicationRule(s.c, path, before, after) ?? replicationFinding(path, key, before, after);
    if (found) return f(...found);
  }
  if (type === "aws_s3_bucket_notification") {
    const found = notificationFinding(s, a);
    if (found) return f(...found);
  }
  if (type === "aws_s3_bucket_lifecycle_configuration" && /transition/.test(path))
    return f("low", "retention.transition-changed", "storage class transitions changed (cost and retrieval time; objects are kept as long)");
  if (type === "aws_s3_bucket_lifecycle_configuration" && /abort_incomplete_multipart_upload/.test(path))
    return f("low", "storage.hygiene", "incomplete multipart uploads cleaned up at another age");
  if (type === "aws_kinesis_stream" && key === "encryption_type" && before === "KMS" && after !== "KMS")
    return f("high", "encryption.weakened", "stream records no longer encrypted with KMS");
  if (type === "aws_kinesis_stream" && key === "retention_period" && num(before) !== undefined && (num(after) ?? 24) < num(before)!)
    return f("high", "retention.stream-reduced", "stream retention reduced: a stalled consumer loses records sooner");
  if (key === "kms_master_key_id" || key === "kms_key_id") return f("medium", "encryption.key-changed", "encryption key changed");
  if (key === "enable_key_rotation" && before === true && after !== true) return f("high", "encryption.rotation-off", "key rotation turned off");
  if (type === "aws_s3_bucket_versioning" && key === "status" && before === "Enabled")
    return f("high", "retention.versioning-off", "versioning no longer enabled");
  if (key === "force_destroy" && after === true) return f("high", "deletion.force-destroy", "force_destroy on: a destroy deletes every object");
  if (key === "prevent_destroy" && before === true && after !== true) return f("high", "deletion.unprotected", "prevent_destroy removed");
  if (key === "mode" && before === "COMPLIANCE" && after !== "COMPLIANCE") return f("high", "retention.lock-weakened", "object lock weakened from COMPLIANCE");
  const b = num(before);
  const n = num(after);
  const reduced = b !== undefined && (n === undefined || n < b);
  const extended = b !== undefined && n !== undefined && n > b;
  const lock = /object_lock|default_retention/.test(`${type} ${path}`);
  if (reduced && (key === "days" || key === "years") && lock) return f("high", "retention.lock-reduced", "object lock retention reduced");
  if (extended && (key === "days" || key === "years") && lock) return f("low", "retention.lock-extended", "object lock retention extended");
  if (reduced && key === "days" && /expiration/.test(path)) return f("high", "retention.expiry-reduced", "lifecycle expiry reduced: logs deleted sooner");
  if (extended && key === "days" && /expiration/.test(path)) return f("low", "retention.expiry-extended", "lifecycle expiry extended: logs kept longer");
  if (reduced && key === "noncurrent_days") return f("high", "retention.noncurrent-reduced", "noncurrent versions deleted sooner");
  if (extended && key === "noncurrent_days") return f("low", "retention.noncurrent-extended", "noncurrent versions kept longer");
  if (reduced && key === "data_retention_time_in_days") return f("high", "retention.time-travel-reduced", "Snowflake Time Travel reduced");
  if (extended && key === "data_retention_time_in_days") return f("low", "retention.time-travel-extended", "Snowflake Time Travel extended");
  if (reduced && key === "deletion_window_in_days") return f("medium", "deletion.window-reduced", "key deletion window reduced");
  if (path.startsWith("storage_allowed_locations")) {
    const added = asStrings(after).filter((x) => !asStrings(before).includes(x));
    if (added.length > 0) return f("high", "access.locations-widened", `integration may read another location: ${added.join(", ")}`);
    return f("low", "access.locations-narrowed", "integration reads fewer locations");
  }
  if (path.startsWith("storage_blocked_locations")) {
    const removed = asStrings(before).filter((x) => !asStrings(after).includes(x));
    if (removed.length > 0) return f("high", "access.block-removed", `blocked location removed: ${removed.join(", ")}`);
    return f("low", "access.block-added", "more locations blocked");
  }
  if (type === "snowflake_email_notification_integration" && path.startsWith("allowed_recipients")) {
    const added = asStrings(after).filter((x) => !asStrings(before).includes(x));
    if (added.length > 0) return f("medium", "routes.alert-recipients-added", `alerts may also be e-mailed to ${added.join(", ")}`);
    return f("medium", "routes.alert-recipients-removed", "fewer recipients may receive alert e-mails");
  }
  if (GRANTS.has(type) && (path.startsWith("privileges") || key === "all_privileges" || path.includes("on_all") || path.includes("on_future")))
    return f("high", "grants.widened", "grant changed");
  if (type === "snowflake_grant_ownership" && /role_name/.test(path)) return f("high", "grants.ownership-moved", "ownership moved to another role");
  // A function in a VPC reaches what its subnets and security groups reach (a Kafka cluster's network).
  if (type === "aws_lambda_function" && path.startsWith("vpc_config"))
    return f("medium", "network.function-placement", "function's subnets or security groups changed: it reaches a different network");
  if (/schedule|cron/i.test(path)) return f("medium", "ops.schedule", "schedule changed");
  if (key === "bucket" && type === "aws_s3_bucket") return f("high", "data.store-replaced", "bucket renamed: a new bucket replaces the one holding the logs");
  if (key === "name" && DATA_STORES.has(type)) return f("high", "data.store-replaced", "renamed: the object holding the logs is replaced");
  if (key === "name" || key === "alias") return f("low", "meta.name", "name changed");
  return f("medium", "change.unclassified", "changed");
}

/** A Firehose delivery stream's attribute change that matters: where records go, how they are encrypted and logged. */
function deliveryStreamFinding(path: string, key: string, before: unknown, after: unknown): [Severity, string, string] | undefined {
  if (/server_side_encryption/.test(path) && key === "enabled" && truthy(before) && !truthy(after))
    return ["high", "encryption.weakened", "delivery stream no longer encrypted at rest"];
  if (/server_side_encryption/.test(path) && key === "key_type" && before === "CUSTOMER_MANAGED_CMK")
    return ["high", "encryption.weakened", "delivery stream no longer encrypted with the tenant's key"];
  if (key === "kms_key_arn" && before !== undefined && after === undefined)
    return ["high", "encryption.weakened", "delivered objects no longer encrypted with the tenant's key"];
  if (key === "kms_key_arn" || key === "key_arn") return ["medium", "encryption.key-changed", "encryption key changed"];
  if (/cloudwatch_logging_options/.test(path) && key === "enabled" && truthy(before) && !truthy(after))
    return ["high", "logging.disabled", "delivery errors no longer logged"];
  if (key === "bucket_arn" || key === "prefix" || key === "kinesis_stream_arn")
    return [
      "high",
      "routes.destination-changed",
      "records now go to another bucket, prefix or come from another stream (Snowpipe loads only the source's prefix)",
    ];
  if (key === "error_output_prefix") return ["medium", "routes.error-prefix-changed", "failed records go elsewhere (its alarm and retention rule must follow)"];
  return undefined;
}

// ---- grants -------------------------------------------------------------------------------------

/** The role a grant gives privileges to, as written (a literal name or a `${snowflake_account_role.X.name}` reference). */
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

/** Whether everything a grant is on is created by this change (a new object, or objects in a new schema). */
function targetIsNew(ctx: ReviewContext, body: Record<string, unknown> | undefined): boolean {
  const b = body ?? {};
  const accountObject = b.on_account_object as Record<string, unknown> | undefined;
  if (accountObject && typeof accountObject.object_name === "string") return ctx.newObjects.has(objectKey(accountObject.object_name));
  const schema = b.on_schema as Record<string, unknown> | undefined;
  if (schema && typeof schema.schema_name === "string") return ctx.newSchemas.has(objectKey(schema.schema_name));
  const object = b.on_schema_object as Record<string, unknown> | undefined;
  if (object && typeof object.object_name === "string") return ctx.newObjects.has(objectKey(object.object_name));
  for (const scope of ["all", "future"]) {
    const x = object?.[scope] as Record<string, unknown> | undefined;
    if (x && typeof x.in_schema === "string") return ctx.newSchemas.has(objectKey(x.in_schema));
  }
  return false;
}

/** Privileges a grant gives (`ALL PRIVILEGES` when all_privileges is on). */
function privilegesOf(body: Record<string, unknown> | undefined): string[] {
  return truthy(body?.all_privileges) ? ["ALL PRIVILEGES"] : asStrings(body?.privileges);
}

/** A changed grant, judged on its privileges as a whole (not element by element). */
function grantChangeFindings(s: Scope, handled: Set<string>): Finding[] {
  const c = s.c;
  const paths = c.attributes.filter((a) => a.path.startsWith("privileges") || a.path === "all_privileges").map((a) => a.path);
  if (paths.length === 0) return [];
  paths.forEach((p) => handled.add(p));
  const before = privilegesOf(c.before);
  const after = privilegesOf(c.after);
  const added = after.filter((p) => !before.includes(p));
  const removed = before.filter((p) => !after.includes(p));
  const grantee = granteeOf(c.after);
  const who = grantee ? s.resolve("head", grantee) : "the role";
  const on = s.resolve("head", grantTarget(c.after));
  const out: Finding[] = [];
  if (added.length) out.push({ severity: "high", rule: "grants.privileges-added", message: `${who} gains ${added.join(", ")} on ${on}`, path: "privileges" });
  if (removed.length)
    out.push({ severity: "low", rule: "grants.privileges-removed", message: `${who} loses ${removed.join(", ")} on ${on}`, path: "privileges" });
  return out;
}

// ---- Snowflake tasks ------------------------------------------------------------------------------

const isCanary = (c: ResourceChange) =>
  /_CANARY$/.test(String(c.after?.name ?? c.before?.name ?? "")) || /'LOG_CANARY'/.test(String(c.after?.sql_statement ?? ""));
const isMonitor = (c: ResourceChange) => /_MONITOR$/.test(String(c.after?.name ?? c.before?.name ?? ""));

/** A log canary's window: minutes without loaded rows before it alerts. */
function canaryWindow(sql: unknown): number | undefined {
  const m = typeof sql === "string" ? /'LOG_CANARY'[\s\S]*?PARSE_TIME >= DATEADD\(minute, -(\d+),/.exec(sql) : null;
  return m ? Number(m[1]) : undefined;
}

/** Findings for a monitor's exemptions, with what the change creates: a new table's purge by its owner is routine. */
function exemptionFindings(s: Scope, before: unknown, after: unknown): Finding[] {
  const found: Finding[] = [];
  const diff = exemptionDiff(before, after);
  for (const e of diff.added) {
    // Monitors before account-monitors 0.3.0 name the purge's text; since, the table and its cleaner's task.
    const purge = e.exemption.type === "DELETE" ? purgeOf(e.exemption.statement) : undefined;
    const cleaner =
      e.exemption.type === "DELETE" && e.exemption.object !== "*" && e.exemption.task === `${e.exemption.object}_CLEANER` ? e.exemption.object : undefined;
    const name = purge?.table ?? cleaner;
    const table = name ? objectKey(name) : undefined;
    if (table && s.ctx.newObjects.has(table) && s.ctx.tableOwners.get(table) === objectKey(e.exemption.role)) {
      const what = purge ? `purging rows older than ${purge.retentionDays} days` : "purging it in runs of its cleaner task";
      found.push({
        severity: "low",
        rule: "monitoring.exemption-new-table",
        message: `tamper monitor expects the cleaner of new table ${name}: ${e.text} (its owner ${e.exemption.role} ${what})`,
        path: "sql_statement",
      });
    } else
      found.push({
        severity: "high",
        rule: "monitoring.exemption-added",
        message: `tamper monitor exempts more: ${e.text} is no longer alerted on`,
        path: "sql_statement",
      });
  }
  for (const e of diff.changed) {
    const from = purgeOf(e.from.statement);
    const to = purgeOf(e.to.statement);
    if (from && to && from.table === to.table && from.column === to.column && to.retentionDays >= from.retentionDays) {
      found.push({
        severity: "low",
        rule: "monitoring.exemption-follows-retention",
        message: `tamper monitor expects ${to.table}'s purge at its longer retention (${from.retentionDays} → ${to.retentionDays} days): ${e.text}`,
        path: "sql_statement",
      });
    } else
      found.push({
        severity: "medium",
        rule: "monitoring.exemption-changed",
        message: `tamper monitor expects another statement instead: ${e.text}`,
        path: "sql_statement",
      });
  }
  return found;
}

/** A changed task: suspended, slowed down, or its SQL (cleaner purge, monitor exemptions, canary window) changed. */
function taskFindings(s: Scope, handled: Set<string>): Finding[] {
  const c = s.c;
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
    } else
      out.push({
        severity: "low",
        rule: "ops.task-started",
        message: `task started (started: ${short(started.before)} → ${short(started.after)})`,
        path: "started",
      });
  }
  const schedule = c.attributes.filter((a) => a.path === "schedule" || a.path.startsWith("schedule.") || a.path.startsWith("schedule["));
  if (schedule.length > 0) {
    schedule.forEach((a) => handled.add(a.path));
    const b = scheduleIntervalMinutes(c.before?.schedule);
    const n = scheduleIntervalMinutes(c.after?.schedule);
    const shown = `(schedule: ${JSON.stringify(c.before?.schedule)} → ${JSON.stringify(c.after?.schedule)})`;
    if (b !== undefined && n !== undefined && n > b)
      out.push({
        severity: "medium",
        rule: "ops.schedule-slowed",
        message: `schedule slowed: ${describeInterval(b)} → ${describeInterval(n)} ${shown}`,
        path: "schedule",
      });
    else if (b !== undefined && n !== undefined && n < b)
      out.push({
        severity: "low",
        rule: "ops.schedule-faster",
        message: `schedule faster: ${describeInterval(b)} → ${describeInterval(n)} ${shown}`,
        path: "schedule",
      });
    else out.push({ severity: "medium", rule: "ops.schedule", message: `schedule changed ${shown}`, path: "schedule" });
  }
  const sql = c.attributes.find((a) => a.path === "sql_statement");
  if (sql) {
    const found: Finding[] = [];
    const pb = purgeOf(sql.before);
    const pa = purgeOf(sql.after);
    if (pb && pa) {
      if (pa.table !== pb.table)
        found.push({
          severity: "high",
          rule: "retention.cleaner-retargeted",
          message: `table cleaner now purges ${pa.table} instead of ${pb.table}`,
          path: "sql_statement",
        });
      if (pa.retentionDays < pb.retentionDays) {
        found.push({
          severity: "high",
          rule: "retention.cleaner-reduced",
          message: `table cleaner retention reduced: rows of ${pa.table} deleted sooner (${pb.retentionDays} → ${pa.retentionDays} days)`,
          path: "sql_statement",
        });
      } else if (pa.retentionDays > pb.retentionDays) {
        found.push({
          severity: "low",
          rule: "retention.cleaner-extended",
          message: `table cleaner retention extended (${pb.retentionDays} → ${pa.retentionDays} days)`,
          path: "sql_statement",
        });
      }
      if (pa.column !== pb.column) {
        found.push({
          severity: "high",
          rule: "retention.purge-column-changed",
          message: `table cleaner purges by another time: rows may be deleted earlier than their retention (${pb.column} → ${pa.column})`,
          path: "sql_statement",
        });
      }
    }
    found.push(...exemptionFindings(s, sql.before, sql.after));
    const suspended = new Set(expectedSuspendedTasks(sql.before));
    for (const t of expectedSuspendedTasks(sql.after).filter((x) => !suspended.has(x))) {
      found.push({
        severity: "high",
        rule: "monitoring.suspension-expected",
        message: `suspended-task monitor no longer alerts on ${t} being suspended`,
        path: "sql_statement",
      });
    }
    const wb = canaryWindow(sql.before);
    const wa = canaryWindow(sql.after);
    if (wb !== undefined && wa !== undefined && wa !== wb) {
      found.push(
        wa > wb
          ? {
              severity: "medium",
              rule: "monitoring.canary-window-widened",
              message: `canary alerts only after ${wa} minutes without loaded rows (was ${wb}): a stopped source is noticed later`,
              path: "sql_statement",
            }
          : {
              severity: "low",
              rule: "monitoring.canary-window-narrowed",
              message: `canary alerts after ${wa} minutes without loaded rows (was ${wb})`,
              path: "sql_statement",
            },
      );
      const normal = (v: unknown, w: number) => String(v).split(`-${w},`).join("-W,").split(`last ${w} minutes`).join("last W minutes");
      // Only the window moved: nothing else in the SQL is left to read.
      if (normal(sql.before, wb) !== normal(sql.after, wa))
        found.push({
          severity: "medium",
          rule: "change.unclassified",
          message: `canary SQL changed beyond its window (sql_statement: ${short(sql.before)} → ${short(sql.after)})`,
          path: "sql_statement",
        });
    }
    if (found.length > 0) {
      handled.add("sql_statement");
      out.push(...found);
    }
  }
  return out;
}

// ---- changes ------------------------------------------------------------------------------------

/** Findings for a resource that exists on both sides. */
function changedFindings(s: Scope): Finding[] {
  const c = s.c;
  const handled = new Set<string>();
  const out: Finding[] = [];
  if (c.movedFrom)
    out.push({
      severity: "low",
      rule: "grants.readdressed",
      message: `the same grant (same role, same target) moved from ${c.movedFrom}: Terraform revokes and grants it again unless a moved block says otherwise`,
    });
  if (c.type === "snowflake_task") out.push(...taskFindings(s, handled));
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
  if (GRANTS.has(c.type)) out.push(...grantChangeFindings(s, handled));
  if (c.type === "aws_s3_bucket_lifecycle_configuration") out.push(...lifecycleFindings(s, handled));
  for (const a of c.attributes) {
    if (handled.has(a.path)) continue;
    if (c.type === "snowflake_execute" && a.path === "execute") {
      const grants = sqlGrantFindings(s, a.before, a.after, "high");
      out.push(...grants);
      const other = otherSqlLinesChanged(s.resolve("base", String(a.before ?? "")), s.resolve("head", String(a.after ?? "")));
      if (!other) {
        if (grants.length === 0)
          out.push({
            severity: "low",
            rule: "grants.sql-removed",
            message: `${c.address}: no grant added (grants removed, or the pausing and resuming around them changed)`,
            path: "execute",
          });
        continue;
      }
    }
    out.push(...attributeFindings(s, a));
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

const referenceAddress = (v: string | undefined) => /^\$\{([a-z_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}$/.exec(v ?? "")?.[1];

function addedGrantFinding(s: Scope, roles: Set<string>): Finding {
  const c = s.c;
  const raw = granteeOf(c.after);
  const grantee = raw === undefined ? undefined : s.resolve("head", raw);
  const isNewRole = (v: string | undefined) =>
    v !== undefined && (roles.has(referenceAddress(v) ?? v) || roles.has(s.resolve("head", v)) || s.ctx.newSnowflakeRoles.has(objectKey(s.resolve("head", v))));
  const roleGrant = c.type === "snowflake_grant_account_role" || c.type === "snowflake_grant_database_role";
  const grantedRole = roleGrant ? String(c.after?.role_name ?? c.after?.database_role_name) : undefined;
  const what = roleGrant ? `role ${s.resolve("head", grantedRole!)}` : `${privilegesOf(c.after).join(", ")} on ${s.resolve("head", grantTarget(c.after))}`;
  if (raw === undefined || isNewRole(raw))
    return { severity: "medium", rule: "grants.added", message: `new grant ${c.address}: ${what} to new role ${grantee ?? "?"}` };
  // A new role granted to an existing one: the parent gains only what the new role is given (listed with it).
  if (roleGrant && isNewRole(grantedRole))
    return {
      severity: "medium",
      rule: "grants.added",
      message: `new role ${s.resolve("head", grantedRole!)} granted to ${grantee} (${c.address}): ${grantee} gains what the new role is given`,
    };
  if (!roleGrant && targetIsNew(s.ctx, c.after)) {
    // The deploying role created these objects (and owned them until their handover); it keeps what the
    // provider needs to pause and resume them around the transfer.
    if (s.facts.deployRoles.has(objectKey(grantee!)))
      return {
        severity: "low",
        rule: "grants.to-deploying-role",
        message: `${grantee}, the role this stack's provider works as, keeps ${what}, which this change creates and hands over (${c.address})`,
      };
    if (s.facts.ownerRoles.has(objectKey(grantee!)))
      return {
        severity: "low",
        rule: "grants.to-pipeline-owner",
        message: `${grantee}, the role that owns this tenant's pipeline objects, gains ${what}, which this change creates (${c.address})`,
      };
    return { severity: "medium", rule: "grants.new-objects", message: `existing role ${grantee} gains ${what}, which this change creates (${c.address})` };
  }
  return { severity: "high", rule: "grants.added-to-role", message: `existing role ${grantee} gains ${what} (${c.address})` };
}

/**
 * A new ownership handover (snowflake_grant_ownership, one object each): an object this change creates
 * handed to the role that already owns the stack's pipeline objects, in the stack's own schema, is low —
 * as the same GRANT inside the old handover's SQL was; an existing object handed to the role base
 * already handed it to (the handover now made by a resource, not by SQL) is low; an existing object
 * handed to another role is ownership moved (high); anything else is a new grant (medium).
 */
function addedOwnershipFinding(s: Scope): Finding {
  const on = (Array.isArray(s.c.after?.on) ? s.c.after?.on[0] : s.c.after?.on) as Record<string, unknown> | undefined;
  const kind = String(on?.object_type ?? "?");
  const object = s.resolve("head", String(on?.object_name ?? "?"));
  const role = s.resolve("head", String(s.c.after?.account_role_name ?? s.c.after?.database_role_name ?? "?"));
  const key = objectKey(object);
  const schema = key.split(".").length >= 3 ? key.split(".").slice(0, 2).join(".") : "";
  const before = s.ctx.baseOwners.get(key);
  if (s.ctx.newObjects.has(key) && s.facts.ownerRoles.has(objectKey(role)) && s.facts.schemas.has(schema)) {
    return {
      severity: "low",
      rule: "grants.to-pipeline-owner",
      message: `${s.address} hands ${kind} ${object}, which this change creates, to ${role}, the role that already owns this tenant's pipeline objects`,
    };
  }
  if (before !== undefined && before === objectKey(role)) {
    return {
      severity: "low",
      rule: "grants.ownership-kept",
      message: `${s.address} hands ${kind} ${object} to ${role}, which base's handover already made its owner`,
    };
  }
  if (before !== undefined)
    return { severity: "high", rule: "grants.ownership-moved", message: `${s.address} hands ${kind} ${object} to ${role} instead of ${before}` };
  return { severity: "medium", rule: "grants.added", message: `new grant ${s.address}: ownership of ${kind} ${object} to ${role}` };
}

/** An alert subscription added: to a new endpoint (medium), or in place of a removed one on the same topic (high, redirected). */
function subscriptionFinding(s: Scope, removed: readonly ResourceChange[]): Finding {
  const a = s.c.after ?? {};
  const replaced = removed.find((r) => r.stack === s.c.stack && r.before?.topic_arn === a.topic_arn && r.before?.protocol === a.protocol);
  const topic = s.resolve("head", String(a.topic_arn));
  if (replaced)
    return {
      severity: "high",
      rule: "routes.alert-redirected",
      message: `alerts on ${topic} go to ${String(a.endpoint)} instead of ${String(replaced.before?.endpoint)} (${String(a.protocol)})`,
    };
  return { severity: "medium", rule: "routes.alert-added", message: `alerts on ${topic} also go to ${String(a.endpoint)} (${String(a.protocol)})` };
}

function addedFindings(s: Scope, roles: Set<string>, removed: readonly ResourceChange[]): Finding[] {
  const c = s.c;
  const out = c.attributes.flatMap((a) => (a.statements ? resolvedStatements(s, a).flatMap((st) => policyFindings(s, a.path, st, true)) : []));
  if (GRANTS.has(c.type)) out.push(addedGrantFinding(s, roles));
  if (c.type === "snowflake_grant_ownership") out.push(addedOwnershipFinding(s));
  if (c.type === "snowflake_execute") out.push(...sqlGrantFindings(s, undefined, c.after?.execute, "medium"));
  if (c.type === "aws_sns_topic_subscription") out.push(subscriptionFinding(s, removed));
  if (/security_group|vpc_endpoint|network_policy|route/.test(c.type))
    out.push({ severity: "medium", rule: "network.path-added", message: `new network path ${c.address}` });
  if (c.type === "aws_lambda_function" && hasVpcConfig(c.after))
    out.push({
      severity: "medium",
      rule: "network.path-added",
      message: `new function inside a VPC ${c.address}: it reaches what its subnets and security groups reach`,
    });
  if (out.length === 0) out.push({ severity: "low", rule: "resource.added", message: `added ${c.address}` });
  return out;
}

function hasVpcConfig(body: Record<string, unknown> | undefined): boolean {
  const v = body?.vpc_config;
  return (Array.isArray(v) ? v.length > 0 : typeof v === "object" && v !== null) && JSON.stringify(v).includes("subnet");
}

function removedFindings(c: ResourceChange): Finding[] {
  if (DATA_STORES.has(c.type))
    return [{ severity: "high", rule: "data.store-removed", message: `${c.address} removed: the logs it holds are deleted or orphaned` }];
  if (CONTROLS[c.type]) return [{ severity: "high", rule: "control.removed", message: `${c.address}: ${CONTROLS[c.type]}` }];
  if (ALERT_ROUTES.has(c.type)) return [{ severity: "medium", rule: "routes.alert-removed", message: `${c.address}: alert route removed` }];
  if (GRANTS.has(c.type)) return [{ severity: "low", rule: "grants.removed", message: `${c.address}: grant removed` }];
  return [{ severity: "medium", rule: "resource.removed", message: `${c.address} removed` }];
}

/** What a grant is known by, whatever its address: its type, grantee and target, names resolved. */
function grantIdentity(ctx: ReviewContext, c: ResourceChange, side: Side): string | undefined {
  const body = side === "base" ? c.before : c.after;
  if (!GRANTS.has(c.type) || !body) return undefined;
  const resolve = (v: unknown) => (typeof v === "string" ? objectKey(ctx.resolve(side, c.stack, v)) : JSON.stringify(v));
  const on = Object.keys(body)
    .filter((k) => k.startsWith("on_"))
    .sort()
    .map((k) => `${k}=${JSON.stringify(body[k], (_key, v: unknown) => (typeof v === "string" ? resolve(v) : v))}`);
  return [c.stack, c.type, resolve(granteeOf(body)), resolve(body.role_name ?? body.database_role_name), ...on].join("\u241f");
}

/**
 * A grant whose address changed (a library upgrade renamed its construct) is one grant moved, not a
 * grant removed and another added: matched by grantee and target, it is compared as a change.
 */
function pairReaddressedGrants(changes: readonly ResourceChange[], ctx: ReviewContext): ResourceChange[] {
  if (ctx === EMPTY_CONTEXT) return [...changes];
  const removed = new Map<string, ResourceChange>();
  for (const c of changes) {
    const id = c.action === "removed" ? grantIdentity(ctx, c, "base") : undefined;
    if (id) removed.set(id, c);
  }
  const used = new Set<ResourceChange>();
  const out: ResourceChange[] = [];
  for (const c of changes) {
    const id = c.action === "added" ? grantIdentity(ctx, c, "head") : undefined;
    const old = id ? removed.get(id) : undefined;
    if (old && !used.has(old)) {
      used.add(old);
      const strip = (b: Record<string, unknown>) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== "//"));
      out.push({
        ...c,
        action: "changed",
        movedFrom: old.address,
        baseModule: old.baseModule,
        before: old.before,
        attributes: diffAttributes(c.type, strip(old.before!), strip(c.after!)),
      });
    } else out.push(c);
  }
  return out.filter((c) => !used.has(c));
}

/** Findings sorted highest first, and the resource's severity (its highest finding). */
export function withFindings<T extends ResourceChange>(c: T, findings: readonly Finding[]): T & { severity: Severity; findings: Finding[] } {
  const sorted = [...findings].sort((x, y) => RANK[y.severity] - RANK[x.severity]);
  return { ...c, findings: sorted, severity: maxSeverity(sorted) };
}

/**
 * Classifies each resource change by security weight; the resource takes its highest finding. With a
 * context (reviewContext of both sides) names replace tokens and routine work — a new source's own
 * resources, objects handed to their tenant's pipeline role, longer retention — is told from widening.
 */
export function classify(changes: readonly ResourceChange[], ctx: ReviewContext = EMPTY_CONTEXT): ClassifiedChange[] {
  const all = pairReaddressedGrants(changes, ctx);
  const roles = newRoles(all);
  const removed = all.filter((c) => c.action === "removed");
  return all.map((c) => {
    const s = new Scope(c, ctx);
    return withFindings(
      c,
      c.action === "added" ? addedFindings(s, roles.get(c.stack) ?? new Set(), removed) : c.action === "removed" ? removedFindings(c) : changedFindings(s),
    );
  });
}
