import { TerraformProvider, TerraformResource, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { DEFAULT_PROVIDER_VERSIONS, type ProviderVersions } from "./config/provider-versions";
import type { EnvironmentConfig } from "./config/schema";

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
