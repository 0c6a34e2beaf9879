import { join } from "node:path";
import { Testing } from "cdktf";
import { MODULE_VERSIONS } from "../modules/core/versions";
import { buildLakehouse, withoutTokenStackTraces } from "../stacks/synth/build";
import { loadConfigFile, parseConfig } from "../stacks/config/load";
import { awsFootprints } from "../stacks/config/quotas";
import { LakehouseConfigInput } from "../stacks/config/schema";
import { resolveConfig } from "../stacks/config/resolve";
import { PLATFORM_OUTPUTS, TENANT_OUTPUTS } from "../stacks/outputs";
import { minimalConfig } from "./support/fixtures";
import { SynthJson, onlyResource, resourcesOf, stampOf, statementsBySid } from "./support/synth";

const DEFAULT = loadConfigFile(join(__dirname, "..", "examples", "default", "lakehouse.yaml"));

function synthAll(config = DEFAULT) {
  const app = Testing.app();
  const built = buildLakehouse(app, config);
  const json = (stack: { toTerraform(): unknown }) => {
    Testing.synth(stack as never);
    return JSON.parse(JSON.stringify(stack.toTerraform())) as SynthJson;
  };
  return {
    platform: Object.fromEntries(built.platform.map((s) => [s.node.id, json(s)])),
    tenants: Object.fromEntries(built.tenants.map((s) => [s.node.id, json(s)])),
    built,
  };
}

/** Freezes a synthesized stack's JSON, so a test that would change what the next one reads fails instead. */
function frozen<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

let defaultSynth: ReturnType<typeof synthAll> | undefined;
/** The default config's stacks, synthesized once for the describe blocks of this file that read them (frozen JSON). */
function synthDefault(): ReturnType<typeof synthAll> {
  if (!defaultSynth) {
    const synth = synthAll();
    defaultSynth = { platform: frozen(synth.platform), tenants: frozen(synth.tenants), built: synth.built };
  }
  return defaultSynth;
}

/** The one resource of a type that a tenant stack's log bucket (or its key, `LogKey`) owns, beside the backup vault's. */
function tenantOwn(json: SynthJson, type: string, owner: "LogBucket" | "LogKey" = "LogBucket"): Record<string, unknown> {
  const own = Object.entries(json.resource[type] ?? {}).filter(([name]) => name.startsWith(`${owner}_`));
  if (own.length !== 1) throw new Error(`expected one ${type} of ${owner}, found ${own.length}`);
  return own[0][1];
}

