import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { loadConfigFile } from "../../stacks/config/load";
import { chooseConfig } from "../config-file";
import { resolveConfig } from "../../stacks/config/resolve";
import { nearest } from "../../modules/core/suggest";
import { restoreBatchRoleArn, restoreStateKey, sourceRestoreNames } from "./backup";
import { MAX_RANGE_DAYS, daysInRange, parseDate, rangePrefixes } from "./range";
import { type PassReport, type RestoreDeps, type RestorePlan, RestoreInputError, restorePass } from "./run";
import { MAX_COPY_FILES, SnowflakeError, restoreTarget } from "./snowflake";
import { SnowflakeSqlApi, type SqlClient, snowflakeConnection, snowflakeSettingsOf } from "../snowflake-sql-api";
import { TIERS, type Tier } from "./state";
import { StateConflictError, VaultError } from "./vault";
import { RESTORE_COMMAND } from "./spec";
import { OptionValues } from "../command";

type Output = { write(text: string): unknown };

const DEFAULTS = { tier: "Bulk" as Tier, days: 7, pollSeconds: 900, batchThreshold: 1000, concurrency: 16 };

/**
 * `lakehouse restore`: checks the command line against the config (every mistake is a usage error
 * naming its option), then runs passes until complete, pending (one pass) or failed.
 * `usage` makes the CLI's usage error (exit 2). Resolves to the exit code.
 */
export async function restoreCommand(
  values: OptionValues,
  out: Output,
  err: Output,
  usage: (message: string) => Error,
  deps?: Partial<RestoreDeps> & { sleep?: (ms: number) => Promise<void>; adjustPlan?: (plan: RestorePlan) => RestorePlan; env?: NodeJS.ProcessEnv },
): Promise<number> {
  const planned = planFromArguments(values, usage);
  const { region, vaultRegion, dryRun, wait, pollSeconds, json } = planned;
  const plan = deps?.adjustPlan ? deps.adjustPlan(planned.plan) : planned.plan;
  const endpoint = process.env.LAKEHOUSE_AWS_ENDPOINT;
  const sf = deps?.sql ? { client: deps.sql } : snowflakeClient(values, planned.snowflakeDefaults, usage, deps?.env ?? process.env);
  const full: RestoreDeps = {
    // The vault may be in another region than the tenant's bucket (backup.region): S3 redirects to it.
    s3: deps?.s3 ?? new S3Client({ region, followRegionRedirects: true, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) }),
    // A restore job runs in the vault's region, where its objects are.
    s3control: deps?.s3control ?? (() => s3ControlClient(vaultRegion, endpoint)),
    ...(sf.client ? { sql: sf.client } : { sqlUnavailable: sf.unavailable }),
    ...(deps?.now ? { now: deps.now } : {}),
  };
  const sleep = deps?.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  try {
    let report = await restorePass(plan, full, { dryRun });
    while (wait && outcome(report) === "pending") {
      if (!json) err.write(`restore: ${progressLine(report)}; next pass in ${pollSeconds}s\n`);
      await sleep(pollSeconds * 1000);
      report = await restorePass(plan, full, { dryRun });
    }
    out.write(json ? `${JSON.stringify({ outcome: outcome(report), ...report }, null, 2)}\n` : summary(plan, report));
    return outcome(report) === "failed" ? 1 : 0;
  } catch (e) {
    if (e instanceof RestoreInputError) throw usage(`restore ${e.option}: ${e.message}`);
    if (e instanceof VaultError || e instanceof StateConflictError || e instanceof SnowflakeError) {
      err.write(`lakehouse: restore: ${e.message}\n${dryRun ? "" : "(the state keeps what was done: the same command goes on from there)\n"}`);
      return 1;
    }
    throw e;
  }
}

/**
 * The SQL API client from the options, then the environment variables, then the config (backfill's
 * settings: cli/snowflake-sql-api.ts). Without a user or key a run still requests and tracks
 * restores, and says what is missing instead of loading; an unreadable key is a usage error.
 */
export function snowflakeClient(
  values: OptionValues,
  defaults: { readonly account: string; readonly warehouse: string; readonly database: string },
  usage: (message: string) => Error,
  env: NodeJS.ProcessEnv,
): { client?: SqlClient; unavailable?: string } {
  let connection: ReturnType<typeof snowflakeConnection>;
  try {
    connection = snowflakeConnection(snowflakeSettingsOf(values), defaults, env);
  } catch (e) {
    throw usage(`restore: ${(e as Error).message}`);
  }
  if ("missing" in connection) return { unavailable: `loading needs ${connection.missing.join(" and ")}` };
  return { client: new SnowflakeSqlApi(connection, { userAgent: "security-lakehouse restore" }) };
}

