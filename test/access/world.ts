import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ParsedStatement } from "../../modules/core/iam";

/**
 * The synthesized AWS side of one example, as an IAM evaluator needs it: every stack's resources with
 * their `${…}` references replaced by the values they take after apply (ARNs built from names,
 * regions and accounts the JSON states; ids the JSON cannot know are stable made-up values), and the
 * policies indexed by what they govern: identity and trust policies by role ARN, resource policies
 * by resource ARN, SCPs by the account they apply to, tags by resource ARN.
 *
 * A reference this file cannot resolve is an error naming the stack and the reference: a policy that
 * would reach the evaluator half-resolved decides nothing.
 */

export interface PolicyDoc {
  Version?: string;
  Statement: PolicyStatementJson[] | PolicyStatementJson;
}
/** A statement of a synthesized policy: the library's own reading of one (modules/core/iam.ts). */
export type PolicyStatementJson = ParsedStatement;

/** A policy with where it came from: `<stack>:<resource address>` (the failure messages name it). */
export interface SourcedPolicy {
  readonly id: string;
  readonly doc: PolicyDoc;
}

export interface RoleInfo {
  readonly stack: string;
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly accountId: string;
  readonly trust: SourcedPolicy;
  readonly identity: SourcedPolicy[];
}

export interface ResourceInstance {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  /** `type.name` */
  readonly address: string;
  readonly region: string;
  readonly accountId: string;
  /** Attributes with every reference resolved. */
  readonly attrs: Record<string, unknown>;
}

export interface StorageIntegrationInfo {
  readonly name: string;
  readonly roleArn: string;
  readonly user: string;
  readonly externalId: string;
  readonly allowedLocations: readonly string[];
}

export interface Scp {
  readonly id: string;
  readonly doc: PolicyDoc;
  readonly targets: readonly string[];
}

interface ProviderInfo {
  region: string;
  accountId: string;
  defaultTags: Record<string, string>;
}

interface StackJson {
  provider?: Record<string, Record<string, unknown>[]>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
}

/** The AWS account Snowflake's IAM users live in here (made up: the value is Snowflake's, known after CREATE INTEGRATION). */
export const SNOWFLAKE_AWS_ACCOUNT = "900000000001";

/** Snowflake's IAM user of one Snowflake account: one user serves every integration of that account (Snowflake docs, "Configuring secure access to Amazon S3"). */
export function snowflakeIamUserArn(organization: string, account: string): string {
  return `arn:aws:iam::${SNOWFLAKE_AWS_ACCOUNT}:user/snowflake-${organization}-${account}`.toLowerCase();
}

const stableUuid = (seed: string): string => {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/** `${type.name.attribute}`, the attribute possibly a path into nested blocks (`describe_output[0].storage_aws_external_id[0].value`). */
const REF = /\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+(?:\[\d+\]|\.[a-z0-9_]+)*)\}/g;
/** What `DESCRIBE INTEGRATION` reports as the external id Snowflake generated (storage_aws_external_id unset). */
const GENERATED_EXTERNAL_ID = "describe_output[0].storage_aws_external_id[0].value";
/** A `${` left in a policy after resolving: a reference this file does not read (`$${` is Terraform's literal `${`). */
const UNRESOLVED = /(?<!\$)\$\{[^}]*\}/;

export class World {
  readonly resources: ResourceInstance[] = [];
  readonly roles = new Map<string, RoleInfo>();
  /** Resource policies by the ARN of what they govern (bucket, key, topic, queue, stream, secret). */
  readonly resourcePolicies = new Map<string, SourcedPolicy>();
  /** Tags (provider default_tags merged with the resource's) by resource ARN. */
  readonly tags = new Map<string, Record<string, string>>();
  readonly scps: Scp[] = [];
  /** Bucket name → owning account (S3 ARNs carry none). */
  readonly bucketOwners = new Map<string, string>();
  /** Accounts of the example's stacks (their providers' allowed_account_ids): the accounts whose principals the SCPs may govern. */
  readonly accounts = new Set<string>();
  readonly stacks: string[];
  private readonly storageIntegrations = new Map<string, StorageIntegrationInfo[]>();

