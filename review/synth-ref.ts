import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import * as ts from "typescript";
import { fileAtRef, git, resolveRef } from "./git";
import { LakehouseError } from "../modules/core/errors";

/** Synthesized stacks: stack name → Terraform JSON. */
export type StackSet = Record<string, StackJson>;
export interface StackJson {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  [key: string]: unknown;
}

/** A guardrail violation found in a ref's output (stack-qualified). */
export interface RefViolation {
  readonly stack: string;
  readonly rule: string;
  readonly path: string;
  readonly address: string;
  readonly message: string;
}

/** What a ref synthesized: its stacks, and the guardrail violations in them (refs before guardrails: none). */
export interface RefSynth {
  readonly stacks: StackSet;
  readonly guardrails: RefViolation[];
  /** The security-lakehouse that synthesized: this repository's own sources, or the installed package. */
  readonly library: LibraryIdentity;
  /** Examples `configOf` offered another config for that this ref could not read: synthesized from its own. */
  readonly unreadableConfigs?: string[];
}

export interface LibraryIdentity {
  readonly version?: string;
  /**
   * Hash of the code that makes the output (modules, stacks, CLI) and of the framework and provider
   * versions: equal on both sides means any output change came from the config.
   */
  readonly fingerprint: string;
}

/** What to synthesize in each ref. */
export type SynthTarget =
  /**
   * One lakehouse config (a path inside the repository; the ref's own copy of it is used unless
   * `configText` is given: then that text, e.g. the other ref's config, is synthesized).
   */
  | { kind: "config"; configPath: string; configText?: string }
  /**
   * Every example of the ref: examples/<name>/lakehouse.yaml and examples/<name>/main.ts. With
   * `configOf`, a YAML example is synthesized from the config it returns (the other ref's) when this
   * ref can read it, so a config edit is not taken for a module change; else from the ref's own.
   */
  | { kind: "examples"; configOf?: (example: string) => string | undefined };

const SOURCE_DIRS = ["modules", "stacks", "cli", "examples", "review", "tools", "bench", "build", "runtime"];

/**
 * Synthesizes `target` as it is at `ref` (or in the working tree when `ref` is undefined): a
 * detached worktree per ref, dependencies shared with the repository when the lockfile is the same
 * (installed with `npm ci` in the worktree when it differs), the TypeScript transpiled file by file
 * (syntax only, fast; type-checking is the ref's own CI's job), then the ref's own synth.
 * Returns stacks keyed `<example>/<stack>` for examples, `<stack>` for a config. With `o.outdir`, the
 * synth output (with its assets) is written there and kept (`<outdir>/config` for a config), for a
 * caller that plans it with Terraform (tools/upgrade-check.ts).
 */
export function synthAtRef(repo: string, ref: string | undefined, target: SynthTarget, o: { outdir?: string } = {}): RefSynth {
  const scratch = mkdtempSync(join(tmpdir(), "lakehouse-review-"));
  let root = repo;
  try {
    if (ref !== undefined) {
      const commit = resolveRef(repo, ref);
      root = join(scratch, "worktree");
      git(repo, "worktree", "add", "--detach", "--quiet", root, commit);
      provideDependencies(repo, ref, root);
    }
    const build = join(root, ".lakehouse-review-build");
    rmSync(build, { recursive: true, force: true });
    transpile(root, build);
    return synthTarget(root, build, target, o.outdir ?? join(scratch, "out"), ref ?? "working tree");
  } finally {
    if (root !== repo) {
      try {
        git(repo, "worktree", "remove", "--force", root);
      } catch {
        // already gone; prune below
      }
      git(repo, "worktree", "prune");
    } else {
      rmSync(join(root, ".lakehouse-review-build"), { recursive: true, force: true });
    }
    rmSync(scratch, { recursive: true, force: true });
  }
}

const npmCiIn = (cwd: string): void => {
  execFileSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd, stdio: ["ignore", "ignore", "pipe"] });
};

/**
 * The ref's dependencies: the repository's own when the lockfile is the same, else `npm ci` in the
 * worktree. With LAKEHOUSE_REF_DEPENDENCIES set to a directory (.ci/run sets one for its run), each
 * lockfile's install is made once there, under the lockfile's hash, and linked into every later
 * worktree with that lockfile: CI synthesizes the previous release several times (version
 * discipline, the upgrade check and its review), each `npm ci` minutes on a busy machine.
 */
