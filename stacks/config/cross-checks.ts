import { z } from "zod";
import { formatPath } from "../../modules/core/errors";
import { parseViewDefinition, viewSourceProblem } from "../../modules/snowflake/semi-structured-table/sql";
import { BACKUP_STORAGE_MINIMUM_DAYS } from "../../modules/aws/backup-vault";
import { defaultKeyPrefix, logDatabaseName, sourceTableName, tenantSchemaName } from "./names";
import { applyCatalog } from "./catalog";
import { tenantSchema } from "./tenant-schema";
import { environmentSchema } from "./environment-schema";
import { BUILT_IN_DEFAULTS, defaultsSchema } from "./defaults-schema";

/*
 * The config's checks across fields and levels, apart from its shapes: schema.ts runs them after the
 * shapes, and load.ts also on a config with shape errors.
 */

export type IssueSink = (path: (string | number)[], message: string) => void;

/**
 * Checks across fields: uniqueness, references, floors. Each problem carries its own path. It reads
 * its input defensively (`list`, `isObject`) because it also runs on configs with shape errors, so
 * that one run reports every problem (see `crossCheckProblems`).
 */
export function crossCheck(
  c: {
    organization?: string;
    environments: z.output<typeof environmentSchema>[];
    defaults?: z.output<typeof defaultsSchema>;
    tenants: z.output<typeof tenantSchema>[];
  },
  issue: IssueSink,
): void {
  tokenMarkers(c, [], issue);
  const floor = c.defaults?.retentionFloorDays ?? BUILT_IN_DEFAULTS.retentionFloorDays;
  const defaultRetention = c.defaults?.retentionDays ?? BUILT_IN_DEFAULTS.retentionDays;
  if (defaultRetention < floor) issue(["defaults", "retentionDays"], `${defaultRetention} is below the retention floor of ${floor} days`);

  const envNames = new Map<string, number>();
  list(c.environments).forEach((env, i) => {
    if (!isObject(env)) return;
    const backup = isObject(env.backup) ? env.backup : undefined;
    if (backup?.deployRoleArn !== undefined && !list(backup.adminRoleArns).includes(backup.deployRoleArn))
      issue(["environments", i, "backup", "deployRoleArn"], "must be one of adminRoleArns: the vaults' policy denies their configuration to every other role");
    const first = envNames.get(env.name);
    if (first !== undefined) issue(["environments", i, "name"], `duplicate environment '${env.name}' (also environments[${first}])`);
    else envNames.set(env.name, i);
    const envPath = ["environments", i];
    const alerts = isObject(env.alertDelivery) ? env.alertDelivery : undefined;
    const subscriptions = list(isObject(alerts?.sns) ? alerts.sns.subscriptions : undefined);
    unique(
      subscriptions,
      (sub) => (isObject(sub) ? `${sub.protocol} ${sub.endpoint}` : undefined),
      [...envPath, "alertDelivery", "sns", "subscriptions"],
      "subscription",
      issue,
    );
    unique(
      list(isObject(alerts?.email) ? alerts.email.recipients : undefined),
      String,
      [...envPath, "alertDelivery", "email", "recipients"],
      "recipient",
      issue,
    );
    unique(list(isObject(env.backup) ? env.backup.adminRoleArns : undefined), String, [...envPath, "backup", "adminRoleArns"], "role", issue);
    unique(list(isObject(env.backup) ? env.backup.planRoleArns : undefined), String, [...envPath, "backup", "planRoleArns"], "role", issue);
    if (isObject(env.logGuard)) {
      unique(list(env.logGuard.targetIds), String, [...envPath, "logGuard", "targetIds"], "target", issue);
      unique(list(env.logGuard.exemptRoleArns), String, [...envPath, "logGuard", "exemptRoleArns"], "role", issue);
    }
    const regions = new Map<string, number>();
    list(env.snowflakeAccounts).forEach((acct, j) => {
      if (!isObject(acct)) return;
      const seen = regions.get(acct.region);
      if (seen !== undefined)
        issue(["environments", i, "snowflakeAccounts", j, "region"], `duplicate region '${acct.region}' (also snowflakeAccounts[${seen}])`);
      else regions.set(acct.region, j);
    });
  });

  const tenantIds = new Map<string, number>();
  list(c.tenants).forEach((tenant, t) => {
    if (!isObject(tenant)) return;
    const first = tenantIds.get(tenant.id);
    if (first !== undefined) issue(["tenants", t, "id"], `duplicate tenant id '${tenant.id}' (also tenants[${first}])`);
    else tenantIds.set(tenant.id, t);

    const tenantRetention = tenant.retentionDays ?? defaultRetention;
    if (tenant.retentionDays !== undefined && tenant.retentionDays < floor)
      issue(["tenants", t, "retentionDays"], `${tenant.retentionDays} is below the retention floor of ${floor} days`);

    unique(list(tenant.environments), String, ["tenants", t, "environments"], "environment", issue);
    if (isObject(tenant.access))
      for (const key of ["readers", "operators"] as const) unique(list(tenant.access[key]), String, ["tenants", t, "access", key], "role", issue);
    const envs = tenant.environments !== undefined ? list(tenant.environments) : [...envNames.keys()];
    list(tenant.environments).forEach((name, e) => {
      if (!envNames.has(name)) issue(["tenants", t, "environments", e], `unknown environment '${name}'`);
    });
    for (const name of envs) {
      const env = c.environments[envNames.get(name) ?? -1];
      if (env && !list(env.snowflakeAccounts).some((a) => isObject(a) && a.region === tenant.region))
        issue(["tenants", t, "region"], `no Snowflake account for region '${tenant.region}' in environment '${name}' (data stays in the tenant's region)`);
      if (env && tenant.awsAccountId !== undefined && tenant.awsAccountId === env.awsAccountId)
        issue(["tenants", t, "awsAccountId"], `is environment '${name}''s own account: leave awsAccountId out for a tenant in its environment's account`);
    }
    if (tenant.awsAccountId === undefined)
      for (const key of ["deployRoleName", "planRoleName"] as const)
        if (tenant[key] !== undefined)
          issue(["tenants", t, key], "only with awsAccountId (a tenant in its environment's account is applied as the environment's role)");

    const sourceNames = new Map<string, number>();
    const prefixes: { prefix: string; index: number }[] = [];
    /** Per source: whether its files land in the tenant's own bucket (not an existingBucket). */
    const ownBucketSources: boolean[] = [];
    /** Organization trails named by the tenant's sources, by ARN: the source index. */
    const trails = new Map<string, number>();
    list(tenant.sources).forEach((stated, s) => {
      if (!isObject(stated)) return;
      const path = ["tenants", t, "sources", s];
      const source = applyCatalog(stated);
      if (isObject(source) && source.eventTimeField === undefined)
        issue([...path, "eventTimeField"], "required: the JSON path of each event's time (or a type whose catalog entry gives it)");
      if (isObject(source) && source.fileFormat === "parquet")
        for (const key of ["jsonArray", "wrappedRecords"] as const)
          if (source[key] !== undefined) issue([...path, key], "is for JSON files; this source's files are Parquet (fileFormat: parquet)");
      if (isObject(source) && source.wrappedRecords !== undefined && list(tenant.sources).some((o) => isObject(o) && o.name === `${source.name}_files`))
        issue([...path, "wrappedRecords"], `needs the table name ${source.name}_files for its landing table, but another source has that name`);
      const seen = sourceNames.get(source.name);
      if (seen !== undefined) issue([...path, "name"], `duplicate source '${source.name}' (also sources[${seen}])`);
      else sourceNames.set(source.name, s);

      // A source on an existing bucket has nothing in the tenant's bucket: no prefix there, no retention, no writer.
      const existing = isObject(source.existingBucket) ? source.existingBucket : undefined;
      if (existing) {
        ownBucketSources.push(false);
        checkExistingBucket(source, existing, tenant, path, issue);
      } else {
        ownBucketSources.push(true);
        const prefix = String(source.keyPrefix ?? defaultKeyPrefix(String(source.name)));
        const overlap = prefixes.find((p) => p.prefix.startsWith(prefix) || prefix.startsWith(p.prefix));
        if (overlap)
          issue(
            [...path, source.keyPrefix ? "keyPrefix" : "name"],
            `key prefix '${prefix}' overlaps sources[${overlap.index}] ('${overlap.prefix}'); S3 notifications and retention need disjoint prefixes`,
          );
        prefixes.push({ prefix, index: s });
      }

      const retention = source.retentionDays ?? tenantRetention;
      if (source.retentionDays !== undefined && source.retentionDays < floor)
        issue([...path, "retentionDays"], `${source.retentionDays} is below the retention floor of ${floor} days`);
      if (source.tableRetentionDays !== undefined && source.tableRetentionDays > retention && !existing)
        issue(
          [...path, "tableRetentionDays"],
          `${source.tableRetentionDays} days in Snowflake but S3 keeps the files only ${retention} days: S3 may keep longer, never shorter`,
        );
      const transitions = existing ? [] : (source.transitions ?? c.defaults?.transitions ?? []);
      list(transitions).forEach((tr, k) => {
        if (!isObject(tr)) return;
        if (tr.days >= retention)
          issue(
            [...path, source.transitions ? "transitions" : "retentionDays", ...(source.transitions ? [k, "days"] : [])],
            `transition to ${tr.storageClass} at day ${tr.days} is not before the retention of ${retention} days`,
          );
        if ((tr.storageClass === "STANDARD_IA" || tr.storageClass === "ONEZONE_IA") && tr.days < 30)
          issue([...path, "transitions", k, "days"], `${tr.storageClass} needs at least 30 days`);
      });

      if (isObject(source.views) && typeof source.name === "string" && typeof tenant.id === "string") {
        // A view may name its table's database only where the tenant has one database.
        const databases =
          typeof c.organization === "string"
            ? envs.filter((e): e is string => typeof e === "string" && envNames.has(e)).map((e) => logDatabaseName(c.organization!, e))
            : [];
        const own = { databases, schema: tenantSchemaName(tenant.id), table: sourceTableName(source.name) };
        for (const [name, view] of Object.entries(source.views)) {
          const parsed = typeof view === "string" ? parseViewDefinition(view) : undefined;
          const problem = parsed && !("problem" in parsed) ? viewSourceProblem(parsed.from, own) : undefined;
          if (problem) issue([...path, "views", name], problem);
        }
      }

      unique(list(source.searchOptimizationPaths), String, [...path, "searchOptimizationPaths"], "path", issue);
      const d = source.delivery;
      if (isObject(d)) {
        unique(list(d.writerRoleArns), String, [...path, "delivery", "writerRoleArns"], "role", issue);
        if (isObject(d.firehose)) unique(list(d.firehose.producerRoleArns), String, [...path, "delivery", "firehose", "producerRoleArns"], "role", issue);
      }
      if (!isObject(d)) {
        issue([...path, "delivery"], "required: how the files arrive (or a type whose catalog entry gives it)");
        return;
      }
      if (d.kind === undefined) issue([...path, "delivery", "kind"], "required: native, puller, firehose or kafka (or a type whose catalog entry gives it)");
      if (d.kind === "native" && !d.servicePrincipal && !d.writerRoleArns?.length && !existing)
        issue([...path, "delivery"], "native delivery needs the servicePrincipal (or writerRoleArns) that writes the files");
      if (d.organizationTrail !== undefined) {
        if (d.kind !== undefined && d.kind !== "native")
          issue([...path, "delivery", "organizationTrail"], `only for native delivery by CloudTrail (this source is ${d.kind})`);
        else if (d.servicePrincipal !== "cloudtrail.amazonaws.com")
          issue(
            [...path, "delivery", "organizationTrail"],
            `needs servicePrincipal cloudtrail.amazonaws.com (or type cloudtrail): an organization trail is CloudTrail's${d.servicePrincipal ? `, not ${d.servicePrincipal}'s` : ""}`,
          );
        if (existing)
          issue(
            [...path, "delivery", "organizationTrail"],
            "the source reads an existing bucket: which trail writes there is its owner's bucket policy, not the lakehouse's",
          );
        const trail = d.organizationTrail.trailArn;
        const seen = trails.get(trail);
        if (seen !== undefined)
          issue([...path, "delivery", "organizationTrail", "trailArn"], `trail ${trail} also writes sources[${seen}]: a trail delivers to one bucket prefix`);
        else trails.set(trail, s);
      }
      if (d.kind !== "native" && d.kind !== undefined && d.servicePrincipal)
        issue([...path, "delivery", "servicePrincipal"], `only native delivery writes as a service; a ${d.kind} writes with writerRoleArns`);
      if (d.kind !== "firehose" && d.kind !== undefined && d.firehose !== undefined)
        issue([...path, "delivery", "firehose"], `only for kind firehose (this source is ${d.kind})`);
      if (d.kind === "firehose" && isObject(d.firehose) && d.firehose.source !== "kinesis") {
        for (const key of ["stream", "producerRoleArns"] as const)
          if (d.firehose[key] !== undefined)
            issue(
              [...path, "delivery", "firehose", key],
              "only for source kinesis (a direct-PUT delivery stream has no resource policy: grant producers firehose:PutRecordBatch in their own policies)",
            );
      }
      if (d.kind !== "kafka" && d.kind !== undefined && d.kafka !== undefined)
        issue([...path, "delivery", "kafka"], `only for kind kafka (this source is ${d.kind})`);
      if (d.kind === "kafka") {
        for (const key of ["puller", "options"] as const)
          if (d[key] !== undefined) issue([...path, "delivery", key], "only for kind puller (this source is kafka)");
        if (!d.kafka && d.scheduleMinutes !== undefined)
          issue([...path, "delivery", "scheduleMinutes"], "needs delivery.kafka (without it the source only grants writerRoleArns)");
      } else if (d.kind !== "puller" && d.kind !== undefined) {
        for (const key of ["puller", "options"] as const)
          if (d[key] !== undefined) issue([...path, "delivery", key], `only for kind puller (this source is ${d.kind})`);
        if (d.scheduleMinutes !== undefined) issue([...path, "delivery", "scheduleMinutes"], `only for kinds puller and kafka (this source is ${d.kind})`);
      } else if (d.puller) {
        const o = d.options ?? {};
        const need = (key: keyof typeof o, what: string) => {
          if (o[key] === undefined) issue([...path, "delivery", "options", key], `required for the ${d.puller} puller (${what})`);
        };
        if (d.puller === "google-workspace") {
          need("subject", "the admin the service account impersonates");
          need("applications", "the Reports applications to pull");
          if (o.orgUrl !== undefined) issue([...path, "delivery", "options", "orgUrl"], "only for the okta puller");
        } else {
          need("orgUrl", "https://<org>.okta.com");
          for (const key of ["subject", "applications"] as const)
            if (o[key] !== undefined) issue([...path, "delivery", "options", key], "only for the google-workspace puller");
        }
      } else {
        for (const key of ["scheduleMinutes", "options"] as const)
          if (d[key] !== undefined) issue([...path, "delivery", key], "needs delivery.puller (without it the source only grants writerRoleArns)");
      }
    });
    if (ownBucketSources.length > 0 && !ownBucketSources.includes(true))
      issue(
        ["tenants", t, "sources"],
        "every source reads an existing bucket: at least one must land in the tenant's own bucket, which is made for every tenant and states its retention per source",
      );
    if (tenant.objectLock && tenant.objectLock.days > tenantRetention)
      issue(
        ["tenants", t, "objectLock", "days"],
        `locks objects for ${tenant.objectLock.days} days, longer than the tenant's retention of ${tenantRetention} days`,
      );
    checkBackup(c, tenant, t, envs, tenantRetention, floor, issue);
  });
  checkExistingBucketReaders(c, issue);
}