  constructor(
    readonly example: string,
    outdir: string,
  ) {
    const dir = join(outdir, "stacks");
    this.stacks = readdirSync(dir).sort();
    for (const stack of this.stacks) this.load(stack, JSON.parse(readFileSync(join(dir, stack, "cdk.tf.json"), "utf8")) as StackJson);
  }

  /**
   * A bucket or key the example reads but does not make (an existing bucket of another account), with
   * its owner's policy: requests on it are decided like those on the example's own.
   */
  addOwnedElsewhere(arn: string, accountId: string, policy: SourcedPolicy): void {
    const bucket = /^arn:aws:s3:::([^/]+)$/.exec(arn)?.[1];
    if (bucket !== undefined) {
      if (this.bucketOwners.has(bucket)) throw new Error(`${this.example}: bucket ${bucket} is made by the example; its policy is synthesized, not an owner's`);
      this.bucketOwners.set(bucket, accountId);
    } else if (!arn.startsWith("arn:aws:kms:")) throw new Error(`${this.example}: ${arn} is neither a bucket nor a key`);
    if (this.resourcePolicies.has(arn)) throw new Error(`${this.example}: ${arn} already has a policy`);
    this.resourcePolicies.set(arn, policy);
  }

  /** Every resource of a type (resolved), optionally in one stack. */
  ofType(type: string, stack?: string): ResourceInstance[] {
    return this.resources.filter((r) => r.type === type && (stack === undefined || r.stack === stack));
  }

  /** The resource with this ARN (its resolved `arn` attribute), if the example makes it. */
  byArn(arn: string): ResourceInstance | undefined {
    return this.resources.find((r) => r.attrs.arn === arn);
  }

  role(arn: string): RoleInfo | undefined {
    return this.roles.get(arn);
  }

  /** The Snowflake storage integrations of a stack: which role Snowflake's IAM user assumes, with which external id, to read where. */
  integrations(stack: string): readonly StorageIntegrationInfo[] {
    return this.storageIntegrations.get(stack) ?? [];
  }

