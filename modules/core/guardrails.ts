import { TerraformResource } from "cdktf";
import { IConstruct } from "constructs";
import { asList, parsePolicyStatements } from "./iam";
import { moduleStampOf } from "./stamp";
import { LakehouseError, LakehouseValidationError, ValidationProblem } from "./errors";
import { REASON_MIN_CHARACTERS } from "./validate";

/**
 * Guardrails: small pure rules over the synthesized attributes of every resource in a stack (STYLE 7).
 * A violation fails synth (synthLakehouse checks the staged output before moving it into place),
 * naming the resource's construct path and the rule; a suppression needs a written reason, is
 * recorded on the resource (`//.lakehouse_suppressions`) and shows up in `lakehouse review`.
 */
export interface ResourceView {
  readonly type: string;
  /** `type.name` as in the Terraform JSON. */
  readonly address: string;
  /** Construct path, for messages. */
  readonly path: string;
  /** Attributes with references resolved to `${type.name.attr}` strings. */
  readonly attributes: Record<string, unknown>;
}

export interface StackView {
  /** Resources of a type. */
  ofType(type: string): ResourceView[];
  /** Resources of `type` whose `attribute` refers to `resource` (e.g. a bucket's versioning). */
  attachedTo(resource: ResourceView, type: string, attribute?: string): ResourceView[];
}

export interface GuardrailRule {
  /** Stable id, used in suppressions: `S3_TLS_ONLY`. */
  readonly id: string;
  readonly description: string;
  readonly resourceTypes: readonly string[];
  /** A violation message, or undefined when compliant. */
  check(resource: ResourceView, stack: StackView): string | undefined;
}

export interface GuardrailViolation {
  /** Stack name, when known. */
  readonly stack?: string;
  readonly rule: string;
  readonly path: string;
  readonly address: string;
  readonly message: string;
}

export class GuardrailError extends LakehouseError {
  constructor(public readonly violations: readonly GuardrailViolation[]) {
    super(
      `guardrails: ${violations.length} violation${violations.length === 1 ? "" : "s"}\n` +
        violations.map((v) => `  - ${v.path} (${v.address}): ${v.rule}: ${v.message}`).join("\n"),
      "invalid",
      "Nothing was written. Fix the resources, or suppress a rule with suppressGuardrail(scope, rule, reason).",
    );
    this.name = "GuardrailError";
  }
}

// ---- rules -------------------------------------------------------------------------------------

const statements = (policy: unknown) => parsePolicyStatements(policy) ?? [];

const bucketCompanion = (type: string, what: string) => (bucket: ResourceView, stack: StackView) =>
  stack.attachedTo(bucket, type).length === 0 ? `no ${type} for this bucket (${what})` : undefined;