describe("stacks from the default config", () => {
  const { platform, tenants, built } = synthDefault();

  test("one platform stack per environment and one stack per tenant per environment", () => {
    expect(Object.keys(platform)).toEqual(["platform-prod"]);
    expect(Object.keys(tenants)).toEqual(["tenant-globex-prod", "tenant-initech-prod", "tenant-umbrella-prod", "tenant-hooli-prod"]);
    for (const t of built.tenants) expect(t.dependencies.map((d) => d.node.id)).toEqual(["platform-prod"]);
  });

  test("a tenant's AWS provider and Snowflake account are in the tenant's region (data locality)", () => {
    const initech = tenants["tenant-initech-prod"];
    expect(initech.provider!.aws[0]).toMatchObject({ region: "eu-west-1", allowed_account_ids: ["111111111111"] });
    expect(initech.provider!.snowflake[0]).toMatchObject({ organization_name: "ACMEORG", account_name: "SECLAKE_EU" });
    expect(tenants["tenant-globex-prod"].provider!.aws[0]).toMatchObject({ region: "us-east-1" });
    expect(tenants["tenant-globex-prod"].provider!.snowflake[0]).toMatchObject({ account_name: "SECLAKE_US" });
  });

  test("the Snowflake provider enables exactly the preview resources the stack uses", () => {
    expect(tenants["tenant-globex-prod"].provider!.snowflake[0].preview_features_enabled).toEqual([
      "snowflake_file_format_resource",
      "snowflake_pipe_resource",
      "snowflake_procedure_sql_resource",
      "snowflake_stage_resource",
      "snowflake_storage_integration_resource",
      "snowflake_table_resource",
    ]);
    const platformFeatures = ["snowflake_email_notification_integration_resource", "snowflake_notification_integration_resource", "snowflake_table_resource"];
    const deploying = platform["platform-prod"].provider!.snowflake.filter((p) => !String(p.alias).endsWith("_account_admin"));
    expect(deploying.map((p) => p.preview_features_enabled)).toEqual([platformFeatures, platformFeatures]);
  });

  test("every Snowflake provider works as the deploy role, on the deploy warehouse; ACCOUNTADMIN only for resource monitors and their assignment", () => {
    const deploy = { role: "ACME_LAKEHOUSE_DEPLOYER", warehouse: "ACME_LAKEHOUSE_DEPLOY" };
    for (const json of Object.values(tenants)) expect(json.provider!.snowflake).toEqual([expect.objectContaining(deploy)]);
    const providers = platform["platform-prod"].provider!.snowflake;
    expect(providers.map((p) => [p.alias, p.role, p.warehouse]).sort()).toEqual([
      ["eu_west_1", "ACME_LAKEHOUSE_DEPLOYER", "ACME_LAKEHOUSE_DEPLOY"],
      ["eu_west_1_account_admin", "ACCOUNTADMIN", undefined],
      ["us_east_1", "ACME_LAKEHOUSE_DEPLOYER", "ACME_LAKEHOUSE_DEPLOY"],
      ["us_east_1_account_admin", "ACCOUNTADMIN", undefined],
    ]);
    const asAdmin = Object.entries(platform["platform-prod"].resource).flatMap(([type, byName]) =>
      Object.values(byName)
        .filter((r) => String(r.provider).endsWith("_account_admin"))
        .map((r) =>
          type === "snowflake_execute"
            ? String(r.execute)
                .replace(/ [A-Z_]+ SET/, " <wh> SET")
                .replace(/= [A-Z_]+$/, "= <monitor>")
            : type,
        ),
    );
    expect(asAdmin.sort()).toEqual([...Array(4).fill("ALTER WAREHOUSE <wh> SET RESOURCE_MONITOR = <monitor>"), ...Array(4).fill("snowflake_resource_monitor")]);
  });

  test("the platform's tasks are handed over to the monitoring role, which may write the alert store and send through the integrations", () => {
    const json = platform["platform-prod"];
    for (const region of ["us_east_1", "eu_west_1"]) {
      const tasks = resourcesOf(json, "snowflake_task")
        .filter((t) => t.provider === `snowflake.${region}`)
        .map((t) => `"${t.database}"."${t.schema}"."${t.name}"`);
      const handed = resourcesOf(json, "snowflake_grant_ownership").filter((g) => g.provider === `snowflake.${region}`);
      expect(tasks).toHaveLength(6);
      expect(handed.map((g) => (g.on as { object_name: string }).object_name).sort()).toEqual(tasks.sort());
      for (const g of handed) expect(g).toMatchObject({ account_role_name: "ACME_PROD_MONITORING", outbound_privileges: "COPY", on: { object_type: "TASK" } });
    }
    const monitoring = resourcesOf(json, "snowflake_grant_privileges_to_account_role").filter(
      (g) => g.account_role_name === "ACME_PROD_MONITORING" && g.provider === "snowflake.us_east_1",
    );
    const describe = (g: Record<string, unknown>) =>
      `${(g.privileges as string[]).join("+")} ON ${(g.on_account_object as { object_name?: string } | undefined)?.object_name ?? (g.on_schema as { schema_name?: string } | undefined)?.schema_name ?? (g.on_schema_object as { object_name: string }).object_name}`;
    expect(monitoring.map(describe).sort()).toEqual([
      'INSERT+SELECT ON "ACME_LOGS_PROD"."MONITORING"."ALERT_SUPPRESSIONS"',
      'INSERT+SELECT ON "ACME_LOGS_PROD"."MONITORING"."MONITOR_EVENTS"',
      'INSERT+SELECT+UPDATE ON "ACME_LOGS_PROD"."MONITORING"."ALERTS"',
      'USAGE ON "ACME_LOGS_PROD"."MONITORING"',
      "USAGE ON ACME_LOGS_PROD",
      "USAGE ON ACME_PROD_ALERTS_EMAIL",
      "USAGE ON ACME_PROD_ALERTS_SNS",
    ]);
  });

  test("every tenant stack holds, for every source: prefix + notification, role, integration, table, views and pipe", () => {
    for (const [name, json] of Object.entries(tenants)) {
      const tenantId = name.split("-")[1];
      const tenant = DEFAULT.tenants.find((t) => t.id === tenantId)!;
      const notification = onlyResource(json, "aws_s3_bucket_notification") as { queue: { filter_prefix: string; queue_arn: string }[] };
      const lifecycle = tenantOwn(json, "aws_s3_bucket_lifecycle_configuration") as { rule: { filter: { prefix: string }[] }[] };
      for (const source of tenant.sources) {
        const prefix = source.existingBucket?.prefix ?? source.keyPrefix ?? `${source.name}/`;
        const table = source.name.toUpperCase();
        const q = notification.queue.find((x) => x.filter_prefix === prefix);
        // A source on an existing bucket has no notification or retention in the tenant's bucket (its own test below).
        if (source.existingBucket) {
          expect([q, lifecycle.rule.some((r) => r.filter[0].prefix === prefix)]).toEqual([undefined, false]);
        } else {
          expect(q?.queue_arn).toMatch(new RegExp(`snowflake_pipe\\.Source_${source.name}_Pipe_[0-9A-F]+\\.notification_channel`));
          expect(lifecycle.rule.some((r) => r.filter[0].prefix === prefix)).toBe(true);
        }
        expect(resourcesOf(json, "aws_iam_role").some((r) => String(r.name).includes(`-${source.name.replace(/_/g, "_")}-snowflake`))).toBe(true);
        expect(resourcesOf(json, "snowflake_storage_integration").some((r) => (r.storage_allowed_locations as string[])[0].endsWith(`/${prefix}`))).toBe(true);
        expect(resourcesOf(json, "snowflake_table").some((r) => r.name === table)).toBe(true);
        expect(resourcesOf(json, "snowflake_pipe").some((r) => r.name === `${table}_PIPE`)).toBe(true);
        for (const view of Object.keys(source.views ?? {})) expect(resourcesOf(json, "snowflake_view").some((r) => r.name === view)).toBe(true);
        const tasks = resourcesOf(json, "snowflake_task").map((t) => t.name);
        expect(tasks).toEqual(expect.arrayContaining([`${table}_CANARY`, `${table}_CLEANER`]));
      }
    }
  });

  test("every resource is stamped with a module and version", () => {
    for (const json of [...Object.values(tenants), ...Object.values(platform)]) {
      for (const type of Object.keys(json.resource)) {
        for (const r of resourcesOf(json, type)) expect(stampOf(r)).toMatch(/^(aws|snowflake|stacks)\/[a-z-]+@\d+\.\d+\.\d+$/);
      }
    }
  });

  test("a source's role reads only its own prefix of its own tenant's bucket", () => {
    const json = tenants["tenant-globex-prod"];
    const policies = resourcesOf(json, "aws_iam_role_policy").map((p) => statementsBySid(p.policy));
    const okta = policies.find((s) => JSON.stringify(s.ReadObjectsUnderPrefixes?.Resource ?? "").includes("/okta/"))!;
    expect(okta.ReadObjectsUnderPrefixes.Resource).toEqual(["arn:aws:s3:::acme-prod-globex-111111111111-logs/okta/*"]);
    expect(okta.DecryptWithBucketKey.Resource).toMatch(/aws_kms_key\.LogKey_[0-9A-F]+\.arn/);
  });

  test("the integration names the role ARN from its known name, and the role trusts the integration's user", () => {
    const json = tenants["tenant-globex-prod"];
    const integration = resourcesOf(json, "snowflake_storage_integration").find((r) => r.name === "ACME_PROD_GLOBEX_OKTA_S3")!;
    expect(integration.storage_aws_role_arn).toBe("arn:aws:iam::111111111111:role/acme-prod-globex-okta-snowflake");
    const role = resourcesOf(json, "aws_iam_role").find((r) => r.name === "acme-prod-globex-okta-snowflake")!;
    expect(JSON.stringify(statementsBySid(role.assume_role_policy))).toMatch(
      /snowflake_storage_integration\.Source_okta_Integration_[0-9A-F]+\.storage_aws_iam_user_arn/,
    );
  });

  test("the compliance tenant's bucket has object lock and CloudTrail may write its prefix", () => {
    const json = tenants["tenant-initech-prod"];
    expect(tenantOwn(json, "aws_s3_bucket_object_lock_configuration")).toMatchObject({ rule: { default_retention: { mode: "COMPLIANCE", days: 365 } } });
    const s = statementsBySid(tenantOwn(json, "aws_s3_bucket_policy").policy);
    expect(s.WriterCloudtrailServicePut.Principal).toEqual({ Service: "cloudtrail.amazonaws.com" });
    // Globex's log bucket has no object lock (only its backup vault does).
    expect(Object.keys(tenants["tenant-globex-prod"].resource.aws_s3_bucket_object_lock_configuration)).toEqual([
      expect.stringMatching(/^BackupVault_ObjectLock_/),
    ]);
  });

  test("the tenant bucket logs to the platform's access-log bucket of the same region", () => {
    const logging = tenantOwn(tenants["tenant-initech-prod"], "aws_s3_bucket_logging");
    const buckets = resourcesOf(platform["platform-prod"], "aws_s3_bucket").map((b) => b.bucket);
    expect(buckets).toContain(logging.target_bucket);
    expect(String(logging.target_bucket)).toContain("eu-west-1");
  });

  test("platform: per region an access-log bucket on that region's provider and the log database", () => {
    const json = platform["platform-prod"];
    expect(json.provider!.aws.filter((p) => p.alias !== "management").map((p) => [p.alias, p.region])).toEqual([
      ["eu_west_1", "eu-west-1"],
      ["us_east_1", "us-east-1"],
    ]);
    const bucket = resourcesOf(json, "aws_s3_bucket").find((b) => String(b.bucket).includes("eu-west-1"))!;
    expect(bucket.provider).toBe("aws.eu_west_1");
    const dbs = resourcesOf(json, "snowflake_database");
    expect(dbs.map((d) => [d.name, d.provider])).toEqual([
      ["ACME_LOGS_PROD", "snowflake.eu_west_1"],
      ["ACME_LOGS_PROD", "snowflake.us_east_1"],
    ]);
    expect(dbs[0].comment).toBe(`Security logs of acme prod [stacks/platform@${MODULE_VERSIONS["stacks/platform"]}]`);
  });

  test("canaries raise alerts through their tenant's procedure; cleaners use the source's table retention", () => {
    const json = tenants["tenant-globex-prod"];
    const okta = resourcesOf(json, "snowflake_task").filter((t) => String(t.name).startsWith("OKTA_"));
    expect(okta.find((t) => t.name === "OKTA_CANARY")).toMatchObject({ schedule: { using_cron: "*/5 * * * * UTC" } });
    expect(String(okta.find((t) => t.name === "OKTA_CANARY")!.sql_statement)).toContain(
      "CALL ACME_LOGS_PROD.MONITORING.RAISE_ALERT_GLOBEX('LOG_CANARY', 'HIGH', 'ACME_LOGS_PROD.GLOBEX.OKTA', (",
    );
    expect(String(okta.find((t) => t.name === "OKTA_CANARY")!.sql_statement)).not.toContain("INSERT");
    expect(okta.find((t) => t.name === "OKTA_CLEANER")!.sql_statement).toBe(
      "DELETE FROM ACME_LOGS_PROD.GLOBEX.OKTA WHERE PARSE_TIME < DATEADD(day, -180, CURRENT_TIMESTAMP())",
    );
    const tables = resourcesOf(platform["platform-prod"], "snowflake_table").map((t) => `${t.schema}.${t.name}`);
    expect(tables).toEqual(expect.arrayContaining(["MONITORING.ALERTS", "MONITORING.ALERT_SUPPRESSIONS", "MONITORING.MONITOR_EVENTS"]));
  });

  test("each tenant has its own Snowflake roles on its schema and AWS roles on its prefixes", () => {
    const json = tenants["tenant-umbrella-prod"];
    expect(
      resourcesOf(json, "snowflake_account_role")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["ACME_PROD_UMBRELLA_ANALYST", "ACME_PROD_UMBRELLA_PIPELINE", "ACME_PROD_UMBRELLA_READER"]);
    // The deploying role keeps only OPERATE (and MONITOR on pipes) on the pipes and tasks it hands over.
    const deployers = resourcesOf(json, "snowflake_grant_privileges_to_account_role").filter((g) => g.account_role_name === "ACME_LAKEHOUSE_DEPLOYER");
    expect(new Set(deployers.map((g) => `${(g.on_schema_object as { object_type: string }).object_type} ${(g.privileges as string[]).join("+")}`))).toEqual(
      new Set(["PIPE MONITOR+OPERATE", "TASK OPERATE"]),
    );
    const scopes = new Set(
      resourcesOf(json, "snowflake_grant_privileges_to_account_role")
        .filter((g) => g.account_role_name !== "ACME_LAKEHOUSE_DEPLOYER")
        .map((g) => {
          const o = g.on_schema_object as { object_name?: string; all?: { in_schema: string }; future?: { in_schema: string } } | undefined;
          if (g.on_account) return "ACCOUNT";
          return (
            o?.object_name ??
            o?.all?.in_schema ??
            o?.future?.in_schema ??
            (g.on_schema as { schema_name?: string } | undefined)?.schema_name ??
            (g.on_account_object as { object_name: string }).object_name
          );
        }),
    );
    // Its own schema, the shared database and warehouse, the monitoring schema and its own alert procedure
    // (never the alert store's tables), its own integration; account: EXECUTE TASK.
    const procedure = resourcesOf(json, "snowflake_procedure_sql");
    expect(procedure.map((p) => p.name)).toEqual(["RAISE_ALERT_UMBRELLA"]);
    expect([...scopes].sort()).toEqual([
      '"ACME_LOGS_PROD"."MONITORING"',
      '"ACME_LOGS_PROD"."UMBRELLA"',
      expect.stringMatching(/^\$\{snowflake_procedure_sql\.AlertWriter_Procedure_[0-9A-F]+\.fully_qualified_name\}$/),
      "ACCOUNT",
      "ACME_LOGS_PROD",
      "ACME_PROD_QUERY_WH",
      "ACME_PROD_UMBRELLA_EDR_S3",
      "ACME_PROD_UMBRELLA_GSUITE_AUDIT_S3",
    ]);
    const warehouseGrant = resourcesOf(json, "snowflake_grant_privileges_to_account_role").find(
      (g) => (g.on_account_object as { object_type?: string } | undefined)?.object_type === "WAREHOUSE",
    )!;
    expect(warehouseGrant.privileges).toEqual(["USAGE"]);
    expect(String(warehouseGrant.account_role_name)).toContain("READER");
    expect(
      resourcesOf(platform["platform-prod"], "snowflake_warehouse")
        .map((w) => w.name)
        .sort(),
    ).toEqual(["ACME_PROD_BACKFILL_WH", "ACME_PROD_BACKFILL_WH", "ACME_PROD_QUERY_WH", "ACME_PROD_QUERY_WH"]);
    const ops = resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "ops-tenant-logs")!;
    expect(statementsBySid(ops.policy).ReadObjectsUnderPrefixes.Resource).toEqual([
      "arn:aws:s3:::acme-prod-umbrella-111111111111-logs/gsuite_audit/*",
      "arn:aws:s3:::acme-prod-umbrella-111111111111-logs/edr/*",
    ]);
    // Roles for the named principals only: umbrella names operators, no readers.
    expect(
      resourcesOf(json, "aws_iam_role")
        .map((r) => r.name)
        .filter((n) => /-(read|ops|restore)$/.test(String(n)))
        .sort(),
    ).toEqual(["acme-prod-umbrella-ops", "acme-prod-umbrella-restore"]);
  });

  test("backfill: per Snowflake account a warehouse, monitor, BACKFILL role and progress table on that account's provider; each tenant grants the role its own schema only", () => {
    const p = platform["platform-prod"];
    for (const region of ["us_east_1", "eu_west_1"]) {
      const provider = `snowflake.${region}`;
      const wh = resourcesOf(p, "snowflake_warehouse").find((w) => w.name === "ACME_PROD_BACKFILL_WH" && w.provider === provider)!;
      expect(wh).toMatchObject({ warehouse_size: "XSMALL", auto_suspend: 60 });
      // The monitor, and its assignment, are an account administrator's.
      expect(
        resourcesOf(p, "snowflake_resource_monitor").find((m) => m.name === "ACME_PROD_BACKFILL_WH_MONITOR" && m.provider === `${provider}_account_admin`),
      ).toMatchObject({ credit_quota: 20 });
      expect(
        resourcesOf(p, "snowflake_execute").find(
          (e) =>
            e.execute === "ALTER WAREHOUSE ACME_PROD_BACKFILL_WH SET RESOURCE_MONITOR = ACME_PROD_BACKFILL_WH_MONITOR" &&
            e.provider === `${provider}_account_admin`,
        ),
      ).toBeDefined();
      expect(resourcesOf(p, "snowflake_table").find((t) => t.name === "PROGRESS" && t.provider === provider)).toMatchObject({
        database: "ACME_LOGS_PROD",
        schema: "BACKFILL",
      });
      expect(resourcesOf(p, "snowflake_grant_account_role").find((g) => String(g.role_name).includes(`Backfill_${region}_Role`))).toMatchObject({
        parent_role_name: "ACME_LAKEHOUSE_DEPLOYER",
      });
    }
    for (const [stackName, json] of Object.entries(tenants)) {
      const schema = `"ACME_LOGS_PROD"."${stackName.split("-")[1].toUpperCase()}"`;
      const grants = resourcesOf(json, "snowflake_grant_privileges_to_account_role").filter((g) => g.account_role_name === "ACME_PROD_BACKFILL");
      expect(grants).toHaveLength(7);
      for (const g of grants) {
        const o = g.on_schema_object as { all?: { in_schema: string }; future?: { in_schema: string } } | undefined;
        expect(o?.all?.in_schema ?? o?.future?.in_schema ?? (g.on_schema as { schema_name: string }).schema_name).toBe(schema);
        // FUTURE grants right after the schema (the objects wait for them); ALL grants after every object too.
        if (o?.all)
          expect(g.depends_on).toEqual(
            expect.arrayContaining(["snowflake_schema.TenantSchema", expect.stringMatching(/^snowflake_table\./), expect.stringMatching(/^snowflake_task\./)]),
          );
        else expect(g.depends_on).toEqual(["snowflake_schema.TenantSchema"]);
      }
    }
  });

  test("every object in a tenant schema is handed over to the tenant's pipeline role, once its grants exist, and made after the schema's FUTURE grants", () => {
    for (const [stackName, json] of Object.entries(tenants)) {
      const role = `ACME_PROD_${stackName.split("-")[1].toUpperCase()}_PIPELINE`;
      // The tenant's alert procedure (in MONITORING) goes to the monitoring role, whose rights it runs with.
      const [procedure] = Object.keys(json.resource.snowflake_procedure_sql);
      const toMonitoring = resourcesOf(json, "snowflake_grant_ownership").filter((g) => g.account_role_name === "ACME_PROD_MONITORING");
      expect(toMonitoring.map((g) => g.on)).toEqual([
        { object_type: "PROCEDURE", object_name: `\${snowflake_procedure_sql.${procedure}.fully_qualified_name}` },
      ]);
      const handovers = resourcesOf(json, "snowflake_grant_ownership").filter((g) => g.account_role_name !== "ACME_PROD_MONITORING");
      const handed = handovers.map(
        (g) => `${(g.on as { object_type: string }).object_type} ${(g.on as { object_name: string }).object_name.replace(/"/g, "")} -> ${g.account_role_name}`,
      );
      const future = Object.entries(json.resource.snowflake_grant_privileges_to_account_role)
        .filter(([, g]) => (g.on_schema_object as { future?: unknown } | undefined)?.future)
        .map(([name]) => `snowflake_grant_privileges_to_account_role.${name}`);
      expect(future).toHaveLength(6);
      const created = [
        ...[
          "TABLE:snowflake_table",
          "VIEW:snowflake_view",
          "FILE FORMAT:snowflake_file_format",
          "STAGE:snowflake_stage",
          "STREAM:snowflake_stream_on_table",
          "PIPE:snowflake_pipe",
          "TASK:snowflake_task",
        ].flatMap((entry) => {
          const [type, resourceType] = entry.split(":");
          return resourcesOf(json, resourceType).map((r) => `${type} ${r.database}.${r.schema}.${r.name} -> ${role}`);
        }),
      ];
      expect(created.length).toBeGreaterThanOrEqual(7);
      expect(handed.sort()).toEqual(created.sort());
      for (const h of handovers) {
        const deps = (h.depends_on as string[]).join(" ");
        expect(deps).toContain("snowflake_account_role.SnowflakeRoles_PIPELINE");
        expect(deps).toContain("snowflake_grant_account_role.SnowflakeRoles_PIPELINEToParent");
        expect(deps).toContain("SnowflakeRoles_PipelineExecuteTasks");
        expect(h.outbound_privileges).toBe("COPY");
      }
      // Tables, stages, file formats, pipes (their own) wait for the FUTURE grants.
      for (const type of ["snowflake_table", "snowflake_stage", "snowflake_file_format"]) {
        for (const r of resourcesOf(json, type)) expect(r.depends_on).toEqual(expect.arrayContaining(future));
      }
    }
  });

  test("the tamper monitor expects exactly each cleaner's purge — its pipeline role, its own table, DELETE, its own task — in the cleaner's region, and alert delivery's stamps", () => {
    const monitorOf = (region: string) =>
      String(
        resourcesOf(platform["platform-prod"], "snowflake_task").find((t) => t.name === "LOG_TABLE_CHANGES_MONITOR" && t.provider === `snowflake.${region}`)!
          .sql_statement,
      );
    const expectedRows = (region: string) =>
      [...monitorOf(region).matchAll(/\('([^']*)', '([^']*)', '([^']*)', '([^']*)'\)/g)].map((m) => m.slice(1).join(" "));
    const cleanerRows: Record<string, string[]> = { us_east_1: [], eu_west_1: [] };
    for (const [stackName, json] of Object.entries(tenants)) {
      const tenant = stackName.split("-")[1].toUpperCase();
      const region = json.provider!.aws[0].region === "us-east-1" ? "us_east_1" : "eu_west_1";
      for (const cleaner of resourcesOf(json, "snowflake_task").filter((t) => String(t.name).endsWith("_CLEANER"))) {
        // The platform names each cleaner's table and task from config: they must be the tenant stack's own.
        const table = /^DELETE FROM (\S+) WHERE /.exec(String(cleaner.sql_statement))![1];
        cleanerRows[region].push(`ACME_PROD_${tenant}_PIPELINE ${table} DELETE ${cleaner.database}.${cleaner.schema}.${cleaner.name}`);
      }
    }
    for (const region of ["us_east_1", "eu_west_1"]) {
      // Delivery's stamps are made by its task's owner: the monitoring role, which the platform's tasks are handed to.
      expect(expectedRows(region).sort()).toEqual(
        [...cleanerRows[region], "ACME_PROD_MONITORING ACME_LOGS_PROD.MONITORING.ALERTS UPDATE ACME_LOGS_PROD.MONITORING.ALERT_DELIVERY"].sort(),
      );
    }
    expect(cleanerRows.us_east_1.length).toBeGreaterThanOrEqual(8);
    // No role is exempt from everything, nothing is matched on statement text.
    expect(monitorOf("us_east_1")).not.toMatch(/'\*', '\*', '\*'|QUERY_TEXT/);
  });

  test("tenant isolation in the synthesized grants: no tenant role holds a privilege on the alert store, and each pipeline role may call only its own tenant's procedure", () => {
    const stacks = [...Object.values(platform), ...Object.values(tenants)];
    for (const json of stacks) {
      // The environment's monitoring role is no tenant's: it runs the monitors, delivery and the tenants' procedures.
      for (const g of resourcesOf(json, "snowflake_grant_privileges_to_account_role").filter((x) => x.account_role_name !== "ACME_PROD_MONITORING")) {
        const target = JSON.stringify([g.on_schema_object, g.on_schema, g.on_account_object]);
        expect(target).not.toMatch(/ALERTS|ALERT_SUPPRESSIONS|MONITOR_EVENTS|all.*MONITORING|future.*MONITORING/);
      }
    }
    for (const [stackName, json] of Object.entries(tenants)) {
      const tenant = stackName.split("-")[1].toUpperCase();
      const procedures = Object.entries(json.resource.snowflake_procedure_sql ?? {});
      expect(procedures.map(([, p]) => [p.name, p.execute_as])).toEqual([[`RAISE_ALERT_${tenant}`, "OWNER"]]);
      const onProcedures = resourcesOf(json, "snowflake_grant_privileges_to_account_role").filter(
        (g) => (g.on_schema_object as { object_type?: string } | undefined)?.object_type === "PROCEDURE",
      );
      expect(onProcedures.map((g) => [g.account_role_name, g.privileges, (g.on_schema_object as { object_name: string }).object_name])).toEqual([
        [`ACME_PROD_${tenant}_PIPELINE`, ["USAGE"], `\${snowflake_procedure_sql.${procedures[0][0]}.fully_qualified_name}`],
      ]);
      // The procedure only ever writes this tenant's alerts about this tenant's schema.
      expect(String(procedures[0][1].procedure_definition)).toContain(`STARTSWITH(SUBJECT, 'ACME_LOGS_PROD.${tenant}.')`);
    }
  });

  test("the suspended-task monitor expects exactly the canaries switched off in config", () => {
    const monitors = resourcesOf(platform["platform-prod"], "snowflake_task").filter((t) => t.name === "SUSPENDED_TASKS_MONITOR");
    expect(monitors.map((m) => m.provider).sort()).toEqual(["snowflake.eu_west_1", "snowflake.us_east_1"]);
    const eu = String(monitors.find((m) => m.provider === "snowflake.eu_west_1")!.sql_statement);
    expect(eu).toMatch(/^BEGIN\n {2}SHOW TASKS IN DATABASE ACME_LOGS_PROD;\n {2}INSERT INTO ACME_LOGS_PROD\.MONITORING\.ALERTS/);
    expect(eu).toContain(`NOT IN ('ACME_LOGS_PROD.INITECH.OKTA_CANARY')`);
    expect(String(monitors.find((m) => m.provider === "snowflake.us_east_1")!.sql_statement)).not.toContain("NOT IN");
  });

  test("the log guard SCP is made through the management account's provider and covers the environment's buckets", () => {
    const json = platform["platform-prod"];
    const management = json.provider!.aws.find((p) => p.alias === "management")!;
    expect(management).toMatchObject({ region: "us-east-1", assume_role: [{ role_arn: "arn:aws:iam::999999999999:role/lakehouse-organizations-admin" }] });
    const policy = resourcesOf(json, "aws_organizations_policy")[0];
    expect(policy.provider).toBe("aws.management");
    expect(statementsBySid(policy.content).ProtectLogBuckets.Resource).toBe("arn:aws:s3:::acme-prod-*");
    for (const stack of Object.values(tenants)) {
      for (const b of resourcesOf(stack, "aws_s3_bucket")) expect(String(b.bucket).startsWith("acme-prod-")).toBe(true);
    }
  });

  test("alert delivery: an encrypted topic per region that only Snowflake's role publishes to, e-mail, and the delivery task", () => {
    const json = platform["platform-prod"];
    const topics = resourcesOf(json, "aws_sns_topic");
    expect(topics.map((t) => [t.name, t.provider]).sort()).toEqual([
      ["acme-prod-lakehouse-alerts", "aws.eu_west_1"],
      ["acme-prod-lakehouse-alerts", "aws.us_east_1"],
    ]);
    for (const t of topics) expect(String(t.kms_master_key_id)).toMatch(/aws_kms_key\.AlertTopic_.*\.arn/);
    const integration = resourcesOf(json, "snowflake_notification_integration").find((i) => i.provider === "snowflake.eu_west_1")!;
    expect(integration).toMatchObject({
      name: "ACME_PROD_ALERTS_SNS",
      notification_provider: "AWS_SNS",
      aws_sns_topic_arn: "arn:aws:sns:eu-west-1:111111111111:acme-prod-lakehouse-alerts",
      aws_sns_role_arn: "arn:aws:iam::111111111111:role/acme-prod-eu-west-1-snowflake-alerts",
    });
    const role = resourcesOf(json, "aws_iam_role").find((r) => r.name === "acme-prod-eu-west-1-snowflake-alerts")!;
    expect(JSON.stringify(statementsBySid(role.assume_role_policy))).toMatch(
      /snowflake_notification_integration\.AlertDelivery_eu_west_1_Sns_[0-9A-F]+\.aws_sns_external_id/,
    );
    const subscriptions = resourcesOf(json, "aws_sns_topic_subscription").filter((s) => s.provider === "aws.eu_west_1");
    expect(subscriptions.map((s) => [s.protocol, s.endpoint]).sort()).toEqual([
      ["email", "soc-oncall@acme.example"],
      ["https", "https://alerts.acme.example/lakehouse"],
    ]);
    expect(resourcesOf(json, "snowflake_email_notification_integration")[0]).toMatchObject({ allowed_recipients: ["secops@acme.example"], enabled: true });
    const task = resourcesOf(json, "snowflake_task").find((t) => t.name === "ALERT_DELIVERY" && t.provider === "snowflake.eu_west_1")!;
    expect(String(task.sql_statement)).toContain("SNOWFLAKE.NOTIFICATION.INTEGRATION('ACME_PROD_ALERTS_SNS')");
    expect(String(task.sql_statement)).toContain(
      "UPDATE ACME_LOGS_PROD.MONITORING.ALERTS SET DELIVERED_AT = CURRENT_TIMESTAMP() WHERE DELIVERED_AT IS NULL AND SNS_DELIVERED_AT IS NOT NULL AND EMAIL_DELIVERED_AT IS NOT NULL",
    );
    expect((task.depends_on as string[]).some((d) => d.startsWith("aws_iam_role_policy.AlertTopic_eu_west_1_PublisherPolicy"))).toBe(true);
  });

  test("the audit trail records object events on every log bucket, into its own encrypted bucket that CloudTrail may write", () => {
    const json = platform["platform-prod"];
    const trail = resourcesOf(json, "aws_cloudtrail")[0];
    expect(trail).toMatchObject({
      provider: "aws.eu_west_1",
      s3_bucket_name: "acme-prod-111111111111-audit-trail",
      is_multi_region_trail: true,
      enable_log_file_validation: true,
    });
    expect(JSON.stringify(trail.advanced_event_selector)).toContain("arn:aws:s3:::acme-prod-");
    const policy = resourcesOf(json, "aws_s3_bucket_policy").find((p) => String(p.bucket).includes("AuditTrailBucket"))!;
    expect(statementsBySid(policy.policy).WriterCloudtrailServicePut.Principal).toEqual({ Service: "cloudtrail.amazonaws.com" });
    expect((trail.depends_on as string[])[0]).toMatch(/^aws_s3_bucket_policy\.AuditTrailBucket_Policy/);
  });

  test("backups: each tenant's bucket replicates whole into a vault of its own in its region, which the audit trail covers and the restore role reads", () => {
    const trail = resourcesOf(platform["platform-prod"], "aws_cloudtrail")[0];
    const objectEvents = (trail.advanced_event_selector as { field_selector: { field: string; starts_with?: string[]; not_starts_with?: string[] }[] }[])[0]
      .field_selector;
    const arns = objectEvents.find((f) => f.field === "resources.ARN")!;
    const audited = arns.starts_with![0].replace("arn:aws:s3:::", "");
    // The tenants in the environment's account (hooli, in an account of its own, has its own test below).
    for (const [name, json] of Object.entries(tenants).filter(([n]) => n !== "tenant-hooli-prod")) {
      const tenant = name.split("-")[1];
      const vault = resourcesOf(json, "aws_s3_bucket").find((b) => String(b.bucket).endsWith("-backup"))!;
      expect(vault.bucket).toBe(`acme-prod-${tenant}-111111111111-backup`);
      // The audit trail's data events cover every bucket of the environment by name prefix, the vault too.
      expect(String(vault.bucket).startsWith(audited)).toBe(true);
      expect(arns.not_starts_with!.some((excluded) => `arn:aws:s3:::${String(vault.bucket)}/`.startsWith(excluded))).toBe(false);
      const replication = resourcesOf(json, "aws_s3_bucket_replication_configuration");
      expect(replication).toHaveLength(1);
      const logBucket = Object.entries(json.resource.aws_s3_bucket).find(([, b]) => String(b.bucket).endsWith("-logs"))![0];
      expect(replication[0].bucket).toBe(`\${aws_s3_bucket.${logBucket}.id}`);
      expect(replication[0].role).toMatch(/^\$\{aws_iam_role\.BackupVault_ReplicationRole_.*\.arn\}$/);
      const rules = replication[0].rule as Record<string, Record<string, unknown>>[];
      for (const rule of rules)
        expect(rule.destination).toMatchObject({ bucket: `arn:aws:s3:::${vault.bucket}`, storage_class: tenant === "initech" ? "GLACIER_IR" : "DEEP_ARCHIVE" });
      // The logs, prefix by prefix — the bucket's retention prefixes — never the state kept outside them (issue 16, item 10).
      const lifecycle = resourcesOf(json, "aws_s3_bucket_lifecycle_configuration").find((l) => l.bucket === `\${aws_s3_bucket.${logBucket}.id}`)!;
      const logPrefixes = (lifecycle.rule as { filter: { prefix: string }[]; expiration?: unknown }[])
        .filter((r) => r.expiration)
        .map((r) => r.filter[0].prefix);
      expect(rules.map((r) => r.filter.prefix)).toEqual(logPrefixes);
      expect(logPrefixes.some((x) => x.startsWith("_puller-state") || x.startsWith("_restore-state"))).toBe(false);
      // The vault's alarms go to the environment's alert topic in the tenant's region.
      const alarms = resourcesOf(json, "aws_cloudwatch_metric_alarm").filter((a) => String(a.alarm_name).startsWith(String(vault.bucket)));
      expect(alarms.map((a) => String(a.alarm_name).split("-").slice(-2).join("-")).sort()).toEqual(["backup-stale", "replication-failed"]);
      const region = tenant === "globex" ? "us-east-1" : "eu-west-1";
      for (const a of alarms) expect(a.alarm_actions).toEqual([`arn:aws:sns:${region}:111111111111:acme-prod-lakehouse-alerts`]);
      // The restore role is the vault's only reader besides replication and the administrators.
      const restoreRole = resourcesOf(json, "aws_iam_role").find((r) => r.name === `acme-prod-${tenant}-restore`);
      expect(restoreRole).toBeDefined();
      const vaultPolicy = statementsBySid(resourcesOf(json, "aws_s3_bucket_policy").find((p) => String(p.policy).includes("DenyDeletesAndLockBypass"))!.policy);
      const sid = `Deny${tenant.charAt(0).toUpperCase()}${tenant.slice(1)}ObjectsExceptOwnRoles`;
      const readers =
        tenant === "initech" ? ["okta", "cloudtrail", "firewall"].map((src) => `arn:aws:iam::111111111111:role/acme-prod-${tenant}-${src}-snowflake`) : [];
      expect(vaultPolicy[sid].Condition).toEqual({
        ArnNotLike: {
          "aws:PrincipalArn": [
            `arn:aws:iam::111111111111:role/acme-prod-${tenant}-backup-replication`,
            `arn:aws:iam::111111111111:role/acme-prod-${tenant}-restore`,
            `arn:aws:iam::111111111111:role/acme-prod-${tenant}-restore-batch`,
            ...readers,
            "arn:aws:iam::111111111111:role/lakehouse-deployer",
            "arn:aws:iam::111111111111:role/break-glass",
          ],
        },
      });
      // Applied as the deploy role: the vault's resources are on a provider that assumes it (but for a read-only plan).
      const backupProvider = json.provider!.aws.find((p) => p.alias === "backup")!;
      expect(backupProvider).toMatchObject({ region, allowed_account_ids: ["111111111111"] });
      expect(backupProvider.dynamic).toEqual({
        assume_role: {
          for_each: '${var.lakehouse_read_only ? [] : ["arn:aws:iam::111111111111:role/lakehouse-deployer"]}',
          content: { role_arn: "${assume_role.value}", session_name: "security-lakehouse" },
        },
      });
      for (const type of Object.keys(json.resource)) {
        for (const [address, body] of Object.entries(json.resource[type]))
          if (address.startsWith("BackupVault_") && !/ReplicationFailedAlarm/.test(address))
            expect([type, address, body.provider]).toEqual([type, address, "aws.backup"]);
      }
      // The CI plan role may list the vault (a plan's refresh), not its versions.
      expect(vaultPolicy.DenyListingExceptVaultRoles.Condition!.ArnNotLike["aws:PrincipalArn"]).toContain("arn:aws:iam::111111111111:role/lakehouse-ci-plan");
      expect(vaultPolicy.DenyVersionListingExceptVaultRoles.Condition!.ArnNotLike["aws:PrincipalArn"]).not.toContain(
        "arn:aws:iam::111111111111:role/lakehouse-ci-plan",
      );
    }
  });

  test("a tenant in an AWS account of its own (hooli): everything there, applied as its deploy role, logging and alarming within the account", () => {
    const json = tenants["tenant-hooli-prod"];
    const assume = [
      {
        role_arn: '${var.lakehouse_read_only ? "arn:aws:iam::222222222222:role/lakehouse-plan" : "arn:aws:iam::222222222222:role/lakehouse-deploy"}',
        session_name: "security-lakehouse",
      },
    ];
    expect(json.provider!.aws).toEqual([expect.objectContaining({ region: "us-east-1", allowed_account_ids: ["222222222222"], assume_role: assume })]);
    expect((json as unknown as { variable: unknown }).variable).toEqual({ lakehouse_read_only: expect.objectContaining({ type: "bool", default: false }) });
    // Server access logs stay in the account: an access-log bucket of its own, which its log bucket and vault log into.
    const buckets = resourcesOf(json, "aws_s3_bucket")
      .map((b) => b.bucket)
      .sort();
    expect(buckets).toEqual([
      "acme-prod-hooli-222222222222-backup",
      "acme-prod-hooli-222222222222-logs",
      "acme-prod-hooli-222222222222-us-east-1-s3-access-logs",
    ]);
    const accessLogs = Object.keys(json.resource.aws_s3_bucket).find((k) => k.startsWith("AccessLogs_us_east_1"))!;
    for (const logging of resourcesOf(json, "aws_s3_bucket_logging")) expect(logging.target_bucket).toBe(`\${aws_s3_bucket.${accessLogs}.bucket}`);
    // Its vault: administered by its deploy role only (the environment's admins are in another account), listed by its plan role.
    const vaultPolicy = statementsBySid(resourcesOf(json, "aws_s3_bucket_policy").find((p) => String(p.policy).includes("DenyDeletesAndLockBypass"))!.policy);
    expect(vaultPolicy.DenyVaultConfigurationExceptAdministrators.Condition).toEqual({
      ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::222222222222:role/lakehouse-deploy"] },
    });
    expect(vaultPolicy.DenyListingExceptVaultRoles.Condition!.ArnNotLike["aws:PrincipalArn"]).toContain("arn:aws:iam::222222222222:role/lakehouse-plan");
    // The environment's alert topic is in another account: the alarms say why they notify nobody.
    for (const alarm of resourcesOf(json, "aws_cloudwatch_metric_alarm")) {
      expect(alarm.alarm_actions).toEqual([]);
      expect(String(alarm.alarm_description)).toContain("tenant hooli is in AWS account 222222222222, and environment prod's alert topic is in 111111111111");
    }
    // The cross-account writer: in the bucket policy and, through S3 only, in the key policy.
    const key = statementsBySid(Object.entries(json.resource.aws_kms_key).find(([k]) => k.startsWith("LogKey_"))![1].policy);
    expect(key.OtherAccountWritersThroughServices).toEqual({
      Sid: "OtherAccountWritersThroughServices",
      Effect: "Allow",
      Principal: { AWS: ["arn:aws:iam::111111111111:role/hooli-github-audit-stream"] },
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": ["s3.us-east-1.amazonaws.com"] } },
    });
    // The log guard lets its deploy role change its buckets and keys.
    const scp = statementsBySid(resourcesOf(platform["platform-prod"], "aws_organizations_policy")[0].content);
    expect(JSON.stringify(scp)).toContain("arn:aws:iam::222222222222:role/lakehouse-deploy");
  });

  test("a source on an existing bucket (hooli's organization trail): the integration, stage and access role read that bucket's prefix, the tenant's bucket and key hold nothing of it", () => {
    const json = tenants["tenant-hooli-prod"];
    const bucket = "hooli-org-trail-333333333333";
    const prefix = "AWSLogs/o-h00l1xyz12/";
    const integration = resourcesOf(json, "snowflake_storage_integration").find((i) => i.name === "ACME_PROD_HOOLI_ORG_TRAIL_S3")!;
    // Only the existing bucket's prefix: hooli is not restore-ready, and the vault holds nothing of it anyway.
    expect(integration.storage_allowed_locations).toEqual([`s3://${bucket}/${prefix}`]);
    expect(integration.storage_aws_role_arn).toBe("arn:aws:iam::222222222222:role/acme-prod-hooli-org_trail-snowflake");
    expect(resourcesOf(json, "snowflake_stage").find((st) => st.name === "ORG_TRAIL_STAGE")!.url).toBe(`s3://${bucket}/${prefix}`);
    const role = Object.entries(json.resource.aws_iam_role_policy).find(([id]) => id.startsWith("Source_org_trail_AccessRole_"))![1];
    expect(statementsBySid(role.policy)).toEqual({
      ReadObjectsUnderPrefixes: {
        Sid: "ReadObjectsUnderPrefixes",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: [`arn:aws:s3:::${bucket}/${prefix}*`],
      },
      ListOnlyPrefixes: {
        Sid: "ListOnlyPrefixes",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: `arn:aws:s3:::${bucket}`,
        Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
      },
      LocateBucket: { Sid: "LocateBucket", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: `arn:aws:s3:::${bucket}` },
      // The owner's key, through S3 only: never a direct kms:Decrypt of anything else it encrypts.
      DecryptWithBucketKeyThroughS3: {
        Sid: "DecryptWithBucketKeyThroughS3",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: "arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
      },
    });
    // Nothing for it in the tenant's bucket: no notification, retention, replication or writer; no CloudTrail in the tenant key.
    const text = JSON.stringify([
      ...["aws_s3_bucket_notification", "aws_s3_bucket_lifecycle_configuration", "aws_s3_bucket_replication_configuration", "aws_s3_bucket_policy"].flatMap(
        (t) => resourcesOf(json, t),
      ),
      tenantOwn(json, "aws_kms_key", "LogKey"),
    ]);
    expect(text).not.toContain(prefix);
    expect(text).not.toContain(bucket);
    expect(text).not.toContain("cloudtrail.amazonaws.com");
    expect(resourcesOf(json, "aws_iam_role").map((r) => r.name)).not.toContain("acme-prod-hooli-read-org_trail");
    // The tenant's read role reads the tenant's prefixes only.
    const read = Object.entries(json.resource.aws_iam_role_policy).find(([id]) => id.startsWith("AwsRoles_Read"))![1];
    expect(String(read.policy)).not.toContain(bucket);
  });

  test("an organization trail (globex's): the tenant's bucket and key admit that trail by its ARN, under its organization's and management account's folders, not CloudTrail for the tenant's account", () => {
    const json = tenants["tenant-globex-prod"];
    const trail = "arn:aws:cloudtrail:us-east-1:777777777777:trail/globex-org-trail";
    const s = statementsBySid(tenantOwn(json, "aws_s3_bucket_policy").policy);
    expect(s.WriterCloudtrailServiceAclCheck.Condition).toEqual({ StringEquals: { "aws:SourceArn": trail } });
    expect(s.WriterCloudtrailServicePut.Condition).toEqual({ StringEquals: { "aws:SourceArn": trail } });
    expect((s.WriterCloudtrailServicePut.Resource as string[]).map((r) => r.split(".arn}")[1])).toEqual([
      "/cloudtrail/AWSLogs/o-gl0bex1234/*",
      "/cloudtrail/AWSLogs/777777777777/*",
    ]);
    const key = statementsBySid(tenantOwn(json, "aws_kms_key", "LogKey").policy);
    expect(key.NamedTrailsEncryptLogFiles.Condition).toEqual({
      StringEquals: { "aws:SourceArn": [trail], "kms:EncryptionContext:aws:cloudtrail:arn": [trail] },
    });
    // CloudTrail for the tenant's own account is gone from the key; GuardDuty (same tenant) still writes for it.
    expect(key.NativeWritersEncrypt.Principal).toEqual({ Service: ["guardduty.amazonaws.com"] });
  });

  test("the IAM roles and reserved concurrency counted per account for the quota check are the ones the stacks make", () => {
    const made = new Map<string, { roles: number; reserved: Map<string, number> }>();
    for (const json of [...Object.values(platform), ...Object.values(tenants)]) {
      const account = (json.provider!.aws[0].allowed_account_ids as string[])[0];
      const region = String(json.provider!.aws.find((p) => p.alias === undefined)?.region ?? "");
      const m = made.get(account) ?? { roles: 0, reserved: new Map<string, number>() };
      m.roles += resourcesOf(json, "aws_iam_role").length;
      for (const fn of resourcesOf(json, "aws_lambda_function"))
        m.reserved.set(region, (m.reserved.get(region) ?? 0) + Number(fn.reserved_concurrent_executions ?? 0));
      made.set(account, m);
    }
    const counted = awsFootprints(DEFAULT);
    expect(counted.map((f) => [f.accountId, f.iamRoles, Object.fromEntries(f.reservedConcurrency)])).toEqual(
      [...made].map(([a, m]) => [a, m.roles, Object.fromEntries(m.reserved)]),
    );
    expect(counted.map((f) => f.accountId)).toEqual(["111111111111", "222222222222"]);
  });

  test("a restore-ready tenant (initech): each source has a backup stage on the vault its integration may read, and its access role reads the vault", () => {
    const json = tenants["tenant-initech-prod"];
    const vault = "acme-prod-initech-111111111111-backup";
    const stages = resourcesOf(json, "snowflake_stage").filter((st) => String(st.name).endsWith("_BACKUP_STAGE"));
    expect(stages.map((st) => [st.name, st.url]).sort()).toEqual([
      ["CLOUDTRAIL_BACKUP_STAGE", `s3://${vault}/cloudtrail/`],
      ["FIREWALL_BACKUP_STAGE", `s3://${vault}/firewall/`],
      ["OKTA_BACKUP_STAGE", `s3://${vault}/okta/`],
    ]);
    for (const integration of resourcesOf(json, "snowflake_storage_integration")) {
      const [live, backup] = integration.storage_allowed_locations as string[];
      expect(backup).toBe(live.replace("-logs/", "-backup/"));
    }
    const okta = statementsBySid(resourcesOf(json, "aws_iam_role_policy").find((p) => String(p.role).includes("Source_okta_AccessRole"))!.policy);
    expect(okta.BackupReadObjectsUnderPrefixes.Resource).toEqual([`arn:aws:s3:::${vault}/okta/*`]);
    const vaultPolicy = statementsBySid(resourcesOf(json, "aws_s3_bucket_policy").find((p) => String(p.policy).includes("DenyDeletesAndLockBypass"))!.policy);
    expect(vaultPolicy.DenyInitechReadersRestores.Condition).toEqual({
      ArnLike: { "aws:PrincipalArn": ["okta", "cloudtrail", "firewall"].map((src) => `arn:aws:iam::111111111111:role/acme-prod-initech-${src}-snowflake`) },
    });
    // Tenants that are not restore-ready have no backup stage and no reader in their vault.
    for (const other of ["tenant-globex-prod", "tenant-umbrella-prod"]) {
      expect(resourcesOf(tenants[other], "snowflake_stage").filter((st) => String(st.name).endsWith("_BACKUP_STAGE"))).toEqual([]);
      expect(JSON.stringify(resourcesOf(tenants[other], "aws_s3_bucket_policy"))).not.toContain("ReadersRestores");
    }
  });

  test("the audit bucket logs into the access-log bucket of its region only after that bucket grants log delivery (S3 refuses it before)", () => {
    const json = platform["platform-prod"];
    const logging = resourcesOf(json, "aws_s3_bucket_logging").find((l) => String(l.bucket).includes("AuditTrailBucket"))!;
    expect(logging.target_bucket).toMatch(/^\$\{aws_s3_bucket\.AccessLogs_eu_west_1_[0-9A-F]+\.bucket\}$/);
    expect(logging.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_policy\.AccessLogs_eu_west_1_Policy_/)]);
  });

  test("local backend for the default, one state file per stack", () => {
    expect(tenants["tenant-globex-prod"].terraform.backend).toEqual({ local: { path: "terraform-state/tenant-globex-prod.tfstate" } });
  });
});