/**
 * A source on an existing bucket: its files are someone else's, delivered by them (native), kept by
 * their lifecycle, in the tenant's region. What the tenant's bucket would state for it is refused,
 * naming where it belongs.
 */
function checkExistingBucket(
  source: Record<string, unknown>,
  existing: Record<string, unknown>,
  tenant: z.output<typeof tenantSchema>,
  path: (string | number)[],
  issue: IssueSink,
): void {
  const why = "the source reads an existing bucket";
  if (source.keyPrefix !== undefined)
    issue([...path, "keyPrefix"], `is where files land in the tenant's bucket, but ${why}: its files are under existingBucket.prefix`);
  for (const key of ["retentionDays", "transitions"] as const)
    if (source[key] !== undefined)
      issue([...path, key], `${why}, whose owner keeps its files (its lifecycle, not the lakehouse's); tableRetentionDays sets how long the table keeps rows`);
  const d = isObject(source.delivery) ? source.delivery : undefined;
  if (d?.kind !== undefined && d.kind !== "native")
    issue(
      [...path, "delivery", "kind"],
      `must be native: ${why}, and the library builds no ${d.kind} to write into a bucket it does not own (its owner's delivery writes there)`,
    );
  if (d?.writerRoleArns !== undefined)
    issue([...path, "delivery", "writerRoleArns"], `${why}: who writes there is its owner's bucket policy, which the lakehouse does not make`);
  const key = typeof existing.kmsKeyArn === "string" ? existing.kmsKeyArn.split(":")[3] : undefined;
  if (key !== undefined && key !== tenant.region)
    issue(
      [...path, "existingBucket", "kmsKeyArn"],
      `is a key in ${key}, but the bucket is in the tenant's region ${tenant.region} (S3 encrypts only with keys of the bucket's region)`,
    );
}

