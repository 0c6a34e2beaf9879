/**
 * Command outputs pasted in the docs are regenerated, never typed: a marked block
 *
 *   <!-- output: cost --config test/fixtures/cost/seed-002.yaml -->
 *   ```
 *   …what `lakehouse cost --config …` prints…
 *   ```
 *   <!-- /output -->
 *
 * holds what the CLI prints for those arguments, run from the repository root. `node
 * dist/tools/docs-outputs.js` rewrites every block of README.md and docs/; `--check` exits 1 naming
 * the stale ones (a test runs it).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { main } from "../cli/lakehouse";
import { packageRoot } from "../modules/core/package-root";

const BLOCK = /(<!-- output: (.+?) -->\n```[a-z]*\n)([\s\S]*?)(```\n<!-- \/output -->)/g;

/** README.md and every Markdown page under docs/. */
export function docPages(root: string): string[] {
  const docs = join(root, "docs");
  const pages = (readdirSync(docs, { recursive: true, encoding: "utf8" }) as string[]).filter((f) => f.endsWith(".md")).map((f) => join(docs, f));
  return [join(root, "README.md"), ...pages.sort()];
}

/** What the CLI prints on stdout for `args` (split on spaces), run in `root`. */
async function outputOf(root: string, args: string): Promise<string> {
  let stdout = "";
  let stderr = "";
  const before = process.cwd();
  process.chdir(root);
  try {
    const code = await main(
      args.split(" "),
      { write: (s: string) => ((stdout += s), true) } as never,
      { write: (s: string) => ((stderr += s), true) } as never,
    );
    if (code !== 0) throw new Error(`lakehouse ${args}: exit ${code}\n${stderr}`);
  } finally {
    process.chdir(before);
  }
  return stdout;
}

/** Rewrites (or, with `check`, compares) every marked block; returns the stale ones as `page: args`. */
export async function syncOutputs(root: string, check: boolean): Promise<string[]> {
  const stale: string[] = [];
  for (const page of docPages(root)) {
    const text = readFileSync(page, "utf8");
    let next = "";
    let last = 0;
    for (const m of text.matchAll(BLOCK)) {
      const output = await outputOf(root, m[2]);
      if (output !== m[3]) stale.push(`${relative(root, page)}: ${m[2]}`);
      next += text.slice(last, m.index) + m[1] + output + m[4];
      last = m.index + m[0].length;
    }
    next += text.slice(last);
    if (!check && next !== text) writeFileSync(page, next);
  }
  return stale;
}

if (require.main === module) {
  const check = process.argv.includes("--check");
  void syncOutputs(packageRoot(), check).then((stale) => {
    if (check && stale.length > 0) {
      console.error(`stale command outputs (run npm run docs):\n${stale.map((s) => `  ${s}`).join("\n")}`);
      process.exitCode = 1;
    } else console.log(check ? "command outputs are current" : `regenerated ${stale.length} output block(s)`);
  });
}
