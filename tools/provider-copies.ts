/**
 * Copies of a synthesized stack for the real-provider checks, changed by written rules only (the
 * stacks themselves are never touched):
 *
 * - `forValidation`: for `terraform validate` with the real AWS provider while the Snowflake
 *   provider binary cannot be had here. Snowflake resources, data sources and the provider go; every
 *   reference to one of their attributes becomes an input variable (unknown to validate, as the
 *   attribute would be before apply), and `depends_on` / `replace_triggered_by` entries naming them
 *   are dropped. Every AWS resource is still validated.
 * - `forEmulator`: for plan/apply against a local AWS emulator. Snowflake resources go, and with
 *   them every resource that needs one of their outputs, transitively (the access roles trusting an
 *   integration's IAM user, the bucket notification naming a pipe's queue …): an apply needs real
 *   values, and inventing Snowflake's would test nothing. The AWS providers point at the emulator.
 *   Two emulator differences are worked around by exact rules, each with its evidence below
 *   (`logDeliveryFirst`, `organizationFixture`).
 *
 * Both pin the AWS provider to the version that was built and validated (`awsVersion`).
 */

type Body = Record<string, unknown>;
type ByType = Record<string, Record<string, Body>>;

export interface StackJson {
  terraform?: { required_providers?: Record<string, { source?: string; version?: string }>; backend?: unknown; [k: string]: unknown };
  provider?: Record<string, Body[]>;
  resource?: ByType;
  data?: ByType;
  output?: Record<string, Body>;
  variable?: Record<string, Body>;
  [k: string]: unknown;
}

export interface PreparedCopy {
  readonly json: StackJson;
  /** Addresses left out, each with why (`resource.aws_iam_role.X needs snowflake_storage_integration.Y`). */
  readonly removed: { readonly address: string; readonly reason: string }[];
}

const SNOWFLAKE = /^snowflake_/;
/** A reference with its attribute traversal, as it appears inside `${…}`. */
const REFERENCE = /\b(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*)/g;

/** Applies `f` to the text inside every `${…}` of every string in `value` (nested braces counted). */
function mapInterpolations(value: unknown, f: (expr: string) => string): unknown {
  if (typeof value === "string") {
    let out = "";
    let i = 0;
    while (i < value.length) {
      const start = value.indexOf("${", i);
      if (start < 0) break;
      let depth = 1;
      let j = start + 2;
      for (; j < value.length && depth > 0; j++) {
        if (value[j] === "{") depth++;
        else if (value[j] === "}") depth--;
      }
      out += value.slice(i, start) + "${" + f(value.slice(start + 2, j - 1)) + "}";
      i = j;
    }
    return out + value.slice(i);
  }
  if (Array.isArray(value)) return value.map((v) => mapInterpolations(v, f));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "//" ? v : mapInterpolations(v, f)]));
  return value;
}

