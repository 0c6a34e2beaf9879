import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { MODULE_VERSIONS } from "../modules/core/versions";
import { syncGeneratedReferences } from "../tools/config-docs";
import { docPages, syncOutputs } from "../tools/docs-outputs";

/**
 * The docs a newcomer reads: the README within its budget, every page under docs/ within its own,
 * every relative link resolving, every TypeScript snippet type-checking against the library, every
 * pasted command output what the command prints today.
 */
const ROOT = join(__dirname, "..");

/** Bytes each page may hold: a page that outgrows its budget is split, not left to grow. */
const BUDGETS: Record<string, number> = { "README.md": 15 * 1024, "docs/cost.md": 20 * 1024, "docs/review.md": 20 * 1024, "docs/configuration.md": 24 * 1024 };
const PAGE_BUDGET = 16 * 1024;

const pages = docPages(ROOT);
const moduleReadmes = Object.keys(MODULE_VERSIONS)
  .filter((m) => !m.startsWith("stacks/"))
  .map((m) => join(ROOT, "modules", m, "README.md"));

describe("the docs", () => {
  test.each(pages.map((p) => [relative(ROOT, p)]))("%s is within its size budget", (page) => {
    const size = readFileSync(join(ROOT, page)).length; // bytes, as the budgets are
    expect({ page, size, within: size <= (BUDGETS[page] ?? PAGE_BUDGET) }).toEqual({ page, size, within: true });
  });

  test("every relative link in the README, docs/ and the module READMEs resolves", () => {
    const broken: string[] = [];
    for (const page of [...pages, ...moduleReadmes]) {
      const text = readFileSync(page, "utf8").replace(/```[\s\S]*?```/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:|^#/.test(target)) continue;
        if (!existsSync(join(dirname(page), decodeURIComponent(target.split("#")[0])))) broken.push(`${relative(ROOT, page)}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test("pasted command outputs are what the commands print (npm run docs regenerates them)", async () => {
    expect(await syncOutputs(ROOT, true)).toEqual([]);
  }, 120_000);

  test("the generated references (configuration keys, stack outputs) are what the code says today (npm run docs regenerates them)", () => {
    expect(syncGeneratedReferences(ROOT, true)).toEqual([]);
  });

  test("every TypeScript snippet type-checks against the library (names a snippet takes from its context are declared `any`)", () => {
    const dir = mkdtempSync(join(ROOT, ".docs-snippets-"));
    try {
      const files: Record<string, string> = {};
      for (const page of [...pages, ...moduleReadmes]) {
        const text = readFileSync(page, "utf8");
        [...text.matchAll(/```ts\n([\s\S]*?)```/g)].forEach((m, i) => {
          files[join(dir, `${relative(ROOT, page).replace(/[/.]/g, "_")}_${i}.ts`)] = `${m[1]}\nexport {};\n`;
        });
      }
      expect(Object.keys(files).length).toBeGreaterThan(moduleReadmes.length / 2);
      const options: ts.CompilerOptions = {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        esModuleInterop: true,
        skipLibCheck: true,
        types: ["node"],
        baseUrl: ROOT,
        paths: {
          "security-lakehouse": ["index.ts"],
          "security-lakehouse/stacks": ["stacks/index.ts"],
          "security-lakehouse/review": ["review/index.ts"],
          "security-lakehouse/modules/*": ["modules/*/index.ts"],
        },
      };
      let program: ts.Program | undefined;
      const diagnostics = (declared: Record<string, Set<string>>) => {
        for (const [file, text] of Object.entries(files))
          writeFileSync(file, [...(declared[file] ?? [])].map((n) => `declare const ${n}: any;\n`).join("") + text);
        // The second program reuses the first's library files: only the snippets changed.
        program = ts.createProgram(Object.keys(files), options, undefined, program);
        return ts.getPreEmitDiagnostics(program).filter((d) => d.file && d.file.fileName in files);
      };
      // Snippets use what their page set up before them (a stack, a key): declare those, check the rest.
      const context: Record<string, Set<string>> = {};
      for (const d of diagnostics({})) {
        const name = /^(?:Cannot find name|No value exists in scope for the shorthand property) '(\w+)'/.exec(
          ts.flattenDiagnosticMessageText(d.messageText, "\n"),
        )?.[1];
        if (name) (context[d.file!.fileName] ??= new Set()).add(name);
      }
      const problems = diagnostics(context).map((d) => `${relative(dir, d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
      expect(problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Two programs over the whole library: about a minute alone, several under a loaded CI run.
  }, 600_000);
});