export const RULES: readonly GuardrailRule[] = [
  {
    id: "S3_ENCRYPTED",
    description: "S3 buckets have default encryption at rest",
    resourceTypes: ["aws_s3_bucket"],
    check: bucketCompanion("aws_s3_bucket_server_side_encryption_configuration", "encryption at rest"),
  },
  {
    id: "S3_VERSIONED",
    description: "S3 buckets are versioned",
    resourceTypes: ["aws_s3_bucket"],
    check: (bucket, stack) => {
      const v = stack.attachedTo(bucket, "aws_s3_bucket_versioning");
      const status = (v[0]?.attributes.versioning_configuration as { status?: string } | undefined)?.status;
      return status === "Enabled" ? undefined : "versioning is not Enabled";
    },
  },
  {
    id: "S3_PUBLIC_ACCESS_BLOCKED",
    description: "S3 buckets block every kind of public access",
    resourceTypes: ["aws_s3_bucket"],
    check: (bucket, stack) => {
      const pab = stack.attachedTo(bucket, "aws_s3_bucket_public_access_block")[0];
      if (!pab) return "no public access block";
      const off = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].filter((k) => pab.attributes[k] !== true);
      return off.length > 0 ? `public access block has ${off.join(", ")} off` : undefined;
    },
  },
  {
    id: "S3_TLS_ONLY",
    description: "S3 bucket policies deny requests that are not over TLS",
    resourceTypes: ["aws_s3_bucket"],
    check: (bucket, stack) => {
      const policies = stack.attachedTo(bucket, "aws_s3_bucket_policy");
      const denies = policies
        .flatMap((p) => statements(p.attributes.policy))
        .some((s) => s.Effect === "Deny" && String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false");
      return denies ? undefined : "no bucket policy statement denies aws:SecureTransport = false";
    },
  },
  {
    id: "S3_LIFECYCLE",
    description: "S3 buckets state how long they keep objects (a lifecycle configuration)",
    resourceTypes: ["aws_s3_bucket"],
    check: bucketCompanion("aws_s3_bucket_lifecycle_configuration", "retention"),
  },
  {
    id: "S3_KEEP_ON_DESTROY",
    description: "S3 buckets are not force-destroyed with their objects",
    resourceTypes: ["aws_s3_bucket"],
    check: (bucket) => (bucket.attributes.force_destroy === true ? "force_destroy is on: a destroy would delete every object" : undefined),
  },
  {
    id: "IAM_NO_WILDCARD_ACTIONS",
    description: "Allow statements of role and bucket policies name their actions (no `*` or `service:*`)",
    resourceTypes: ["aws_iam_role_policy", "aws_iam_policy", "aws_s3_bucket_policy", "aws_kinesis_resource_policy"],
    check: (r) => {
      const wild = statements(r.attributes.policy).filter((s) => s.Effect === "Allow" && asList(s.Action).some((a) => a === "*" || a.endsWith(":*")));
      return wild.length > 0 ? `wildcard actions allowed in ${wild.map((s) => s.Sid ?? "(no Sid)").join(", ")}` : undefined;
    },
  },
  {
    id: "IAM_NO_WILDCARD_PRINCIPALS",
    description: "Allow statements of resource and trust policies name their principals (no `*`)",
    resourceTypes: ["aws_s3_bucket_policy", "aws_kms_key", "aws_iam_role", "aws_sns_topic_policy", "aws_kinesis_resource_policy"],
    check: (r) => {
      const policy = r.type === "aws_iam_role" ? r.attributes.assume_role_policy : r.attributes.policy;
      const wild = statements(policy).filter((s) => {
        if (s.Effect !== "Allow") return false;
        const p = s.Principal;
        return p === "*" || (typeof p === "object" && p !== null && Object.values(p).some((v) => asList(v).includes("*")));
      });
      return wild.length > 0 ? `wildcard principal allowed in ${wild.map((s) => s.Sid ?? "(no Sid)").join(", ")}` : undefined;
    },
  },
  {
    id: "LAMBDA_HAS_DLQ",
    description: "Lambda functions send failed asynchronous runs to a dead-letter queue",
    resourceTypes: ["aws_lambda_function"],
    check: (fn) => (block(fn.attributes.dead_letter_config)?.target_arn ? undefined : "no dead_letter_config.target_arn: a failed run would leave no trace"),
  },
  {
    id: "LAMBDA_RESERVED_CONCURRENCY",
    description: "Lambda functions have reserved concurrency set (a puller: 1, so two runs never race on the state)",
    resourceTypes: ["aws_lambda_function"],
    check: (fn) => {
      const n = fn.attributes.reserved_concurrent_executions;
      return typeof n === "number" && n >= 0 ? undefined : "reserved_concurrent_executions is not set";
    },
  },
  {
    id: "LAMBDA_ENV_ENCRYPTED",
    description: "Lambda environment variables are encrypted with a customer-managed key",
    resourceTypes: ["aws_lambda_function"],
    check: (fn) => {
      const vars = block(fn.attributes.environment)?.variables;
      if (!vars || Object.keys(vars as object).length === 0) return undefined;
      return fn.attributes.kms_key_arn ? undefined : "environment variables without kms_key_arn (encrypted only with the AWS-managed key)";
    },
  },
  {
    id: "LAMBDA_LOG_GROUP_MANAGED",
    description: "A Lambda function's log group is managed in the stack, with retention and a KMS key",
    resourceTypes: ["aws_lambda_function"],
    check: (fn, stack) => {
      const name = fn.attributes.function_name;
      const configured = block(fn.attributes.logging_config)?.log_group;
      const group = stack
        .ofType("aws_cloudwatch_log_group")
        .find(
          (g) =>
            (configured !== undefined && (configured === g.attributes.name || configured === `\${${g.address}.name}`)) ||
            g.attributes.name === `/aws/lambda/${String(name)}`,
        );
      if (!group) return `no aws_cloudwatch_log_group for the function's logs (Lambda would create one without retention or KMS)`;
      return logGroupProblem(group);
    },
  },
  {
    id: "LOG_GROUP_RETENTION_AND_KMS",
    description: "CloudWatch log groups have a retention and are encrypted with a KMS key",
    resourceTypes: ["aws_cloudwatch_log_group"],
    check: (group) => logGroupProblem(group),
  },
  {
    id: "FIREHOSE_ENCRYPTED",
    description: "Firehose delivery streams encrypt delivered objects with a customer-managed key, and a direct-PUT stream its buffer too",
    resourceTypes: ["aws_kinesis_firehose_delivery_stream"],
    check: (stream) => {
      const problems: string[] = [];
      const s3 = block(stream.attributes.extended_s3_configuration);
      if (!s3?.kms_key_arn) problems.push("no extended_s3_configuration.kms_key_arn (objects not encrypted with a customer key)");
      // A stream fed by Kinesis holds no records of its own at rest; the Kinesis stream is checked itself.
      if (!block(stream.attributes.kinesis_source_configuration)) {
        const sse = block(stream.attributes.server_side_encryption);
        if (sse?.enabled !== true || sse.key_type !== "CUSTOMER_MANAGED_CMK" || !sse.key_arn)
          problems.push("server_side_encryption is not enabled with a CUSTOMER_MANAGED_CMK key_arn");
      }
      return problems.length > 0 ? problems.join("; ") : undefined;
    },
  },
  {
    id: "FIREHOSE_LOGGING",
    description: "Firehose delivery streams log delivery errors to a managed log group with retention and a KMS key",
    resourceTypes: ["aws_kinesis_firehose_delivery_stream"],
    check: (stream, stack) => {
      const logging = block(block(stream.attributes.extended_s3_configuration)?.cloudwatch_logging_options);
      if (logging?.enabled !== true) return "cloudwatch_logging_options.enabled is not true: failed deliveries would leave no trace";
      const name = logging.log_group_name;
      const group = stack.ofType("aws_cloudwatch_log_group").find((g) => name === g.attributes.name || name === `\${${g.address}.name}`);
      return group ? logGroupProblem(group) : `no aws_cloudwatch_log_group ${String(name)} in the stack`;
    },
  },
  {
    id: "FIREHOSE_ERRORS_APART",
    description: "Firehose delivery streams put failed records under an error prefix outside the delivery prefix (Snowpipe never loads them)",
    resourceTypes: ["aws_kinesis_firehose_delivery_stream"],
    check: (stream) => {
      const s3 = block(stream.attributes.extended_s3_configuration);
      const root = (v: unknown) => String(v ?? "").split("!{")[0];
      const prefix = root(s3?.prefix);
      const errors = root(s3?.error_output_prefix);
      if (!errors) return "no error_output_prefix: failed records would land next to the delivered ones";
      return prefix && (errors.startsWith(prefix) || prefix.startsWith(errors)) ? `error_output_prefix ${errors} overlaps prefix ${prefix}` : undefined;
    },
  },
  {
    id: "KINESIS_ENCRYPTED",
    description: "Kinesis data streams are encrypted with a customer-managed KMS key",
    resourceTypes: ["aws_kinesis_stream"],
    check: (stream) => {
      const key = String(stream.attributes.kms_key_id ?? "");
      if (stream.attributes.encryption_type !== "KMS") return "encryption_type is not KMS";
      return !key || key === "alias/aws/kinesis" ? "kms_key_id is not a customer-managed key" : undefined;
    },
  },
  {
    id: "WAREHOUSE_HAS_RESOURCE_MONITOR",
    description: "Every warehouse is assigned a resource monitor (a credit quota that notifies, then suspends)",
    resourceTypes: ["snowflake_warehouse"],
    check: (w, stack) => {
      if (w.attributes.resource_monitor) return undefined;
      // Only an account administrator may assign a monitor, so the modules assign it by a statement
      // (snowflake_execute, run as ACCOUNTADMIN) rather than on the warehouse the deploying role owns.
      const assign = new RegExp(`^ALTER WAREHOUSE "?${escape(String(w.attributes.name))}"? SET RESOURCE_MONITOR = `);
      return stack.ofType("snowflake_execute").some((e) => assign.test(String(e.attributes.execute ?? "")))
        ? undefined
        : "no resource monitor: nothing caps its credits";
    },
  },
  {
    id: "SNOWFLAKE_DATA_KEPT_ON_DESTROY",
    description:
      "Snowflake databases, schemas and tables — where the logs, alerts and backfill progress are — have lifecycle.prevent_destroy: no plan may drop them",
    resourceTypes: ["snowflake_database", "snowflake_schema", "snowflake_table"],
    check: (r) => {
      if (block(r.attributes.lifecycle)?.prevent_destroy === true) return undefined;
      const name = [r.attributes.database, r.attributes.schema, r.attributes.name].filter((x) => x !== undefined).join(".");
      return `${name} has no lifecycle.prevent_destroy: a plan could drop it with the data it holds`;
    },
  },
  {
    id: "LOG_TABLE_HAS_CANARY",
    description: "Every log table (snowflake/semi-structured-table) is watched by a log canary task",
    resourceTypes: ["snowflake_table"],
    check: (table, stack) => {
      if (!(moduleStampOf(table.attributes) ?? "").startsWith("snowflake/semi-structured-table@")) return undefined;
      const name = qualifiedTable(table);
      const watched = stack.ofType("snowflake_task").some((t) => {
        const sql = String(t.attributes.sql_statement ?? "");
        return sql.includes("'LOG_CANARY'") && sql.includes(`FROM ${name} WHERE PARSE_TIME`);
      });
      return watched ? undefined : `no log canary task watches ${name}`;
    },
  },
  {
    id: "LANDING_TABLE_FLATTENED_AND_CLEANED",
    description: "Every landing table (snowflake/record-flattener) is read by an append-only stream that a started task flattens, and purged by a cleaner",
    resourceTypes: ["snowflake_table"],
    check: (table, stack) => {
      if (!(moduleStampOf(table.attributes) ?? "").startsWith("snowflake/record-flattener@")) return undefined;
      const name = qualifiedTable(table);
      const problems: string[] = [];
      const streams = stack.ofType("snowflake_stream_on_table").filter((st) => st.attributes.table === name);
      if (!streams.some((st) => st.attributes.append_only === "true")) problems.push("no append-only stream on it");
      const tasks = stack.ofType("snowflake_task").filter((t) => t.attributes.started === true);
      const readers = streams
        .map(qualifiedTable)
        .filter((st) => tasks.some((t) => String(t.attributes.sql_statement ?? "").includes(`FROM ${st} f, LATERAL FLATTEN(`)));
      if (readers.length === 0) problems.push("no started task flattens its stream");
      if (!tasks.some((t) => String(t.attributes.sql_statement ?? "").startsWith(`DELETE FROM ${name} WHERE `)))
        problems.push("no started cleaner purges it (landing rows would be kept forever)");
      return problems.length > 0 ? `landing table ${name}: ${problems.join("; ")}` : undefined;
    },
  },
  {
    id: "BACKUP_REPLICATION_SAFE",
    description: "Replication into a backup keeps deletions out, re-encrypts replicas with a customer key and publishes its metrics",
    resourceTypes: ["aws_s3_bucket_replication_configuration"],
    check: (r) => {
      const rules = (Array.isArray(r.attributes.rule) ? r.attributes.rule : [r.attributes.rule]) as Record<string, unknown>[];
      const problems = rules.flatMap((rule) => {
        const id = String(rule.id ?? "(no id)");
        const destination = block(rule.destination) ?? {};
        const out: string[] = [];
        if (block(rule.delete_marker_replication)?.status !== "Disabled") out.push(`rule ${id} replicates delete markers (a deletion would reach the backup)`);
        if (!block(destination.encryption_configuration)?.replica_kms_key_id) out.push(`rule ${id} has no replica_kms_key_id`);
        if (block(block(rule.source_selection_criteria)?.sse_kms_encrypted_objects)?.status !== "Enabled")
          out.push(`rule ${id} skips SSE-KMS objects (every log object is one)`);
        if (block(destination.metrics)?.status !== "Enabled") out.push(`rule ${id} has no replication metrics (the failure alarm reads them)`);
        return out;
      });
      return problems.length > 0 ? problems.join("; ") : undefined;
    },
  },
  {
    id: "BACKUP_VAULT_LOCKED_DENY_ONLY",
    description: "A backup vault (aws/backup-vault) is object-locked and its policy only denies, including version deletes for everyone",
    resourceTypes: ["aws_s3_bucket"],
    check: (bucket, stack) => {
      if (!(moduleStampOf(bucket.attributes) ?? "").startsWith("aws/backup-vault@")) return undefined;
      const problems: string[] = [];
      const lock = stack.attachedTo(bucket, "aws_s3_bucket_object_lock_configuration")[0];
      const retention = block(block(lock?.attributes.rule)?.default_retention);
      if (!lock || lock.attributes.object_lock_enabled !== "Enabled" || !(Number(retention?.days) > 0)) problems.push("no default object lock retention");
      const policy = stack.attachedTo(bucket, "aws_s3_bucket_policy").flatMap((p) => statements(p.attributes.policy));
      const allows = policy.filter((st) => st.Effect === "Allow");
      if (allows.length > 0)
        problems.push(`its policy allows (${allows.map((st) => st.Sid ?? "(no Sid)").join(", ")}): access to a vault is granted by IAM to named roles only`);
      const versionDeletesDenied = policy.some(
        (st) => st.Effect === "Deny" && st.Principal === "*" && !st.Condition && asList(st.Action).includes("s3:DeleteObjectVersion"),
      );
      if (!versionDeletesDenied) problems.push("its policy does not deny s3:DeleteObjectVersion to everyone");
      return problems.length > 0 ? problems.join("; ") : undefined;
    },
  },
  {
    id: "S3_OUTLIVES_TABLE",
    description: "The S3 expiry of a source's files is at least its table's retention (S3 may keep longer, never shorter)",
    resourceTypes: ["snowflake_table"],
    check: (table, stack) => {
      const name = qualifiedTable(table);
      const purge = stack
        .ofType("snowflake_task")
        .map((t) => new RegExp(`^DELETE FROM ${escape(name)} WHERE .* < DATEADD\\(day, -(\\d+),`).exec(String(t.attributes.sql_statement ?? "")))
        .find((m) => m !== null);
      if (!purge) return undefined;
      const tableDays = Number(purge[1]);
      // table ← pipe (COPY INTO table … FROM @stage) ← stage url s3://bucket/prefix ← lifecycle rule of that prefix
      const stages = stack
        .ofType("snowflake_pipe")
        .map((p) => new RegExp(`^COPY INTO ${escape(name)} [\\s\\S]*FROM @([A-Z0-9_$.]+)`).exec(String(p.attributes.copy_statement ?? ""))?.[1])
        .filter((x): x is string => x !== undefined);
      const urls = stack
        .ofType("snowflake_stage")
        .filter((st) => stages.includes(qualifiedTable(st)))
        .map((st) => String(st.attributes.url ?? ""));
      for (const url of urls) {
        const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(url) ?? [];
        const lifecycles = stack.ofType("aws_s3_bucket_lifecycle_configuration").filter((l) => {
          const owner = stack.ofType("aws_s3_bucket").find((b) => `\${${b.address}.id}` === l.attributes.bucket);
          return owner?.attributes.bucket === bucket;
        });
        for (const l of lifecycles) {
          const rules = (l.attributes.rule ?? []) as { filter?: { prefix?: string }[]; expiration?: { days?: number }[] }[];
          const rule = rules.find((r) => r.filter?.[0]?.prefix === prefix && r.expiration?.[0]?.days !== undefined);
          const s3Days = rule?.expiration?.[0]?.days;
          if (s3Days !== undefined && s3Days < tableDays)
            return `S3 expires s3://${bucket}/${prefix} after ${s3Days} days but the table keeps rows ${tableDays} days`;
        }
      }
      return undefined;
    },
  },
];

