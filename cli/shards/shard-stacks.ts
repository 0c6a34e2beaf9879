import { LakehouseError } from "../../modules/core/errors";
/**
 * Shards for CI: the changed stacks grouped so that no GitHub Actions workflow run needs more matrix
 * jobs than GitHub allows ("a job matrix can generate a maximum of 256 jobs per workflow run"). Each
 * shard is a list of stacks that one job plans (or applies) one after another, sharing one provider
 * plugin cache. Shards come in phases: a stack's phase is its depth in the dependency graph (platform
 * stacks 1, their tenants 2), and CI runs a phase only after the one before it, so a platform is
 * applied before its tenants. Pure: the CLI (`lakehouse shards`) reads the review and the config.
 */

/** GitHub's limit on the jobs that matrices generate in one workflow run. */
export const GITHUB_MATRIX_LIMIT = 256;
/**
 * The default budget: the matrices of both phases together, a few jobs under GitHub's limit so the
 * workflow's own jobs (synth, review, finding the reviewed run) fit too, whichever way the limit
 * ("per workflow run") is read.
 */
export const DEFAULT_MAX_JOBS = 250;

/** A stack and the stacks it needs applied first (`plannedStacks` of stacks/synth/plan.ts gives these). */
export interface StackNode {
  readonly name: string;
  readonly dependencies: readonly string[];
}

export interface Shard {
  /** `<phase>-<n>`, e.g. `tenants-007`: unique in the run, safe in artifact and job names. */
  readonly shard: string;
  /** The shard's stacks, space-separated (stack names hold no spaces): what a job's loop reads. */
  readonly stacks: string;
}

export interface Phase {
  /** `platform` / `tenants` for the lakehouse's two levels (see `phaseName`), else `phase-<n>`. */
  readonly name: string;
  readonly shards: Shard[];
}

export interface ShardPlan {
  readonly maxJobs: number;
  /** Shards over all phases: the matrix jobs the workflow will run. */
  readonly jobs: number;
  /** Stacks sharded (each in exactly one shard). */
  readonly stacks: number;
  /** One entry per level of the whole graph, empty where no stack of that level changed. */
  readonly phases: Phase[];
}

/** Bad input to the sharding: an unknown stack, a cycle, an impossible budget. */
export class ShardError extends LakehouseError {
  constructor(message: string) {
    super(`shards: ${message}`, "failed");
  }
}

/** Stack names go into shell loops, artifact names and paths unquoted: only these characters. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Depth of every stack: 0 without dependencies, else one more than its deepest dependency. */
export function depths(graph: readonly StackNode[]): Map<string, number> {
  const byName = new Map(graph.map((s) => [s.name, s]));
  if (byName.size !== graph.length)
    throw new ShardError(`a stack is listed twice in the graph: ${graph.find((s, i) => graph.findIndex((t) => t.name === s.name) !== i)!.name}`);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (name: string, path: string[]): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) throw new ShardError(`the stacks depend on each other in a cycle: ${[...path, name].join(" → ")}`);
    const node = byName.get(name);
    if (!node) throw new ShardError(`${path[path.length - 1]} depends on ${name}, which is not a stack of the config`);
    visiting.add(name);
    const d = node.dependencies.length === 0 ? 0 : 1 + Math.max(...node.dependencies.map((x) => visit(x, [...path, name])));
    visiting.delete(name);
    depth.set(name, d);
    return d;
  };
  for (const s of graph) visit(s.name, []);
  return depth;
}

/**
 * Shards per phase minimizing the sum over phases of the largest shard (phases run one after the
 * other, the shards of a phase side by side), then the number of jobs; every phase with stacks gets
 * at least one shard. `counts[i]` stacks in phase i, `budget` jobs in all.
 */
