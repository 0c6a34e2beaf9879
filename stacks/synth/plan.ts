import { LakehouseValidationError } from "../../modules/core/errors";
import { nearest } from "../../modules/core/suggest";
import { LakehouseConfig } from "../config/schema";
import { ResolvedLakehouse, resolveConfig } from "../config/resolve";

/** Which stacks a config builds, in which order, and which of them a synth is asked for. */

/** A stack the config builds, and the stacks it depends on (by name), in build order. */
export interface PlannedStack {
  readonly name: string;
  readonly dependencies: readonly string[];
}

/** Every stack a config builds, without constructing any: per environment its platform stack, then its tenants'. */
export function plannedStacks(lakehouse: ResolvedLakehouse): PlannedStack[] {
  return lakehouse.environments.flatMap((env) => [
    { name: env.platformStackName, dependencies: [] },
    // The tenant's schema lives in the platform's database, its access logs in the platform's bucket.
    ...env.tenants.map((t) => ({ name: t.stackName, dependencies: [env.platformStackName] })),
  ]);
}

/**
 * The stack names matching any of `globs` (`*` any run of characters, `?` one), in build order. A glob
 * matching no stack is an error naming the nearest stack, so a typo never synthesizes nothing quietly.
 */
export function selectStacks(names: readonly string[], globs: readonly string[]): string[] {
  const patterns = globs.map((g) => ({
    glob: g,
    re: new RegExp(
      `^${g
        .split(/([*?])/)
        .map((p) => (p === "*" ? ".*" : p === "?" ? "." : p.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("")}$`,
    ),
  }));
  const unmatched = patterns.filter((p) => !names.some((n) => p.re.test(n)));
  if (unmatched.length > 0) {
    throw new LakehouseValidationError(
      "--stack",
      unmatched.map((p) => {
        const near = nearest(p.glob.replace(/[*?]/g, ""), names);
        return { path: p.glob, message: `matches no stack${near ? ` (did you mean ${near}?)` : ""}; the stacks are ${names.join(", ")}` };
      }),
    );
  }
  return names.filter((n) => patterns.some((p) => p.re.test(n)));
}

/** The stacks a synth of `config` with `globs` builds, in build order (all of them without globs). */
export function stacksToSynth(config: LakehouseConfig, globs?: readonly string[]): PlannedStack[] {
  const planned = plannedStacks(resolveConfig(config));
  if (!globs || globs.length === 0) return planned;
  const chosen = new Set(
    selectStacks(
      planned.map((p) => p.name),
      globs,
    ),
  );
  return planned.filter((p) => chosen.has(p.name));
}
