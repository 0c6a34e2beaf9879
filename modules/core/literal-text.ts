import { Aspects, IAspect, TerraformDataSource, TerraformElement, TerraformProvider, TerraformResource } from "cdktf";
import { IConstruct } from "constructs";

/**
 * Text as Terraform must read it literally. Terraform reads every string of a resource, data source
 * or provider as a template: `${…}` is evaluated and `%{…}` runs a directive, so config text such as
 * a tenant's display name ending in `${file("…")}` would be read at plan time. Doubled, `$${` and
 * `%%{` are the literal text `${` and `%{` (HCL template escapes); nothing else is special (backslashes
 * and quotes are the JSON syntax's, which the synthesized JSON already encodes).
 */
export function terraformLiteral(text: string): string {
  return text.replace(/([$%])\{/g, "$1$1{");
}

/** cdktf's marker of a string token (`Token.asString`), `${TfToken[TOKEN.<n>]}` until resolved. */
const TOKEN_MARKER = /\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}/g;

/**
 * A string as synthesized: its text escaped with `terraformLiteral`, the cdktf tokens in it (each a
 * `${TfToken[…]}` marker until cdktf resolves it into a reference) kept. Must run before the tokens
 * are resolved: afterwards a reference and a config string's `${…}` look the same. cdktf resolves
 * every marker (one it does not know fails the synth), so text can never spell one: the config
 * refuses it (stacks/config/schema.ts).
 */
export function literalTokenString(s: string): string {
  if (!/[$%]\{/.test(s)) return s;
  let out = "";
  let last = 0;
  for (const m of s.matchAll(TOKEN_MARKER)) {
    out += terraformLiteral(s.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + terraformLiteral(s.slice(last));
}

/**
 * Every string in a synthesized block through `literalTokenString`, in plain objects and arrays;
 * `//` (metadata, ignored by Terraform) and anything else (tokens, objects cdktf resolves itself)
 * are left as they are.
 */
function literalStrings(value: unknown): unknown {
  if (typeof value === "string") return literalTokenString(value);
  if (Array.isArray(value)) return value.map(literalStrings);
  if (typeof value === "object" && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "//" ? v : literalStrings(v)]));
  }
  return value;
}

/** The blocks of an element's JSON that Terraform evaluates as templates (not `terraform`, `moved`, `import`). */
const TEMPLATE_BLOCKS = ["resource", "data", "provider"] as const;

const escaped = new WeakSet<TerraformElement>();

/**
 * Makes every string a resource, data source or provider synthesizes literal text for Terraform
 * (`terraformLiteral`), keeping the cdktf tokens in it: whatever a module writes, from config or
 * props, is never evaluated as a template. References, functions and iterators are tokens, and stay
 * expressions. Applied to each element once, however many scopes register the aspect; it rewrites
 * the element's JSON as cdktf asks for it (`toTerraform`), before cdktf resolves the tokens.
 * Backend settings and variable or output descriptions are not templates and are not touched.
 * HCL output (`hclOutput`) is not covered: this library synthesizes JSON.
 */
export class LiteralText implements IAspect {
  visit(node: IConstruct): void {
    if (!(TerraformResource.isTerraformResource(node) || TerraformDataSource.isTerraformDataSource(node) || TerraformProvider.isTerraformProvider(node)))
      return;
    if (escaped.has(node)) return;
    escaped.add(node);
    const toTerraform = node.toTerraform.bind(node);
    node.toTerraform = () => {
      const json = toTerraform() as Record<string, unknown>;
      return Object.fromEntries(
        Object.entries(json).map(([block, body]) => [block, (TEMPLATE_BLOCKS as readonly string[]).includes(block) ? literalStrings(body) : body]),
      );
    };
  }
}

const LITERAL_TEXT = new LiteralText();

/** Registers `LiteralText` on a scope: everything synthesized under it is literal text for Terraform. */
export function literalText(scope: IConstruct): void {
  if (!Aspects.of(scope).all.includes(LITERAL_TEXT)) Aspects.of(scope).add(LITERAL_TEXT);
}
