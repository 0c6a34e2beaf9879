import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundlePullerHandlerSync, repositoryRoot } from "../../../runtime/bundle";
import { deterministicZip } from "./zip";

/** The handler's deployment package: a zip file and the base64 sha256 Lambda's `source_code_hash` takes. */
export interface PullerCode {
  readonly path: string;
  readonly sha256Base64: string;
}

/** Where `npm run build` puts the prebuilt package, relative to the library root. */
export const PREBUILT_PULLER_ZIP = join("dist", "lambda", "log-puller.zip");

let cached: PullerCode | undefined;

/**
 * The puller's code, deterministic (same source → same bytes → same hash, so plans stay quiet):
 * 1. in a checkout (this repository, a review worktree): `runtime/puller/handler.ts` bundled now, so
 *    the code is never older than the source;
 * 2. in an installed library: the zip `npm run build` wrote into `dist/lambda/`;
 * 3. else the compiled `dist/runtime/puller/handler.js` bundled now (needs esbuild).
 */
export function pullerCode(): PullerCode {
  if (cached) return cached;
  const root = repositoryRoot();
  if (existsSync(join(root, "runtime", "puller", "handler.ts"))) {
    cached = writeZip(deterministicZip("index.js", bundlePullerHandlerSync(root).contents).bytes);
  } else if (existsSync(join(root, PREBUILT_PULLER_ZIP))) {
    const bytes = readFileSync(join(root, PREBUILT_PULLER_ZIP));
    cached = { path: join(root, PREBUILT_PULLER_ZIP), sha256Base64: createHash("sha256").update(bytes).digest("base64") };
  } else {
    cached = writeZip(deterministicZip("index.js", bundlePullerHandlerSync(root, "dist/runtime/puller/handler.js").contents).bytes);
  }
  return cached;
}

/** Writes the zip to a content-addressed path, atomically: parallel synths never see half a file. */
export function writeZip(bytes: Buffer, path?: string): PullerCode {
  const sha = createHash("sha256").update(bytes);
  const hex = sha.copy().digest("hex");
  const target = path ?? join(tmpdir(), "security-lakehouse-log-puller", hex, "log-puller.zip");
  if (!existsSync(target) || path !== undefined) {
    mkdirSync(join(target, ".."), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, target);
  }
  return { path: target, sha256Base64: sha.digest("base64") };
}
