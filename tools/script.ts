import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Runs `f` in a fresh scratch folder, removed afterwards unless KEEP_WORK is set (then its path is printed). */
export async function inScratch<T>(prefix: string, f: (work: string) => Promise<T> | T): Promise<T> {
  const work = mkdtempSync(join(tmpdir(), `${prefix}-`));
  try {
    return await f(work);
  } finally {
    if (!process.env.KEEP_WORK) rmSync(work, { recursive: true, force: true });
    else console.log(`work kept in ${work}`);
  }
}

/** A check script's entry: its exit code from `main`, or 1 with `<name>: <message>` when it throws. */
export function runScript(name: string, main: (args: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(`${name}: ${(e as Error).message}`);
      process.exitCode = 1;
    },
  );
}

/**
 * The entry of a tool that writes SQL statements for scripts/check-sql.py: `<tool> <config> <out.json>`
 * writes `document(config)` as JSON; with `emptyReason`, a document without statements is an error
 * (exit 1) saying why, so the grammar check never passes on nothing.
 */
export function writeSqlDocument(
  tool: string,
  what: string,
  document: (config: string) => { statements: readonly unknown[] },
  emptyReason?: (config: string) => string,
): void {
  const [config, out] = process.argv.slice(2);
  if (!config || !out) {
    process.stderr.write(`usage: node dist/tools/${tool}.js <config> <out.json>\n`);
    process.exit(2);
  }
  const doc = document(config);
  if (emptyReason && doc.statements.length === 0) {
    process.stderr.write(`${emptyReason(config)}\n`);
    process.exit(1);
  }
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`${doc.statements.length} ${what} statements written to ${out}\n`);
}
