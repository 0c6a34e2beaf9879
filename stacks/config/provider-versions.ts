/** The provider versions a stack requires, and the check of a config's own constraints (the config schema runs it). */

/**
 * The provider versions a stack accepts, as Terraform version constraints. AWS: any 6.x from 6.34,
 * so users take provider fixes without waiting for a release. 6.34 is the floor: it is the version
 * validated here, and `expected_bucket_owner` (which the S3 modules no longer set) is not ForceNew in
 * its source while it is in 6.13's — on such a version dropping it would replace every bucket's
 * versioning, encryption, lifecycle and logging resources (6.31 deprecated it; when ForceNew went
 * is not in the provider's changelog).
 * Snowflake: exactly the version the bindings and the schema check are built from; its minor
 * releases change preview resources, so widening it is an explicit choice.
 */
export const DEFAULT_PROVIDER_VERSIONS = { aws: ">= 6.34, < 7", snowflake: "2.11.0" } as const;

/** Lowest versions the modules are correct for: a constraint must not admit anything older. */
export const PROVIDER_VERSION_FLOORS = { aws: "6.34.0", snowflake: "2.11.0" } as const;

export type ProviderVersions = { readonly [P in keyof typeof DEFAULT_PROVIDER_VERSIONS]?: string };

const VERSION = /^\d+(\.\d+){0,2}$/;
const parts = (v: string) => [...v.split(".").map(Number), 0, 0].slice(0, 3);
const compare = (a: string, b: string) => {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};

/**
 * Why a Terraform version constraint is unusable for `provider`, or undefined: it must parse
 * (`op version` terms joined by commas) and give a lower bound at or above the provider's floor.
 */
export function providerConstraintProblem(provider: keyof typeof PROVIDER_VERSION_FLOORS, constraint: string): string | undefined {
  const floor = PROVIDER_VERSION_FLOORS[provider];
  const terms = constraint.split(",").map((t) => /^\s*(=|!=|>=|>|<=|<|~>)?\s*(\S+)\s*$/.exec(t));
  const bad = terms.findIndex((m) => !m || !VERSION.test(m[2]));
  if (bad >= 0) return `'${constraint.split(",")[bad].trim()}' is not a version constraint term (e.g. ">= ${floor}", "< 7", "~> ${floor}")`;
  const lower = terms.filter((m) => [undefined, "=", ">=", ">", "~>"].includes(m![1])).map((m) => m![2]);
  if (!lower.some((v) => compare(v, floor) >= 0)) return `admits versions below ${floor}, the lowest these modules are correct for: add ">= ${floor}"`;
  return undefined;
}