/** `${type.name.attribute}` of a resource of `type` whose construct path starts with `owner_`. */
const ref = (type: string, owner: string, attribute: string) => expect.stringMatching(new RegExp(`^\\$\\{${type}\\.${owner}_[0-9A-F]{8}\\.${attribute}\\}$`));

describe("stack outputs (docs/outputs.md)", () => {
  const { platform, tenants } = synthDefault();
  const resolved = new Map(resolveConfig(DEFAULT).environments.flatMap((e) => e.tenants.map((t) => [t.stackName, t] as const)));
  const valueOf = (json: SynthJson, name: string) => json.output?.[name]?.value as Record<string, Record<string, unknown>>;

  test("every output of every stack is described from its catalog, and every reference in it names a resource of that stack", () => {
    for (const [catalog, stacks] of [
      [PLATFORM_OUTPUTS, platform],
      [TENANT_OUTPUTS, tenants],
    ] as const) {
      for (const json of Object.values(stacks)) {
        for (const [name, out] of Object.entries(json.output ?? {})) {
          expect({ name, description: out.description }).toEqual({ name, description: (catalog as Record<string, string>)[name] });
          for (const [, type, resource] of JSON.stringify(out.value).matchAll(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_]+)\./g))
            expect({ name, type, resource, exists: resource in (json.resource[type] ?? {}) }).toMatchObject({ exists: true });
        }
      }
    }
  });

  test("a tenant stack outputs its bucket, key, the roles access names principals for, and schema, and its vault only with a backup", () => {
    for (const [name, json] of Object.entries(tenants)) {
      const tenant = resolved.get(name)!;
      const readers = (tenant.config.access?.readers?.length ?? 0) > 0;
      const operators = (tenant.config.access?.operators?.length ?? 0) > 0;
      expect(Object.keys(json.output ?? {}).sort()).toEqual(
        [...(readers || operators ? ["aws_roles"] : []), "log_bucket", "snowflake", "sources", ...(tenant.backup ? ["backup_vault"] : [])].sort(),
      );
      expect(valueOf(json, "log_bucket")).toEqual({
        name: ref("aws_s3_bucket", "LogBucket", "bucket"),
        arn: ref("aws_s3_bucket", "LogBucket", "arn"),
        kms_key_arn: ref("aws_kms_key", "LogKey", "arn"),
      });
      // Since aws/tenant-access-roles 0.3.0 a role exists only for the principals access names.
      expect(valueOf(json, "aws_roles")).toEqual({
        ...(readers ? { read: ref("aws_iam_role", "AwsRoles_Read", "arn") } : {}),
        ops: ref("aws_iam_role", "AwsRoles_Ops", "arn"),
        ...(tenant.backup
          ? { restore: ref("aws_iam_role", "AwsRoles_Restore", "arn"), restore_batch: ref("aws_iam_role", "AwsRoles_RestoreBatch", "arn") }
          : {}),
      });
      const schema = resourcesOf(json, "snowflake_schema")[0];
      expect(valueOf(json, "snowflake").schema).toBe(`${String(schema.database)}.${String(schema.name)}`);
    }
  });

  test("per source: what the bucket notifies, what the access role trusts, where the puller's credentials go", () => {
    for (const [name, json] of Object.entries(tenants)) {
      const tenant = resolved.get(name)!;
      const sources = valueOf(json, "sources");
      expect(Object.keys(sources).sort()).toEqual(tenant.sources.map((s) => s.name).sort());
      const notification = onlyResource(json, "aws_s3_bucket_notification") as { queue: { filter_prefix: string; queue_arn: string }[] };
      for (const source of tenant.sources) {
        const out = sources[source.name] as {
          prefix: string;
          notification_channel: string;
          access_role_arn: string;
          integration: Record<string, string>;
          puller?: Record<string, string>;
          firehose?: Record<string, string>;
        };
        // The same queue the bucket notifies for the source's prefix (an existing bucket's owner points its notification there).
        if (source.existingBucket)
          expect([out.prefix, (out as { bucket?: string }).bucket, out.notification_channel]).toEqual([
            source.keyPrefix,
            source.bucketName,
            ref("snowflake_pipe", `Source_${source.name}_Pipe`, "notification_channel"),
          ]);
        else expect(notification.queue.find((q) => q.filter_prefix === out.prefix)?.queue_arn).toBe(out.notification_channel);
        expect(out.integration.iam_user_arn).toEqual(ref("snowflake_storage_integration", `Source_${source.name}_Integration`, "storage_aws_iam_user_arn"));
        // The external id output is the one the access role's trust requires.
        const role = Object.entries(json.resource.aws_iam_role).find(([id]) => id.startsWith(`Source_${source.name}_AccessRole_`))![1];
        const trust = JSON.parse(String(role.assume_role_policy)) as { Statement: { Condition?: { StringEquals?: Record<string, string> } }[] };
        expect(trust.Statement.map((st) => st.Condition?.StringEquals?.["sts:ExternalId"])).toContain(out.integration.external_id);
        expect(out.access_role_arn).toEqual(ref("aws_iam_role", `Source_${source.name}_AccessRole`, "arn"));
        const kind = source.config.delivery.kind;
        expect(Object.keys(out).filter((k) => ["puller", "kafka", "firehose"].includes(k))).toEqual(
          kind === "puller" || kind === "kafka" || kind === "firehose" ? [kind] : [],
        );
        if (kind === "puller") expect(out.puller?.secret_arn).toEqual(ref("aws_secretsmanager_secret", `Puller_${source.name}_Secret`, "arn"));
        if (kind === "firehose")
          expect(out.firehose?.delivery_stream_arn).toEqual(ref("aws_kinesis_firehose_delivery_stream", `Firehose_${source.name}`, "arn"));
      }
    }
  });

  test("the platform outputs its database, per region the access-log bucket, warehouses and alert topic, and the audit trail", () => {
    const json = platform["platform-prod"];
    expect(valueOf(json, "log_database") as unknown).toBe("ACME_LOGS_PROD");
    const regions = valueOf(json, "regions");
    expect(Object.keys(regions).sort()).toEqual(["eu-west-1", "us-east-1"]);
    for (const [region, out] of Object.entries(regions)) {
      const id = region.replace(/-/g, "_");
      expect(out).toMatchObject({
        access_log_bucket: ref("aws_s3_bucket", `AccessLogs_${id}`, "bucket"),
        alert_topic_arn: ref("aws_sns_topic", `AlertTopic_${id}`, "arn"),
      });
      expect(out.alert_integration_external_id).toEqual(ref("snowflake_notification_integration", `AlertDelivery_${id}_Sns`, "aws_sns_external_id"));
    }
    expect(valueOf(json, "audit_trail")).toEqual({
      trail_arn: ref("aws_cloudtrail", "AuditTrail", "arn"),
      bucket_name: ref("aws_s3_bucket", "AuditTrailBucket", "bucket"),
      kms_key_arn: ref("aws_kms_key", "AuditTrailKey", "arn"),
    });
  });
});

