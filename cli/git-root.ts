import { git } from "../review/git";

/** The repository the command runs in (reviews and the version check compare refs of it). */
export function gitRoot(): string {
  return git(process.cwd(), "rev-parse", "--show-toplevel");
}
