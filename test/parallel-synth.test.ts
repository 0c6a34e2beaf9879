import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { App } from "cdktf";
import { LakehouseValidationError } from "../modules/core/errors";
import { buildLakehouse } from "../stacks/synth/build";
import { selectStacks, stacksToSynth } from "../stacks/synth/plan";
import { synthLakehouse } from "../stacks/synth/in-process";
import { loadConfigFile, parseConfig } from "../stacks/config/load";
import { assignStacks, synthLakehouseInParallel } from "../stacks/synth/parallel";
import { transpile } from "../review/synth-ref";
import { generatedConfig } from "../bench/synth-bench";

const ROOT = join(__dirname, "..");
const DEFAULT = loadConfigFile(join(ROOT, "examples", "default", "lakehouse.yaml"));
const NAMES = ["platform-prod", "tenant-globex-prod", "tenant-initech-prod", "tenant-umbrella-prod"];

/** Every file under `dir`, by relative path, with the sha256 of its bytes. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = createHash("sha256").update(readFileSync(path)).digest("hex");
    }
  };
  walk(dir);
  return files;
}

let scratch: string;
beforeAll(() => (scratch = mkdtempSync(join(tmpdir(), "lakehouse-parallel-"))));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("choosing stacks", () => {
  test("globs pick stacks in build order; * and ? are the only wildcards", () => {
    expect(selectStacks(NAMES, ["tenant-*-prod"])).toEqual(NAMES.slice(1));
    expect(selectStacks(NAMES, ["tenant-umbrella-prod", "platform-*"])).toEqual(["platform-prod", "tenant-umbrella-prod"]);
    expect(selectStacks(NAMES, ["tenant-gl?bex-prod"])).toEqual(["tenant-globex-prod"]);
    expect(selectStacks(["a.b", "axb"], ["a.b"])).toEqual(["a.b"]);
  });

  test("a glob matching no stack is an error naming the nearest stack and every stack", () => {
    expect(() => selectStacks(NAMES, ["tenant-glbex-prod", "tenant-*"])).toThrow(LakehouseValidationError);
    expect(() => selectStacks(NAMES, ["tenant-glbex-prod"])).toThrow(
      /tenant-glbex-prod: matches no stack \(did you mean tenant-globex-prod\?\); the stacks are platform-prod, tenant-globex-prod/,
    );
    expect(() => selectStacks(NAMES, ["staging-*"])).toThrow(/staging-\*: matches no stack; the stacks are/);
  });

  test("a chosen tenant stack is built without constructing any other stack", () => {
    const app = new App({ outdir: join(scratch, "unused") });
    const built = buildLakehouse(app, DEFAULT, new Set(["tenant-initech-prod"]));
    expect(built.platform).toEqual([]);
    expect(app.node.children.map((c) => c.node.id)).toEqual(["tenant-initech-prod"]);
  });

  test("one tenant's stack alone is byte-identical to the same stack in a full synth, and keeps its dependency", () => {
    synthLakehouse(DEFAULT, join(scratch, "full"));
    const r = synthLakehouse(DEFAULT, join(scratch, "one"), { stacks: ["tenant-initech-prod"] });
    expect(r.stacks).toEqual(["tenant-initech-prod"]);
    expect(readdirSync(join(scratch, "one", "stacks"))).toEqual(["tenant-initech-prod"]);
    const file = join("stacks", "tenant-initech-prod", "cdk.tf.json");
    expect(readFileSync(join(scratch, "one", file), "utf8")).toBe(readFileSync(join(scratch, "full", file), "utf8"));
    const manifest = JSON.parse(readFileSync(join(scratch, "one", "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks)).toEqual(["tenant-initech-prod"]);
    expect(manifest.stacks["tenant-initech-prod"].dependencies).toEqual(["platform-prod"]);
  });

  test("stacks are spread by weight, deterministically, every stack exactly once", () => {
    const config = parseConfig(generatedConfig(7, 3));
    const planned = stacksToSynth(config);
    const bins = assignStacks(config, planned, 3);
    expect(bins).toHaveLength(3);
    expect(bins.flat().sort()).toEqual(planned.map((p) => p.name).sort());
    expect(assignStacks(config, planned, 3)).toEqual(bins);
    // 1 platform (weight 8) + 7 tenants (weight 4 each) = 36 over 3 workers: no worker above 12 + one stack.
    expect(Math.max(...bins.map((b) => b.length))).toBeLessThanOrEqual(3);
    expect(assignStacks(config, planned.slice(0, 2), 5)).toHaveLength(2);
  });
});

describe("synth spread over worker processes (the built package's workers: this checkout, transpiled)", () => {
  let lib: { synthLakehouseInParallel: typeof synthLakehouseInParallel };
  beforeAll(() => {
    // Laid out as an installed package: package.json, dist/ (transpiled), the dependencies.
    const pkg = join(scratch, "lib");
    transpile(ROOT, join(pkg, "dist"));
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "security-lakehouse", version: "0.0.0-test" }));
    symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"), "dir");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lib = require(join(pkg, "dist", "stacks", "synth", "parallel.js"));
  }, 120000);

  test("the output is byte-identical whatever the number of jobs", async () => {
    const config = parseConfig(generatedConfig(9, 2));
    const outputs: Record<string, string>[] = [];
    for (const jobs of [1, 2, 3]) {
      const out = join(scratch, `jobs-${jobs}`);
      const r = await lib.synthLakehouseInParallel(config, out, { jobs, minStacksForWorkers: 1 });
      expect(r.jobs).toBe(jobs);
      expect(r.stacks).toHaveLength(10);
      outputs.push(tree(out));
    }
    expect(Object.keys(outputs[0]).filter((f) => f.endsWith("cdk.tf.json"))).toHaveLength(10);
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
    // The default example too (its pullers' code assets included).
    await lib.synthLakehouseInParallel(DEFAULT, join(scratch, "default-1"), { jobs: 1 });
    await lib.synthLakehouseInParallel(DEFAULT, join(scratch, "default-2"), { jobs: 2, minStacksForWorkers: 1 });
    expect(Object.keys(tree(join(scratch, "default-2"))).filter((f) => f.endsWith(".zip")).length).toBeGreaterThan(0);
    expect(tree(join(scratch, "default-2"))).toEqual(tree(join(scratch, "default-1")));
  }, 120000);

  test("a worker that dies leaves nothing behind and says which stacks it had", async () => {
    const crash = join(scratch, "crash-worker.js");
    writeFileSync(crash, "process.exit(3);\n");
    const out = join(scratch, "never", "out");
    await expect(synthLakehouseInParallel(DEFAULT, out, { jobs: 2, minStacksForWorkers: 1, workerScript: crash })).rejects.toThrow(
      /synth worker for \d stacks \(.*tenant-.*\) ended without an answer \(exit 3\)/,
    );
    expect(existsSync(join(scratch, "never"))).toBe(false);
  });

  test("a worker's validation error comes back as one, naming where", async () => {
    const bad = join(scratch, "bad-worker.js");
    writeFileSync(
      bad,
      `const { LakehouseValidationError } = require(${JSON.stringify(join(scratch, "lib", "dist", "modules", "core", "errors.js"))});
process.once("message", () => { const e = new LakehouseValidationError("tenant-x/Source_y", [{ path: "views.V", message: "bad view" }]);
process.send({ ok: false, message: e.message, stack: e.stack, validation: { where: e.where, problems: e.problems } }, undefined, {}, () => process.exit(0)); });\n`,
    );
    const err = await synthLakehouseInParallel(DEFAULT, join(scratch, "bad"), { jobs: 2, minStacksForWorkers: 1, workerScript: bad }).catch((e) => e);
    expect(err).toBeInstanceOf(LakehouseValidationError);
    expect(err.message).toMatch(/tenant-x\/Source_y: 1 problem\n {2}- views.V: bad view/);
    expect(existsSync(join(scratch, "bad"))).toBe(false);
  });

  test("without a built worker: asked-for jobs are an error saying why, the default stays in this process", async () => {
    const config = parseConfig(generatedConfig(9, 1));
    await expect(synthLakehouseInParallel(config, join(scratch, "unbuilt"), { jobs: 2 })).rejects.toThrow(
      /parallel synth runs its workers from the built package .*run `npm run build`, or synthesize with --jobs 1/,
    );
    expect(existsSync(join(scratch, "unbuilt"))).toBe(false);
    const r = await synthLakehouseInParallel(config, join(scratch, "unbuilt"));
    expect(r).toMatchObject({ jobs: 1, workerPeakRssMb: [] });
    expect(r.stacks).toHaveLength(10);
  });

  test("jobs must be a whole number of at least 1", async () => {
    await expect(synthLakehouseInParallel(DEFAULT, join(scratch, "j0"), { jobs: 0 })).rejects.toThrow(
      /--jobs: 1 problem\n {2}- 0: must be a whole number of workers, at least 1/,
    );
  });
});