  private load(stack: string, json: StackJson): void {
    const providers = new Map<string, ProviderInfo>();
    for (const p of json.provider?.aws ?? []) {
      const alias = typeof p.alias === "string" ? `aws.${p.alias}` : "aws";
      const allowed = (p.allowed_account_ids as string[] | undefined)?.[0];
      const assumed = ((p.assume_role as { role_arn?: string }[] | undefined)?.[0]?.role_arn ?? "").split(":")[4];
      const accountId = allowed ?? assumed;
      if (!accountId) throw new Error(`${stack}: provider ${alias} names no account (allowed_account_ids or assume_role)`);
      if (allowed) this.accounts.add(allowed);
      const defaultTags = ((p.default_tags as { tags?: Record<string, string> }[] | undefined)?.[0]?.tags ?? {}) as Record<string, string>;
      providers.set(alias, { region: String(p.region), accountId, defaultTags });
    }
    const snowflakes = new Map<string, { organization: string; account: string }>();
    for (const p of json.provider?.snowflake ?? []) {
      const alias = typeof p.alias === "string" ? `snowflake.${p.alias}` : "snowflake";
      snowflakes.set(alias, { organization: String(p.organization_name), account: String(p.account_name) });
    }
    const raw = json.resource ?? {};
    const providerOf = (r: Record<string, unknown>, type: string): ProviderInfo => {
      const alias = typeof r.provider === "string" ? r.provider : type.startsWith("aws_") ? "aws" : "snowflake";
      const p = providers.get(alias);
      if (!p) throw new Error(`${stack}: no provider ${alias}`);
      return p;
    };

    // Attribute values known after apply, from what the JSON states.
    const known = (type: string, name: string, attr: string): string => {
      const r = raw[type]?.[name];
      if (!r) throw new Error(`${stack}: reference to ${type}.${name}, which the stack does not make`);
      const fail = (): never => {
        throw new Error(`${stack}: cannot resolve \${${type}.${name}.${attr}} (add it to test/access/world.ts if a policy needs it)`);
      };
      if (type === "snowflake_storage_integration" || type === "snowflake_notification_integration" || type === "snowflake_pipe") {
        const alias = typeof r.provider === "string" ? r.provider : "snowflake";
        const sf = snowflakes.get(alias);
        if (!sf) throw new Error(`${stack}: no Snowflake provider ${alias}`);
        if (attr === "storage_aws_iam_user_arn" || attr === "aws_sns_iam_user_arn") return snowflakeIamUserArn(sf.organization, sf.account);
        if (attr === "aws_sns_external_id") return `${sf.account}_SFCRole=2_${stableUuid(`${stack}/${name}`).slice(0, 20)}`;
        // Snowflake generates the external id when the integration sets none ("<ACCOUNT>_SFCRole=<n>_<random>",
        // Snowflake docs, "Configuring a Snowflake storage integration to access Amazon S3", step 5): a stand-in
        // of that shape, stable per integration, which no config name derives.
        if (attr === "storage_aws_external_id" && typeof r.storage_aws_external_id === "string") return r.storage_aws_external_id;
        if (type === "snowflake_storage_integration" && (attr === "storage_aws_external_id" || attr === GENERATED_EXTERNAL_ID))
          return `${sf.account}_SFCRole=2_${createHash("sha256").update(`${stack}/${name}`).digest("base64").slice(0, 28)}`;
        if (attr === "notification_channel")
          return `arn:aws:sqs:${providers.get("aws")?.region ?? "us-east-1"}:${SNOWFLAKE_AWS_ACCOUNT}:sf-snowpipe-${stableUuid(`${stack}/${name}`).slice(0, 20)}`;
        return fail();
      }
      if (!type.startsWith("aws_")) return fail();
      const { region, accountId } = providerOf(r, type);
      const str = (a: string) => resolve(String(r[a]));
      switch (type) {
        case "aws_s3_bucket":
          if (attr === "id" || attr === "bucket") return str("bucket");
          if (attr === "arn") return `arn:aws:s3:::${str("bucket")}`;
          return fail();
        case "aws_kms_key": {
          const id = stableUuid(`${stack}/${name}`);
          if (attr === "arn") return `arn:aws:kms:${region}:${accountId}:key/${id}`;
          if (attr === "key_id" || attr === "id") return id;
          return fail();
        }
        case "aws_iam_role":
          if (attr === "id" || attr === "name") return str("name");
          if (attr === "arn") return `arn:aws:iam::${accountId}:role${String(r.path ?? "/")}${str("name")}`;
          return fail();
        case "aws_iam_policy":
          if (attr === "arn" || attr === "id") return `arn:aws:iam::${accountId}:policy${String(r.path ?? "/")}${str("name")}`;
          return fail();
        case "aws_sqs_queue":
          if (attr === "arn") return `arn:aws:sqs:${region}:${accountId}:${str("name")}`;
          if (attr === "url" || attr === "id") return `https://sqs.${region}.amazonaws.com/${accountId}/${str("name")}`;
          return fail();
        case "aws_sns_topic":
          if (attr === "arn" || attr === "id") return `arn:aws:sns:${region}:${accountId}:${str("name")}`;
          return fail();
        case "aws_secretsmanager_secret":
          if (attr === "arn" || attr === "id") return `arn:aws:secretsmanager:${region}:${accountId}:secret:${str("name")}-AbCdEf`;
          return fail();
        case "aws_lambda_function":
          if (attr === "arn") return `arn:aws:lambda:${region}:${accountId}:function:${str("function_name")}`;
          if (attr === "function_name" || attr === "id") return str("function_name");
          return fail();
        case "aws_kinesis_stream":
          if (attr === "arn" || attr === "id") return `arn:aws:kinesis:${region}:${accountId}:stream/${str("name")}`;
          if (attr === "name") return str("name");
          return fail();
        case "aws_kinesis_firehose_delivery_stream":
          if (attr === "arn" || attr === "id") return `arn:aws:firehose:${region}:${accountId}:deliverystream/${str("name")}`;
          return fail();
        case "aws_cloudwatch_log_group":
          if (attr === "name" || attr === "id") return str("name");
          if (attr === "arn") return `arn:aws:logs:${region}:${accountId}:log-group:${str("name")}`;
          return fail();
        case "aws_cloudwatch_log_stream":
          if (attr === "name" || attr === "id") return str("name");
          return fail();
        case "aws_cloudtrail":
          if (attr === "arn") return `arn:aws:cloudtrail:${region}:${accountId}:trail/${str("name")}`;
          return fail();
        case "aws_organizations_policy":
          if (attr === "id") return `p-${stableUuid(`${stack}/${name}`).slice(0, 8)}`;
          return fail();
        default:
          return fail();
      }
    };
    const resolve = (s: string): string => s.replace(REF, (_m, type: string, name: string, attr: string) => known(type, name, attr));
    // Attributes other than policies may keep a reference this file does not know (it decides nothing).
    const lenient = (s: string): string =>
      s.replace(REF, (m, type: string, name: string, attr: string) => {
        try {
          return known(type, name, attr);
        } catch {
          return m;
        }
      });
    const deep = (v: unknown): unknown =>
      typeof v === "string"
        ? lenient(v)
        : Array.isArray(v)
          ? v.map(deep)
          : v && typeof v === "object"
            ? Object.fromEntries(
                Object.entries(v)
                  .filter(([k]) => k !== "//")
                  .map(([k, x]) => [k, deep(x)]),
              )
            : v;

    const own: ResourceInstance[] = [];
    for (const [type, byName] of Object.entries(raw)) {
      if (!type.startsWith("aws_")) continue;
      for (const [name, r] of Object.entries(byName)) {
        const p = providerOf(r, type);
        const attrs = deep(r) as Record<string, unknown>;
        const instance: ResourceInstance = { stack, type, name, address: `${type}.${name}`, region: p.region, accountId: p.accountId, attrs };
        own.push(instance);
        const arn = arnOf(instance, known);
        if (arn) {
          (instance.attrs as Record<string, unknown>).arn = arn;
          this.tags.set(arn, { ...p.defaultTags, ...((attrs.tags as Record<string, string> | undefined) ?? {}) });
        }
        if (type === "aws_s3_bucket") this.bucketOwners.set(String(attrs.bucket), p.accountId);
      }
    }
    this.resources.push(...own);
    this.storageIntegrations.set(
      stack,
      Object.entries(raw.snowflake_storage_integration ?? {}).map(([name, i]) => ({
        name: String(i.name),
        roleArn: resolve(String(i.storage_aws_role_arn)),
        user: known("snowflake_storage_integration", name, "storage_aws_iam_user_arn"),
        externalId: known("snowflake_storage_integration", name, "storage_aws_external_id"),
        allowedLocations: ((i.storage_allowed_locations as string[] | undefined) ?? []).map(resolve),
      })),
    );

    // Policies are resolved strictly from the raw JSON: every reference in them must be known.
    const parse = (id: string, text: unknown): SourcedPolicy => {
      if (typeof text !== "string") throw new Error(`${id}: the policy is not a JSON string`);
      const resolved = resolve(text);
      const left = UNRESOLVED.exec(resolved);
      if (left) throw new Error(`${id}: cannot resolve ${left[0]} (add it to test/access/world.ts if a policy needs it)`);
      return { id, doc: JSON.parse(resolved) as PolicyDoc };
    };
    const rawOf = (r: ResourceInstance) => raw[r.type][r.name];
    const sourced = (r: ResourceInstance, attr = "policy") => parse(`${stack}:${r.address}`, rawOf(r)[attr]);
    const rolesByName = new Map<string, RoleInfo>();
    for (const r of own.filter((x) => x.type === "aws_iam_role")) {
      const info: RoleInfo = {
        stack,
        address: r.address,
        name: String(r.attrs.name),
        arn: String(r.attrs.arn),
        accountId: r.accountId,
        trust: sourced(r, "assume_role_policy"),
        identity: [],
      };
      for (const inline of (rawOf(r).inline_policy as { name?: string; policy?: string }[] | undefined) ?? []) {
        if (inline.policy) info.identity.push(parse(`${stack}:${r.address}#${inline.name ?? "inline"}`, inline.policy));
      }
      if (r.attrs.managed_policy_arns) throw new Error(`${stack}:${r.address}: managed_policy_arns is not modelled by the access suite`);
      this.roles.set(info.arn, info);
      rolesByName.set(`${r.accountId}/${info.name}`, info);
    }
    const roleNamed = (r: ResourceInstance, name: unknown): RoleInfo => {
      const role = rolesByName.get(`${r.accountId}/${String(name)}`);
      if (!role) throw new Error(`${stack}:${r.address}: no role named ${String(name)} in this stack`);
      return role;
    };
    for (const r of own.filter((x) => x.type === "aws_iam_role_policy")) roleNamed(r, r.attrs.role).identity.push(sourced(r));
    const managed = new Map(own.filter((x) => x.type === "aws_iam_policy").map((p) => [String(p.attrs.arn), sourced(p)]));
    for (const r of own.filter((x) => x.type === "aws_iam_role_policy_attachment")) {
      const policy = managed.get(String(r.attrs.policy_arn));
      if (!policy)
        throw new Error(`${stack}:${r.address}: attaches ${String(r.attrs.policy_arn)}, which the access suite cannot read (not made in this stack)`);
      roleNamed(r, r.attrs.role).identity.push(policy);
    }
    if (own.some((x) => x.type === "aws_iam_user" || x.type === "aws_iam_group"))
      throw new Error(`${stack}: IAM users and groups are not modelled by the access suite`);

    const governs: Record<string, [string, (r: ResourceInstance) => string]> = {
      aws_s3_bucket_policy: ["policy", (r) => `arn:aws:s3:::${String(r.attrs.bucket)}`],
      aws_kms_key: ["policy", (r) => String(r.attrs.arn)],
      aws_sns_topic_policy: ["policy", (r) => String(r.attrs.arn)],
      aws_sqs_queue_policy: ["policy", (r) => sqsArnOfUrl(String(r.attrs.queue_url))],
      aws_kinesis_resource_policy: ["policy", (r) => String(r.attrs.resource_arn)],
      aws_secretsmanager_secret_policy: ["policy", (r) => String(r.attrs.secret_arn)],
    };
    for (const [type, [attr, target]] of Object.entries(governs)) {
      for (const r of own.filter((x) => x.type === type)) {
        if (r.attrs[attr] === undefined) continue;
        const arn = target(r);
        if (this.resourcePolicies.has(arn)) throw new Error(`${stack}:${r.address}: a second policy for ${arn}`);
        this.resourcePolicies.set(arn, sourced(r, attr));
      }
    }
    for (const r of own.filter((x) => x.type === "aws_s3_bucket" && x.attrs.policy !== undefined))
      throw new Error(`${stack}:${r.address}: inline bucket policy is not modelled`);
    for (const r of own.filter((x) => x.type === "aws_organizations_policy")) {
      if (r.attrs.type !== "SERVICE_CONTROL_POLICY")
        throw new Error(`${stack}:${r.address}: policy type ${String(r.attrs.type)} is not modelled by the access suite`);
      const id = known("aws_organizations_policy", r.name, "id");
      const targets = own.filter((a) => a.type === "aws_organizations_policy_attachment" && a.attrs.policy_id === id).map((a) => String(a.attrs.target_id));
      this.scps.push({ id: `${stack}:${r.address}`, doc: parse(`${stack}:${r.address}`, rawOf(r).content).doc, targets });
    }
  }
}

