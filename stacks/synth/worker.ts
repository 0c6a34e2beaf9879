/**
 * A synth worker process (forked by `synthLakehouseInParallel`): receives the config and the names of
 * its stacks, synthesizes them into the folder it is given, answers `{ ok }` or the error, and exits.
 */
import { LakehouseValidationError } from "../../modules/core/errors";
import { synthStacksInto } from "./build";
import type { WorkerReply, WorkerTask } from "./parallel";

process.once("message", (task: WorkerTask) => {
  let reply: WorkerReply;
  try {
    // Each stack written is told at once, for the parent's progress line.
    const facts = synthStacksInto(task.config, task.stacks, task.outdir, task.progress ? (stack) => process.send!({ progress: stack }) : undefined);
    reply = { ok: true, version: facts.version, annotations: [...facts.annotations], peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } catch (e) {
    const err = e as Error;
    reply = {
      ok: false,
      message: err.message,
      stack: err.stack ?? err.message,
      validation: e instanceof LakehouseValidationError ? { where: e.where, problems: [...e.problems] } : undefined,
    };
  }
  process.send!(reply, undefined, {}, () => process.exit(0));
});
