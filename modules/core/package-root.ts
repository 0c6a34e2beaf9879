import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The security-lakehouse package root (where its package.json is), from the source tree or dist/. */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "security-lakehouse") return dir;
  }
  throw new Error("cannot find the security-lakehouse package root");
}
