import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { build } from "esbuild";

export interface RuntimeBundle {
  /** Absolute path of the single-file bundle (`index.js`, handler export `handler`). */
  readonly path: string;
  /** sha256 of the bundle's bytes, hex: the same source and lockfile give the same value. */
  readonly sha256: string;
  readonly bytes: number;
}

/** The repository root (the folder whose package.json is this library's), from source or from dist/. */
export function repositoryRoot(from: string = __dirname): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "security-lakehouse") return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the security-lakehouse package.json above ${from}`);
  }
}

/**
 * Bundles `runtime/puller/handler.ts` and its dependencies (the pinned AWS SDK included, so the
 * Lambda does not depend on the SDK version the runtime happens to ship) into one CommonJS file for
 * the Node.js 20/22 Lambda runtimes. Deterministic: paths in the output are relative to the
 * repository root, no timestamps, no source map; the handler is `index.handler`.
 */
export async function bundlePullerHandler(outDir: string = join(repositoryRoot(), "dist", "lambda", "log-puller")): Promise<RuntimeBundle> {
  const root = repositoryRoot();
  const outfile = join(resolve(outDir), "index.js");
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["runtime/puller/handler.ts"],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: false,
    minify: false, // readable stack traces in CloudWatch are worth the size
    keepNames: true,
    legalComments: "eof",
    charset: "utf8",
    logLevel: "silent",
    metafile: false,
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join("; ")}`);
  const bytes = readFileSync(outfile);
  return { path: outfile, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
}