export function provideDependencies(repo: string, ref: string, worktree: string, npmCi: (cwd: string) => void = npmCiIn): void {
  const lockAtRef = fileAtRef(repo, ref, "package-lock.json");
  const lockHere = fileAtRef(repo, undefined, "package-lock.json");
  if (lockAtRef !== undefined && lockAtRef === lockHere && existsSync(join(repo, "node_modules"))) {
    symlinkSync(join(repo, "node_modules"), join(worktree, "node_modules"), "dir");
    return;
  }
  const cacheRoot = process.env.LAKEHOUSE_REF_DEPENDENCIES;
  if (!cacheRoot || lockAtRef === undefined) {
    npmCi(worktree);
    return;
  }
  const entry = join(cacheRoot, createHash("sha256").update(lockAtRef).digest("hex").slice(0, 16));
  if (!existsSync(join(entry, "complete"))) {
    // Installed beside the entry and renamed into place: a half-made install is never linked.
    mkdirSync(cacheRoot, { recursive: true });
    const staging = mkdtempSync(`${entry}.`);
    for (const file of ["package.json", "package-lock.json"]) writeFileSync(join(staging, file), readFileSync(join(worktree, file)));
    npmCi(staging);
    mkdirSync(join(staging, "node_modules"), { recursive: true }); // npm makes none for a lockfile without packages
    writeFileSync(join(staging, "complete"), "");
    try {
      renameSync(staging, entry);
    } catch {
      // Another process made it first.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  symlinkSync(join(entry, "node_modules"), join(worktree, "node_modules"), "dir");
}

/** Transpiles the TypeScript sources of `root` into `build` (also used by tests to lay out an installed library). */
export function transpile(root: string, build: string): void {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) files.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) walk(join(root, dir));
  if (existsSync(join(root, "index.ts"))) files.push(join(root, "index.ts"));
  for (const file of files) {
    const { outputText: code } = ts.transpileModule(readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const out = join(build, relative(root, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
  }
}

/**
 * A ref could not be synthesized: its config is invalid (the usual case, listed problem by problem) or
 * its code failed. The message is the ref's own CLI's output, paths inside the scratch checkout made
 * relative to the repository, so it reads as the config's problems, not as a stack trace of the review.
 */
export class RefSynthError extends LakehouseError {
  constructor(
    /** `base (main)`, `head (working tree)`, or the ref alone when the side is not known yet. */
    readonly ref: string,
    /** What the ref's CLI wrote, its lines without the `lakehouse: ` prefix. */
    readonly output: string,
  ) {
    super(`${ref} cannot be synthesized: ${output}`, "failed");
  }

  /** The same error naming which side of the review the ref is. */
  onSide(side: "base" | "head"): RefSynthError {
    return new RefSynthError(`${side} (${this.ref})`, this.output);
  }
}

/** Where a ref is checked out and what it was given, to take out of messages. */
interface Paths {
  readonly ref: string;
  readonly root: string;
  /** A config file written for this synth, and the repository path it stands for. */
  readonly given?: { readonly file: string; readonly shownAs: string };
}

function node(script: string, args: string[], cwd: string, paths?: Paths): void {
  try {
    // Report guardrail violations instead of failing: a review must show a violating change.
    const env = { ...process.env, LAKEHOUSE_GUARDRAILS: "report" };
    execFileSync(process.execPath, [script, ...args], { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    const output = (err.stderr || err.stdout || err.message).trim();
    if (!paths) throw new Error(`synth failed (${relative(cwd, script)} ${args.join(" ")}):\n${output}`);
    let text = output;
    if (paths.given) text = text.split(paths.given.file).join(paths.given.shownAs);
    text = text.split(`${paths.root}/`).join("");
    throw new RefSynthError(paths.ref, text.replace(/^lakehouse: /gm, ""));
  }
}

/**
 * The ref's own CLI: the library's sources (this repository) or, in a consumer repository that only
 * holds a config, the security-lakehouse version that ref has installed — so a library upgrade is
 * reviewed as what it changes.
 */
function cliOf(root: string, build: string): string {
  for (const candidate of [join(build, "cli", "lakehouse.js"), join(root, "node_modules", "security-lakehouse", "dist", "cli", "lakehouse.js")]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no lakehouse CLI in ${root}: neither cli/lakehouse.ts nor an installed security-lakehouse`);
}

/** Files under `dir` (recursively), sorted, as paths relative to `dir`. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/** Which security-lakehouse `cli` belongs to: its version and a fingerprint of its output-making code. */
function libraryOf(root: string, build: string, cli: string): LibraryIdentity {
  const own = cli.startsWith(build);
  const packageDir = own ? root : join(root, "node_modules", "security-lakehouse");
  const code = own ? build : join(packageDir, "dist");
  const hash = createHash("sha256");
  for (const dir of ["modules", "stacks", "cli"]) {
    for (const file of filesUnder(join(code, dir)).filter((f) => f.endsWith(".js")))
      hash
        .update(`${dir}/${file}\0`)
        .update(readFileSync(join(code, dir, file)))
        .update("\0");
  }
  const versionAt = (dir: string) => {
    const pkg = join(dir, "package.json");
    return existsSync(pkg) ? (JSON.parse(readFileSync(pkg, "utf8")) as { version?: string }).version : undefined;
  };
  // The framework and providers shape the output too (an installed library may carry its own copies).
  for (const dep of ["cdktf", "constructs", "@cdktf/provider-aws", "@cdktf/provider-snowflake"]) {
    hash.update(`${dep}@${versionAt(join(packageDir, "node_modules", dep)) ?? versionAt(join(root, "node_modules", dep)) ?? "?"}\0`);
  }
  return { version: versionAt(packageDir), fingerprint: hash.digest("hex") };
}

function synthTarget(root: string, build: string, target: SynthTarget, out: string, ref: string): RefSynth {
  const cli = cliOf(root, build);
  const library = libraryOf(root, build, cli);
  mkdirSync(out, { recursive: true }); // refs before 0.1.x need the parent of --out to exist
  if (target.kind === "config") {
    const args = ["synth", "--out", join(out, "config")];
    let given: Paths["given"];
    if (target.configText !== undefined) {
      const file = join(out, "given.lakehouse.yaml");
      writeFileSync(file, target.configText);
      args.push("--config", file);
      given = { file, shownAs: `${target.configPath} (the other ref's)` };
    } else {
      const config = join(root, target.configPath);
      if (!existsSync(config)) throw new RefSynthError(ref, `${target.configPath} does not exist in it`);
      args.push("--config", config);
    }
    node(cli, args, root, { ref, root, given });
    return { ...readOutput(join(out, "config"), ""), library };
  }
  const result: RefSynth & { unreadableConfigs: string[] } = { stacks: {}, guardrails: [], library, unreadableConfigs: [] };
  const examples = join(root, "examples");
  for (const example of existsSync(examples) ? readdirSync(examples).sort() : []) {
    const dest = join(out, example);
    if (existsSync(join(examples, example, "lakehouse.yaml"))) {
      const own = join(examples, example, "lakehouse.yaml");
      const other = target.configOf?.(example);
      let synthesized = false;
      if (other !== undefined) {
        const file = join(out, `${example}.lakehouse.yaml`);
        writeFileSync(file, other);
        try {
          node(cli, ["synth", "--config", file, "--out", dest], root);
          synthesized = true;
        } catch {
          // This ref's schema cannot read the other config (a new field): its own config it is.
        }
      }
      if (!synthesized) {
        if (other !== undefined) result.unreadableConfigs.push(example);
        node(cli, ["synth", "--config", own, "--out", dest], root, { ref, root });
      }
    } else if (existsSync(join(build, "examples", example, "main.js"))) {
      node(join(build, "examples", example, "main.js"), [dest], root);
    } else continue;
    const one = readOutput(dest, `${example}/`);
    Object.assign(result.stacks, one.stacks);
    result.guardrails.push(...one.guardrails);
  }
  return result;
}

function readOutput(outdir: string, prefix: string): Omit<RefSynth, "library"> {
  const dir = join(outdir, "stacks");
  const stacks: StackSet = {};
  for (const name of readdirSync(dir).sort()) {
    stacks[`${prefix}${name}`] = JSON.parse(readFileSync(join(dir, name, "cdk.tf.json"), "utf8")) as StackJson;
  }
  const file = join(outdir, "guardrails.json");
  const found = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as RefViolation[]) : [];
  return { stacks, guardrails: found.map((v) => ({ ...v, stack: `${prefix}${v.stack}` })) };
}