/** A nested block as synthesized: an object, or a list of one. */
function block(v: unknown): Record<string, unknown> | undefined {
  const b = Array.isArray(v) ? v[0] : v;
  return typeof b === "object" && b !== null ? (b as Record<string, unknown>) : undefined;
}

function logGroupProblem(group: ResourceView): string | undefined {
  const problems: string[] = [];
  const days = group.attributes.retention_in_days;
  if (typeof days !== "number" || days <= 0) problems.push("no retention_in_days (kept forever)");
  if (!group.attributes.kms_key_id) problems.push("no kms_key_id");
  return problems.length > 0 ? `log group ${String(group.attributes.name)}: ${problems.join(", ")}` : undefined;
}

function qualifiedTable(r: ResourceView): string {
  return `${r.attributes.database}.${r.attributes.schema}.${r.attributes.name}`;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\$]/g, "\\$&");
}

// ---- suppressions --------------------------------------------------------------------------------

export interface Suppression {
  readonly rule: string;
  readonly reason: string;
}

const SUPPRESSIONS = new WeakMap<TerraformResource, Suppression[]>();

/**
 * Suppresses a rule for every resource under `scope` (call it after they are built), with a written
 * reason of at least 20 characters. The suppression is written into each resource's
 * `//.lakehouse_suppressions`, where the guardrails honour it and `lakehouse review` reports it.
 */
