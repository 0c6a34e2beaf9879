import { TerraformProvider, TerraformResource, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { DEFAULT_PROVIDER_VERSIONS, type ProviderVersions } from "./config/provider-versions";
import type { EnvironmentConfig } from "./config/environment-schema";
import { deployRoleOf, deployWarehouseOf } from "./config/names";

/** Tags every AWS resource of a stack carries (through the provider's default_tags). */
export function awsDefaultTags(organization: string, env: string, tenant?: string): Record<string, string> {
  return {
    "lakehouse:organization": organization,
    "lakehouse:environment": env,
    ...(tenant ? { "lakehouse:tenant": tenant } : {}),
    "managed-by": "security-lakehouse",
  };
}

type SnowflakeAccountConfig = EnvironmentConfig["snowflakeAccounts"][number];

/**
 * Snowflake provider settings for one account: the deploy role and warehouse. Credentials never live
 * in config: the provider reads them from its environment (SNOWFLAKE_USER, SNOWFLAKE_PRIVATE_KEY, … or
 * a profile).
 */
export function snowflakeProviderConfig(account: SnowflakeAccountConfig, organization: string) {
  return {
    organizationName: account.organization,
    accountName: account.account,
    role: deployRoleOf(account, organization),
    warehouse: deployWarehouseOf(account, organization),
  };
}

/**
 * The role of the platform stacks' second provider (alias `<region>_account_admin`), bound to the
 * resource monitors and their assignment to warehouses alone: only account administrators may create
 * a resource monitor (CREATE RESOURCE MONITOR) or assign one (provider docs, resources/warehouse.md).
 */
export const ACCOUNT_ADMIN_ROLE = "ACCOUNTADMIN";

/** Settings of that provider: the same account, as ACCOUNTADMIN; no warehouse (nothing it runs needs one). */
export function accountAdminProviderConfig(account: SnowflakeAccountConfig) {
  return { organizationName: account.organization, accountName: account.account, role: ACCOUNT_ADMIN_ROLE };
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