describe("a backup kept in another region", () => {
  const config = parseConfig({
    organization: "acme",
    environments: [
      {
        name: "prod",
        awsAccountId: "111111111111",
        snowflakeAccounts: [
          { region: "us-east-1", organization: "O", account: "A" },
          { region: "us-west-2", organization: "O", account: "B" },
        ],
        alertDelivery: { sns: { subscriptions: [{ protocol: "email", endpoint: "soc@acme.example" }] } },
        backup: { adminRoleArns: ["arn:aws:iam::111111111111:role/lakehouse-deployer"] },
      },
    ],
    tenants: [
      { id: "globex", region: "us-east-1", sources: [{ name: "okta", type: "okta", delivery: { options: { orgUrl: "https://globex.okta.com" } } }] },
      {
        id: "hooli",
        region: "us-west-2",
        backup: { region: "us-east-1" },
        sources: [{ name: "okta", type: "okta", delivery: { options: { orgUrl: "https://hooli.okta.com" } } }],
      },
    ],
  } satisfies LakehouseConfigInput);
  const hooli = synthAll(config).tenants["tenant-hooli-prod"];

  test("the vault and everything of it are made in the backup region; the failure alarm stays where S3 publishes the metric", () => {
    expect(hooli.provider!.aws).toEqual(expect.arrayContaining([expect.objectContaining({ alias: "backup", region: "us-east-1" })]));
    const vaultResources = Object.entries(hooli.resource).flatMap(([type, byName]) =>
      Object.entries(byName)
        .filter(([name]) => name.startsWith("BackupVault_"))
        .map(([name, r]) => ({ type, name, provider: r.provider })),
    );
    expect(vaultResources.length).toBeGreaterThan(10);
    for (const r of vaultResources)
      expect([r.name, r.provider]).toEqual([r.name, r.name.startsWith("BackupVault_ReplicationFailedAlarm") ? "aws" : "aws.backup"]);
    const alarms = Object.fromEntries(
      resourcesOf(hooli, "aws_cloudwatch_metric_alarm")
        .filter((a) => String(a.alarm_name).includes("-backup-"))
        .map((a) => [String(a.alarm_name).split("-").slice(-2).join("-"), a.alarm_actions]),
    );
    expect(alarms).toEqual({
      "replication-failed": ["arn:aws:sns:us-west-2:111111111111:acme-prod-lakehouse-alerts"],
      "backup-stale": ["arn:aws:sns:us-east-1:111111111111:acme-prod-lakehouse-alerts"],
    });
    const logging = resourcesOf(hooli, "aws_s3_bucket_logging").find((l) => String(l.bucket).includes("BackupVault"))!;
    expect(logging.target_bucket).toBe("acme-prod-111111111111-us-east-1-s3-access-logs");
  });

  test("the replication role decrypts the tenant's objects via S3 in the tenant's region and encrypts replicas via S3 in the vault's", () => {
    const policy = statementsBySid(resourcesOf(hooli, "aws_iam_role_policy").find((p) => String(p.policy).includes("DecryptSourceObjects"))!.policy);
    expect(policy.DecryptSourceObjects.Condition).toEqual({ StringEquals: { "kms:ViaService": "s3.us-west-2.amazonaws.com" } });
    expect(policy.EncryptReplicasWithVaultKey.Condition).toEqual({ StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } });
  });

  test("a backup region with no tenant of the environment is refused (no access-log bucket or alert topic there)", () => {
    const raw = JSON.parse(JSON.stringify(config)) as LakehouseConfigInput & { tenants: { backup?: { region?: string } }[] };
    raw.tenants[1].backup = { region: "eu-central-1" };
    expect(() => parseConfig(raw)).toThrow(
      /tenants\[1\]\.backup\.region: no tenant of environment 'prod' is in eu-central-1, .*regions with tenants: us-east-1, us-west-2/,
    );
  });
});

