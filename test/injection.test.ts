import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { parse as parseYaml } from "yaml";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { formatPath } from "../modules/core/errors";
import { literalText, terraformLiteral } from "../modules/core/literal-text";
import { problemsOf } from "../modules/core/validate";
import { viewStatement } from "../modules/snowflake/semi-structured-table/sql";
import { literal } from "../modules/snowflake/sql";
import { buildLakehouse } from "../stacks/synth/build";
import { lakehouseJsonSchema } from "../stacks/config/json-schema";
import { LakehouseConfig, lakehouseConfigSchema } from "../stacks/config/schema";
import { synthJson, testStack } from "./support/synth";
import { TemplatePart, scanTemplate, snowflakeCode, templateText, terraformEvaluate, terraformVersion } from "./support/terraform-template";

/**
 * No config string is evaluated by Terraform or escapes its SQL literal (docs/config-strings.md).
 * Every string field is found in the config's JSON Schema (generated from the zod schema), given
 * hostile values, and the config is either refused naming that field or synthesized; then every
 * string of every stack is read as Terraform reads it: by a template scanner written from the HCL
 * spec and, when `terraform` is on PATH, by Terraform itself (a configuration of outputs, no
 * providers). INJECTION_DEBUG=1 prints which fields took which values.
 */

const ROOT = join(__dirname, "..");
const BASES = ["examples/default/lakehouse.yaml", "test/fixtures/config/every-field.yaml"].map((file) => ({
  file,
  input: parseYaml(readFileSync(join(ROOT, file), "utf8")) as unknown,
}));

// ---- the string fields, from the schema ----------------------------------------------------------

/** A step into the config: a property, any element of an array, any value of a map, any key of a map. */
type Step = { readonly prop: string } | { readonly item: true } | { readonly value: true } | { readonly key: true };

interface Slot {
  /** `tenants[].sources[].views{key}` */
  readonly name: string;
  readonly steps: readonly Step[];
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  enum?: unknown[];
  const?: unknown;
  $defs?: Record<string, JsonSchema>;
};

function slotName(steps: readonly Step[]): string {
  return steps.map((s, i) => ("prop" in s ? `${i === 0 ? "" : "."}${s.prop}` : "item" in s ? "[]" : "value" in s ? "{}" : "{key}")).join("");
}

function isStringSchema(s: JsonSchema): boolean {
  return (
    s.type === "string" ||
    (Array.isArray(s.type) && s.type.includes("string")) ||
    typeof s.const === "string" ||
    (s.enum?.some((v) => typeof v === "string") ?? false)
  );
}

/** Every place a string can be in a config, by walking the JSON Schema. */
function stringSlots(root: JsonSchema): Slot[] {
  const slots = new Map<string, Slot>();
  const add = (steps: Step[]) => slots.set(slotName(steps), { name: slotName(steps), steps });
  const walk = (node: JsonSchema, steps: Step[], seen: Set<JsonSchema>) => {
    if (node.$ref) {
      const target = root.$defs?.[node.$ref.replace(/^#\/\$defs\//, "")];
      if (!target) throw new Error(`unresolved $ref ${node.$ref}`);
      if (!seen.has(target)) walk(target, steps, new Set([...seen, target]));
    }
    for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) walk(branch, steps, seen);
    if (isStringSchema(node)) add(steps);
    for (const [prop, child] of Object.entries(node.properties ?? {})) walk(child, [...steps, { prop }], seen);
    if (typeof node.additionalProperties === "object") walk(node.additionalProperties, [...steps, { value: true }], seen);
    if (node.propertyNames && isStringSchema(node.propertyNames)) add([...steps, { key: true }]);
    if (node.items) walk(node.items, [...steps, { item: true }], seen);
  };
  walk(root, [], new Set());
  return [...slots.values()];
}

type Path = (string | number)[];

/** Where `slot` holds a string in `config`: concrete paths (for a map key, the path ends in the key). */
function locations(config: unknown, steps: readonly Step[], at: Path = []): Path[] {
  if (steps.length === 0) return typeof config === "string" ? [at] : [];
  const [step, ...rest] = steps;
  if (typeof config !== "object" || config === null) return [];
  const obj = config as Record<string, unknown>;
  if ("prop" in step) return step.prop in obj ? locations(obj[step.prop], rest, [...at, step.prop]) : [];
  if ("item" in step) return Array.isArray(config) ? config.flatMap((v, i) => locations(v, rest, [...at, i])) : [];
  if (Array.isArray(config)) return [];
  if ("key" in step) return rest.length === 0 ? Object.keys(obj).map((k) => [...at, k]) : [];
  return Object.keys(obj).flatMap((k) => locations(obj[k], rest, [...at, k]));
}

function valueAt(config: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, p) => (v as Record<string | number, unknown>)[p], config);
}

