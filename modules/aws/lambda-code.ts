import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleHandlerSync } from "../../build/bundle";
import { packageRoot } from "../core/package-root";
import { deterministicZip } from "./lambda-zip";

/** A handler's deployment package: a zip file and the base64 sha256 Lambda's `source_code_hash` takes. */
export interface LambdaCode {
  readonly path: string;
  readonly sha256Base64: string;
}

/** A handler in runtime/ and the name of its package (`dist/lambda/<name>.zip`). */
export interface LambdaHandlerSource {
  /** Package name, e.g. `log-puller`. */
  readonly name: string;
  /** The handler's source, relative to the library root, e.g. `runtime/puller/handler.ts`. */
  readonly entry: string;
}

/** Where `npm run build` puts the prebuilt package, relative to the library root. */
export function prebuiltZipPath(source: LambdaHandlerSource): string {
  return join("dist", "lambda", `${source.name}.zip`);
}

const cache = new Map<string, LambdaCode>();

/**
 * A handler's code, deterministic (same source → same bytes → same hash, so plans stay quiet):
 * 1. in a checkout (this repository, a review worktree): the source bundled now, so the code is never
 *    older than the source;
 * 2. in an installed library: the zip `npm run build` wrote into `dist/lambda/`;
 * 3. else the compiled `dist/<entry>.js` bundled now (needs esbuild).
 */
export function lambdaCode(source: LambdaHandlerSource): LambdaCode {
  const cached = cache.get(source.name);
  if (cached) return cached;
  const root = packageRoot();
  const prebuilt = prebuiltZipPath(source);
  let code: LambdaCode;
  if (existsSync(join(root, source.entry))) {
    code = writeZip(deterministicZip("index.js", bundleHandlerSync(root, source.entry).contents).bytes, source.name);
  } else if (existsSync(join(root, prebuilt))) {
    const bytes = readFileSync(join(root, prebuilt));
    code = { path: join(root, prebuilt), sha256Base64: createHash("sha256").update(bytes).digest("base64") };
  } else {
    code = writeZip(deterministicZip("index.js", bundleHandlerSync(root, join("dist", source.entry.replace(/\.ts$/, ".js"))).contents).bytes, source.name);
  }
  cache.set(source.name, code);
  return code;
}

/** Writes the zip to a content-addressed path (or `path`), atomically: parallel synths never see half a file. */
export function writeZip(bytes: Buffer, name: string, path?: string): LambdaCode {
  const sha = createHash("sha256").update(bytes);
  const hex = sha.copy().digest("hex");
  const target = path ?? join(tmpdir(), `security-lakehouse-${name}`, hex, `${name}.zip`);
  if (!existsSync(target) || path !== undefined) {
    mkdirSync(join(target, ".."), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, target);
  }
  return { path: target, sha256Base64: sha.digest("base64") };
}
