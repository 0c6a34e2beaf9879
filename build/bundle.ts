import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import type { BuildOptions } from "esbuild";
import { packageRoot } from "../modules/core/package-root";

/** esbuild is a build-time dependency: loaded only when a bundle is built, so an installed library without it still loads. */
const esbuild = (): typeof import("esbuild") => createRequire(__filename)("esbuild") as typeof import("esbuild");

export interface RuntimeBundle {
  /** Absolute path of the single-file bundle (`index.js`, handler export `handler`). */
  readonly path: string;
  /** sha256 of the bundle's bytes, hex: the same source and lockfile give the same value. */
  readonly sha256: string;
  readonly bytes: number;
}

/**
 * Bundles `runtime/puller/handler.ts` and its dependencies (the pinned AWS SDK included, so the
 * Lambda does not depend on the SDK version the runtime happens to ship) into one CommonJS file for
 * the Node.js 20/22 Lambda runtimes. Deterministic: paths in the output are relative to the
 * repository root, no timestamps, no source map; the handler is `index.handler`.
 */
export async function bundlePullerHandler(outDir: string = join(packageRoot(), "dist", "lambda", "log-puller")): Promise<RuntimeBundle> {
  const outfile = join(resolve(outDir), "index.js");
  const result = await esbuild().build({ ...pullerBuildOptions(), outfile });
  if (result.errors.length > 0) throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join("; ")}`);
  const bytes = readFileSync(outfile);
  return { path: outfile, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
}

/**
 * A handler's bundle (the puller's by default; `entryPoint` names another, e.g. the Kafka
 * consumer's), built synchronously and kept in memory (nothing written), for synth: constructs are
 * built synchronously, and parallel test workers must not race on one output file.
 */
export function bundleHandlerSync(
  root: string = packageRoot(),
  entryPoint: string = "runtime/puller/handler.ts",
): { readonly contents: Uint8Array; readonly sha256: string } {
  const result = esbuild().buildSync({
    ...pullerBuildOptions(root),
    entryPoints: [entryPoint],
    outfile: join(root, "dist", "lambda", "log-puller", "index.js"),
    write: false,
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join("; ")}`);
  const file = result.outputFiles?.find((f) => f.path.endsWith("index.js"));
  if (!file) throw new Error("esbuild wrote no index.js");
  return { contents: file.contents, sha256: createHash("sha256").update(file.contents).digest("hex") };
}

function pullerBuildOptions(root: string = packageRoot()): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: ["runtime/puller/handler.ts"],
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
  };
}
