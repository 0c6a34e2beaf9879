import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { packageRoot } from "../../modules/core/package-root";
import { EXAMPLES } from "../../tools/examples";

/**
 * Every example synthesized as its entry point does (`tools/examples.ts`: guardrails enforced, as
 * `lakehouse synth` writes it), once per jest worker and shared by the test files that read it
 * (golden, bootstrap, access, sql-syntax): the default example took seconds per synthesis and was
 * synthesized five times per run.
 *
 * jest gives every test file a fresh module registry and global object; Node's built-in modules are
 * what the test files of one worker share, so the outputs hang off `node:os` under a registered
 * symbol. They are kept as text (strings are the same in every file's realm) and parsed by each
 * reader. A fingerprint of the sources that make an example (modified time and size of every file
 * under modules/, stacks/, runtime/, build/, tools/, examples/ and of package-lock.json) is checked on
 * every call, so a worker that lives on between runs (`jest --watch` in band) never serves an output
 * older than the source.
 */
/** A file an example's synthesis wrote: JSON as text, anything else (Lambda zips) base64. */
interface StoredFile {
  readonly encoding: "utf8" | "base64";
  readonly data: string;
}
/** An example's output: every file it wrote, by path relative to its outdir with "/" separators. */
type ExampleOutput = Readonly<Record<string, StoredFile>>;

interface Store {
  readonly fingerprint: string;
  readonly outputs: Map<string, ExampleOutput>;
}

const STORE = Symbol.for("security-lakehouse.test.synthesized-examples");
const INPUTS = ["modules", "stacks", "runtime", "build", "tools", "examples", "package-lock.json"];

function fingerprint(): string {
  const root = packageRoot();
  const hash = createHash("sha256");
  const walk = (path: string): void => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) walk(join(path, entry));
      return;
    }
    hash.update(`${relative(root, path)}\0${stat.mtimeMs}\0${stat.size}\n`);
  };
  for (const input of INPUTS) walk(join(root, input));
  return hash.digest("hex");
}

function store(): Store {
  const holder = os as unknown as Record<symbol, Store | undefined>;
  const now = fingerprint();
  const existing = holder[STORE];
  if (existing && existing.fingerprint === now) return existing;
  const fresh: Store = { fingerprint: now, outputs: new Map() };
  holder[STORE] = fresh;
  return fresh;
}

function filesUnder(dir: string): Record<string, StoredFile> {
  const files: Record<string, StoredFile> = {};
  const walk = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) walk(join(path, entry));
      return;
    }
    const text = path.endsWith(".json");
    files[relative(dir, path).split(sep).join("/")] = { encoding: text ? "utf8" : "base64", data: readFileSync(path, text ? "utf8" : "base64") };
  };
  walk(dir);
  return files;
}

function output(example: string): ExampleOutput {
  const build = EXAMPLES[example];
  if (!build) throw new Error(`no example ${example} (tools/examples.ts has ${Object.keys(EXAMPLES).join(", ")})`);
  const { outputs } = store();
  const cached = outputs.get(example);
  if (cached) return cached;
  const root = mkdtempSync(join(os.tmpdir(), `lakehouse-example-${example}-`));
  try {
    const outdir = join(root, "out");
    build(outdir);
    const files = Object.freeze(filesUnder(outdir));
    outputs.set(example, files);
    return files;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Each stack's `cdk.tf.json` of an example, as text, by stack name (sorted). */
export function exampleStackTexts(example: string): Record<string, string> {
  const files = output(example);
  const stacks = Object.keys(files).flatMap((path) => /^stacks\/([^/]+)\/cdk\.tf\.json$/.exec(path)?.[1] ?? []);
  return Object.fromEntries(stacks.sort().map((stack) => [stack, files[`stacks/${stack}/cdk.tf.json`].data]));
}

/** Each stack of an example, parsed: a fresh object per call, so a reader may change it. */
export function exampleStacks<T = Record<string, unknown>>(example: string): Record<string, T> {
  return Object.fromEntries(Object.entries(exampleStackTexts(example)).map(([stack, text]) => [stack, JSON.parse(text) as T]));
}

/** Writes everything an example's synthesis wrote under `outdir`, as it did. */
export function writeExample(example: string, outdir: string): void {
  for (const [path, file] of Object.entries(output(example))) {
    const target = join(outdir, ...path.split("/"));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(file.data, file.encoding));
  }
}

/** Every example written under `root/<example>` (what `synthExamples` of tools/examples.ts does): example → its outdir. */
export function writeExamples(root: string): Record<string, string> {
  return Object.fromEntries(
    Object.keys(EXAMPLES).map((example) => {
      const outdir = join(root, example);
      writeExample(example, outdir);
      return [example, outdir];
    }),
  );
}
