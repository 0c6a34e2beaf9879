import { mkdtempSync, rmSync } from "node:fs";
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
