import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/**
 * A fresh sibling folder of `outdir` to write into: `commit` moves it into place, `abort` removes it
 * (and any parent folders made for it), so a failure leaves the previous output (or nothing) behind,
 * never a half-written tree.
 */
export function stagingFor(outdir: string): { readonly staging: string; commit(): void; abort(): void } {
  const target = resolve(outdir);
  const createdParent = mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.synth-`));
  return {
    staging,
    commit: () => {
      if (existsSync(target)) rmSync(target, { recursive: true, force: true });
      renameSync(staging, target);
    },
    abort: () => rmSync(createdParent ?? staging, { recursive: true, force: true }),
  };
}