export function suppressGuardrail(scope: IConstruct, rule: string, reason: string): void {
  const resources = scope.node.findAll().filter((n): n is TerraformResource => n instanceof TerraformResource);
  const problems: ValidationProblem[] = [
    ...(RULES.some((r) => r.id === rule) ? [] : [{ path: "rule", message: `unknown guardrail rule ${rule}` }]),
    ...(reason.trim().length >= REASON_MIN_CHARACTERS
      ? []
      : [{ path: "reason", message: `suppressing ${rule} needs a written reason of at least ${REASON_MIN_CHARACTERS} characters` }]),
    ...(resources.length > 0 ? [] : [{ path: "scope", message: `no resources to suppress ${rule} on (suppress after building them)` }]),
  ];
  if (problems.length > 0) throw new LakehouseValidationError(scope.node.path, problems);
  for (const resource of resources) {
    const list = [...(SUPPRESSIONS.get(resource) ?? []), { rule, reason: reason.trim() }];
    SUPPRESSIONS.set(resource, list);
    resource.addOverride("//.lakehouse_suppressions", list);
  }
}

// ---- evaluation, over the synthesized JSON ---------------------------------------------------------

type StackJson = { resource?: Record<string, Record<string, Record<string, unknown>>> };

/**
 * Every unsuppressed violation in one synthesized stack. Rules read the Terraform JSON that will be
 * applied (and that `lakehouse review` compares), not provider-class internals.
 */