/**
 * Every pipe reading an existing bucket needs an event notification on it to its own queue, and S3
 * refuses two notifications of one event type with overlapping prefixes (REFERENCE.md, AWS ↔ Snowflake
 * wiring): two pipes — two sources, or one tenant's source in two environments — may not read
 * overlapping prefixes of one bucket.
 */
function checkExistingBucketReaders(
  c: { environments: z.output<typeof environmentSchema>[]; tenants: z.output<typeof tenantSchema>[] },
  issue: IssueSink,
): void {
  const readers: { bucket: string; prefix: string; env: string; at: (string | number)[] }[] = [];
  const allEnvs = list(c.environments)
    .filter(isObject)
    .map((e) => e.name);
  list(c.tenants).forEach((tenant, t) => {
    if (!isObject(tenant)) return;
    const envs = tenant.environments !== undefined ? list(tenant.environments) : allEnvs;
    list(tenant.sources).forEach((source, s) => {
      const e = isObject(source) && isObject(source.existingBucket) ? source.existingBucket : undefined;
      if (!e || typeof e.name !== "string" || typeof e.prefix !== "string") return;
      const at = ["tenants", t, "sources", s, "existingBucket", "prefix"];
      for (const env of envs) {
        const other = readers.find((r) => r.bucket === e.name && (r.prefix.startsWith(e.prefix) || e.prefix.startsWith(r.prefix)));
        if (other) {
          const who =
            formatPath(other.at) === formatPath(at)
              ? `this source in environment '${other.env}' too`
              : `${formatPath(other.at)} ('${other.prefix}', environment '${other.env}')`;
          issue(
            at,
            `s3://${e.name}/${e.prefix} (environment '${env}') overlaps ${who}: each pipe needs an event notification on the bucket, and S3 refuses two with overlapping prefixes`,
          );
          return;
        }
        readers.push({ bucket: e.name, prefix: e.prefix, env, at });
      }
    });
  });
}

