/**
 * Props tables for the READMEs, generated from the `…Props` interfaces and their doc comments, so the
 * documentation cannot drift from the code. Each README holds marked blocks:
 *
 *   <!-- props:modules/aws/log-bucket/index.ts#LogBucketProps -->  …table…  <!-- /props -->
 *
 * `node dist/tools/props-docs.js` rewrites them; `--check` exits 1 if any is stale (a test runs it).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";
import { packageRoot } from "../modules/core/package-root";
import { MODULE_VERSIONS } from "../modules/core/versions";

/** The top-level README and every module's own (a new module is covered by its registry entry). */
const READMES = [
  "README.md",
  ...Object.keys(MODULE_VERSIONS)
    .filter((m) => !m.startsWith("stacks/"))
    .map((m) => `modules/${m}/README.md`),
];

/** Markdown table of an interface's properties: name, type, required, description with its default. */
export function propsTable(root: string, file: string, iface: string): string {
  const path = join(root, file);
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ES2022, true);
  let found: ts.InterfaceDeclaration | undefined;
  source.forEachChild((n) => {
    if (ts.isInterfaceDeclaration(n) && n.name.text === iface) found = n;
  });
  if (!found) throw new Error(`${file}: no interface ${iface}`);
  const rows = found.members.filter(ts.isPropertySignature).map((m) => {
    const name = m.name.getText(source);
    const type = (m.type?.getText(source) ?? "").replace(/\s+/g, " ").replace(/\|/g, "\\|");
    const docs = ts.getJSDocCommentsAndTags(m).filter(ts.isJSDoc);
    const doc = docs
      .map((d) => ts.getTextOfJSDocComment(d.comment) ?? "")
      .join(" ")
      .replace(/\s+/g, " ")
      .trim();
    const defaults = docs.flatMap((d) => (d.tags ?? []).filter((t) => t.tagName.text === "default").map((t) => ts.getTextOfJSDocComment(t.comment) ?? ""));
    const required = m.questionToken ? "no" : "yes";
    const def = defaults.length > 0 ? ` Default: ${defaults.join(" ").replace(/\s+/g, " ").trim()}.` : "";
    return `| \`${name}\` | \`${type}\` | ${required} | ${(doc + def).replace(/\|/g, "\\|")} |`;
  });
  return ["| prop | type | required | description |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

const BLOCK = /<!-- props:([^#\s]+)#(\w+) -->\n[\s\S]*?<!-- \/props -->/g;

export function renderReadme(root: string, text: string): string {
  return text.replace(BLOCK, (_m, file: string, iface: string) => `<!-- props:${file}#${iface} -->\n${propsTable(root, file, iface)}\n<!-- /props -->`);
}

/** Rewrites (or, with check, compares) every README; returns the stale ones. */
export function syncReadmes(root: string, check: boolean): string[] {
  const stale: string[] = [];
  for (const readme of READMES) {
    const path = join(root, readme);
    const text = readFileSync(path, "utf8");
    const next = renderReadme(root, text);
    if (next !== text) {
      stale.push(readme);
      if (!check) writeFileSync(path, next);
    }
  }
  return stale;
}

if (require.main === module) {
  const check = process.argv.includes("--check");
  const stale = syncReadmes(packageRoot(), check);
  if (check && stale.length > 0) {
    console.error(`stale props tables in: ${stale.join(", ")} (run npm run docs)`);
    process.exit(1);
  }
  console.log(check ? "props tables are current" : `rewrote ${stale.length} README(s)`);
}
