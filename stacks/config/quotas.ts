import { ResolvedEnvironment, ResolvedTenant, resolveConfig } from "./resolve";
import { AWS_QUOTA_LIMITS, LakehouseConfig } from "./schema";

/**
 * What the config puts into each AWS account that AWS limits per account: IAM roles (default quota
 * 1,000, hard limit 5,000) and reserved Lambda concurrency per region (the regional pool, 1,000 by
 * default, of which Lambda keeps 100 unreserved). Counted from the resolved config with the same rules
 * the stacks build by; test/stacks.test.ts checks the counts against synthesized stacks.
 */
export interface AccountFootprint {
  readonly accountId: string;
  readonly iamRoles: number;
  /** Reserved concurrent executions, per region. */
  readonly reservedConcurrency: ReadonlyMap<string, number>;
  /** Where the config puts the account (its first mention): an environment's or a tenant's awsAccountId. */
  readonly path: readonly (string | number)[];
}

const isPuller = (t: ResolvedTenant) => t.sources.filter((s) => s.config.delivery.kind === "puller" && s.config.delivery.puller).length;
const isKafka = (t: ResolvedTenant) => t.sources.filter((s) => s.config.delivery.kind === "kafka" && s.config.delivery.kafka).length;
const isFirehose = (t: ResolvedTenant) => t.sources.filter((s) => s.config.delivery.kind === "firehose" && s.config.delivery.firehose).length;

/**
 * IAM roles one tenant stack makes: per source its Snowflake access role; per puller and per Kafka
 * consumer a function role and a scheduler role; per delivery stream its role; with a backup vault
 * the replication role; the read role with readers; with operators the ops role, and with a vault the
 * restore and batch-restore roles.
 */
export function tenantIamRoles(tenant: ResolvedTenant): number {
  const operators = (tenant.config.access?.operators?.length ?? 0) > 0;
  const readers = (tenant.config.access?.readers?.length ?? 0) > 0;
  const vault = tenant.backup !== undefined;
  return (
    tenant.sources.length +
    2 * isPuller(tenant) +
    2 * isKafka(tenant) +
    isFirehose(tenant) +
    (vault ? 1 : 0) +
    (readers ? 1 : 0) +
    (operators ? 1 + (vault ? 2 : 0) : 0)
  );
}

/** Concurrent executions one tenant stack reserves in its region: one per puller and Kafka consumer (never two runs at once). */
export function tenantReservedConcurrency(tenant: ResolvedTenant): number {
  return isPuller(tenant) + isKafka(tenant);
}

/** IAM roles a platform stack makes in its environment's account: the alert publisher role per region with SNS delivery. */
export function platformIamRoles(env: ResolvedEnvironment): number {
  return env.config.alertDelivery?.sns ? env.regions.length : 0;
}

/** Every AWS account the config uses, with what it receives, in the order the config first names them. */
export function awsFootprints(config: LakehouseConfig): AccountFootprint[] {
  const lakehouse = resolveConfig(config);
  const accounts = new Map<string, { iamRoles: number; reservedConcurrency: Map<string, number>; path: (string | number)[] }>();
  const account = (id: string, path: (string | number)[]) => {
    let a = accounts.get(id);
    if (!a) accounts.set(id, (a = { iamRoles: 0, reservedConcurrency: new Map(), path }));
    return a;
  };
  lakehouse.environments.forEach((env, i) => {
    account(env.accountId, ["environments", i, "awsAccountId"]).iamRoles += platformIamRoles(env);
    for (const tenant of env.tenants) {
      const t = config.tenants.findIndex((c) => c.id === tenant.id);
      const a = account(tenant.accountId, tenant.ownAccount ? ["tenants", t, "awsAccountId"] : ["environments", i, "awsAccountId"]);
      a.iamRoles += tenantIamRoles(tenant);
      const reserved = tenantReservedConcurrency(tenant);
      if (reserved > 0) a.reservedConcurrency.set(tenant.region, (a.reservedConcurrency.get(tenant.region) ?? 0) + reserved);
    }
  });
  return [...accounts].map(([accountId, a]) => ({ accountId, ...a }));
}

const n = (x: number) => x.toLocaleString("en-US");

/**
 * The accounts the config would put over an AWS quota, each naming the count, the quota and the fix:
 * tenants in accounts of their own (`tenants[].awsAccountId`), or a raised quota stated in `awsQuotas`.
 */
export function quotaProblems(config: LakehouseConfig): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const footprints = awsFootprints(config);
  for (const id of Object.keys(config.awsQuotas ?? {}))
    if (!footprints.some((f) => f.accountId === id))
      problems.push({ path: ["awsQuotas", id], message: `no environment or tenant of this config is in AWS account ${id}` });
  for (const f of footprints) {
    const raised = config.awsQuotas?.[f.accountId];
    const roleQuota = raised?.iamRoles ?? AWS_QUOTA_LIMITS.iamRolesDefault;
    if (f.iamRoles > roleQuota) {
      const raise =
        roleQuota < AWS_QUOTA_LIMITS.iamRolesHard && f.iamRoles <= AWS_QUOTA_LIMITS.iamRolesHard
          ? `, or raise the account's IAM roles quota (at most ${n(AWS_QUOTA_LIMITS.iamRolesHard)}) and state it in awsQuotas."${f.accountId}".iamRoles`
          : "";
      problems.push({
        path: [...f.path],
        message:
          `AWS account ${f.accountId} would hold ${n(f.iamRoles)} IAM roles made by this config, over its quota of ${n(roleQuota)} ` +
          `(AWS's default is ${n(AWS_QUOTA_LIMITS.iamRolesDefault)}, its hard limit ${n(AWS_QUOTA_LIMITS.iamRolesHard)}; roles made outside this config count too): ` +
          `put tenants in AWS accounts of their own (tenants[].awsAccountId)${raise}`,
      });
    }
    const pool = raised?.lambdaConcurrentExecutions ?? AWS_QUOTA_LIMITS.lambdaConcurrencyDefault;
    const reservable = pool - AWS_QUOTA_LIMITS.unreservedConcurrencyMinimum;
    for (const [region, reserved] of [...f.reservedConcurrency].sort()) {
      if (reserved <= reservable) continue;
      problems.push({
        path: [...f.path],
        message:
          `AWS account ${f.accountId} would reserve ${n(reserved)} concurrent Lambda executions in ${region} (one per puller and Kafka consumer), ` +
          `but Lambda keeps ${n(AWS_QUOTA_LIMITS.unreservedConcurrencyMinimum)} of the region's ${n(pool)} unreserved, so at most ${n(reservable)} can be reserved: ` +
          `put tenants in AWS accounts of their own (tenants[].awsAccountId), or raise the account's concurrency quota in ${region} and state it in awsQuotas."${f.accountId}".lambdaConcurrentExecutions`,
      });
    }
  }
  return problems;
}