describe("provider version constraints", () => {
  const withVersions = (providerVersions?: Record<string, string>) => synthAll(parseConfig(minimalConfig({ environment: { providerVersions } })));

  test("by default AWS takes any 6.x from 6.34 and Snowflake exactly 2.11.0, in every stack", () => {
    const { tenants, platform } = withVersions();
    for (const json of [tenants["tenant-globex-prod"], platform["platform-prod"]]) {
      expect(json.terraform.required_providers).toEqual({
        aws: { source: "aws", version: ">= 6.34, < 7" },
        snowflake: { source: "snowflakedb/snowflake", version: "2.11.0" },
      });
    }
  });

  test("an environment chooses its own constraints", () => {
    const { tenants } = withVersions({ aws: "~> 6.34", snowflake: ">= 2.11.0, < 2.12" });
    expect(tenants["tenant-globex-prod"].terraform.required_providers).toEqual({
      aws: { source: "aws", version: "~> 6.34" },
      snowflake: { source: "snowflakedb/snowflake", version: ">= 2.11.0, < 2.12" },
    });
  });
});

describe("backfill warehouse settings", () => {
  test("defaults.backfillWarehouse sets the size, quota and idle time of every account's backfill warehouse", () => {
    const { platform } = synthAll(
      parseConfig({
        ...minimalConfig({ environment: { snowflakeAccounts: [{ region: "us-east-1", organization: "O", account: "A", role: "DEPLOYER" }] } }),
        defaults: { backfillWarehouse: { size: "MEDIUM", monthlyCreditQuota: 300, autoSuspendSeconds: 120 } },
      }),
    );
    const p = platform["platform-prod"];
    expect(resourcesOf(p, "snowflake_warehouse").find((w) => w.name === "ACME_PROD_BACKFILL_WH")).toMatchObject({
      warehouse_size: "MEDIUM",
      auto_suspend: 120,
    });
    expect(resourcesOf(p, "snowflake_resource_monitor").find((m) => m.name === "ACME_PROD_BACKFILL_WH_MONITOR")).toMatchObject({ credit_quota: 300 });
    expect(resourcesOf(p, "snowflake_grant_account_role").find((g) => String(g.role_name).includes("Backfill_us_east_1_Role"))).toMatchObject({
      parent_role_name: "DEPLOYER",
    });
  });
});

