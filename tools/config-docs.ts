/**
 * The generated references of the docs: the configuration reference in docs/configuration.md, from the
 * config's JSON Schema (itself generated from the zod schema, descriptions included), and the stack
 * outputs in docs/outputs.md, from the output catalogs (stacks/outputs.ts), each between
 *
 *   <!-- name -->  …one table row per key or output…  <!-- /name -->
 *
 * `node dist/tools/config-docs.js` rewrites them; `--check` exits 1 if one is stale (a test runs it).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../modules/core/package-root";
import { lakehouseJsonSchema } from "../stacks/config/json-schema";
import { PLATFORM_OUTPUTS, TENANT_OUTPUTS } from "../stacks/outputs";

interface Node {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  additionalProperties?: Node | boolean;
  anyOf?: Node[];
  oneOf?: Node[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  default?: unknown;
}

const alternatives = (n: Node): Node[] => [...(n.anyOf ?? []), ...(n.oneOf ?? [])];

/** A short type for the table: enum values, element types, `object`. */
function typeOf(n: Node): string {
  if (n.const !== undefined) return JSON.stringify(n.const);
  if (n.enum) return n.enum.length <= 8 ? n.enum.map((v) => JSON.stringify(v)).join(" \\| ") : `one of ${n.enum.length} values`;
  const alts = alternatives(n);
  if (alts.length > 0) return [...new Set(alts.map(typeOf))].join(" \\| ");
  if (n.type === "array") return `${n.items ? typeOf(n.items) : "value"}[]`;
  if (n.type === "object" && typeof n.additionalProperties === "object" && !n.properties) return `map of ${typeOf(n.additionalProperties)}`;
  // zod writes an integer's implicit bound (2^53 - 1) as `maximum`: no bound a reader set.
  const max = n.maximum !== undefined && n.maximum < Number.MAX_SAFE_INTEGER ? n.maximum : undefined;
  const lower = n.minimum !== undefined ? `≥ ${n.minimum}` : n.exclusiveMinimum !== undefined ? `> ${n.exclusiveMinimum}` : undefined;
  const bounds =
    n.minimum !== undefined && max !== undefined ? `${n.minimum}–${max}` : [lower, max !== undefined ? `≤ ${max}` : undefined].filter(Boolean).join(", ");
  return `${Array.isArray(n.type) ? n.type.join(" \\| ") : (n.type ?? "value")}${bounds ? ` (${bounds})` : ""}`;
}

/**
 * The first sentence of a description: the table stays within the page's budget, the whole text is in
 * the JSON Schema (editors show it). A sentence ends at a period and a space, not at "e.g." or "i.e.".
 */
function firstSentence(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .trim()
    .split(/(?<=(?<!\be\.g|\bi\.e)\.) /)[0];
}

/** One row per key, depth first, its path written as in error messages (`tenants[].sources[].name`). */
function rows(n: Node, path: string, required: boolean, out: string[]): void {
  if (path) {
    // `<stack>` and the like are placeholders, not HTML: escaped, or a Markdown renderer drops them.
    const text = firstSentence(n.description ?? alternatives(n).find((a) => a.description)?.description ?? "")
      .replace(/\|/g, "\\|")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;");
    out.push(`| \`${path}\` | ${typeOf(n)} | ${required ? "yes" : "no"} | ${text} |`);
  }
  const objects = [n, ...alternatives(n)].flatMap((x) => (x.type === "array" && x.items ? [x.items, ...alternatives(x.items)] : [x]));
  const seen = new Set<string>();
  for (const o of objects) {
    const element = o !== n && n.type === "array" ? `${path}[]` : path;
    for (const [key, child] of Object.entries(o.properties ?? {})) {
      const childPath = element ? `${element}.${key}` : key;
      if (seen.has(childPath)) continue;
      seen.add(childPath);
      rows(child, childPath, (o.required ?? []).includes(key), out);
    }
  }
}

/** The reference table, from the schema as it is now. */
export function configReference(): string {
  const out = ["| key | type | required | what |", "| --- | --- | --- | --- |"];
  rows(lakehouseJsonSchema() as Node, "", true, out);
  return out.join("\n");
}

/** The outputs of each stack kind, one row per output. */
export function outputsReference(): string {
  const out = ["| stack | output | what |", "| --- | --- | --- |"];
  for (const [stack, catalog] of [
    ["`platform-<env>`", PLATFORM_OUTPUTS],
    ["`tenant-<tenant>-<env>`", TENANT_OUTPUTS],
  ] as const) {
    for (const [name, what] of Object.entries(catalog)) out.push(`| ${stack} | \`${name}\` | ${what.replace(/\|/g, "\\|")} |`);
  }
  return out.join("\n");
}

/** Each generated block: its page, its marker name, and its content as the code is now. */
const BLOCKS = [
  { page: join("docs", "configuration.md"), name: "config-reference", content: configReference },
  { page: join("docs", "outputs.md"), name: "stack-outputs", content: outputsReference },
];

/** Rewrites (or, with `check`, compares) every generated block; the pages that were stale. */
export function syncGeneratedReferences(root: string, check: boolean): string[] {
  const stale: string[] = [];
  for (const block of BLOCKS) {
    const file = join(root, block.page);
    const text = readFileSync(file, "utf8");
    const re = new RegExp(`(<!-- ${block.name} -->\\n)[\\s\\S]*?(<!-- \\/${block.name} -->)`);
    if (!re.test(text)) throw new Error(`${block.page} has no <!-- ${block.name} --> block`);
    const next = text.replace(re, (_m, open: string, close: string) => `${open}${block.content()}\n${close}`);
    if (next === text) continue;
    stale.push(block.page);
    if (!check) writeFileSync(file, next);
  }
  return stale;
}

if (require.main === module) {
  const check = process.argv.includes("--check");
  const stale = syncGeneratedReferences(packageRoot(), check);
  if (check && stale.length > 0) {
    console.error(`${stale.join(", ")}: the generated reference is stale (run npm run docs)`);
    process.exitCode = 1;
  } else
    console.log(check ? "the generated references are current" : stale.length > 0 ? `rewrote ${stale.join(", ")}` : "the generated references were current");
}