/**
 * Entries of a list that each become a construct or a policy entry of their own must be unique: a
 * duplicate would otherwise pass validation and then crash synth ("There is already a Construct with
 * name …"). Each later duplicate is reported at its own path, naming the first.
 */
function unique<T>(entries: readonly T[], keyOf: (entry: T) => string | undefined, path: (string | number)[], what: string, issue: IssueSink): void {
  const first = new Map<string, number>();
  entries.forEach((entry, i) => {
    const key = keyOf(entry);
    if (key === undefined) return;
    const seen = first.get(key);
    if (seen !== undefined) issue([...path, i], `duplicate ${what} '${key}' (also ${formatPath([...path, seen])})`);
    else first.set(key, i);
  });
}

/**
 * cdktf's token markers (`${TfToken[…]}` and its list and map forms): the synthesizer would take
 * one for a reference of its own and resolve it, so config text that spells one could never stay
 * text (docs/config-strings.md). Config is data: no string or key of it is a token.
 */
const TOKEN_MARKER = /[$#&]\{TfToken\[/;

function tokenMarkers(value: unknown, path: (string | number)[], issue: IssueSink): void {
  const message = "contains a cdktf token marker (TfToken[…]): config strings are text, never references";
  if (typeof value === "string") {
    if (TOKEN_MARKER.test(value)) issue(path, message);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => tokenMarkers(v, [...path, i], issue));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (TOKEN_MARKER.test(k)) issue([...path, k], message);
      tokenMarkers(v, [...path, k], issue);
    }
  }
}

