import { AwsPartition, arn, iamRoleArn, partitionOfRegion, s3BucketArn } from "../modules/core/arn";
import { parsePolicyStatements, asList } from "../modules/core/iam";
import { principals } from "./policy";
import { sqlGrantsOf } from "./sql-grants";
import { StackJson, StackSet } from "./synth-ref";

/**
 * What the classifier needs to know about both sides beyond one resource: the names cdktf tokens
 * stand for, and what this change creates (key prefixes of new sources, IAM roles, Snowflake objects)
 * — so routine work (a new source's resources, objects handed to their tenant's own pipeline role) is
 * told from a widening of what already existed.
 */
export interface ReviewContext {
  /** `text` with every `${type.name.attr}` whose value the side's stack states replaced by that value. */
  resolve(side: Side, stack: string, text: string): string;
  /** Facts about one stack (empty facts for a stack the change does not know). */
  stack(name: string): StackFacts;
  /** Snowflake objects head has and base has not, by name (account objects) and `DB.SCHEMA.NAME`, upper-case, unquoted. */
  readonly newObjects: ReadonlySet<string>;
  /** Snowflake schemas (`DB.SCHEMA`) head has and base has not. */
  readonly newSchemas: ReadonlySet<string>;
  /** Snowflake roles head creates that base did not have (names, upper-case). */
  readonly newSnowflakeRoles: ReadonlySet<string>;
  /** Table (`DB.SCHEMA.NAME`) → the role head hands its ownership to (a snowflake_grant_ownership, or GRANT OWNERSHIP in a snowflake_execute). */
  readonly tableOwners: ReadonlyMap<string, string>;
  /** Schema object (`DB.SCHEMA.NAME`) → the role base handed its ownership to, the same ways. */
  readonly baseOwners: ReadonlyMap<string, string>;
}

export type Side = "base" | "head";

export interface StackFacts {
  /** The one AWS account the stack's providers allow, when they agree on one. */
  readonly account?: string;
  /** Names of the stack's S3 buckets (either side). */
  readonly buckets: ReadonlySet<string>;
  /**
   * Key prefixes a source of this stack routes or retains (notifications, lifecycle rules) in head,
   * that neither contain nor lie under any prefix base had: where no log can be yet.
   */
  readonly newPrefixes: ReadonlySet<string>;
  /** IAM roles (names) head creates in this stack that base did not have. */
  readonly newIamRoles: ReadonlySet<string>;
  /**
   * Snowflake roles that own this stack's pipeline objects: the roles base's ownership handovers of
   * objects in the stack's own schemas grant to (head's, for a stack that is new). Upper-case.
   */
  readonly ownerRoles: ReadonlySet<string>;
  /** The stack's own Snowflake schemas, `DB.SCHEMA` (either side). */
  readonly schemas: ReadonlySet<string>;
  /**
   * Roles head's Snowflake providers work as (the deploying role, which creates the stack's objects
   * and hands them over), ACCOUNTADMIN aside. Upper-case.
   */
  readonly deployRoles: ReadonlySet<string>;
  /**
   * Principals head's bucket policies let write into a new source's prefixes only (PutObject), as
   * policy.principals() writes them: `Service:guardduty.amazonaws.com`, `AWS:arn:aws:iam::…:role/…`.
   */
  readonly newSourceWriters: ReadonlySet<string>;
  /** Subnet and security group ids head's functions in this stack run in (their VPC config). */
  readonly functionNetwork: ReadonlySet<string>;
  /** Resource addresses (`type.name`) of the stack on the side that has them. */
  has(side: Side, address: string): boolean;
  /** The stack's resources on one side (`type` → name → body). */
  resources(side: Side): Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;
}

const TOKEN = /\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g;
const EMPTY: ReadonlySet<string> = new Set();

