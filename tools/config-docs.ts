/**
 * The configuration reference in docs/configuration.md, generated from the config's JSON Schema (itself
 * generated from the zod schema, descriptions included), between
 *
 *   <!-- config-reference -->  …one table row per key…  <!-- /config-reference -->
 *
 * `node dist/tools/config-docs.js` rewrites it; `--check` exits 1 if it is stale (a test runs it).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../cli/package-root";
import { lakehouseJsonSchema } from "../stacks/config/json-schema";

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
  const range = n.minimum !== undefined || n.maximum !== undefined ? ` (${n.minimum ?? ""}–${n.maximum ?? ""})` : "";
  return `${Array.isArray(n.type) ? n.type.join(" \\| ") : (n.type ?? "value")}${range}`;
}

/** One row per key, depth first, its path written as in error messages (`tenants[].sources[].name`). */
function rows(n: Node, path: string, required: boolean, out: string[]): void {
  if (path) {
    const text = (n.description ?? alternatives(n).find((a) => a.description)?.description ?? "").replace(/\s+/g, " ").replace(/\|/g, "\\|");
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

const PAGE = join("docs", "configuration.md");
const BLOCK = /(<!-- config-reference -->\n)[\s\S]*?(<!-- \/config-reference -->)/;

/** Rewrites (or, with `check`, compares) the reference; true when it was stale. */
export function syncConfigReference(root: string, check: boolean): boolean {
  const file = join(root, PAGE);
  const text = readFileSync(file, "utf8");
  if (!BLOCK.test(text)) throw new Error(`${PAGE} has no <!-- config-reference --> block`);
  const next = text.replace(BLOCK, (_m, open: string, close: string) => `${open}${configReference()}\n${close}`);
  if (!check && next !== text) writeFileSync(file, next);
  return next !== text;
}

if (require.main === module) {
  const check = process.argv.includes("--check");
  const stale = syncConfigReference(packageRoot(), check);
  if (check && stale) {
    console.error(`${PAGE}: the configuration reference is stale (run npm run docs)`);
    process.exitCode = 1;
  } else console.log(check ? "the configuration reference is current" : stale ? `rewrote ${PAGE}` : `${PAGE} was current`);
}