export function guardrailViolations(stack: StackJson, rules: readonly GuardrailRule[] = RULES): GuardrailViolation[] {
  const all: { view: ResourceView; suppressed: Suppression[] }[] = [];
  for (const [type, byName] of Object.entries(stack.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) {
      const meta = (body["//"] ?? {}) as { metadata?: { path?: string }; lakehouse_suppressions?: Suppression[] };
      all.push({
        view: { type, address: `${type}.${name}`, path: meta.metadata?.path ?? `${type}.${name}`, attributes: body },
        suppressed: meta.lakehouse_suppressions ?? [],
      });
    }
  }
  const byType = new Map<string, ResourceView[]>();
  for (const { view } of all) byType.set(view.type, [...(byType.get(view.type) ?? []), view]);
  const stackView: StackView = {
    ofType: (type) => byType.get(type) ?? [],
    attachedTo: (resource, type, attribute = "bucket") =>
      (byType.get(type) ?? []).filter((r) => {
        const ref = r.attributes[attribute];
        return ref === `\${${resource.address}.id}` || ref === `\${${resource.address}.bucket}` || (ref !== undefined && ref === resource.attributes.bucket);
      }),
  };
  const violations: GuardrailViolation[] = [];
  for (const { view, suppressed } of all) {
    for (const rule of rules) {
      if (!rule.resourceTypes.includes(view.type) || suppressed.some((s) => s.rule === rule.id)) continue;
      const message = rule.check(view, stackView);
      if (message) violations.push({ rule: rule.id, path: view.path, address: view.address, message });
    }
  }
  return violations;
}
