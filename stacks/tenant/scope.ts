import { TerraformStack } from "cdktf";
import { ResolvedEnvironment, ResolvedLakehouse, ResolvedTenant } from "../config/resolve";

/** The module stamp of what a tenant stack makes itself (its schema); modules stamp their own. */
export const TENANT_STACK_MODULE = "stacks/tenant" as const;

/** What each step of a tenant stack builds in and for: the stack, and the config resolved for it. */
export interface TenantScope {
  readonly stack: TerraformStack;
  readonly lakehouse: ResolvedLakehouse;
  readonly env: ResolvedEnvironment;
  readonly tenant: ResolvedTenant;
}