/** S3 Control for batch jobs; against an emulator the account id cannot be the host's first label. */
export function s3ControlClient(region: string, endpoint: string | undefined): S3ControlClient {
  if (!endpoint) return new S3ControlClient({ region });
  const host = new URL(endpoint).hostname;
  // The SDK puts <account>.<host>; an IP address cannot take a label, so "localhost" stands in and the request goes to the host.
  const client = new S3ControlClient({ region, endpoint: endpoint.replace(host, "localhost") });
  client.middlewareStack.add(
    (next) => (args) => {
      (args.request as { hostname?: string }).hostname = host;
      return next(args);
    },
    { step: "build", name: "lakehouseEmulatorHost" },
  );
  return client;
}

export type Outcome = "complete" | "pending" | "failed";

export function outcome(r: PassReport): Outcome {
  if (r.dryRun) return r.complete ? "complete" : "pending";
  if (r.loadFailures.length > 0 || r.counts["load-failed"] > 0 || r.loadBlocked !== undefined) return "failed";
  return r.complete ? "complete" : "pending";
}

/** The restore the command line asks for, checked against the config: every mistake is `usage(…)` naming its option. */
export function planFromArguments(values: OptionValues, usage: (message: string) => Error) {
  const str = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const required = (name: string) => {
    const v = str(name);
    if (v === undefined || v === "")
      throw usage(`restore needs --${name} <${(RESTORE_COMMAND.options as Record<string, { value?: string }>)[name]?.value ?? "value"}>`);
    return v;
  };
  const envName = required("env");
  const tenantId = required("tenant");
  const sourceName = required("source");
  const fromText = required("from");
  const toText = required("to");
  const from = parseDate(fromText);
  if ("problem" in from) throw usage(`restore --from ${from.problem}`);
  const to = parseDate(toText);
  if ("problem" in to) throw usage(`restore --to ${to.problem}`);
  if (from.ms > to.ms) throw usage(`restore --from ${fromText} is after --to ${toText}`);
  const rangeDays = daysInRange(from.ms, to.ms);
  if (rangeDays.length > MAX_RANGE_DAYS)
    throw usage(`restore --from ${fromText} --to ${toText}: ${rangeDays.length} days; one restore covers at most ${MAX_RANGE_DAYS}`);
  const tierText = str("tier");
  const tier = tierText === undefined ? DEFAULTS.tier : TIERS.find((t) => t.toLowerCase() === tierText.toLowerCase());
  if (tier === undefined) throw usage(`restore --tier must be bulk, standard or expedited, not '${tierText}'`);
  const days = wholeNumber(str("days"), "--days", 1, 365, DEFAULTS.days, usage);
  const pollSeconds = wholeNumber(str("poll-seconds"), "--poll-seconds", 1, 86_400, DEFAULTS.pollSeconds, usage);
  const dryRun = values["dry-run"] === true;
  const wait = values.wait === true;
  if (dryRun && wait) throw usage("restore --dry-run and --wait do not go together (a dry run changes nothing to wait for)");

  // The config: none is a usage error; an invalid one the CLI's usual failure (exit 1, every problem listed).
  const configFile = chooseConfig(values, "restore", { offersExample: false }).file;
  const lakehouse = resolveConfig(loadConfigFile(configFile));
  const env = lakehouse.environments.find((e) => e.name === envName);
  const envNames = lakehouse.environments.map((e) => e.name);
  if (!env) throw usage(`restore --env ${envName}: no such environment in ${configFile}${hint(envName, envNames)}`);
  const tenant = env.tenants.find((t) => t.id === tenantId);
  if (!tenant)
    throw usage(
      `restore --tenant ${tenantId}: no such tenant in environment ${env.name}${hint(
        tenantId,
        env.tenants.map((t) => t.id),
      )}`,
    );
  const source = tenant.sources.find((s) => s.name === sourceName);
  if (!source)
    throw usage(
      `restore --source ${sourceName}: tenant ${tenant.id} has no such source${hint(
        sourceName,
        tenant.sources.map((s) => s.name),
      )}`,
    );
  if (source.config.wrappedRecords !== undefined) {
    throw usage(
      `restore --source ${sourceName}: its files wrap their events (${source.config.wrappedRecords}) and load through a landing table and a flattening task; restore of such sources is not built yet`,
    );
  }
  if (source.existingBucket) {
    throw usage(
      `restore --source ${sourceName}: reads the existing bucket s3://${source.bucketName}/${source.keyPrefix}, which the vault does not back up (it replicates only the tenant's own bucket); its owner keeps and restores those files`,
    );
  }
  const backup = tenant.backup;
  if (backup === undefined) {
    throw usage(
      `restore --tenant ${tenant.id}: has no backup vault in environment ${env.name} (backups come from environments[].backup, and the tenant must not set backup.enabled: false)`,
    );
  }
  if (!(tenant.config.access?.operators?.length ?? 0)) {
    throw usage(
      `restore --tenant ${tenant.id}: has no restore role (tenants[].access.operators names who may assume ${tenant.awsRolePrefix}-restore; without operators it is not made)`,
    );
  }
  const names = sourceRestoreNames(env, tenant, source);
  const target = restoreTarget(names, str("into"));
  if ("problem" in target) throw usage(`restore --into ${target.problem}`);
  const account = env.config.snowflakeAccounts.find((a) => a.region === tenant.region);
  if (!account) throw new Error(`no Snowflake account for ${tenant.region} in environment ${env.name}`); // config validation prevents this
  const stateKey = restoreStateKey(tenant.id, source.name, fromText, toText);
  const plan: RestorePlan = {
    identity: {
      environment: env.name,
      tenant: tenant.id,
      source: source.name,
      from: fromText,
      to: toText,
      vaultBucket: backup.vaultBucketName,
      keyPrefix: source.keyPrefix,
      target: target.target,
      tier,
      days,
    },
    stateBucket: tenant.bucketName,
    stateKey,
    prefixes: rangePrefixes(source.keyPrefix, from.ms, to.ms),
    rangeDays: new Set(rangeDays),
    names,
    // The tenant's account: its own (tenants[].awsAccountId) or its environment's.
    accountId: tenant.accountId,
    batch: { threshold: DEFAULTS.batchThreshold, roleArn: restoreBatchRoleArn(tenant) },
    copyBatchSize: MAX_COPY_FILES,
    restoreReady: backup.restoreReady,
    concurrency: DEFAULTS.concurrency,
  };
  const snowflakeDefaults = { account: `${account.organization}-${account.account}`, warehouse: env.backfill.warehouseName, database: env.databaseName };
  return { plan, region: tenant.region, vaultRegion: backup.region, dryRun, wait, pollSeconds, json: values.json === true, snowflakeDefaults };
}

