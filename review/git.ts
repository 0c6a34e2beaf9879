import { execFileSync } from "node:child_process";

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

/** A file's text at a ref, or undefined if the ref does not have it. */
export function fileAtRef(repo: string, ref: string, path: string): string | undefined {
  try {
    return git(repo, "show", `${ref}:${path}`);
  } catch {
    return undefined;
  }
}
