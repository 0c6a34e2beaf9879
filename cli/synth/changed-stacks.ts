import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { App } from "cdktf";
import { fileAtRef, git, resolveRef } from "../../review/git";
import { buildLakehouse } from "../../stacks/synth/build";
import { plannedStacks } from "../../stacks/synth/plan";
import { parseConfigYaml } from "../../stacks/config/load";
import { resolveConfig } from "../../stacks/config/resolve";
import { LakehouseConfig } from "../../stacks/config/schema";
import { LakehouseError } from "../../modules/core/errors";

/**
 * Files whose change can change any stack's output: the library's code (in a checkout of the library)
 * and the installed library's version (in a consumer repository). Anything else but the config file
 * (docs, tests, CI files) cannot change what synth writes.
 */
export const SYNTH_INPUTS = [/^modules\//, /^stacks\//, /^runtime\//, /^package\.json$/, /^package-lock\.json$/, /^npm-shrinkwrap\.json$/];

/** `--changed-since` cannot be answered: the ref is unknown, or the config is not in the repository. */
export class ChangedSinceError extends LakehouseError {
  constructor(message: string) {
    super(message, "usage");
  }
}

export interface ChangedStacks {
  /** Stacks to synthesize, in build order. */
  readonly stacks: string[];
  /** Why each of them (and only they) is in the list. */
  readonly reasons: ReadonlyMap<string, string>;
}

/**
 * The stacks whose output can differ between `ref` and the working tree of `repo`: every stack when a
 * synth input changed (or the config cannot be read at `ref`); otherwise a tenant's stack when its own
 * inputs changed (organization, its environment, defaults, its tenant entry) and a platform stack when
 * its own synthesized output differs between the two configs (it reads a little of every tenant, so
 * it is synthesized from both, alone, to tell).
 */
export function changedStacks(repo: string, ref: string, configFile: string, config: LakehouseConfig): ChangedStacks {
  let root: string;
  try {
    root = git(repo, "rev-parse", "--show-toplevel");
  } catch {
    throw new ChangedSinceError(`--changed-since needs a git repository; ${repo} is not in one`);
  }
  try {
    resolveRef(root, ref);
  } catch {
    throw new ChangedSinceError(`--changed-since ${ref}: not a commit in ${root}`);
  }
  const configPath = relative(root, isAbsolute(configFile) ? configFile : resolve(configFile));
  if (configPath.startsWith(".."))
    throw new ChangedSinceError(`--changed-since: the config ${configFile} is outside the repository ${root}, so git cannot tell how it changed`);
  const changed = [...git(root, "diff", "--name-only", ref, "--").split("\n"), ...git(root, "ls-files", "--others", "--exclude-standard").split("\n")].filter(
    (f) => f !== "",
  );
  const head = resolveConfig(config);
  const all = plannedStacks(head).map((p) => p.name);
  const everything = (why: string): ChangedStacks => ({ stacks: all, reasons: new Map(all.map((s) => [s, why])) });

  const input = changed.find((f) => SYNTH_INPUTS.some((re) => re.test(f)));
  if (input) return everything(`${input} changed since ${ref}`);
  if (!changed.includes(configPath)) return { stacks: [], reasons: new Map() };
  const text = fileAtRef(root, ref, configPath);
  if (text === undefined) return everything(`${configPath} did not exist at ${ref}`);
  let before: LakehouseConfig;
  try {
    before = parseConfigYaml(text, `${configPath}@${ref}`);
  } catch {
    return everything(`${configPath} at ${ref} is not a valid config today, so nothing can be compared`);
  }

  const reasons = new Map<string, string>();
  const tenantInputs = (c: LakehouseConfig, envName: string, tenantId: string) =>
    stable({
      organization: c.organization,
      environment: c.environments.find((e) => e.name === envName),
      defaults: c.defaults,
      tenant: c.tenants.find((t) => t.id === tenantId),
    });
  const old = resolveConfig(before);
  for (const env of head.environments) {
    const oldEnv = old.environments.find((e) => e.name === env.name);
    if (!oldEnv) {
      for (const s of [env.platformStackName, ...env.tenants.map((t) => t.stackName)]) reasons.set(s, `environment ${env.name} is new`);
      continue;
    }
    if (platformOutput(config, env.platformStackName) !== platformOutput(before, env.platformStackName))
      reasons.set(env.platformStackName, "its synthesized output differs");
    for (const t of env.tenants) {
      if (!oldEnv.tenants.some((o) => o.id === t.id)) reasons.set(t.stackName, `tenant ${t.id} is new in ${env.name}`);
      else if (tenantInputs(config, env.name, t.id) !== tenantInputs(before, env.name, t.id))
        reasons.set(t.stackName, `its inputs changed (organization, environment ${env.name}, defaults or tenant ${t.id})`);
    }
  }
  return { stacks: all.filter((s) => reasons.has(s)), reasons };
}

/** One platform stack synthesized alone, as text. */
function platformOutput(config: LakehouseConfig, name: string): string {
  const outdir = mkdtempSync(join(tmpdir(), "lakehouse-changed-"));
  try {
    const app = new App({ outdir });
    const { platform } = buildLakehouse(app, config, new Set([name]));
    if (platform.length === 0) return "";
    app.synth();
    return readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8");
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** JSON with object keys sorted, so key order in the YAML never counts as a change. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
