import { TerraformProvider, TerraformResource, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { EnvironmentConfig } from "./config/schema";

/** Tags every AWS resource of a stack carries (through the provider's default_tags). */
export function awsDefaultTags(organization: string, env: string, tenant?: string): Record<string, string> {
  return {
    "lakehouse:organization": organization,
    "lakehouse:environment": env,
    ...(tenant ? { "lakehouse:tenant": tenant } : {}),
    "managed-by": "security-lakehouse",
  };
}

/**
 * Snowflake provider settings for one account. Credentials never live in config: the provider reads
 * them from its environment (SNOWFLAKE_USER, SNOWFLAKE_PRIVATE_KEY, … or a profile).
 */
export function snowflakeProviderConfig(account: EnvironmentConfig["snowflakeAccounts"][number]) {
  return { organizationName: account.organization, accountName: account.account, role: account.role };
}

/**
 * The role the tenant roles are granted to: the account's configured `role` (the one Terraform works
 * as), else SYSADMIN. Upper-case, as Snowflake reports it.
 */
export function deployRoleOf(account: EnvironmentConfig["snowflakeAccounts"][number]): string {
  return (account.role ?? "SYSADMIN").toUpperCase();
}

/**
 * Binds every resource under `scope` whose type belongs to `provider` (aws_…, snowflake_…) to that
 * provider instance. A stack with one region per alias uses this instead of threading a provider
 * prop through every module. A resource a module already bound to a provider of its own keeps it.
 */
export function useProvider(scope: IConstruct, provider: TerraformProvider): void {
  const prefix = `${provider.terraformResourceType}_`;
  for (const node of scope.node.findAll()) {
    if (node instanceof TerraformResource && node.terraformResourceType.startsWith(prefix) && node.provider === undefined) node.provider = provider;
  }
}

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

/**
 * Sets `terraform.required_providers.<name>.version` of `stack` (cdktf writes the bindings' exact
 * version there otherwise). Call it on every stack that has the provider.
 */
export function requireProviderVersions(stack: TerraformStack, versions: ProviderVersions = {}): void {
  const chosen = { ...DEFAULT_PROVIDER_VERSIONS, ...versions };
  const present = new Set(stack.node.findAll().flatMap((n) => (n instanceof TerraformProvider ? [n.terraformResourceType] : [])));
  for (const [name, constraint] of Object.entries(chosen)) {
    if (present.has(name)) stack.addOverride(`terraform.required_providers.${name}.version`, constraint);
  }
}

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
