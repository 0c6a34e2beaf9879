import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnowflakeProvider } from "@cdktf/provider-snowflake/lib/provider";
import { Fn, TerraformVariable, Token, ref } from "cdktf";
import { deployRoleOf, monitoringRoleOf } from "../config/names";
import { awsDefaultTags, snowflakeProviderConfig } from "../providers";
import { TenantScope } from "./scope";

/**
 * The Terraform variable of a tenant stack whose AWS providers assume roles: `true` (set
 * TF_VAR_lakehouse_read_only=true for pull-request plans) makes them run as the read-only plan roles
 * instead of the deploy roles. Default false: an apply runs as the deploy roles.
 */
export const READ_ONLY_VARIABLE = "lakehouse_read_only";
/** The session name of every role the stacks' providers assume (what CloudTrail records). */
export const SESSION_NAME = "security-lakehouse";

export interface TenantProviders {
  /** The AWS provider of the tenant's region and account. */
  readonly aws: AwsProvider;
  readonly snowflake: SnowflakeProvider;
  /** Set when a provider assumes a role: `true` for a read-only plan. */
  readonly readOnly?: TerraformVariable;
  /** For a tenant in an account of its own: the role every AWS provider assumes there. */
  readonly assumeOwn?: { roleArn: string; sessionName: string }[];
  /** The role Terraform works as in the tenant's Snowflake account. */
  readonly deployRole: string;
  /** The environment's monitoring role (made by the bootstrap): the platform's monitors run as it. */
  readonly monitoringRole: string;
}

/** The tenant's AWS and Snowflake providers, in the tenant's region. */
export function tenantProviders({ stack, lakehouse, env, tenant }: TenantScope): TenantProviders {
  const accountId = tenant.accountId;
  const own = tenant.ownAccount;
  const backup = tenant.backup;
  // Providers that assume a role apply as it; a plan with TF_VAR_lakehouse_read_only=true runs as a read-only role instead.
  const readOnly =
    own || backup
      ? new TerraformVariable(stack, READ_ONLY_VARIABLE, {
          type: "bool",
          default: false,
          description: "true for a read-only plan (pull requests): the AWS providers run as the plan roles instead of assuming the deploy roles",
        })
      : undefined;
  // Ephemeral (Terraform 1.10+): not kept in a saved plan, so the apply of a plan made read-only gives it
  // again (false) and its providers assume the deploy roles; only provider blocks read it.
  readOnly?.addOverride("ephemeral", true);
  // A tenant in an account of its own: every AWS provider of its stack assumes the deploy role there.
  const assumeOwn =
    own && readOnly ? [{ roleArn: Fn.conditional(readOnly.booleanValue, own.planRoleArn, own.deployRoleArn), sessionName: SESSION_NAME }] : undefined;
  const aws = new AwsProvider(stack, "aws", {
    region: tenant.region,
    allowedAccountIds: [accountId],
    assumeRole: assumeOwn,
    defaultTags: [{ tags: awsDefaultTags(lakehouse.organization, env.name, tenant.id) }],
  });
  const account = env.config.snowflakeAccounts.find((a) => a.region === tenant.region);
  if (!account) throw new Error(`${stack.node.path}: no Snowflake account for ${tenant.region}`); // config validation prevents this
  // The deploy role and warehouse made by `lakehouse bootstrap snowflake`: a tenant stack never needs an administrator.
  const snowflake = new SnowflakeProvider(stack, "snowflake", snowflakeProviderConfig(account, lakehouse.organization));
  return {
    aws,
    snowflake,
    readOnly,
    assumeOwn,
    deployRole: deployRoleOf(account, lakehouse.organization),
    monitoringRole: monitoringRoleOf(lakehouse.organization, env.name),
  };
}

/**
 * The provider of the tenant's backup vault, when it needs one of its own: a vault in another region
 * is made with a provider of that region. The vault's policy denies its configuration to all but its
 * administrators: its resources are applied as one (the deploy role), through this provider — but for
 * a read-only plan, which refreshes them as a plan role the policy lets list the vault. A tenant in an
 * account of its own already runs as its deploy role there (an administrator of its vault).
 */
export function vaultProvider({ stack, lakehouse, env, tenant }: TenantScope, { readOnly, assumeOwn }: TenantProviders): AwsProvider | undefined {
  const backup = tenant.backup;
  const elsewhere = backup && backup.region !== tenant.region ? backup.region : undefined;
  const provider =
    backup && (elsewhere || backup.deployRoleArn)
      ? new AwsProvider(stack, "aws_backup", {
          alias: "backup",
          region: backup.region,
          allowedAccountIds: [tenant.accountId],
          assumeRole: assumeOwn,
          defaultTags: [{ tags: awsDefaultTags(lakehouse.organization, env.name, tenant.id) }],
        })
      : undefined;
  if (provider && backup?.deployRoleArn && readOnly) {
    provider.addOverride("dynamic.assume_role", {
      for_each: Fn.conditional(readOnly.booleanValue, [], [backup.deployRoleArn]),
      // The iterator's value is a reference (a token), so LiteralText keeps it an expression.
      content: { role_arn: Token.asString(ref("assume_role.value", stack)), session_name: SESSION_NAME },
    });
  }
  return provider;
}