describe("stacks with an S3 backend", () => {
  test("each stack has its own key, encryption and S3-native locking", () => {
    const config = minimalConfig({ environment: { backend: { kind: "s3", bucket: "acme-terraform-state", region: "us-east-1", keyPrefix: "lakehouse" } } });
    const { tenants, platform } = synthAll(parseConfig(config));
    expect(tenants["tenant-globex-prod"].terraform.backend).toEqual({
      s3: { bucket: "acme-terraform-state", key: "lakehouse/tenant-globex-prod.tfstate", region: "us-east-1", encrypt: true, use_lockfile: true },
    });
    expect((platform["platform-prod"].terraform.backend as { s3: { key: string } }).s3.key).toBe("lakehouse/platform-prod.tfstate");
  });
});

describe("token stack traces during synth", () => {
  test("cdktf's token captures stay unformatted, errors keep their stacks, and the hook is restored", () => {
    const before = Error.prepareStackTrace;
    const seen = withoutTokenStackTraces(() => {
      const capture = { stack: "" };
      Error.captureStackTrace(capture);
      const error = new Error("boom");
      return { capture: capture.stack, error: error.stack };
    });
    expect(seen.capture).toBe("");
    expect(seen.error).toMatch(/^Error: boom\n {4}at .*stacks\.test\.ts/);
    expect(Error.prepareStackTrace).toBe(before);
  });

  test("a previously installed formatter still formats errors, and is restored after a throw", () => {
    const before = Error.prepareStackTrace;
    const mine = (e: Error) => `mine: ${e.message}`;
    Error.prepareStackTrace = mine;
    try {
      expect(() =>
        withoutTokenStackTraces(() => {
          expect(new Error("x").stack).toBe("mine: x");
          throw new Error("inside");
        }),
      ).toThrow("inside");
      expect(Error.prepareStackTrace).toBe(mine);
    } finally {
      Error.prepareStackTrace = before;
    }
  });
});

