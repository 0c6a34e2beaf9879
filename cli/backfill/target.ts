import { qualified } from "../../modules/core/naming";
import { nearest } from "../../modules/core/suggest";
import { snowpipeCopyParts } from "../../modules/snowflake/snowpipe";
import { ResolvedLakehouse } from "../../stacks/config/resolve";
import { deployRoleOf } from "../../stacks/config/names";
import { pipeLoadOf } from "../../stacks/source-pipeline";
import { BackfillTarget } from "./engine";
import { BackfillUsageError } from "./range";

export interface ResolvedBackfillTarget extends BackfillTarget {
  /** The Snowflake account of the tenant's region, `ORG-ACCOUNT`. */
  readonly snowflakeAccount: string;
  /** The BACKFILL role of the environment. */
  readonly role: string;
  /** The role Terraform deploys as in that account (who may grant the BACKFILL role). */
  readonly deployRole: string;
}

const didYouMean = (name: string, known: readonly string[]) => {
  const n = nearest(name, [...known]);
  return n ? `; did you mean ${n}?` : "";
};

/**
 * The source to backfill, from the config's names: its bucket and prefix, the pipe's COPY parts,
 * the tables that say what is loaded, and where the backfill runs. An unknown environment, tenant
 * or source is a usage error naming the option and what there is.
 */
export function backfillTarget(lakehouse: ResolvedLakehouse, envName: string, tenantId: string, sourceName: string): ResolvedBackfillTarget {
  const env = lakehouse.environments.find((e) => e.name === envName);
  const envs = lakehouse.environments.map((e) => e.name);
  if (!env) throw new BackfillUsageError(`--env: no environment '${envName}' in the config (it has ${envs.join(", ")})${didYouMean(envName, envs)}`);
  const tenant = env.tenants.find((t) => t.id === tenantId);
  const tenants = env.tenants.map((t) => t.id);
  if (!tenant)
    throw new BackfillUsageError(`--tenant: no tenant '${tenantId}' in environment ${env.name} (it has ${tenants.join(", ")})${didYouMean(tenantId, tenants)}`);
  const source = tenant.sources.find((s) => s.name === sourceName);
  const sources = tenant.sources.map((s) => s.name);
  if (!source)
    throw new BackfillUsageError(
      `--source: tenant ${tenant.id} has no source '${sourceName}' (it has ${sources.join(", ")})${didYouMean(sourceName, sources)}`,
    );
  const account = env.config.snowflakeAccounts.find((a) => a.region === tenant.region);
  if (!account) throw new Error(`no Snowflake account for ${tenant.region} in environment ${env.name}`); // config validation prevents this
  const copy = snowpipeCopyParts(pipeLoadOf(env, tenant, source));
  const table = qualified(env.databaseName, tenant.schemaName, source.tableName);
  return {
    tenant: tenant.id,
    source: source.name,
    // The tenant's bucket, or the existing bucket the source reads (listed with the caller's credentials).
    bucket: source.bucketName,
    region: tenant.region,
    keyPrefix: source.keyPrefix,
    suffix: source.config.fileSuffix,
    copy,
    // A wrapped source's pipe loads the landing table, whose cleaner purges after days; its
    // per-event table keeps SOURCE_FILE as long as the events.
    loadedTables: copy.table === table ? [table] : [copy.table, table],
    progressTable: env.backfill.progressTable,
    database: env.databaseName,
    warehouse: { name: env.backfill.warehouseName, size: env.backfill.size, autoSuspendSeconds: env.backfill.autoSuspendSeconds },
    tableRetentionDays: source.tableRetentionDays,
    snowflakeAccount: `${account.organization}-${account.account}`,
    role: env.backfill.roleName,
    deployRole: deployRoleOf(account, lakehouse.organization),
  };
}