/** `"DB"."S"."T"` or `db.s.t` → `DB.S.T`. */
export function objectKey(name: string): string {
  return name.replace(/"/g, "").trim().toUpperCase();
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;
const resourcesOf = (json: StackJson | undefined): Resources => (json?.resource ?? {}) as Resources;
const literal = (v: unknown): v is string => typeof v === "string" && !v.includes("${");

/** Roles the stack's Snowflake providers set, but ACCOUNTADMIN (which only makes resource monitors). */
function snowflakeProviderRoles(json: StackJson | undefined): Set<string> {
  const providers = (json?.provider as Record<string, { role?: string }[]> | undefined)?.snowflake ?? [];
  return new Set(
    providers
      .map((p) => p.role)
      .filter(literal)
      .map(objectKey)
      .filter((r) => r !== "ACCOUNTADMIN"),
  );
}

function accountOf(json: StackJson | undefined): string | undefined {
  const providers = ((json?.provider as Record<string, { allowed_account_ids?: string[] }[]> | undefined)?.aws ?? []).flatMap(
    (p) => p.allowed_account_ids ?? [],
  );
  const set = new Set(providers);
  return set.size === 1 ? [...set][0] : undefined;
}

/** The AWS provider configuration a resource uses (its `provider` alias, else the default one). */
function awsProviderOf(json: StackJson | undefined, body: Record<string, unknown>): { region?: string; account?: string } {
  const all = (json?.provider as Record<string, { alias?: string; region?: string; allowed_account_ids?: string[] }[]> | undefined)?.aws ?? [];
  const alias = typeof body.provider === "string" && body.provider.startsWith("aws.") ? body.provider.slice(4) : undefined;
  const p = alias ? all.find((x) => x.alias === alias) : (all.find((x) => x.alias === undefined) ?? (all.length === 1 ? all[0] : undefined));
  const ids = p?.allowed_account_ids ?? [];
  return { region: p?.region, account: ids.length === 1 ? ids[0] : undefined };
}

/** The partition of the AWS provider a resource uses; `aws` when its region is not stated in the JSON. */
function partitionFor(json: StackJson | undefined, body: Record<string, unknown>): AwsPartition {
  const { region } = awsProviderOf(json, body);
  return region !== undefined && !region.includes("${") ? partitionOfRegion(region) : "aws";
}

/** The value a reference stands for, when the stack's JSON states it. */
function referenceValue(json: StackJson | undefined, type: string, name: string, attr: string, account: string | undefined, depth: number): string | undefined {
  const body = resourcesOf(json)[type]?.[name];
  if (!body) return undefined;
  const own = (v: unknown) => (typeof v === "string" ? resolveIn(json, v, account, depth + 1) : undefined);
  const known = (v: string | undefined) => (v !== undefined && !v.includes("${") ? v : undefined);
  if (type === "aws_s3_bucket") {
    const bucket = known(own(body.bucket));
    if (attr === "id" || attr === "bucket") return bucket;
    if (attr === "arn" && bucket) return s3BucketArn(partitionFor(json, body), bucket);
    return undefined;
  }
  if (type === "aws_iam_role") {
    const role = known(own(body.name));
    if (attr === "id" || attr === "name") return role;
    // A role's path starts and ends with `/` (default `/`): `role/<path without its leading />name`.
    if (attr === "arn" && role && account)
      return iamRoleArn(partitionFor(json, body), account, `${typeof body.path === "string" ? body.path.replace(/^\//, "") : ""}${role}`);
    return undefined;
  }
  if ((type === "aws_sns_topic" || type === "aws_sqs_queue") && attr === "arn") {
    const { region, account: owner } = awsProviderOf(json, body);
    const n = known(own(body.name));
    return n && region && owner ? arn({ service: type === "aws_sns_topic" ? "sns" : "sqs", region, account: owner, resource: n }) : undefined;
  }
  if (type.startsWith("snowflake_procedure_") && attr === "fully_qualified_name") {
    // The provider's form: `"DB"."SCHEMA"."NAME"(TYPE, …)`.
    const parts = [body.database, body.schema, body.name].map((v) => known(own(v)));
    const args = (Array.isArray(body.arguments) ? body.arguments : []) as Record<string, unknown>[];
    return parts.every((x) => x !== undefined) ? `${parts.map((x) => `"${x}"`).join(".")}(${args.map((a) => String(a.arg_data_type)).join(", ")})` : undefined;
  }
  if (attr === "name") return known(own(body.name));
  return undefined;
}

function resolveIn(json: StackJson | undefined, text: string, account: string | undefined, depth = 0): string {
  if (depth > 4 || !text.includes("${")) return text;
  return text.replace(TOKEN, (token, type: string, name: string, attr: string) => referenceValue(json, type, name, attr, account, depth) ?? token);
}

/** Key prefix of a lifecycle rule's filter (`filter[0].prefix`, `filter.prefix`, `filter[0].and[0].prefix`, the old `prefix`). */
export function rulePrefix(rule: Record<string, unknown>): string {
  const first = (v: unknown) => (Array.isArray(v) ? v[0] : v) as Record<string, unknown> | undefined;
  const filter = first(rule.filter);
  const and = first(filter?.and);
  const p = filter?.prefix ?? and?.prefix ?? rule.prefix;
  return typeof p === "string" ? p : "";
}

/** Key prefixes the stack's buckets route (event notifications) or retain (lifecycle rules) separately. */
function sourcePrefixes(json: StackJson | undefined): Set<string> {
  const out = new Set<string>();
  const r = resourcesOf(json);
  for (const n of Object.values(r.aws_s3_bucket_notification ?? {})) {
    for (const kind of ["queue", "topic", "lambda_function"]) {
      for (const q of (n[kind] as Record<string, unknown>[] | undefined) ?? [])
        if (typeof q.filter_prefix === "string" && q.filter_prefix !== "") out.add(q.filter_prefix);
    }
  }
  for (const l of Object.values(r.aws_s3_bucket_lifecycle_configuration ?? {})) {
    for (const rule of (l.rule as Record<string, unknown>[] | undefined) ?? []) {
      const p = rulePrefix(rule);
      if (p !== "") out.add(p);
    }
  }
  return out;
}

/**
 * Every ownership handover of the stack: its snowflake_grant_ownership resources (one object each,
 * since pipeline-ownership 0.3.0) and the `GRANT OWNERSHIP ON <kind> <object> TO ROLE <role>` its
 * snowflake_execute resources run (the handover before).
 */
export function handovers(json: StackJson | undefined, resolve: (s: string) => string): { kind: string; object: string; role: string }[] {
  const fromExecutes = Object.values(resourcesOf(json).snowflake_execute ?? {}).flatMap((e) =>
    sqlGrantsOf(typeof e.execute === "string" ? resolve(e.execute) : undefined)
      .filter((g) => g.ownership)
      .map((g) => ({ kind: g.kind, object: objectKey(g.object), role: objectKey(g.role) })),
  );
  const fromResources = Object.values(resourcesOf(json).snowflake_grant_ownership ?? {}).flatMap((g) => {
    const on = (Array.isArray(g.on) ? g.on[0] : g.on) as Record<string, unknown> | undefined;
    const role = g.account_role_name ?? g.database_role_name;
    if (typeof on?.object_type !== "string" || typeof on.object_name !== "string" || typeof role !== "string") return [];
    return [{ kind: on.object_type.toUpperCase(), object: objectKey(resolve(on.object_name)), role: objectKey(resolve(role)) }];
  });
  return [...fromExecutes, ...fromResources];
}

/** `DB.SCHEMA` of a `DB.SCHEMA.NAME` object key, or undefined. */
const schemaOfKey = (key: string) => (key.split(".").length === 3 ? key.split(".").slice(0, 2).join(".") : undefined);

/** Snowflake objects a stack defines: account objects by name, schema objects as `DB.SCHEMA.NAME`. */
function snowflakeObjects(
  json: StackJson | undefined,
  resolve: (s: string) => string,
): { objects: Set<string>; schemas: Set<string>; roles: Set<string>; tables: Set<string> } {
  const objects = new Set<string>();
  const schemas = new Set<string>();
  const roles = new Set<string>();
  const tables = new Set<string>();
  for (const [type, byName] of Object.entries(resourcesOf(json))) {
    if (!type.startsWith("snowflake_") || type.startsWith("snowflake_grant") || type === "snowflake_execute") continue;
    for (const body of Object.values(byName)) {
      if (typeof body.name !== "string") continue;
      const name = resolve(body.name);
      const db = typeof body.database === "string" ? resolve(body.database) : undefined;
      const schema = typeof body.schema === "string" ? resolve(body.schema) : undefined;
      if (type === "snowflake_schema" && db) schemas.add(objectKey(`${db}.${name}`));
      if (type === "snowflake_account_role" || type === "snowflake_database_role") roles.add(objectKey(name));
      // Schema objects `DB.SCHEMA.NAME`; schemas and database roles `DB.NAME`; account objects by name.
      const key = objectKey(db && schema ? `${db}.${schema}.${name}` : db ? `${db}.${name}` : name);
      objects.add(key);
      if (type === "snowflake_table") tables.add(key);
    }
  }
  return { objects, schemas, roles, tables };
}

const minus = <T>(a: ReadonlySet<T>, b: ReadonlySet<T>) => new Set([...a].filter((x) => !b.has(x)));

/** S3 object ARN `arn:<partition>:s3:::<bucket>/<key>` split, or undefined. */
export function objectArn(arn: string): { bucket: string; key: string } | undefined {
  const m = /^arn:aws[a-z-]*:s3:::([^/]+)\/(.*)$/.exec(arn);
  return m ? { bucket: m[1], key: m[2] } : undefined;
}

/** Principals head's bucket policies let PutObject only under new prefixes of the stack. */
function writersOfNewPrefixes(
  json: StackJson | undefined,
  resolve: (s: string) => string,
  buckets: ReadonlySet<string>,
  prefixes: ReadonlySet<string>,
): Set<string> {
  const out = new Set<string>();
  if (prefixes.size === 0) return out;
  for (const p of Object.values(resourcesOf(json).aws_s3_bucket_policy ?? {})) {
    for (const s of parsePolicyStatements(typeof p.policy === "string" ? resolve(p.policy) : undefined) ?? []) {
      if (s.Effect !== "Allow" || !asList(s.Action).includes("s3:PutObject")) continue;
      const who = principals(s.Principal);
      const resources = asList(s.Resource);
      const underNew =
        resources.length > 0 &&
        resources.every((r) => {
          const o = objectArn(r);
          return o !== undefined && buckets.has(o.bucket) && [...prefixes].some((x) => o.key.startsWith(x));
        });
      if (underNew) who.filter((x) => x !== "*").forEach((x) => out.add(x));
    }
  }
  return out;
}

/** The facts of both sides, computed once per review. */
export function reviewContext(base: StackSet, head: StackSet): ReviewContext {
  const accounts = new Map<string, string | undefined>();
  const accountFor = (stack: string) => {
    if (!accounts.has(stack)) accounts.set(stack, accountOf(head[stack]) ?? accountOf(base[stack]));
    return accounts.get(stack);
  };
  const resolve = (side: Side, stack: string, text: string) => resolveIn((side === "base" ? base : head)[stack], text, accountFor(stack));
  const objectsOf = (side: Side) => {
    const set = side === "base" ? base : head;
    const all = { objects: new Set<string>(), schemas: new Set<string>(), roles: new Set<string>(), tables: new Set<string>() };
    for (const stack of Object.keys(set)) {
      const one = snowflakeObjects(set[stack], (s) => resolve(side, stack, s));
      for (const k of ["objects", "schemas", "roles", "tables"] as const) one[k].forEach((x) => all[k].add(x));
    }
    return all;
  };
  const b = objectsOf("base");
  const h = objectsOf("head");
  const tableOwners = new Map<string, string>();
  for (const stack of Object.keys(head))
    for (const g of handovers(head[stack], (s) => resolve("head", stack, s))) if (g.kind === "TABLE") tableOwners.set(g.object, g.role);
  const baseOwners = new Map<string, string>();
  for (const stack of Object.keys(base)) for (const g of handovers(base[stack], (s) => resolve("base", stack, s))) baseOwners.set(g.object, g.role);

  const facts = new Map<string, StackFacts>();
  const stackFacts = (name: string): StackFacts => {
    const known = facts.get(name);
    if (known) return known;
    const bj = base[name];
    const hj = head[name];
    const res = (side: Side) => (s: string) => resolve(side, name, s);
    const bucketNames = (json: StackJson | undefined, side: Side) =>
      Object.values(resourcesOf(json).aws_s3_bucket ?? {})
        .map((x) => (typeof x.bucket === "string" ? res(side)(x.bucket) : ""))
        .filter(literal);
    const buckets = new Set([...bucketNames(bj, "base"), ...bucketNames(hj, "head")]);
    // New only if it neither contains nor lies under a prefix base already had: `o` would cover `okta/`.
    const basePrefixes = sourcePrefixes(bj);
    const newPrefixes = new Set([...sourcePrefixes(hj)].filter((p) => ![...basePrefixes].some((q) => p.startsWith(q) || q.startsWith(p))));
    const roleNames = (json: StackJson | undefined, side: Side) =>
      new Set(
        Object.values(resourcesOf(json).aws_iam_role ?? {})
          .map((x) => (typeof x.name === "string" ? res(side)(x.name) : ""))
          .filter(literal),
      );
    // A stack that is new has no base: its owner is a role it creates itself that its own handovers name.
    const ownRoles = snowflakeObjects(hj, res("head")).roles;
    const schemas = new Set([...snowflakeObjects(bj, res("base")).schemas, ...snowflakeObjects(hj, res("head")).schemas]);
    // Only handovers of the stack's own schemas' objects: a tenant's alert procedure (in the platform's
    // MONITORING schema) goes to the environment's monitoring role, which owns no pipeline object.
    const own = (gs: { object: string; role: string }[]) => gs.filter((g) => schemas.has(schemaOfKey(g.object) ?? "")).map((g) => g.role);
    const owners = new Set(bj ? own(handovers(bj, res("base"))) : own(handovers(hj, res("head"))).filter((r) => ownRoles.has(r)));
    const addresses = (json: StackJson | undefined) =>
      new Set(Object.entries(resourcesOf(json)).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)));
    const has = { base: addresses(bj), head: addresses(hj) };
    const f: StackFacts = {
      account: accountFor(name),
      buckets,
      newPrefixes,
      newIamRoles: minus(roleNames(hj, "head"), roleNames(bj, "base")),
      ownerRoles: owners,
      schemas,
      deployRoles: snowflakeProviderRoles(hj),
      newSourceWriters: writersOfNewPrefixes(hj, res("head"), buckets, newPrefixes),
      functionNetwork: new Set(
        Object.values(resourcesOf(hj).aws_lambda_function ?? {}).flatMap((fn) => {
          const vpc = (Array.isArray(fn.vpc_config) ? fn.vpc_config[0] : fn.vpc_config) as Record<string, unknown> | undefined;
          return [...asList(vpc?.subnet_ids), ...asList(vpc?.security_group_ids)];
        }),
      ),
      has: (side, address) => has[side].has(address),
      resources: (side) => resourcesOf(side === "base" ? bj : hj),
    };
    facts.set(name, f);
    return f;
  };
  return {
    resolve,
    stack: stackFacts,
    newObjects: minus(h.objects, b.objects),
    newSchemas: minus(h.schemas, b.schemas),
    newSnowflakeRoles: minus(h.roles, b.roles),
    tableOwners,
    baseOwners,
  };
}

/** A context that knows nothing: every token stays as written, nothing counts as new. */
export const EMPTY_CONTEXT: ReviewContext = {
  resolve: (_side, _stack, text) => text,
  stack: () => ({
    buckets: EMPTY,
    newPrefixes: EMPTY,
    newIamRoles: EMPTY,
    ownerRoles: EMPTY,
    schemas: EMPTY,
    deployRoles: EMPTY,
    newSourceWriters: EMPTY,
    functionNetwork: EMPTY,
    has: () => false,
    resources: () => ({}),
  }),
  newObjects: EMPTY,
  newSchemas: EMPTY,
  newSnowflakeRoles: EMPTY,
  tableOwners: new Map(),
  baseOwners: new Map(),
};