describe("firehose sources in a tenant stack", () => {
  const { tenants } = synthDefault();
  const umbrella = tenants["tenant-umbrella-prod"];

  test("the default example's edr source: Kinesis (only the collector puts, only the delivery role reads) into Firehose into edr/", () => {
    const stream = onlyResource(umbrella, "aws_kinesis_stream");
    expect(stream).toMatchObject({
      name: "acme-prod-umbrella-edr-stream",
      retention_period: 48,
      encryption_type: "KMS",
      kms_key_id: expect.stringMatching(/aws_kms_key\.LogKey_/),
    });
    const policy = statementsBySid(onlyResource(umbrella, "aws_kinesis_resource_policy").policy);
    expect(policy.OnlyProducersPut.Condition).toEqual({ ArnNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/umbrella-edr-collector"] } });
    expect(policy.OnlyConsumersRead.Condition).toEqual({
      ArnNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/acme-prod-umbrella-edr-stream"] },
    });
    const roles = resourcesOf(umbrella, "aws_iam_role").filter((r) => r.name === "acme-prod-umbrella-edr-stream");
    expect(roles).toHaveLength(1); // the consumer named in the stream's policy is the delivery stream's role
    const delivery = onlyResource(umbrella, "aws_kinesis_firehose_delivery_stream");
    expect(delivery.kinesis_source_configuration).toMatchObject({ kinesis_stream_arn: expect.stringMatching(/aws_kinesis_stream\.Stream_edr_/) });
    expect(delivery.extended_s3_configuration).toMatchObject({
      // A reference: Terraform creates the bucket before the stream.
      bucket_arn: expect.stringMatching(/^arn:aws:s3:::\$\{aws_s3_bucket\.LogBucket_[0-9A-F]+\.bucket\}$/),
      prefix: "edr/!{timestamp:yyyy/MM/dd/HH}/",
      error_output_prefix: "_firehose-errors/edr/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/",
    });
    expect(resourcesOf(umbrella, "aws_s3_bucket_metric").find((m) => !String(m.bucket).includes("BackupVault"))!.bucket).toMatch(
      /^\$\{aws_s3_bucket\.LogBucket_/,
    );
    // The alarms go to the environment's alert topic in the tenant's region.
    const alarms = resourcesOf(umbrella, "aws_cloudwatch_metric_alarm").filter((a) => String(a.alarm_name).startsWith("acme-prod-umbrella-edr-stream-"));
    expect(alarms.map((a) => a.alarm_name).sort()).toEqual([
      "acme-prod-umbrella-edr-stream-error-objects",
      "acme-prod-umbrella-edr-stream-freshness",
      "acme-prod-umbrella-edr-stream-iterator-age",
    ]);
    for (const a of alarms) expect(a.alarm_actions).toEqual(["arn:aws:sns:eu-west-1:111111111111:acme-prod-lakehouse-alerts"]);
  });

  test("the delivery role writes the source and error prefixes; the error prefix has its own retention; the key lets CloudWatch Logs in", () => {
    const bucketPolicy = statementsBySid(tenantOwn(umbrella, "aws_s3_bucket_policy").policy);
    const role = expect.stringMatching(/aws_iam_role\.Firehose_edr_Role_/);
    expect(bucketPolicy.WriterEdrRolesPut).toMatchObject({
      Principal: { AWS: [role] },
      Resource: expect.stringMatching(/LogBucket_[0-9A-F]+\.arn\}\/edr\/\*$/),
    });
    expect(bucketPolicy.WriterFirehoseErrorsEdrRolesPut).toMatchObject({
      Principal: { AWS: [role] },
      Resource: expect.stringMatching(/LogBucket_[0-9A-F]+\.arn\}\/_firehose-errors\/edr\/\*$/),
    });
    const rules = tenantOwn(umbrella, "aws_s3_bucket_lifecycle_configuration").rule as { filter: { prefix: string }[]; expiration?: { days: number }[] }[];
    expect(rules.find((r) => r.filter[0].prefix === "_firehose-errors/edr/")?.expiration).toEqual([{ days: 365 }]);
    const keyPolicy = statementsBySid(tenantOwn(umbrella, "aws_kms_key", "LogKey").policy);
    expect(keyPolicy.CloudWatchLogsEncryptLogGroups.Principal).toEqual({ Service: "logs.eu-west-1.amazonaws.com" });
  });

  test("a direct-PUT source: no Kinesis stream, the delivery stream's buffer encrypted with the tenant key, writerRoleArns kept", () => {
    const config = parseConfig(
      minimalConfig({
        sources: [
          {
            name: "vpc_flow",
            delivery: {
              kind: "firehose",
              writerRoleArns: ["arn:aws:iam::111111111111:role/legacy-writer"],
              firehose: { source: "direct-put", bufferIntervalSeconds: 120 },
            },
            eventTimeField: "start",
          },
        ],
      }),
    );
    const json = synthAll(config).tenants["tenant-globex-prod"];
    expect(resourcesOf(json, "aws_kinesis_stream")).toEqual([]);
    const delivery = onlyResource(json, "aws_kinesis_firehose_delivery_stream");
    expect(delivery.server_side_encryption).toMatchObject({ enabled: true, key_type: "CUSTOMER_MANAGED_CMK" });
    expect(delivery.extended_s3_configuration).toMatchObject({ buffering_interval: 120, buffering_size: 128 });
    // Without alertDelivery.sns there is no topic: the alarms say why.
    for (const a of resourcesOf(json, "aws_cloudwatch_metric_alarm"))
      expect(a.alarm_description).toMatch(/no alarm actions: environment prod has no alertDelivery\.sns/);
    const writers = statementsBySid(tenantOwn(json, "aws_s3_bucket_policy").policy).WriterVpcFlowRolesPut;
    expect(writers.Principal).toEqual({
      AWS: ["arn:aws:iam::111111111111:role/legacy-writer", expect.stringMatching(/aws_iam_role\.Firehose_vpc_flow_Role_/)],
    });
  });
});