/** A tenant's backup in each of its environments: turned on by the environment, retention within the class's and the lock's bounds. */
function checkBackup(
  c: { environments: z.output<typeof environmentSchema>[]; tenants: z.output<typeof tenantSchema>[] },
  tenant: z.output<typeof tenantSchema>,
  t: number,
  envs: readonly string[],
  tenantRetention: number,
  floor: number,
  issue: IssueSink,
): void {
  const b = isObject(tenant.backup) ? tenant.backup : undefined;
  const path = ["tenants", t, "backup"];
  if (b?.enabled === false && !b.disabledReason)
    issue([...path, "disabledReason"], "required with enabled: false: a tenant without a backup is a decision to write down");
  if (b?.disabledReason && b.enabled !== false) issue([...path, "disabledReason"], "only with enabled: false");
  if (b?.enabled === false) return;
  for (const name of envs) {
    const env = list(c.environments).find((e) => isObject(e) && e.name === name);
    if (!env) continue;
    if (!isObject(env.backup)) {
      if (b) issue(path, `environment '${name}' has no backup (environments[].backup with its adminRoleArns turns backups on)`);
      continue;
    }
    // A tenant in an account of its own makes its vault's access-log bucket itself, and its alarms have no topic to reach.
    if (b?.region !== undefined && b.region !== tenant.region && tenant.awsAccountId === undefined) {
      const tenantRegions = new Set(
        list(c.tenants)
          .filter((o) => isObject(o) && (o.environments ?? list(c.environments).map((e) => e.name)).includes(name))
          .map((o) => o.region),
      );
      if (!tenantRegions.has(b.region))
        issue(
          [...path, "region"],
          `no tenant of environment '${name}' is in ${b.region}, so it has no access-log bucket or alert topic there for the vault (regions with tenants: ${[...tenantRegions].sort().join(", ")})`,
        );
    }
    const storageClass = b?.storageClass ?? env.backup.storageClass ?? "DEEP_ARCHIVE";
    const days = b?.retentionDays ?? env.backup.retentionDays ?? tenantRetention;
    const where = b?.retentionDays !== undefined ? [...path, "retentionDays"] : b?.storageClass !== undefined ? [...path, "storageClass"] : path;
    // A value the tenant's backup did not write says where it came from, so the fix is found there.
    const envIndex = list(c.environments).indexOf(env);
    const daysFrom =
      b?.retentionDays !== undefined
        ? ""
        : env.backup.retentionDays !== undefined
          ? formatPath(["environments", envIndex, "backup", "retentionDays"])
          : tenant.retentionDays !== undefined
            ? formatPath(["tenants", t, "retentionDays"])
            : "the default retention (defaults.retentionDays)";
    const classFrom =
      b?.storageClass !== undefined
        ? ""
        : env.backup.storageClass !== undefined
          ? formatPath(["environments", envIndex, "backup", "storageClass"])
          : "the default backup class";
    const inherited = [daysFrom && `days from ${daysFrom}`, classFrom && `${storageClass} from ${classFrom}`].filter(Boolean);
    const from = inherited.length > 0 ? ` (inherited: ${inherited.join("; ")})` : "";
    const minimum = BACKUP_STORAGE_MINIMUM_DAYS[storageClass];
    const lockDays = env.backup.objectLock?.days ?? floor;
    if (days < minimum)
      issue(
        where,
        `backups kept ${days} days in ${storageClass} (environment '${name}'), which bills at least ${minimum} days: keep them longer or choose another storageClass${from}`,
      );
    // Below the floor already reported where the tenant's retention is written: not again here.
    const floorReported = daysFrom === formatPath(["tenants", t, "retentionDays"]);
    if (days < floor && !floorReported) issue(where, `backups kept ${days} days (environment '${name}'), below the retention floor of ${floor} days${from}`);
    if (days < lockDays)
      issue(where, `backups kept ${days} days (environment '${name}'), but the vault's object lock holds every version ${lockDays} days${from}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/** The array at `v`, or none if a shape error left something else there (already reported). */
function list<T>(v: readonly T[] | undefined): readonly T[] {
  return Array.isArray(v) ? v : [];
}
