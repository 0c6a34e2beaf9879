import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { provideDependencies } from "../review/synth-ref";

/**
 * A ref whose lockfile differs from the working tree's gets its own `npm ci`; with
 * LAKEHOUSE_REF_DEPENDENCIES that install is made once per lockfile and linked into every later
 * worktree (CI synthesizes the previous release three times).
 */
describe("provideDependencies", () => {
  let dir: string;
  const saved = process.env.LAKEHOUSE_REF_DEPENDENCIES;
  /** Stands in for `npm ci`: records where it ran and installs one package. */
  const installs: string[] = [];
  const install = (cwd: string) => {
    installs.push(cwd);
    mkdirSync(join(cwd, "node_modules", "dep"), { recursive: true });
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lakehouse-deps-"));
    installs.length = 0;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.LAKEHOUSE_REF_DEPENDENCIES;
    else process.env.LAKEHOUSE_REF_DEPENDENCIES = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  // A package without dependencies: npm ci needs no registry.
  const pkg = JSON.stringify({ name: "ref", version: "1.0.0" });
  const lock = (v: string) => JSON.stringify({ name: "ref", version: v, lockfileVersion: 3, requires: true, packages: { "": { name: "ref", version: v } } });

  function repoWithRef(): { repo: string; ref: string } {
    const repo = join(dir, "repo");
    mkdirSync(repo);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
    git("init", "-q");
    writeFileSync(join(repo, "package.json"), pkg.replace("1.0.0", "0.9.0"));
    writeFileSync(join(repo, "package-lock.json"), lock("0.9.0"));
    git("add", ".");
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base");
    const ref = git("rev-parse", "HEAD");
    // The working tree moved on: another lockfile.
    writeFileSync(join(repo, "package-lock.json"), lock("1.0.0"));
    return { repo, ref };
  }

  function worktree(name: string): string {
    const w = join(dir, name);
    mkdirSync(w);
    writeFileSync(join(w, "package.json"), pkg.replace("1.0.0", "0.9.0"));
    writeFileSync(join(w, "package-lock.json"), lock("0.9.0"));
    return w;
  }

  test("GIVEN the cache directory WHEN two worktrees of a ref with another lockfile need dependencies THEN npm ci runs once and both link the same install", () => {
    const { repo, ref } = repoWithRef();
    const cache = join(dir, "cache");
    process.env.LAKEHOUSE_REF_DEPENDENCIES = cache;
    const first = worktree("first");
    provideDependencies(repo, ref, first, install);
    const entries = readdirSync(cache);
    expect(entries).toHaveLength(1);
    expect(existsSync(join(cache, entries[0], "complete"))).toBe(true);
    expect(readlinkSync(join(first, "node_modules"))).toBe(join(cache, entries[0], "node_modules"));
    expect(installs).toHaveLength(1);
    expect(installs[0].startsWith(join(cache, `${entries[0]}.`))).toBe(true);
    const second = worktree("second");
    provideDependencies(repo, ref, second, install);
    expect(installs).toHaveLength(1);
    expect(existsSync(join(second, "node_modules", "dep"))).toBe(true);
    expect(readlinkSync(join(second, "node_modules"))).toBe(join(cache, entries[0], "node_modules"));
    expect(readdirSync(cache)).toEqual(entries);
  });

  test("GIVEN the real npm and a lockfile without packages THEN the cached install is still a folder to link", () => {
    const { repo, ref } = repoWithRef();
    process.env.LAKEHOUSE_REF_DEPENDENCIES = join(dir, "cache");
    const w = worktree("real");
    provideDependencies(repo, ref, w);
    // Without the folder the link would dangle, and the ref's synth would not find even its own modules.
    expect(readlinkSync(join(w, "node_modules")).startsWith(join(dir, "cache"))).toBe(true);
    expect(statSync(join(w, "node_modules")).isDirectory()).toBe(true);
  });

  test("GIVEN the same lockfile as the working tree THEN the repository's node_modules is linked, nothing installed", () => {
    const { repo, ref } = repoWithRef();
    writeFileSync(join(repo, "package-lock.json"), lock("0.9.0"));
    mkdirSync(join(repo, "node_modules"));
    process.env.LAKEHOUSE_REF_DEPENDENCIES = join(dir, "cache");
    const w = worktree("same");
    provideDependencies(repo, ref, w, install);
    expect(installs).toEqual([]);
    expect(readlinkSync(join(w, "node_modules"))).toBe(join(repo, "node_modules"));
  });

  test("GIVEN no cache directory THEN npm ci runs in the worktree itself, as before", () => {
    const { repo, ref } = repoWithRef();
    delete process.env.LAKEHOUSE_REF_DEPENDENCIES;
    const w = worktree("plain");
    provideDependencies(repo, ref, w, install);
    expect(installs).toEqual([w]);
    expect(existsSync(join(dir, "cache"))).toBe(false);
  });
});
