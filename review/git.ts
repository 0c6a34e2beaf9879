import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Runs git in `cwd` and returns its stdout (trimmed); throws with git's stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 }).trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`git ${args.join(" ")}: ${(err.stderr || err.message).trim()}`);
  }
}

/** The commit a ref names, or a clear error. */
export function resolveRef(repo: string, ref: string): string {
  return git(repo, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
}

/**
 * A file's text (trimmed) at a ref — or in the working tree when `ref` is undefined — or undefined if
 * it is not there.
 */
export function fileAtRef(repo: string, ref: string | undefined, path: string): string | undefined {
  if (ref === undefined) {
    const file = join(repo, path);
    return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
  }
  try {
    return git(repo, "show", `${ref}:${path}`);
  } catch {
    return undefined;
  }
}