/** Every `type.name` (or `data.type.name`) that `value` references. */
export function referencedAddresses(value: unknown): Set<string> {
  const out = new Set<string>();
  mapInterpolations(value, (expr) => {
    for (const m of expr.matchAll(REFERENCE)) out.add(`${m[1] ?? ""}${m[2]}.${m[3]}`);
    return expr;
  });
  // depends_on and replace_triggered_by hold bare addresses, not interpolations.
  const bare = (list: unknown) => (Array.isArray(list) ? list.filter((x): x is string => typeof x === "string") : []);
  const body = value as Body;
  for (const ref of [...bare(body?.depends_on), ...bare((body?.lifecycle as Body | undefined)?.replace_triggered_by)]) {
    const m = /^(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)/.exec(ref);
    if (m) out.add(`${m[1] ?? ""}${m[2]}.${m[3]}`);
  }
  return out;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** `resource.type.name` for resources, `data.type.name` for data sources, keyed as references write them. */
function entries(json: StackJson): { ref: string; address: string; kind: "resource" | "data"; type: string; name: string; body: Body }[] {
  const out = [];
  for (const [kind, byType] of [
    ["resource", json.resource],
    ["data", json.data],
  ] as const) {
    for (const [type, byName] of Object.entries(byType ?? {})) {
      for (const [name, body] of Object.entries(byName))
        out.push({ ref: `${kind === "data" ? "data." : ""}${type}.${name}`, address: `${kind}.${type}.${name}`, kind, type, name, body });
    }
  }
  return out;
}

function remove(json: StackJson, kind: "resource" | "data", type: string, name: string): void {
  const byType = json[kind]!;
  delete byType[type][name];
  if (Object.keys(byType[type]).length === 0) delete byType[type];
}

function withoutSnowflakeProvider(json: StackJson): void {
  delete json.provider?.snowflake;
  delete json.terraform?.required_providers?.snowflake;
}

function pinAws(json: StackJson, awsVersion: string): void {
  const aws = json.terraform?.required_providers?.aws;
  if (aws) aws.version = awsVersion;
}

/** The validation copy: Snowflake gone, references to it turned into unknown input variables. */
export function forValidation(stack: StackJson, awsVersion: string): PreparedCopy {
  const json = clone(stack);
  const removed: PreparedCopy["removed"] = [];
  for (const e of entries(json)) {
    if (SNOWFLAKE.test(e.type)) {
      remove(json, e.kind, e.type, e.name);
      removed.push({ address: e.address, reason: "Snowflake (no provider binary here; covered by the schema check)" });
    }
  }
  withoutSnowflakeProvider(json);
  const variables = new Map<string, string>();
  const replace = (expr: string) =>
    expr.replace(REFERENCE, (whole, _data: string | undefined, type: string) => {
      if (!SNOWFLAKE.test(type)) return whole;
      if (!variables.has(whole)) variables.set(whole, `snowflake_ref_${variables.size}`);
      return `var.${variables.get(whole)}`;
    });
  const isSnowflakeRef = (ref: unknown) => typeof ref === "string" && SNOWFLAKE.test(ref.replace(/^data\./, ""));
  for (const e of entries(json)) {
    const body = mapInterpolations(e.body, replace) as Body;
    if (Array.isArray(body.depends_on)) body.depends_on = body.depends_on.filter((r) => !isSnowflakeRef(r));
    const lifecycle = body.lifecycle as Body | undefined;
    if (lifecycle && Array.isArray(lifecycle.replace_triggered_by))
      lifecycle.replace_triggered_by = lifecycle.replace_triggered_by.filter((r) => !isSnowflakeRef(r));
    json[e.kind]![e.type][e.name] = body;
  }
  if (json.output) json.output = mapInterpolations(json.output, replace) as StackJson["output"];
  if (variables.size > 0) json.variable = { ...json.variable, ...Object.fromEntries([...variables.values()].map((v) => [v, {}])) };
  pinAws(json, awsVersion);
  return { json, removed };
}

export interface EmulatorTarget {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Local state file for the copy (the stacks' own backend is not used). */
  readonly statePath: string;
  readonly awsVersion: string;
  /** The emulator's credentials in the stacks' account (`startEmulator`); a provider that assumes a role goes on from them. */
  readonly credentials: EmulatorCredentials;
}

/** Temporary credentials the emulator issued for an account: moto answers every request made with them as that account. */
export interface EmulatorCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly sessionToken: string;
}

/** Services the stacks call; each is pointed at the emulator. */
export const EMULATED_SERVICES = [
  "s3",
  "s3control",
  "iam",
  "kms",
  "sqs",
  "sns",
  "sts",
  "cloudtrail",
  "organizations",
  "lambda",
  "scheduler",
  "secretsmanager",
  "cloudwatch",
  "logs",
  "firehose",
  "kinesis",
];

/**
 * cdktf writes asset paths (a Lambda's zip) relative to the stack's folder; a copy written elsewhere
 * points them at `assetRoot` instead.
 */
export function absoluteAssets(json: StackJson, assetRoot: string): void {
  for (const byName of Object.values(json.resource ?? {})) {
    for (const body of Object.values(byName)) {
      for (const [key, value] of Object.entries(body)) if (typeof value === "string" && value.startsWith("assets/")) body[key] = `${assetRoot}/${value}`;
    }
  }
}

/**
 * Resource types the emulator cannot take, each with its evidence; left out of the emulator copy
 * (still checked by the schema check and `terraform validate`).
 */
export const NOT_EMULATED: Record<string, string> = {
  // Provider 6.34 calls CloudWatch over the Smithy RPC v2 CBOR protocol; moto 5.2.5 answers
  // PutMetricAlarm with HTTP 404 ("unexpected smithy-protocol response header ''").
  aws_cloudwatch_metric_alarm: "moto 5.2.5 does not speak CloudWatch's Smithy RPC v2 CBOR protocol (PutMetricAlarm: 404)",
  // moto/s3/responses.py `_bucket_response_put` has no `metrics` branch, so PutBucketMetricsConfiguration
  // falls through to CreateBucket on the existing bucket, and GetBucketMetricsConfiguration to ListObjects.
  aws_s3_bucket_metric: "moto 5.2.5 does not implement S3 request-metrics configurations (PUT ?metrics is taken for CreateBucket)",
};

/** The emulator copy: Snowflake and everything needing its outputs gone, providers on the emulator. */
export function forEmulator(stack: StackJson, target: EmulatorTarget): PreparedCopy {
  const json = clone(stack);
  const removed: PreparedCopy["removed"] = [];
  const gone = new Map<string, string>();
  for (const e of entries(json)) {
    if (SNOWFLAKE.test(e.type)) gone.set(e.ref, "Snowflake resource (no Snowflake here)");
    else if (NOT_EMULATED[e.type]) gone.set(e.ref, NOT_EMULATED[e.type]);
  }
  // Transitively: whatever references something gone goes too, naming what it needed.
  for (let changed = true; changed;) {
    changed = false;
    for (const e of entries(json)) {
      if (gone.has(e.ref)) continue;
      const needs = [...referencedAddresses(e.body)].find((r) => gone.has(r));
      if (needs) {
        gone.set(e.ref, `needs ${needs}`);
        changed = true;
      }
    }
  }
  for (const e of entries(json)) {
    if (!gone.has(e.ref)) continue;
    remove(json, e.kind, e.type, e.name);
    removed.push({ address: e.address, reason: gone.get(e.ref)! });
  }
  for (const [name, body] of Object.entries(json.output ?? {})) {
    const needs = [...referencedAddresses(body)].find((r) => gone.has(r));
    if (needs) {
      delete json.output![name];
      removed.push({ address: `output.${name}`, reason: `needs ${needs}` });
    }
  }
  withoutSnowflakeProvider(json);
  pinAws(json, target.awsVersion);
  logDeliveryFirst(json);
  json.terraform = { ...json.terraform, backend: { local: { path: target.statePath } } };
  for (const provider of json.provider?.aws ?? []) {
    Object.assign(provider, {
      access_key: target.credentials.accessKey,
      secret_key: target.credentials.secretKey,
      token: target.credentials.sessionToken,
      skip_credentials_validation: true,
      skip_metadata_api_check: "true",
      // The stacks set allowed_account_ids: the account must be read (from the emulator's STS).
      skip_requesting_account_id: false,
      s3_use_path_style: true,
      endpoints: [Object.fromEntries(EMULATED_SERVICES.map((s) => [s, target.endpoint]))],
    });
  }
  return { json, removed };
}

/**
 * moto 5.2.5 answers HTTP 500 to PutBucketLogging when a statement before the target bucket's
 * log-delivery grant has `"Principal": "*"` (its check calls `.get` on the principal: "'str' object
 * has no attribute 'get'"; moto/s3/models.py `_log_permissions_enabled_policy`), and the provider
 * retries for minutes. Our TLS-only denies are such statements. In the emulator copy the statement
 * granting `logging.s3.amazonaws.com` moves first; IAM evaluation does not depend on order.
 */
export function logDeliveryFirst(json: StackJson): void {
  for (const body of Object.values(json.resource?.aws_s3_bucket_policy ?? {})) {
    if (typeof body.policy !== "string") continue;
    const doc = JSON.parse(body.policy) as { Statement?: { Principal?: unknown }[] };
    const isDelivery = (s: { Principal?: unknown }) => (s.Principal as { Service?: unknown } | undefined)?.Service === "logging.s3.amazonaws.com";
    if (!doc.Statement?.some(isDelivery)) continue;
    doc.Statement = [...doc.Statement.filter(isDelivery), ...doc.Statement.filter((s) => !isDelivery(s))];
    body.policy = JSON.stringify(doc);
  }
}

/**
 * What a stack expects to exist outside it, made in the emulator first: the organization (in the
 * management account, through the stack's own management provider) and one organizational unit per
 * SCP target. moto assigns its own ids, so the copy's attachments are pointed at the stand-ins
 * (`retarget`). Undefined when the stack attaches no policy.
 */
export function organizationFixture(copy: StackJson, statePath: string): { json: StackJson; targets: string[] } | undefined {
  const attachments = Object.values(copy.resource?.aws_organizations_policy_attachment ?? {});
  if (attachments.length === 0) return undefined;
  const provider = typeof attachments[0].provider === "string" ? attachments[0].provider : "aws";
  const alias = provider.split(".")[1];
  const providers = (copy.provider?.aws ?? []).filter((p) => p.alias === alias);
  const targets = [...new Set(attachments.map((a) => String(a.target_id)))].sort();
  const ouName = (i: number) => `target_${i}`;
  return {
    targets,
    json: {
      terraform: { required_providers: { aws: copy.terraform!.required_providers!.aws }, backend: { local: { path: statePath } } },
      provider: { aws: providers },
      resource: {
        aws_organizations_organization: { org: { provider, feature_set: "ALL", enabled_policy_types: ["SERVICE_CONTROL_POLICY"] } },
        aws_organizations_organizational_unit: Object.fromEntries(
          targets.map((t, i) => [ouName(i), { provider, name: `stand-in-for-${t}`, parent_id: "${aws_organizations_organization.org.roots[0].id}" }]),
        ),
      },
      output: Object.fromEntries(targets.map((_, i) => [ouName(i), { value: `\${aws_organizations_organizational_unit.${ouName(i)}.id}` }])),
    },
  };
}

/** Points every policy attachment of the copy at the emulator's stand-in for its target. */
export function retarget(copy: StackJson, standIns: Record<string, string>): void {
  for (const body of Object.values(copy.resource?.aws_organizations_policy_attachment ?? {})) {
    const standIn = standIns[String(body.target_id)];
    if (!standIn) throw new Error(`no emulator stand-in for SCP target ${String(body.target_id)}`);
    body.target_id = standIn;
  }
}
