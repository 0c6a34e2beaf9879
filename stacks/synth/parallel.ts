import { fork } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { LakehouseValidationError, ValidationProblem } from "../../modules/core/errors";
import { resolveConfig } from "../config/resolve";
import { LakehouseConfig } from "../config/schema";
import { SynthOptions, finishOutput, synthLakehouse } from "./in-process";
import { PlannedStack, stacksToSynth } from "./plan";
import { progressReporter } from "./progress";
import { stagingFor } from "./staging";

/** What a synth worker is asked to do. */
export interface WorkerTask {
  readonly config: LakehouseConfig;
  readonly stacks: readonly string[];
  readonly outdir: string;
  /** Whether to send `{ progress: <stack> }` after each stack written. */
  readonly progress: boolean;
}

/** What a synth worker answers. */
export type WorkerReply =
  | { readonly ok: true; readonly version: string; readonly annotations: [string, unknown[]][]; readonly peakRssMb: number }
  | { readonly ok: false; readonly message: string; readonly stack: string; readonly validation?: { where: string; problems: ValidationProblem[] } };

export interface ParallelSynthOptions extends SynthOptions {
  /** Worker processes. @default the machine's cores (`os.availableParallelism()`) */
  readonly jobs?: number;
  /** Fewer stacks than this are synthesized in this process: a worker's start costs more than they take. @default 8 */
  readonly minStacksForWorkers?: number;
  /** The worker script. @default `worker.js` beside this file (the built package) */
  readonly workerScript?: string;
}

/**
 * Splits stacks over `jobs` workers by weight (a tenant's by its sources, a platform's by its
 * tenants), heaviest first onto the least loaded: deterministic for a given config and `jobs`.
 */
export function assignStacks(config: LakehouseConfig, planned: readonly PlannedStack[], jobs: number): string[][] {
  const weight = new Map<string, number>();
  for (const env of resolveConfig(config).environments) {
    weight.set(env.platformStackName, 1 + env.tenants.length);
    for (const t of env.tenants) weight.set(t.stackName, 1 + t.sources.length);
  }
  const bins = Array.from({ length: Math.max(1, Math.min(jobs, planned.length)) }, () => ({ load: 0, stacks: [] as string[] }));
  const order = [...planned].sort((a, b) => (weight.get(b.name) ?? 1) - (weight.get(a.name) ?? 1) || a.name.localeCompare(b.name));
  for (const stack of order) {
    const bin = bins.reduce((min, b) => (b.load < min.load ? b : min));
    bin.stacks.push(stack.name);
    bin.load += weight.get(stack.name) ?? 1;
  }
  return bins.map((b) => b.stacks);
}

/**
 * `synthLakehouse` spread over worker processes (each with its own memory), with the same result
 * byte for byte whatever `jobs` is: each stack is synthesized alone of the others' constructs, then
 * the outputs are moved into one folder, the manifest written from the config and the guardrails run
 * over the whole — atomically, as in `synthLakehouse`.
 */
export async function synthLakehouseInParallel(
  config: LakehouseConfig,
  outdir: string,
  options: ParallelSynthOptions = {},
): Promise<{ stacks: string[]; jobs: number; workerPeakRssMb: number[] }> {
  const jobs = options.jobs ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new LakehouseValidationError("--jobs", [{ path: String(jobs), message: "must be a whole number of workers, at least 1" }]);
  const planned = stacksToSynth(config, options.stacks);
  if (jobs === 1 || planned.length < (options.minStacksForWorkers ?? 8)) return { ...synthLakehouse(config, outdir, options), jobs: 1, workerPeakRssMb: [] };

  const workerScript = options.workerScript ?? join(__dirname, "worker.js");
  // From the TypeScript sources (ts-node, jest) there is no worker to fork: unasked, stay in this process.
  if (!existsSync(workerScript) && options.jobs === undefined) return { ...synthLakehouse(config, outdir, options), jobs: 1, workerPeakRssMb: [] };
  if (!existsSync(workerScript))
    throw new Error(`parallel synth runs its workers from the built package (${workerScript} is missing): run \`npm run build\`, or synthesize with --jobs 1`);
  const out = stagingFor(outdir);
  try {
    const assigned = assignStacks(config, planned, jobs);
    // Every worker ends before anything is kept or removed: none is left writing into a removed folder.
    const onStack = progressReporter(planned.length, options.onProgress);
    const settled = await Promise.allSettled(
      assigned.map((stacks, i) =>
        runWorker(workerScript, { config, stacks, outdir: join(out.staging, `.job-${i}`), progress: onStack !== undefined }, onStack),
      ),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    const replies = settled.map((s) => (s as PromiseFulfilledResult<Extract<WorkerReply, { ok: true }>>).value);
    let version = "";
    const annotations = new Map<string, unknown[]>();
    mkdirSync(join(out.staging, "stacks"));
    replies.forEach((reply, i) => {
      version = reply.version;
      for (const [name, a] of reply.annotations) annotations.set(name, a);
      const job = join(out.staging, `.job-${i}`);
      for (const name of readdirSync(join(job, "stacks"))) renameSync(join(job, "stacks", name), join(out.staging, "stacks", name));
      rmSync(job, { recursive: true, force: true });
    });
    finishOutput(out.staging, planned, { version, annotations }, options);
    out.commit();
    return { stacks: planned.map((p) => p.name), jobs: assigned.length, workerPeakRssMb: replies.map((r) => r.peakRssMb) };
  } catch (e) {
    out.abort();
    throw e;
  }
}

function runWorker(script: string, task: WorkerTask, onStack?: (stack: string) => void): Promise<Extract<WorkerReply, { ok: true }>> {
  return new Promise((resolvePromise, reject) => {
    // Worker output goes to our stderr: a worker never writes to the stdout that scripts read.
    const child = fork(script, [], { serialization: "advanced", stdio: ["ignore", 2, 2, "ipc"] });
    let reply: WorkerReply | undefined;
    child.on("message", (m: WorkerReply | { progress: string }) => {
      if ("progress" in m) onStack?.(m.progress);
      else reply = m;
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (reply?.ok) return resolvePromise(reply);
      if (reply && !reply.ok) {
        if (reply.validation) return reject(new LakehouseValidationError(reply.validation.where, reply.validation.problems));
        const err = new Error(reply.message);
        err.stack = reply.stack;
        return reject(err);
      }
      reject(
        new Error(
          `synth worker for ${task.stacks.length} stacks (${task.stacks.slice(0, 3).join(", ")}${task.stacks.length > 3 ? ", …" : ""}) ended without an answer (${signal ?? `exit ${code}`})`,
        ),
      );
    });
    child.send(task);
  });
}