export function shardCounts(counts: readonly number[], budget: number): number[] {
  const phases = counts.map((n, i) => ({ n, i })).filter((p) => p.n > 0);
  if (phases.length > budget) throw new ShardError(`${phases.length} phases need at least ${phases.length} jobs; --max-jobs is ${budget}`);
  // best[k][b]: least sum of largest shards for phases k.. with b jobs left, and the counts taking it.
  const memo = new Map<string, { cost: number; jobs: number; counts: number[] }>();
  const best = (k: number, b: number): { cost: number; jobs: number; counts: number[] } => {
    if (k === phases.length) return { cost: 0, jobs: 0, counts: [] };
    const key = `${k} ${b}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const { n } = phases[k];
    let chosen: { cost: number; jobs: number; counts: number[] } | undefined;
    // Leave one job for each later phase.
    for (let s = 1; s <= Math.min(n, b - (phases.length - k - 1)); s++) {
      const size = Math.ceil(n / s);
      // Fewer shards with the same largest size are as fast and cheaper: only the fewest for each size.
      if (Math.ceil(n / size) !== s) continue;
      const rest = best(k + 1, b - s);
      const option = { cost: size + rest.cost, jobs: s + rest.jobs, counts: [s, ...rest.counts] };
      if (!chosen || option.cost < chosen.cost || (option.cost === chosen.cost && option.jobs < chosen.jobs)) chosen = option;
    }
    memo.set(key, chosen!);
    return chosen!;
  };
  const result = counts.map(() => 0);
  best(0, budget).counts.forEach((s, k) => (result[phases[k].i] = s));
  return result;
}

/** `platform` for level 0 and `tenants` for level 1 of the lakehouse; a deeper graph numbers its phases. */
export function phaseName(level: number, levels: number): string {
  if (levels <= 2) return ["platform", "tenants"][level];
  return `phase-${level + 1}`;
}

/**
 * Groups `changed` (stack names, each in `graph`) into shards of at most `maxJobs` matrix jobs in all.
 * Within a phase the stacks are sorted by name (a tenant's environments stay side by side) and cut
 * into contiguous shards whose sizes differ by at most one.
 */
export function shardStacks(
  changed: readonly string[],
  graph: readonly StackNode[],
  o: { maxJobs?: number; phaseName?: (level: number, levels: number) => string } = {},
): ShardPlan {
  const maxJobs = o.maxJobs ?? DEFAULT_MAX_JOBS;
  if (!Number.isInteger(maxJobs) || maxJobs < 1 || maxJobs > GITHUB_MATRIX_LIMIT) {
    throw new ShardError(`--max-jobs must be a whole number from 1 to ${GITHUB_MATRIX_LIMIT} (GitHub's matrix limit per workflow run), not ${maxJobs}`);
  }
  const depth = depths(graph);
  const unique = [...new Set(changed)];
  const unknown = unique.filter((s) => !depth.has(s));
  if (unknown.length > 0) throw new ShardError(`not stacks of the config: ${unknown.join(", ")}`);
  const unsafe = unique.filter((s) => !SAFE_NAME.test(s));
  if (unsafe.length > 0) throw new ShardError(`stack names CI cannot pass through a shell loop or an artifact name: ${unsafe.join(", ")}`);
  const levels = graph.length === 0 ? 0 : Math.max(...depth.values()) + 1;
  const byLevel = Array.from({ length: levels }, (_, l) => unique.filter((s) => depth.get(s) === l).sort());
  const counts = shardCounts(
    byLevel.map((l) => l.length),
    maxJobs,
  );
  const name = o.phaseName ?? phaseName;
  const phases = byLevel.map((stacks, level): Phase => {
    const phase = name(level, levels);
    const n = counts[level];
    const width = String(n).length;
    const shards: Shard[] = [];
    let at = 0;
    for (let i = 0; i < n; i++) {
      const size = Math.floor(stacks.length / n) + (i < stacks.length % n ? 1 : 0);
      shards.push({ shard: `${phase}-${String(i + 1).padStart(width, "0")}`, stacks: stacks.slice(at, at + size).join(" ") });
      at += size;
    }
    return { name: phase, shards };
  });
  return { maxJobs, jobs: counts.reduce((a, b) => a + b, 0), stacks: unique.length, phases };
}
