/**
 * A structural check of synthesized Terraform JSON against the providers' own schemas
 * (`terraform providers schema -json`), needing no provider binary: unknown attributes and blocks,
 * missing required ones, computed-only attributes set, blocks and values of the wrong shape, too few
 * or too many blocks, and deprecated attributes or blocks (an error unless accepted with a reason).
 * It does not replace the providers' validation: value validators, conflicts and plan-time checks
 * run only in the provider.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

/** A cty type as the schema JSON writes it: "string", ["list", "string"], ["object", {…}], … */
export type CtyType = string | [string, unknown] | [string, unknown, unknown];

export interface SchemaAttribute {
  readonly type?: CtyType;
  readonly nested_type?: { readonly attributes: Record<string, SchemaAttribute>; readonly nesting_mode: string };
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly deprecated?: boolean;
}

export interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<
    string,
    { readonly nesting_mode: string; readonly block: SchemaBlock; readonly min_items?: number; readonly max_items?: number }
  >;
  readonly deprecated?: boolean;
}

export interface ProviderSchema {
  readonly provider: { readonly block: SchemaBlock };
  readonly resource_schemas: Record<string, { readonly block: SchemaBlock }>;
  readonly data_source_schemas?: Record<string, { readonly block: SchemaBlock }>;
}

/** Source address (`registry.terraform.io/hashicorp/aws`) → schema. */
export type ProviderSchemas = Record<string, ProviderSchema>;

export interface SchemaFinding {
  /** `resource.aws_s3_bucket.logs`, `provider.aws[0]`, `data.…` */
  readonly address: string;
  /** Attribute path inside it, e.g. `rule[0].filter[0].prefix`; empty for the object itself. */
  readonly path: string;
  readonly kind: "unknown" | "missing" | "computed-only" | "shape" | "count" | "deprecated" | "no-schema" | "unverified";
  readonly message: string;
}

/** Deprecated attributes accepted on purpose: `<type>.<attribute path without indices>` → reason. */
export type AcceptedDeprecations = Record<string, string>;

/**
 * Attribute names the shared schema files cannot speak for: their every `description` key was
 * removed, attributes of that name with them (aws_iam_role, aws_kms_key … have one). Setting one is
 * reported as unverified, not as an error; `terraform validate` with the real AWS provider decides.
 */
export const STRIPPED_ATTRIBUTES = new Set(["description"]);

/** Keys Terraform itself owns in a resource / data / provider body (and cdktf's `//` metadata). */
const RESOURCE_META = new Set(["count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection", "//"]);
const PROVIDER_META = new Set(["alias", "//"]);