/** `config` with the string at `path` replaced by `value`, or (`key`) the map key at `path` renamed to it. */
function withString(config: unknown, path: Path, value: string, key: boolean): unknown {
  const copy = structuredClone(config);
  const parent = valueAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (!key) {
    parent[last] = value;
    return copy;
  }
  const renamed = Object.fromEntries(Object.entries(parent).map(([k, v]) => [k === last ? value : k, v]));
  const grand = valueAt(copy, path.slice(0, -2)) as Record<string | number, unknown>;
  grand[path[path.length - 2]] = renamed;
  return copy;
}

// ---- hostile values ------------------------------------------------------------------------------

/** Text that must stay text, in groups tried together first. `pwned` marks what must never become SQL code. */
const TEMPLATE_PAYLOADS = ['${file("/etc/passwd")}', "${path.cwd}", "%{ for x in y }z%{ endfor }", "%{endfor}"];
const SQL_PAYLOADS = [
  "'; DROP TABLE pwned; --",
  "\\' '; DROP TABLE pwned; --",
  "$$'$$; DROP TABLE pwned; SELECT $$'$$",
  "x // '\n; DROP TABLE pwned; --'",
  'say "hi" \\ back\\slash\nnew line',
];
/** A forged cdktf token marker: refused everywhere (cdktf would resolve it). */
const TOKEN_PAYLOAD = "${TfToken[TOKEN.1]}";
const PAYLOADS = [...TEMPLATE_PAYLOADS, ...SQL_PAYLOADS, TOKEN_PAYLOAD];

/** How a payload goes into a field: alone, or inside a valid value the way each kind of field allows text. */
const EMBEDDINGS: readonly { readonly name: string; readonly make: (valid: string, payload: string) => string }[] = [
  { name: "alone", make: (_, p) => p },
  { name: "appended", make: (v, p) => `${v}${p}` },
  { name: "prepended", make: (v, p) => `${p}${v}` },
  { name: "as a quoted JSON path element", make: (v, p) => `${v}."${p}"` },
  { name: "as a SQL string literal in a select list", make: (v, p) => `${v}, '${p}' AS injected` },
];

interface Mutation {
  readonly slot: string;
  readonly base: number;
  readonly path: Path;
  readonly key: boolean;
  readonly value: string;
  readonly what: string;
}

type Outcome = { readonly config: LakehouseConfig } | { readonly problems: readonly { path: string; message: string }[] };

/** The config, or its problems by path (the schema's own parse: `parseConfig` without its second pass for messages). */
function parse(input: unknown): Outcome {
  const result = lakehouseConfigSchema.safeParse(input);
  return result.success ? { config: result.data } : { problems: problemsOf(result.error) };
}

// ---- reading synthesized JSON as Terraform does --------------------------------------------------

type Json = Record<string, unknown>;

/** Meta-arguments Terraform reads as references, not templates (`//` it ignores). */
const NOT_TEMPLATES = new Set(["//", "depends_on", "lifecycle", "provider", "alias"]);

/** Every string of the blocks Terraform evaluates, with its JSON path; `template` false for meta-arguments. */
function templateStrings(stack: Json): { path: string; value: string; template: boolean }[] {
  const out: { path: string; value: string; template: boolean }[] = [];
  const walk = (v: unknown, path: string, template = true) => {
    if (typeof v === "string") out.push({ path, value: v, template });
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, template));
    else if (typeof v === "object" && v !== null)
      for (const [k, x] of Object.entries(v)) if (k !== "//") walk(x, `${path}.${k}`, template && !NOT_TEMPLATES.has(k));
  };
  for (const block of ["resource", "data"] as const)
    for (const [type, byName] of Object.entries((stack[block] ?? {}) as Record<string, Json>))
      for (const [name, body] of Object.entries(byName)) walk(body, `${block === "data" ? "data." : ""}${type}.${name}`);
  for (const [type, configs] of Object.entries((stack.provider ?? {}) as Record<string, unknown[]>)) walk(configs, `provider.${type}`);
  for (const [name, output] of Object.entries((stack.output ?? {}) as Record<string, Json>)) walk(output.value, `output.${name}`);
  walk(stack.locals, "locals");
  return out;
}