/** The ARN of a resource that has one worth indexing (policies and tags are looked up by it). */
function arnOf(r: ResourceInstance, known: (type: string, name: string, attr: string) => string): string | undefined {
  const withArn = [
    "aws_s3_bucket",
    "aws_kms_key",
    "aws_iam_role",
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_secretsmanager_secret",
    "aws_lambda_function",
    "aws_kinesis_stream",
    "aws_kinesis_firehose_delivery_stream",
    "aws_cloudwatch_log_group",
    "aws_cloudtrail",
  ];
  if (withArn.includes(r.type)) return known(r.type, r.name, "arn");
  if (r.type === "aws_cloudwatch_metric_alarm") return `arn:aws:cloudwatch:${r.region}:${r.accountId}:alarm:${String(r.attrs.alarm_name)}`;
  if (r.type === "aws_scheduler_schedule")
    return `arn:aws:scheduler:${r.region}:${r.accountId}:schedule/${String(r.attrs.group_name ?? "default")}/${String(r.attrs.name)}`;
  return undefined;
}

function sqsArnOfUrl(url: string): string {
  const m = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/(.+)$/.exec(url);
  if (!m) throw new Error(`not an SQS queue URL: ${url}`);
  return `arn:aws:sqs:${m[1]}:${m[2]}:${m[3]}`;
}

/** The statements of a policy as a list. */
export function statementsOf(doc: PolicyDoc): PolicyStatementJson[] {
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}