const isToken = (v: unknown) => typeof v === "string" && v.includes("${");
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads every `*.json` / `*.json.gz` schema file of `dir`; a missing folder or file is an error that says where. */
export function loadProviderSchemas(dir: string, files: readonly string[]): ProviderSchemas {
  if (!existsSync(dir))
    throw new Error(`provider schemas not found: ${dir} does not exist (set LAKEHOUSE_PROVIDER_SCHEMAS to the folder holding ${files.join(", ")})`);
  const out: ProviderSchemas = {};
  for (const file of files) {
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`provider schema missing: ${path}`);
    const raw = readFileSync(path);
    const json = JSON.parse((file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8")) as { provider_schemas?: ProviderSchemas };
    if (!json.provider_schemas) throw new Error(`${path} is not the output of \`terraform providers schema -json\` (no provider_schemas)`);
    Object.assign(out, json.provider_schemas);
  }
  return out;
}

/** `aws` / `hashicorp/aws` → `registry.terraform.io/hashicorp/aws` (the form the schema file keys by). */
export function fullSource(source: string): string {
  const parts = source.split("/");
  return parts.length === 1 ? `registry.terraform.io/hashicorp/${source}` : parts.length === 2 ? `registry.terraform.io/${source}` : source;
}

function typeFindings(type: CtyType | undefined, value: unknown, at: string): string[] {
  if (type === undefined || type === "dynamic" || value === null || isToken(value)) return [];
  if (typeof type === "string") {
    if (Array.isArray(value) || isObject(value)) return [`${at}: expected a ${type}, got ${Array.isArray(value) ? "a list" : "an object"}`];
    if (type === "number" && typeof value === "string" && !/^-?\d+(\.\d+)?$/.test(value)) return [`${at}: expected a number, got ${JSON.stringify(value)}`];
    if (type === "bool" && typeof value === "string" && value !== "true" && value !== "false") return [`${at}: expected a bool, got ${JSON.stringify(value)}`];
    return [];
  }
  const [kind, inner] = type;
  if (kind === "list" || kind === "set") {
    if (!Array.isArray(value)) return [`${at}: expected a ${kind}, got ${typeof value === "string" ? "a string" : typeof value}`];
    return value.flatMap((v, i) => typeFindings(inner as CtyType, v, `${at}[${i}]`));
  }
  if (kind === "map") {
    if (!isObject(value)) return [`${at}: expected a map, got ${Array.isArray(value) ? "a list" : typeof value}`];
    return Object.entries(value).flatMap(([k, v]) => typeFindings(inner as CtyType, v, `${at}.${k}`));
  }
  if (kind === "object") {
    if (!isObject(value)) return [`${at}: expected an object, got ${Array.isArray(value) ? "a list" : typeof value}`];
    const attrs = inner as Record<string, CtyType>;
    return Object.entries(value).flatMap(([k, v]) => (k in attrs ? typeFindings(attrs[k], v, `${at}.${k}`) : [`${at}.${k}: not an attribute of this object`]));
  }
  if (kind === "tuple") return Array.isArray(value) ? [] : [`${at}: expected a tuple`];
  return [];
}

const stripIndices = (path: string) => path.replace(/\[\d+\]/g, "");

/**
 * Checks one body (resource, data source, provider, or a nested block) against its schema block.
 * `typeName` and `accepted` identify accepted deprecations (`aws_x.attr` or `aws_x.block.attr`).
 */
function checkBody(
  body: Record<string, unknown>,
  block: SchemaBlock,
  ctx: { address: string; typeName: string; meta: Set<string>; accepted: AcceptedDeprecations },
  path: string,
  out: SchemaFinding[],
): void {
  const at = (name: string) => (path ? `${path}.${name}` : name);
  const push = (kind: SchemaFinding["kind"], p: string, message: string) => out.push({ address: ctx.address, path: p, kind, message });
  const deprecated = (p: string, what: string) => {
    const key = `${ctx.typeName}.${stripIndices(p)}`;
    if (!ctx.accepted[key])
      push("deprecated", p, `${what} ${p} is deprecated in this provider version (accept it in the deprecations file with a reason, or stop setting it)`);
  };
  const attributes = block.attributes ?? {};
  const blocks = block.block_types ?? {};
  // Terraform's `dynamic "<block>" { for_each, content }`: the content is checked as that block, its count is for_each's to decide.
  const dynamicBlocks = isObject(body.dynamic) ? body.dynamic : {};
  for (const [name, spec] of Object.entries(dynamicBlocks)) {
    const at2 = `${at("dynamic")}.${name}`;
    if (!blocks[name]) push("unknown", at2, `${at2}: no block ${name} in ${ctx.typeName}`);
    else if (!isObject(spec) || !("for_each" in spec) || !isObject(spec.content))
      push("shape", at2, `${at2}: a dynamic block needs for_each and a content object`);
    else checkBody(spec.content, blocks[name].block, ctx, `${at2}.content`, out);
  }
  for (const [key, value] of Object.entries(body)) {
    if (path === "" && ctx.meta.has(key)) continue;
    if (key === "dynamic" && isObject(value)) continue;
    const attr = attributes[key];
    const nested = blocks[key];
    if (attr) {
      if (attr.computed && !attr.optional && !attr.required) push("computed-only", at(key), `${at(key)} is computed by the provider and cannot be set`);
      if (attr.deprecated) deprecated(at(key), "attribute");
      if (attr.nested_type) checkNestedAttribute(value, attr.nested_type, ctx, at(key), out);
      else for (const message of typeFindings(attr.type, value, at(key))) push("shape", at(key), message);
    } else if (nested) {
      if (nested.block.deprecated) deprecated(at(key), "block");
      const mode = nested.nesting_mode;
      if (mode === "map") {
        if (!isObject(value)) push("shape", at(key), `${at(key)}: a map block must be an object of labelled blocks`);
        else for (const [label, b] of Object.entries(value)) checkBlockValue(b, nested.block, ctx, `${at(key)}.${label}`, out);
        continue;
      }
      const items = Array.isArray(value) ? value : [value];
      if (!Array.isArray(value) && !isObject(value)) {
        push(
          "shape",
          at(key),
          `${at(key)} is a block (${mode}) but was given ${isToken(value) ? "an expression" : `a ${typeof value}`}; write it as ${mode === "single" ? "an object" : "a list of objects"}`,
        );
        continue;
      }
      const max = mode === "single" || mode === "group" ? 1 : nested.max_items;
      if (max !== undefined && max > 0 && items.length > max) push("count", at(key), `${at(key)}: ${items.length} blocks, at most ${max} allowed`);
      if (nested.min_items !== undefined && items.length < nested.min_items)
        push("count", at(key), `${at(key)}: ${items.length} blocks, at least ${nested.min_items} required`);
      items.forEach((item, i) => checkBlockValue(item, nested.block, ctx, Array.isArray(value) ? `${at(key)}[${i}]` : at(key), out));
    } else if (STRIPPED_ATTRIBUTES.has(key) && typeof value === "string") {
      push("unverified", at(key), `${at(key)}: not decidable from a schema with descriptions stripped`);
    } else {
      push("unknown", at(key), `${at(key)}: no such attribute or block in ${ctx.typeName}`);
    }
  }
  for (const [key, attr] of Object.entries(attributes)) if (attr.required && !(key in body)) push("missing", at(key), `${at(key)} is required`);
  for (const [key, nested] of Object.entries(blocks)) {
    if ((nested.min_items ?? 0) > 0 && !(key in body) && !(key in dynamicBlocks))
      push("missing", at(key), `${at(key)}: at least ${nested.min_items} block(s) required`);
  }
}

function checkBlockValue(value: unknown, block: SchemaBlock, ctx: Parameters<typeof checkBody>[2], path: string, out: SchemaFinding[]): void {
  if (!isObject(value)) out.push({ address: ctx.address, path, kind: "shape", message: `${path}: each block must be an object` });
  else checkBody(value, block, ctx, path, out);
}

function checkNestedAttribute(
  value: unknown,
  nested: NonNullable<SchemaAttribute["nested_type"]>,
  ctx: Parameters<typeof checkBody>[2],
  path: string,
  out: SchemaFinding[],
): void {
  if (value === null || isToken(value)) return;
  const block: SchemaBlock = { attributes: nested.attributes };
  if (nested.nesting_mode === "single") return checkBlockValue(value, block, ctx, path, out);
  if (nested.nesting_mode === "map") {
    if (!isObject(value)) out.push({ address: ctx.address, path, kind: "shape", message: `${path}: expected a map of objects` });
    else for (const [k, v] of Object.entries(value)) checkBlockValue(v, block, ctx, `${path}.${k}`, out);
    return;
  }
  if (!Array.isArray(value)) out.push({ address: ctx.address, path, kind: "shape", message: `${path}: expected a ${nested.nesting_mode} of objects` });
  else value.forEach((v, i) => checkBlockValue(v, block, ctx, `${path}[${i}]`, out));
}

export interface StackJsonForCheck {
  readonly terraform?: { readonly required_providers?: Record<string, { source?: string; version?: string }> };
  readonly provider?: Record<string, Record<string, unknown>[] | Record<string, unknown>>;
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
}

/** Every finding for one synthesized stack. */
export function checkStackAgainstSchemas(stack: StackJsonForCheck, schemas: ProviderSchemas, accepted: AcceptedDeprecations = {}): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  const required = stack.terraform?.required_providers ?? {};
  const schemaOf = (localName: string, address: string): ProviderSchema | undefined => {
    const source = required[localName]?.source;
    const schema = source ? schemas[fullSource(source)] : undefined;
    if (!schema)
      out.push({
        address,
        path: "",
        kind: "no-schema",
        message: source ? `no schema for provider ${source} (local name ${localName})` : `provider ${localName} is not in terraform.required_providers`,
      });
    return schema;
  };
  for (const [name, configs] of Object.entries(stack.provider ?? {})) {
    const list = Array.isArray(configs) ? configs : [configs];
    list.forEach((body, i) => {
      const address = `provider.${name}[${i}]`;
      const schema = schemaOf(name, address);
      if (schema) checkBody(body, schema.provider.block, { address, typeName: `provider.${name}`, meta: PROVIDER_META, accepted }, "", out);
    });
  }
  const kinds = [
    ["resource", stack.resource, "resource_schemas"],
    ["data", stack.data, "data_source_schemas"],
  ] as const;
  for (const [kind, byType, schemaKey] of kinds) {
    for (const [type, byName] of Object.entries(byType ?? {})) {
      for (const [name, body] of Object.entries(byName)) {
        const address = `${kind}.${type}.${name}`;
        const localName = typeof body.provider === "string" ? body.provider.replace(/\..*$/, "") : type.split("_")[0];
        const schema = schemaOf(localName, address);
        if (!schema) continue;
        const typeSchema = schema[schemaKey]?.[type];
        if (!typeSchema) {
          out.push({ address, path: "", kind: "unknown", message: `${kind} type ${type} does not exist in this provider version` });
          continue;
        }
        checkBody(body, typeSchema.block, { address, typeName: type, meta: RESOURCE_META, accepted }, "", out);
      }
    }
  }
  return out;
}
