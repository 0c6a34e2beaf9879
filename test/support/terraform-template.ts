import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * How Terraform reads a string of the JSON syntax: as a template, where `${…}` is an interpolation,
 * `%{…}` a directive, and `$${` / `%%{` the literal text `${` / `%{` (HCL's template escapes; the
 * JSON syntax decodes its own escapes first, so backslashes are literal). Written from the HCL spec,
 * independent of the code under test; `terraformEvaluate` checks it against Terraform itself.
 */
export type TemplatePart =
  | { readonly kind: "literal"; readonly text: string; readonly start: number; readonly end: number }
  | { readonly kind: "interpolation" | "directive"; readonly expression: string; readonly start: number; readonly end: number };

export function scanTemplate(s: string): { parts: TemplatePart[] } | { error: string } {
  const parts: TemplatePart[] = [];
  let text = "";
  let start = 0;
  const flush = (end: number) => {
    if (text !== "") parts.push({ kind: "literal", text, start, end });
    text = "";
  };
  let i = 0;
  while (i < s.length) {
    if (s.startsWith("$${", i) || s.startsWith("%%{", i)) {
      text += `${s[i]}{`;
      i += 3;
      continue;
    }
    if (s.startsWith("${", i) || s.startsWith("%{", i)) {
      flush(i);
      const close = closingBrace(s, i + 2);
      if (close < 0) return { error: `unterminated ${s.slice(i, i + 2)} at ${i}` };
      parts.push({ kind: s[i] === "$" ? "interpolation" : "directive", expression: s.slice(i + 2, close).trim(), start: i, end: close + 1 });
      i = close + 1;
      start = i;
      continue;
    }
    text += s[i];
    i++;
  }
  flush(s.length);
  return { parts };
}

/** Index of the `}` closing an expression that starts at `from`, minding nested braces and quoted strings. */
function closingBrace(s: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === "\\") i++;
    } else if (c === "{") depth++;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** The literal text of a scanned template, each interpolation replaced by `placeholder(expression)`. */
export function templateText(parts: readonly TemplatePart[], placeholder: (expression: string) => string): string {
  return parts.map((p) => (p.kind === "literal" ? p.text : placeholder(p.expression))).join("");
}

/** Whether `terraform` is on PATH (the check against Terraform itself runs only then). */
export function terraformVersion(): string | undefined {
  const r = spawnSync("terraform", ["version", "-json"], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  return (JSON.parse(r.stdout) as { terraform_version: string }).terraform_version;
}

/**
 * Evaluates strings as Terraform does, each as the value of an output of a configuration with no
 * providers (so nothing but the template language runs): each value by its key, or Terraform's
 * error for it. `local.ref` ("REF") stands in for references to our own resources.
 */
export function terraformEvaluate(templates: ReadonlyMap<string, string>): Map<string, { value: string } | { error: string }> {
  const dir = mkdtempSync(join(tmpdir(), "tf-template-"));
  try {
    const keys = [...templates.keys()];
    const output = Object.fromEntries(keys.map((k, i) => [`t${i}`, { value: templates.get(k) }]));
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ locals: { ref: "REF" }, output }, null, 1));
    writeFileSync(join(dir, "none.tfrc"), "");
    const env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: join(dir, "none.tfrc") };
    const run = (...args: string[]) => spawnSync("terraform", [...args, "-no-color"], { cwd: dir, env, encoding: "utf8" });
    const init = run("init", "-input=false");
    if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stderr}`);
    const apply = run("apply", "-auto-approve", "-input=false");
    if (apply.status !== 0) {
      // Terraform refuses the whole configuration: give each refused output its error summary.
      const errors = new Map<string, { error: string }>();
      for (const block of apply.stderr.split(/(?=^Error: )/m)) {
        const output = /in output\.t(\d+):/.exec(block);
        if (output) errors.set(keys[Number(output[1])], { error: block.split("\n")[0] });
      }
      if (errors.size === 0) throw new Error(`terraform apply failed:\n${apply.stderr}`);
      return errors;
    }
    const out = run("output", "-json");
    if (out.status !== 0) throw new Error(`terraform output failed:\n${out.stderr}`);
    const values = JSON.parse(out.stdout) as Record<string, { value: string }>;
    return new Map(keys.map((k, i) => [k, { value: values[`t${i}`].value }]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Snowflake's lexical structure, as far as it decides what is code: single-quoted strings (with
 * backslash escapes and `''`), `$$…$$` strings, double-quoted identifiers (`""`), and `--`, `//`
 * and `/* … *\/` comments (Snowflake docs: "String & binary data types", "Literals and
 * placeholders", "Comments"). Returns the text with every string and quoted identifier blanked —
 * code and comments stay, so text that escaped its literal shows in either — or why it does not
 * lex. Independent of the modules' SQL builders on purpose.
 */
export function snowflakeCode(sql: string): { code: string } | { error: string } {
  let code = "";
  let i = 0;
  const blank = (to: number) => {
    code += " ".repeat(to - i);
    i = to;
  };
  while (i < sql.length) {
    const c = sql[i];
    const two = sql.slice(i, i + 2);
    if (c === "'") {
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === "\\") j++;
        else if (sql[j] === "'") {
          if (sql[j + 1] === "'") j++;
          else break;
        }
      }
      if (j >= sql.length) return { error: `unterminated string at ${i}` };
      blank(j + 1);
    } else if (c === '"') {
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === '"') {
          if (sql[j + 1] === '"') j++;
          else break;
        }
      }
      if (j >= sql.length) return { error: `unterminated identifier at ${i}` };
      blank(j + 1);
    } else if (two === "$$") {
      const j = sql.indexOf("$$", i + 2);
      if (j < 0) return { error: `unterminated $$ string at ${i}` };
      blank(j + 2);
    } else if (two === "--" || two === "//") {
      const j = sql.indexOf("\n", i) < 0 ? sql.length : sql.indexOf("\n", i);
      code += sql.slice(i, j);
      i = j;
    } else if (two === "/*") {
      const j = sql.indexOf("*/", i + 2);
      if (j < 0) return { error: `unterminated comment at ${i}` };
      code += sql.slice(i, j + 2);
      i = j + 2;
    } else {
      code += c;
      i++;
    }
  }
  return { code };
}