const REFERENCE = /^(?:(data)\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/;

/** Whether an interpolation is a reference to a resource or data source this stack declares. */
function ownReference(stack: Json, expression: string): boolean {
  const m = REFERENCE.exec(expression);
  if (!m) return false;
  const [, data, type, name] = m;
  return Boolean(((stack[data ? "data" : "resource"] ?? {}) as Record<string, Json>)[type]?.[name]);
}

/** A quoted HCL string with nothing Terraform would evaluate in it, or a list of them. */
const PLAIN_STRING = String.raw`"(?:[^"\\$%]|\\.)*"`;
const PLAIN_LITERAL = new RegExp(String.raw`^(?:${PLAIN_STRING}|\[\s*(?:${PLAIN_STRING}(?:\s*,\s*${PLAIN_STRING})*)?\s*\])$`);

/**
 * The expressions the stacks write besides references (the read-only plan switch of issue 16, item 8):
 * a conditional on a variable the stack declares choosing between plain literals (role ARNs the config
 * validated), and inside a provider's `dynamic "assume_role"` block its iterator's value.
 */
function ownExpression(stack: Json, expression: string, path: string): boolean {
  if (ownReference(stack, expression)) return true;
  if (expression === "assume_role.value") return /^provider\.aws\[\d+\]\.dynamic\.assume_role\.content\.role_arn$/.test(path);
  const m = /^var\.([a-z_][a-z0-9_]*) \? (.+) : (.+)$/.exec(expression);
  return m !== null && Boolean(((stack.variable ?? {}) as Record<string, unknown>)[m[1]]) && PLAIN_LITERAL.test(m[2]) && PLAIN_LITERAL.test(m[3]);
}

/** Attributes whose text Snowflake runs as SQL (anything else the provider quotes as a literal). */
const SQL_ATTRIBUTES: Record<string, readonly string[]> = {
  snowflake_view: ["statement"],
  snowflake_task: ["sql_statement"],
  snowflake_execute: ["execute", "revert", "query"],
  snowflake_pipe: ["copy_statement"],
  snowflake_alert: ["condition", "action"],
  snowflake_table: ["cluster_by"],
};

function isSqlPath(path: string): boolean {
  const [type, , attribute] = path.split(".");
  return SQL_ATTRIBUTES[type]?.includes(attribute.replace(/\[\d+\]$/, "")) ?? false;
}

function synthesize(config: LakehouseConfig): { name: string; json: Json }[] {
  const app = Testing.app();
  const { platform, tenants } = buildLakehouse(app, config);
  return [...platform, ...tenants].map((s) => ({ name: s.node.id, json: JSON.parse(Testing.synth(s)) as Json }));
}

/**
 * What is wrong with one synthesized stack: templates Terraform would evaluate beyond our own
 * references, invalid resource names, hostile text that became SQL code. Templates with hostile
 * text are added to `forTerraform` (the key names the string) for the check against Terraform.
 */
const HOSTILE = /passwd|path\.cwd|endfor|TfToken|pwned/;

function stackProblems(name: string, stack: Json, forTerraform: Map<string, { template: string; expected: string }>, run: number): string[] {
  const problems: string[] = [];
  for (const [type, byName] of Object.entries((stack.resource ?? {}) as Record<string, Json>))
    for (const resourceName of Object.keys(byName))
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(resourceName)) problems.push(`${name}: ${type}.${resourceName} is not a valid resource name`);
  for (const { path, value, template: isTemplate } of templateStrings(stack)) {
    const where = `${name}: ${path}`;
    if (!isTemplate) {
      if (HOSTILE.test(value)) problems.push(`${where}: config text in a meta-argument Terraform reads as an address: ${JSON.stringify(value)}`);
      continue;
    }
    const scanned = scanTemplate(value);
    if ("error" in scanned) {
      problems.push(`${where}: Terraform cannot parse it (${scanned.error}): ${JSON.stringify(value)}`);
      continue;
    }
    const parts: readonly TemplatePart[] = scanned.parts;
    for (const p of parts) {
      if (p.kind === "directive") problems.push(`${where}: Terraform runs the directive %{${p.expression}}`);
      if (p.kind === "interpolation" && !ownExpression(stack, p.expression, path)) problems.push(`${where}: Terraform evaluates \${${p.expression}}`);
    }
    const text = templateText(parts, () => "REF");
    if (/pwned/.test(text) && isSqlPath(path)) {
      const lexed = snowflakeCode(path.includes(".cluster_by") ? `CLUSTER BY (${text})` : text);
      if ("error" in lexed) problems.push(`${where}: the SQL does not lex (${lexed.error}): ${JSON.stringify(text)}`);
      else if (/pwned/.test(lexed.code)) problems.push(`${where}: config text left its SQL literal: ${JSON.stringify(text)}`);
    }
    if (/[$%]\{/.test(value) && HOSTILE.test(value)) {
      // Terraform gets the string as synthesized, with our own references pointed at a local.
      const template = parts
        .map((p) => (p.kind === "interpolation" && ownExpression(stack, p.expression, path) ? "${local.ref}" : value.slice(p.start, p.end)))
        .join("");
      forTerraform.set(`synth ${run}, ${where}`, { template, expected: text });
    }
  }
  return problems;
}

// ---- the tests -----------------------------------------------------------------------------------

const SLOTS = stringSlots(lakehouseJsonSchema() as JsonSchema);

describe("config strings reaching Terraform", () => {
  test("the schema walk finds the free-text fields, and every string field is set by a base config", () => {
    const names = SLOTS.map((s) => s.name);
    // A sanity floor, not the list: the walk must reach nested arrays, maps and unions.
    for (const expected of [
      "tenants[].displayName",
      "tenants[].sources[].views{}",
      "tenants[].sources[].views{key}",
      "environments[].alertDelivery.sns.subscriptions[].endpoint",
      "environments[].backend.directory",
      "environments[].backend.bucket",
    ])
      expect(names).toContain(expected);
    const uncovered = SLOTS.filter((slot) => BASES.every((b) => locations(b.input, slot.steps).length === 0)).map((s) => s.name);
    expect(uncovered).toEqual([]);
  });

  test("a hostile value in any string field is refused naming the field, or stays literal text in every stack", () => {
    const failures: string[] = [];
    const accepted: Mutation[] = [];
    let refused = 0;
    for (const slot of SLOTS) {
      const base = BASES.findIndex((b) => locations(b.input, slot.steps).length > 0);
      const key = "key" in slot.steps[slot.steps.length - 1];
      // What a value may be can depend on its neighbours (an endpoint on its protocol): each payload is
      // tried in up to two places of the field, starting one further each time, so accepted payloads
      // spread over the field's places and more of them are synthesized in one config.
      const paths = locations(BASES[base].input, slot.steps);
      let turn = 0;
      const tryPayload = (payload: string): boolean => {
        const start = turn++;
        for (let n = 0; n < Math.min(2, paths.length); n++) {
          const path = paths[(start + n) % paths.length];
          const valid = key ? String(path[path.length - 1]) : (valueAt(BASES[base].input, path) as string);
          for (const embedding of EMBEDDINGS) {
            const value = embedding.make(valid, payload);
            const outcome = parse(withString(BASES[base].input, path, value, key));
            const field = formatPath(key ? [...path.slice(0, -1), value] : path);
            if ("config" in outcome) {
              accepted.push({ slot: slot.name, base, path, key, value, what: `${field} ${embedding.name}: ${JSON.stringify(value)}` });
              return true; // a field that takes the payload one way needs no other
            }
            refused++;
            if (!outcome.problems.some((p) => p.path === field || p.path.startsWith(`${field}.`) || p.path.startsWith(`${field}[`)))
              failures.push(
                `${field} = ${JSON.stringify(value)} was refused, but not at ${field}: ${outcome.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
              );
          }
        }
        return false;
      };
      // A field that takes a whole group at once needs no payload of it alone.
      for (const group of [TEMPLATE_PAYLOADS, SQL_PAYLOADS]) if (!tryPayload(group.join(" "))) group.forEach(tryPayload);
      if (tryPayload(TOKEN_PAYLOAD)) failures.push(`${slot.name} takes a forged cdktf token marker`);
    }

    // Accepted values are synthesized together where they fit in one config (one per field per round).
    const forTerraform = new Map<string, { template: string; expected: string }>();
    const rounds: Mutation[][] = [];
    for (const m of accepted) {
      const free = rounds.find((r) => r[0].base === m.base && r.every((o) => formatPath(o.path) !== formatPath(m.path)));
      if (free) free.push(m);
      else rounds.push([m]);
    }
    const alone = (m: Mutation) => ({
      config: (parse(withString(BASES[m.base].input, m.path, m.value, m.key)) as { config: LakehouseConfig }).config,
      what: [m.what],
    });
    let run = 0;
    const check = ({ config, what }: { config: LakehouseConfig; what: string[] }, fallback: () => { config: LakehouseConfig; what: string[] }[]) => {
      run++;
      let stacks: { name: string; json: Json }[];
      try {
        stacks = synthesize(config);
      } catch (e) {
        if (what.length > 1) fallback().forEach((c) => check(c, () => []));
        else failures.push(`accepted by the config schema but refused at synth (${what[0]}): ${(e as Error).message}`);
        return;
      }
      for (const { name, json } of stacks)
        failures.push(...stackProblems(name, json, forTerraform, run).map((p) => `${p}\n    with ${what.join("\n    or ")}`));
    };
    const started = Date.now();
    for (const round of rounds) {
      const together = parse(round.reduce((c, m) => withString(c, m.path, m.value, m.key), BASES[round[0].base].input));
      if ("config" in together) check({ config: together.config, what: round.map((m) => m.what) }, () => round.map(alone));
      else round.map(alone).forEach((c) => check(c, () => []));
    }

    // Read by Terraform itself: each string with hostile text evaluates to exactly its literal text.
    if (terraformVersion() !== undefined && forTerraform.size > 0) {
      const values = terraformEvaluate(new Map([...forTerraform].map(([k, v]) => [k, v.template])));
      for (const [where, { expected }] of forTerraform) {
        const read = values.get(where);
        if (read && "error" in read) failures.push(`${where}: Terraform refuses it (${read.error}): ${JSON.stringify(forTerraform.get(where)!.template)}`);
        else if (read?.value !== expected)
          failures.push(`${where}: Terraform reads ${JSON.stringify(read?.value)}, not the literal ${JSON.stringify(expected)}`);
      }
    }

    if (process.env.INJECTION_DEBUG)
      console.log(
        `${accepted.length} accepted in ${rounds.length} rounds (${Date.now() - started} ms), ${refused} refused\n${accepted.map((m) => m.what).join("\n")}`,
      );
    expect(failures).toEqual([]);
    // The walk did real work: fields refused values and others took them into the synthesized JSON.
    expect(refused).toBeGreaterThan(SLOTS.length);
    expect(accepted.map((m) => m.slot)).toEqual(
      expect.arrayContaining(["tenants[].displayName", "tenants[].sources[].views{}", "environments[].alertDelivery.sns.subscriptions[].endpoint"]),
    );
    expect(forTerraform.size).toBeGreaterThan(0);
  }, 600_000);

  test('the reproduction: a displayName ending in ${jsonencode("PWN")} reaches the schema comment as text, and Terraform reads it so', () => {
    const input = withString(BASES[0].input, ["tenants", 0, "displayName"], 'Globex ${jsonencode("PWN")}', false);
    const globex = synthesize((parse(input) as { config: LakehouseConfig }).config).find((s) => s.name === "tenant-globex-prod")!.json;
    const comment = ((globex.resource as Record<string, Json>).snowflake_schema.TenantSchema as { comment: string }).comment;
    expect(comment).toMatch(/^Log tables of tenant Globex \$\$\{jsonencode\("PWN"\)\} \[stacks\/tenant@/);
    if (terraformVersion() !== undefined)
      expect(terraformEvaluate(new Map([["comment", comment]])).get("comment")).toEqual({
        value: expect.stringMatching(/^Log tables of tenant Globex \$\{jsonencode\("PWN"\)\} \[/),
      });
  });
});

describe("text Terraform does not read as a template", () => {
  test("a local backend's directory refuses ${ and %{: Terraform reads it as written, OpenTofu evaluates it", () => {
    const at = ["environments", 1, "backend", "directory"];
    for (const directory of ["state/${path.cwd}", "state/%{ if true }x%{ endif }"]) {
      const outcome = parse(withString(BASES[1].input, at, directory, false));
      expect("problems" in outcome && outcome.problems).toEqual([expect.objectContaining({ path: "environments[1].backend.directory" })]);
    }
    expect("config" in parse(withString(BASES[1].input, at, "state/$HOME 100% {x}", false))).toBe(true);
  });
});

describe("LiteralText (modules/core/literal-text.ts)", () => {
  test("text is escaped and cdktf tokens are kept, in a stack that registers it twice", () => {
    const stack = testStack();
    const queue = new SqsQueue(stack, "Queue", {});
    const topic = new SnsTopic(stack, "Topic", { name: "t", displayName: `text \${file("x")} %{ if y }${queue.arn}$` });
    literalText(stack);
    literalText(stack); // a stack and its modules each register it: escaped once
    const json = synthJson(stack) as unknown as { resource: Record<string, Record<string, { display_name?: string }>> };
    expect(json.resource.aws_sns_topic[topic.friendlyUniqueId].display_name).toBe(
      `text $\${file("x")} %%{ if y }\${aws_sqs_queue.${queue.friendlyUniqueId}.arn}$`,
    );
  });

  test("a token marker cdktf does not know fails the synth (so the config refuses text that spells one)", () => {
    const stack = testStack();
    new SnsTopic(stack, "Topic", { name: "t", displayName: "${TfToken[TOKEN.999999]}" });
    literalText(stack);
    expect(() => synthJson(stack)).toThrow(/Unrecognized Token Key 'TOKEN.999999'/);
  });

  test("terraformLiteral doubles only the two template openers", () => {
    expect(terraformLiteral("a ${b} %{c} $d %e {f} $${g}")).toBe("a $${b} %%{c} $d %e {f} $$${g}");
  });
});

describe("config strings reaching SQL", () => {
  /** The text of a Snowflake single-quoted literal that spans all of `sql`, or none. */
  function decodeLiteral(sql: string): string | undefined {
    if (!sql.startsWith("'")) return undefined;
    let out = "";
    for (let i = 1; i < sql.length; i++) {
      const c = sql[i];
      if (c === "\\") out += sql[++i];
      else if (c === "'" && sql[i + 1] === "'") out += sql[++i];
      else if (c === "'") return i === sql.length - 1 ? out : undefined;
      else out += c;
    }
    return undefined;
  }

  test.each(PAYLOADS.map((p) => [p]))("literal() keeps %j inside one string literal", (payload) => {
    expect(decodeLiteral(literal(payload))).toBe(payload);
  });

  /** Problems of the default example with `value` at `path` (none: accepted). */
  function problemsWith(path: Path, value: string): { path: string; message: string }[] {
    const outcome = parse(withString(BASES[0].input, path, value, false));
    return "problems" in outcome ? [...outcome.problems] : [];
  }

  const VIEW: Path = ["tenants", 1, "sources", 0, "views", "OKTA_EVENTS"];

  // Each looks balanced to a reader that ignores backslash escapes, $$ strings or // comments, and
  // ends its string in Snowflake: the DROP would run as a statement of its own.
  test.each([
    ["a backslash-escaped quote", "data:a::string = '\\' '; DROP TABLE pwned; --'"],
    ["a $$ string", "$$'$$; DROP TABLE pwned; SELECT $$'$$"],
    ["a // comment", "data:a // '\n; DROP TABLE pwned; --'"],
  ])("a view whose SQL leaves its string through %s is refused at its path", (_, view) => {
    const lexed = snowflakeCode(viewStatement(view, "T"));
    expect("code" in lexed && /pwned/.test(lexed.code)).toBe(true); // Snowflake would read DROP TABLE pwned as code
    expect(problemsWith(VIEW, view)).toEqual([expect.objectContaining({ path: formatPath(VIEW) })]);
  });

  test("text inside quotes, $$ strings and quoted identifiers stays allowed in a view", () => {
    expect(problemsWith(VIEW, "data:a::string AS a, 'it''s \\\\' AS b, $$x ; -- y$$ AS c, data:\"we;ird--\"::string AS d")).toEqual([]);
  });

  const CLUSTERING_KEY: Path = ["tenants", 2, "sources", 0, "clusteringKeys", 0];
  test.each([
    ["a ')' that closes CLUSTER BY", "TO_DATE(EVENT_TIME)) COMMENT = (x"],
    ["a comment", "TO_DATE(EVENT_TIME) -- x"],
    ["an unclosed $$ string", "$$x"],
  ])("a clustering key with %s is refused at its path", (_, key) => {
    expect(problemsWith(CLUSTERING_KEY, key)).toEqual([expect.objectContaining({ path: formatPath(CLUSTERING_KEY) })]);
  });

  test("a schedule is cron fields and a time zone, nothing else", () => {
    const schedule: Path = ["defaults", "canary", "schedule"];
    expect(problemsWith(schedule, "${path.cwd} * * * * UTC")).toEqual([expect.objectContaining({ path: "defaults.canary.schedule" })]);
    expect(problemsWith(schedule, "0 3 * * MON-FRI Europe/Berlin")).toEqual([]);
  });
});