function hint(given: string, known: readonly string[]): string {
  const near = nearest(given, known);
  return near ? `; did you mean ${near}?` : known.length > 0 ? ` (there: ${known.join(", ")})` : "";
}

function wholeNumber(text: string | undefined, option: string, min: number, max: number, fallback: number, usage: (m: string) => Error): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max)
    throw usage(`restore ${option} must be a whole number from ${min} to ${max}, not '${text}'`);
  return Number(text);
}

function size(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[u]}`;
}

function progressLine(r: PassReport): string {
  const c = r.counts;
  return `${c.loaded}/${c.total} loaded, ${c.ready} readable, ${c.restoring} restoring, ${c["batch-queued"]} in batch jobs, ${c["to-request"]} to request`;
}

const TIER_TIMES: Record<Tier, string> = {
  Bulk: "Bulk: typically within 48 hours from Deep Archive, 5-12 from Glacier",
  Standard: "Standard: typically within 12 hours from Deep Archive, 3-5 from Glacier",
  Expedited: "Expedited: typically 1-5 minutes from Glacier",
};

function summary(plan: RestorePlan, r: PassReport): string {
  const id = plan.identity;
  const c = r.counts;
  const lines = [
    `restore ${id.environment}/${id.tenant}/${id.source} ${id.from}..${id.to}: s3://${id.vaultBucket}/${id.keyPrefix} -> ${id.target} (tier ${id.tier}, restored copies kept ${id.days} days)${r.dryRun ? " [dry run]" : ""}`,
    `  objects: ${c.total} (${size(c.bytes)}); listed this run ${r.listed}, new ${r.added}`,
  ];
  if (r.dryRun) {
    lines.push(`  would request: ${r.wouldRequest ?? 0}${r.wouldBatch ? " (as one S3 Batch Operations job)" : ""}; would load: ${r.wouldLoad ?? 0}`);
    for (const s of r.sql ?? []) lines.push(`  sql: ${s.split("\n").join("\n       ")}`);
  } else {
    lines.push(
      `  this run: restore requested for ${r.requested + r.batchRequested}${r.batchRequested > 0 ? ` (${r.batchRequested} through a batch job)` : ""}, copied ${r.copied}, already in the target ${r.alreadyLoaded}`,
    );
    for (const j of r.jobs) lines.push(`  batch job ${j.index}: ${j.jobId ?? "not created yet"}${j.status ? ` (${j.status})` : ""}, ${j.keys} objects`);
  }
  lines.push(`  now: ${progressLine(r)}, ${c["load-failed"]} failed to load`);
  for (const f of r.loadFailures.slice(0, 10)) lines.push(`  not loaded: ${f.key}: ${f.error}`);
  const o = outcome(r);
  if (o === "complete") lines.push(r.dryRun ? "complete: nothing left to do" : `complete: ${c.total} objects loaded into ${id.target}`);
  else if (o === "failed") lines.push(`failed: ${r.loadBlocked ?? `${c["load-failed"]} files did not load (see above and the state)`}`);
  else {
    const waiting = c.restoring + c["batch-queued"] + c["to-request"];
    lines.push(
      r.dryRun
        ? `pending: ${c.total - c.loaded} objects not loaded yet`
        : `pending: ${waiting} objects are still being restored (${TIER_TIMES[id.tier]}); run the same command again to go on, or add --wait`,
    );
  }
  lines.push(`state: ${r.stateUri}`);
  return `${lines.join("\n")}\n`;
}
