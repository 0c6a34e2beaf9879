import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigSyntaxError, LakehouseValidationError } from "../../modules/core/errors";
import { lakehouseJsonSchema } from "../../stacks/config/json-schema";
import { loadConfigFile, parseConfig, parseConfigYaml } from "../../stacks/config/load";
import { resolveConfig } from "../../stacks/config/resolve";
import { LakehouseConfigInput } from "../../stacks/config/schema";
import { buildLakehouse } from "../../stacks/synth/build";
import { configWarnings } from "../../stacks/config/warnings";
import { TerraformStack, Testing } from "cdktf";
import { OKTA_PULLER, OWNER_ACCOUNT_ID, OWNER_KMS_KEY_ARN, minimalConfig } from "../support/fixtures";
import { resourcesOf } from "../support/synth";

const DEFAULT = join(__dirname, "..", "..", "examples", "default", "lakehouse.yaml");

/** The minimal config with a second source, a native CloudTrail delivery. */
function valid(): LakehouseConfigInput {
  return minimalConfig({
    sources: [
      OKTA_PULLER,
      { name: "cloudtrail", delivery: { kind: "native", servicePrincipal: "cloudtrail.amazonaws.com" }, eventTimeField: "Records[0].eventTime" },
    ],
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests write malformed shapes on purpose
type Raw = any;

/** Applies `edit` to a fresh valid config and returns the problems it raises. */
function problemsAfter(edit: (c: Raw) => void): { path: string; message: string }[] {
  const config = valid();
  edit(config);
  try {
    parseConfig(config);
  } catch (e) {
    if (e instanceof LakehouseValidationError) return [...e.problems];
    throw e;
  }
  return [];
}

describe("lakehouse config", () => {
  test("the embedded default is valid and resolves to four tenants in two regions, one in an AWS account of its own", () => {
    const config = loadConfigFile(DEFAULT);
    const resolved = resolveConfig(config);
    expect(resolved.environments.map((e) => e.name)).toEqual(["prod"]);
    expect(resolved.environments[0].tenants.map((t) => `${t.id}@${t.region}/${t.accountId}`)).toEqual([
      "globex@us-east-1/111111111111",
      "initech@eu-west-1/111111111111",
      "umbrella@eu-west-1/111111111111",
      "hooli@us-east-1/222222222222",
    ]);
    expect(resolved.environments[0].regions).toEqual(["eu-west-1", "us-east-1"]);
  });

  test("defaults flow from defaults → tenant → source", () => {
    const c = valid();
    c.defaults = { retentionDays: 400, canary: { windowMinutes: 15 } };
    c.tenants[0].retentionDays = 500;
    c.tenants[0].sources[1].retentionDays = 900;
    const t = resolveConfig(parseConfig(c)).environments[0].tenants[0];
    expect(t.retentionDays).toBe(500);
    expect(
      t.sources.map((s) => [
        s.name,
        s.retentionDays,
        s.tableRetentionDays,
        s.canary.windowMinutes,
        s.canary.suppressionMinutes,
        s.keyPrefix,
        s.eventTimeFormat,
      ]),
    ).toEqual([
      ["okta", 500, 500, 15, 1440, "okta/", "AUTO"],
      ["cloudtrail", 900, 900, 15, 1440, "cloudtrail/", "AUTO"],
    ]);
  });

  test("derived names are valid for S3, IAM and Snowflake, and distinct per tenant and source", () => {
    const t = resolveConfig(parseConfig(valid())).environments[0].tenants[0];
    expect(t.bucketName).toBe("acme-prod-globex-111111111111-logs");
    expect(t.schemaName).toBe("GLOBEX");
    expect(t.sources.map((s) => [s.tableName, s.storageIntegrationName, s.accessRoleName])).toEqual([
      ["OKTA", "ACME_PROD_GLOBEX_OKTA_S3", "acme-prod-globex-okta-snowflake"],
      ["CLOUDTRAIL", "ACME_PROD_GLOBEX_CLOUDTRAIL_S3", "acme-prod-globex-cloudtrail-snowflake"],
    ]);
  });

  // Each malformed config: what is wrong, the path it must be reported at, and the reason.
  const malformed: [string, (c: Raw) => void, string, RegExp][] = [
    [
      "missing event-time field",
      (c) => delete c.tenants[0].sources[0].eventTimeField,
      "tenants[0].sources[0].eventTimeField",
      /^required: the JSON path of each event.s time/,
    ],
    ["duplicate tenant id", (c) => c.tenants.push({ ...c.tenants[0] }), "tenants[1].id", /duplicate tenant id 'globex' \(also tenants\[0\]\)/],
    ["duplicate source name", (c) => c.tenants[0].sources.push({ ...c.tenants[0].sources[0] }), "tenants[0].sources[2].name", /duplicate source 'okta'/],
    ["unknown region", (c) => (c.tenants[0].region = "moon-1"), "tenants[0].region", /is not a known AWS region/],
    [
      "region without a Snowflake account",
      (c) => (c.tenants[0].region = "eu-west-1"),
      "tenants[0].region",
      /no Snowflake account for region 'eu-west-1' in environment 'prod'/,
    ],
    ["tenant id that breaks S3 bucket rules", (c) => (c.tenants[0].id = "Globex_Corp"), "tenants[0].id", /lower-case letters and digits/],
    ["organization too long for bucket names", (c) => (c.organization = "a".repeat(16)), "organization", /at most 15 characters/],
    [
      "source name that breaks Snowflake identifier rules",
      (c) => (c.tenants[0].sources[0].name = "okta-logs"),
      "tenants[0].sources[0].name",
      /names a Snowflake table/,
    ],
    ["source name that is a reserved word", (c) => (c.tenants[0].sources[0].name = "select"), "tenants[0].sources[0].name", /reserved word in Snowflake/],
    [
      "tenant id whose schema would be the platform's backfill schema",
      (c) => (c.tenants[0].id = "backfill"),
      "tenants[0].id",
      /names a schema the platform makes in the log database \(MONITORING, BACKFILL\)/,
    ],
    [
      "tenant id whose schema would be the platform's alert store",
      (c) => (c.tenants[0].id = "monitoring"),
      "tenants[0].id",
      /names a schema the platform makes/,
    ],
    [
      "backfill warehouse without credits",
      (c) => (c.defaults = { backfillWarehouse: { monthlyCreditQuota: 0 } }),
      "defaults.backfillWarehouse.monthlyCreditQuota",
      /Too small|must be greater than 0|>0/,
    ],
    [
      "lower-case view name",
      (c) => (c.tenants[0].sources[0].views = { okta_view: "event_time" }),
      "tenants[0].sources[0].views.okta_view",
      /upper-case Snowflake identifier/,
    ],
    [
      "view body with a second statement",
      (c) => (c.tenants[0].sources[0].views = { V: "a; DROP TABLE t" }),
      "tenants[0].sources[0].views.V",
      /must not contain ';'/,
    ],
    ["tenant retention below the floor", (c) => (c.tenants[0].retentionDays = 30), "tenants[0].retentionDays", /30 is below the retention floor of 90 days/],
    [
      "source retention below a custom floor",
      (c) => {
        c.defaults = { retentionFloorDays: 400, retentionDays: 400 };
        c.tenants[0].sources[1].retentionDays = 365;
      },
      "tenants[0].sources[1].retentionDays",
      /365 is below the retention floor of 400 days/,
    ],
    ["bad JSON path", (c) => (c.tenants[0].sources[0].eventTimeField = "published time"), "tenants[0].sources[0].eventTimeField", /must be a JSON path/],
    // A COPY could only read a custom format with TRY_TO_TIMESTAMP_TZ, which Snowflake does not list for COPY transformations.
    [
      "custom event-time format",
      (c) => (c.tenants[0].sources[0].eventTimeFormat = "YYYY-MM-DD HH24:MI:SS"),
      "tenants[0].sources[0].eventTimeFormat",
      /must be AUTO \(ISO-8601\), EPOCH_S or EPOCH_MS: a custom format would need TRY_TO_TIMESTAMP_TZ/,
    ],
    // Since 0.5.0 cleaners purge by load time only: a config asking for event time is refused, not silently changed.
    [
      "purge by event time",
      (c) => (c.tenants[0].sources[0].purgeOn = "event_time"),
      "tenants[0].sources[0].purgeOn",
      /cleaners purge by load time only since 0\.5\.0.*remove purgeOn/,
    ],
    [
      "overlapping key prefixes",
      (c) => (c.tenants[0].sources[1].keyPrefix = "okta/cloudtrail/"),
      "tenants[0].sources[1].keyPrefix",
      /overlaps sources\[0\] \('okta\/'\)/,
    ],
    ["bad AWS account id", (c) => (c.environments[0].awsAccountId = "1234"), "environments[0].awsAccountId", /12-digit AWS account id/],
    ["duplicate environment", (c) => c.environments.push({ ...c.environments[0] }), "environments[1].name", /duplicate environment 'prod'/],
    ["unknown environment on a tenant", (c) => (c.tenants[0].environments = ["qa"]), "tenants[0].environments[0]", /unknown environment 'qa'/],
    ["unknown key (a typo)", (c) => (c.tenants[0].retentionDay = 400), "tenants[0]", /^unknown key 'retentionDay'; did you mean retentionDays\?$/],
    [
      "an http:// endpoint for https",
      (c) => (c.environments[0].alertDelivery = { sns: { subscriptions: [{ protocol: "https", endpoint: "http://alerts.example/x" }] } }),
      "environments[0].alertDelivery.sns.subscriptions[0].endpoint",
      /^must be an https:\/\/ URL \(protocol https\)$/,
    ],
    [
      "a URL for an e-mail subscription",
      (c) => (c.environments[0].alertDelivery = { sns: { subscriptions: [{ protocol: "email", endpoint: "https://x.example" }] } }),
      "environments[0].alertDelivery.sns.subscriptions[0].endpoint",
      /^must be an e-mail address \(protocol email\)$/,
    ],
    [
      "a queue name for an sqs subscription",
      (c) => (c.environments[0].alertDelivery = { sns: { subscriptions: [{ protocol: "sqs", endpoint: "alerts" }] } }),
      "environments[0].alertDelivery.sns.subscriptions[0].endpoint",
      /^must be an SQS queue ARN \(protocol sqs\)$/,
    ],
    [
      "a duplicated alert subscription",
      (c) =>
        (c.environments[0].alertDelivery = {
          sns: {
            subscriptions: [
              { protocol: "email", endpoint: "soc@acme.example" },
              { protocol: "email", endpoint: "soc@acme.example" },
            ],
          },
        }),
      "environments[0].alertDelivery.sns.subscriptions[1]",
      /^duplicate subscription 'email soc@acme.example' \(also environments\[0\].alertDelivery.sns.subscriptions\[0\]\)$/,
    ],
    [
      "a duplicated log-guard target",
      (c) =>
        (c.environments[0].logGuard = {
          managementRoleArn: "arn:aws:iam::999999999999:role/org",
          targetIds: ["ou-ab12-34cd56ef", "ou-ab12-34cd56ef"],
          exemptRoleArns: ["arn:aws:iam::111111111111:role/deployer"],
        }),
      "environments[0].logGuard.targetIds[1]",
      /^duplicate target 'ou-ab12-34cd56ef'/,
    ],
    [
      "a duplicated writer role",
      (c) => (c.tenants[0].sources[1].delivery.writerRoleArns = ["arn:aws:iam::111111111111:role/w", "arn:aws:iam::111111111111:role/w"]),
      "tenants[0].sources[1].delivery.writerRoleArns[1]",
      /^duplicate role/,
    ],
    [
      "a duplicated reader",
      (c) => (c.tenants[0].access = { readers: ["arn:aws:iam::111111111111:role/r", "arn:aws:iam::111111111111:role/r"] }),
      "tenants[0].access.readers[1]",
      /^duplicate role 'arn:aws:iam::111111111111:role\/r' \(also tenants\[0\].access.readers\[0\]\)$/,
    ],
    [
      "a duplicated operator",
      (c) => (c.tenants[0].access = { operators: ["arn:aws:iam::111111111111:role/o", "arn:aws:iam::111111111111:role/o"] }),
      "tenants[0].access.operators[1]",
      /^duplicate role/,
    ],
    [
      "a duplicated vault plan role",
      (c) =>
        (c.environments[0].backup = {
          adminRoleArns: ["arn:aws:iam::111111111111:role/deployer"],
          planRoleArns: ["arn:aws:iam::111111111111:role/p", "arn:aws:iam::111111111111:role/p"],
        }),
      "environments[0].backup.planRoleArns[1]",
      /^duplicate role/,
    ],
    [
      "a backup class whose minimum the inherited retention misses",
      (c) => {
        c.environments[0].backup = { adminRoleArns: ["arn:aws:iam::111111111111:role/deployer"] };
        c.tenants[0].retentionDays = 120;
      },
      "tenants[0].backup",
      /^backups kept 120 days in DEEP_ARCHIVE \(environment 'prod'\), which bills at least 180 days: keep them longer or choose another storageClass \(inherited: days from tenants\[0\].retentionDays; DEEP_ARCHIVE from the default backup class\)$/,
    ],
    [
      "unknown region (a typo)",
      (c) => (c.tenants[0].region = "us-est-1"),
      "tenants[0].region",
      /^'us-est-1' is not a known AWS region; did you mean us-east-1\?$/,
    ],
    [
      "unknown source type (a typo)",
      (c) => (c.tenants[0].sources[0].type = "oktaa"),
      "tenants[0].sources[0].type",
      /^'oktaa' is not one of cloudtrail, okta, .*; did you mean okta\?$/,
    ],
    [
      "unknown key in a nested object (a typo)",
      (c) => (c.environments[0].backend = { kind: "s3", bucket: "state", region: "us-east-1", keyPrefx: "x" }),
      "environments[0].backend",
      /^unknown key 'keyPrefx'; did you mean keyPrefix\?$/,
    ],
    [
      "native delivery without a writer",
      (c) => (c.tenants[0].sources[1].delivery = { kind: "native" }),
      "tenants[0].sources[1].delivery",
      /native delivery needs the servicePrincipal/,
    ],
    [
      "transition at or after expiry",
      (c) => (c.tenants[0].sources[0].transitions = [{ days: 400, storageClass: "GLACIER" }]),
      "tenants[0].sources[0].transitions[0].days",
      /not before the retention of 365 days/,
    ],
    [
      "IA transition too early",
      (c) => (c.tenants[0].sources[0].transitions = [{ days: 7, storageClass: "STANDARD_IA" }]),
      "tenants[0].sources[0].transitions[0].days",
      /STANDARD_IA needs at least 30 days/,
    ],
    ["no tenants", (c) => (c.tenants = []), "tenants", /at least one tenant is required/],
    ["bad backend kind", (c) => (c.environments[0].backend = { kind: "gcs" }), "environments[0].backend.kind", /Invalid input/],
    [
      "object lock longer than retention",
      (c) => (c.tenants[0].objectLock = { mode: "COMPLIANCE", days: 999 }),
      "tenants[0].objectLock.days",
      /longer than the tenant's retention of 365 days/,
    ],
    [
      "canary window too short",
      (c) => (c.tenants[0].sources[0].canary = { windowMinutes: 1 }),
      "tenants[0].sources[0].canary.windowMinutes",
      /at least 5 minutes/,
    ],
    [
      "canary schedule that is not cron",
      (c) => (c.tenants[0].sources[0].canary = { schedule: "every 5 minutes" }),
      "tenants[0].sources[0].canary.schedule",
      /five cron fields and a time zone/,
    ],
    [
      "provider constraint that is not one",
      (c) => (c.environments[0].providerVersions = { aws: "latest" }),
      "environments[0].providerVersions.aws",
      /'latest' is not a version constraint term/,
    ],
    [
      "provider constraint below the modules' floor",
      (c) => (c.environments[0].providerVersions = { aws: ">= 6.0, < 7" }),
      "environments[0].providerVersions.aws",
      /admits versions below 6\.34\.0/,
    ],
    [
      "Snowflake provider older than the bindings",
      (c) => (c.environments[0].providerVersions = { snowflake: "~> 2.5" }),
      "environments[0].providerVersions.snowflake",
      /admits versions below 2\.11\.0/,
    ],
    [
      "firehose options on a puller",
      (c) => (c.tenants[0].sources[0].delivery.firehose = { source: "direct-put" }),
      "tenants[0].sources[0].delivery.firehose",
      /only for kind firehose \(this source is puller\)/,
    ],
    [
      "stream options on a direct-PUT firehose",
      (c) => (c.tenants[0].sources[0].delivery = { kind: "firehose", firehose: { source: "direct-put", stream: { shardCount: 2 } } }),
      "tenants[0].sources[0].delivery.firehose.stream",
      /only for source kinesis/,
    ],
    [
      "producers of a direct-PUT firehose",
      (c) =>
        (c.tenants[0].sources[0].delivery = { kind: "firehose", firehose: { source: "direct-put", producerRoleArns: ["arn:aws:iam::111111111111:role/p"] } }),
      "tenants[0].sources[0].delivery.firehose.producerRoleArns",
      /grant producers firehose:PutRecordBatch in their own policies/,
    ],
    [
      "firehose buffer above 10 minutes",
      (c) => (c.tenants[0].sources[0].delivery = { kind: "firehose", firehose: { source: "kinesis", bufferIntervalSeconds: 900 } }),
      "tenants[0].sources[0].delivery.firehose.bufferIntervalSeconds",
      /ingest delay stays under 10 minutes/,
    ],
    [
      "firehose buffer below 64 MiB",
      (c) => (c.tenants[0].sources[0].delivery = { kind: "firehose", firehose: { source: "kinesis", bufferSizeMB: 5 } }),
      "tenants[0].sources[0].delivery.firehose.bufferSizeMB",
      /must be 64-128 MiB/,
    ],
    [
      "kinesis retention under a day",
      (c) => (c.tenants[0].sources[0].delivery = { kind: "firehose", firehose: { source: "kinesis", stream: { retentionHours: 1 } } }),
      "tenants[0].sources[0].delivery.firehose.stream.retentionHours",
      /24-8760 hours/,
    ],
    [
      "table kept longer than its S3 files",
      (c) => (c.tenants[0].sources[0].tableRetentionDays = 400),
      "tenants[0].sources[0].tableRetentionDays",
      /400 days in Snowflake but S3 keeps the files only 365 days/,
    ],
    [
      "unknown source type",
      (c) => (c.tenants[0].sources[0].type = "splunk"),
      "tenants[0].sources[0].type",
      /^'splunk' is not one of cloudtrail, okta, google-workspace, github-audit, guardduty, route53-resolver, vpc-flow$/,
    ],
    ["no delivery and no type", (c) => delete c.tenants[0].sources[0].delivery, "tenants[0].sources[0].delivery", /^required: how the files arrive/],
    [
      "delivery without a kind and no type",
      (c) => (c.tenants[0].sources[0].delivery = { scheduleMinutes: 5 }),
      "tenants[0].sources[0].delivery.kind",
      /^required: native, puller/,
    ],
    [
      "github-audit type without the role GitHub writes with",
      (c) => (c.tenants[0].sources[1] = { name: "github", type: "github-audit" }),
      "tenants[0].sources[1].delivery",
      /native delivery needs the servicePrincipal \(or writerRoleArns\)/,
    ],
    [
      "okta type without the org URL its puller needs",
      (c) => (c.tenants[0].sources[0] = { name: "okta", type: "okta" }),
      "tenants[0].sources[0].delivery.options.orgUrl",
      /required for the okta puller/,
    ],
    [
      "Parquet files with a JSON-only option",
      (c) => {
        c.tenants[0].sources[1].fileFormat = "parquet";
        c.tenants[0].sources[1].wrappedRecords = "Records";
      },
      "tenants[0].sources[1].wrappedRecords",
      /is for JSON files; this source's files are Parquet/,
    ],
    [
      "e-mail recipients beyond what one mail takes",
      (c) => (c.environments[0].alertDelivery = { email: { recipients: Array.from({ length: 51 }, (_, i) => `u${i}@acme.example`) } }),
      "environments[0].alertDelivery.email.recipients",
      /at most 50 recipients/,
    ],
    [
      "an e-mail recipient twice",
      (c) => (c.environments[0].alertDelivery = { email: { recipients: ["soc@acme.example", "SOC@acme.example"] } }),
      "environments[0].alertDelivery.email.recipients",
      /must not list an address twice/,
    ],
    [
      "the monitors' old lookback (replaced by a margin over each view's latency)",
      (c) => (c.defaults = { monitors: { lookbackMinutes: 180 } }),
      "defaults.monitors",
      /^unknown key 'lookbackMinutes'; did you mean lookbackMarginMinutes\?$/,
    ],
    [
      "wrapped records whose landing table name another source has",
      (c) => {
        c.tenants[0].sources[1].wrappedRecords = "Records";
        c.tenants[0].sources[0].name = "cloudtrail_files";
      },
      "tenants[0].sources[1].wrappedRecords",
      /landing table/,
    ],
  ];

  test.each(malformed)("rejects %s at its path", (_name, edit, path, message) => {
    const problems = problemsAfter(edit);
    const found = problems.find((p) => p.path === path);
    expect({ problems, found: found !== undefined }).toMatchObject({ found: true });
    expect(found!.message).toMatch(message);
  });

  describe("source catalog", () => {
    const withSources = (sources: Raw[]) => {
      const c: Raw = valid();
      c.tenants[0].sources = sources;
      return resolveConfig(parseConfig(c)).environments[0].tenants[0].sources;
    };

    test("a source configured by type alone gets the catalog's delivery, suffix, event time, wrapped records and view", () => {
      const [ct] = withSources([{ name: "cloudtrail", type: "cloudtrail" }]);
      expect(ct.config.delivery).toEqual({ kind: "native", servicePrincipal: "cloudtrail.amazonaws.com" });
      expect([ct.config.fileSuffix, ct.config.eventTimeField, ct.config.wrappedRecords, ct.eventTimeFormat, ct.keyPrefix]).toEqual([
        ".json.gz",
        "eventTime",
        "Records",
        "AUTO",
        "cloudtrail/",
      ]);
      expect(Object.keys(ct.config.views ?? {})).toEqual(["CLOUDTRAIL_EVENTS"]);
      expect(ct.config.views!.CLOUDTRAIL_EVENTS).toMatch(/ARRAY_CONSTRUCT_COMPACT\(.*\) AS ip_indicators/);
    });

    test("what the config states overrides the catalog: scalars win, views merge by name, delivery field by field", () => {
      const [okta] = withSources([
        {
          name: "idp",
          type: "okta",
          eventTimeField: "published",
          eventTimeFormat: "EPOCH_MS",
          delivery: { scheduleMinutes: 2, options: { orgUrl: "https://g.okta.com" } },
          views: { IDP_EVENTS: "event_time", IDP_EXTRA: "parse_time" },
        },
      ]);
      expect(okta.eventTimeFormat).toBe("EPOCH_MS");
      expect(okta.config.delivery).toEqual({ kind: "puller", puller: "okta", scheduleMinutes: 2, options: { orgUrl: "https://g.okta.com" } });
      expect(okta.config.views).toEqual({ IDP_EVENTS: "event_time", IDP_EXTRA: "parse_time" });
    });

    test("another delivery kind replaces the catalog's delivery whole", () => {
      const [ct] = withSources([
        { name: "cloudtrail", type: "cloudtrail", delivery: { kind: "firehose", writerRoleArns: ["arn:aws:iam::111111111111:role/stream"] } },
      ]);
      expect(ct.config.delivery).toEqual({ kind: "firehose", writerRoleArns: ["arn:aws:iam::111111111111:role/stream"] });
    });

    test("vpc-flow reads Parquet with epoch-second times", () => {
      const [flow] = withSources([{ name: "vpc_flow", type: "vpc-flow" }]);
      expect([flow.config.fileFormat, flow.config.fileSuffix, flow.config.eventTimeField, flow.eventTimeFormat]).toEqual([
        "parquet",
        ".log.parquet",
        '"start"',
        "EPOCH_S",
      ]);
    });

    test("two sources of one type get views of their own names", () => {
      const views = withSources([
        { name: "gd_a", type: "guardduty" },
        { name: "gd_b", type: "guardduty" },
      ]).map((s) => Object.keys(s.config.views ?? {}));
      expect(views).toEqual([["GD_A_FINDINGS"], ["GD_B_FINDINGS"]]);
    });

    test("the default example has CloudTrail one row per event and sources configured only by type", () => {
      const tenants = resolveConfig(loadConfigFile(DEFAULT)).environments[0].tenants;
      const cloudtrails = tenants.flatMap((t) => t.sources).filter((s) => s.config.type === "cloudtrail");
      expect(cloudtrails.map((s) => s.config.wrappedRecords)).toEqual(["Records", "Records", "Records"]);
      const byTypeOnly = tenants
        .flatMap((t) => t.config.sources)
        .filter((s) => s.type !== undefined && s.eventTimeField === undefined && s.views === undefined && s.keyPrefix === undefined);
      expect(byTypeOnly.length).toBeGreaterThanOrEqual(3);
    });
  });

  describe("existing buckets (sources[].existingBucket)", () => {
    const ORG_TRAIL = { name: "globex-org-trail-333333333333", prefix: "AWSLogs/o-abcdef1234/", accountId: OWNER_ACCOUNT_ID, kmsKeyArn: OWNER_KMS_KEY_ARN };
    const withOrgTrail = (c: Raw, extra: Record<string, unknown> = {}) =>
      c.tenants[0].sources.push({ name: "org_trail", type: "cloudtrail", existingBucket: { ...ORG_TRAIL }, ...extra });

    test("a source on an existing bucket resolves to that bucket and prefix; nothing of it is the tenant's (no transitions)", () => {
      const c = valid();
      c.defaults = { transitions: [{ days: 120, storageClass: "GLACIER" }] };
      withOrgTrail(c);
      const source = resolveConfig(parseConfig(c)).environments[0].tenants[0].sources.find((s) => s.name === "org_trail")!;
      expect(source).toMatchObject({
        bucketName: ORG_TRAIL.name,
        keyPrefix: ORG_TRAIL.prefix,
        existingBucket: ORG_TRAIL,
        transitions: [],
        accessRoleName: "acme-prod-globex-org_trail-snowflake",
      });
      // The catalog's native delivery (CloudTrail) is what writes the owner's bucket: stated, not built.
      expect(source.config.delivery).toEqual({ kind: "native", servicePrincipal: "cloudtrail.amazonaws.com" });
      // Without a key (SSE-S3) it still resolves; the tenant's own sources keep the tenant's bucket.
      const plain: Raw = valid();
      withOrgTrail(plain);
      delete plain.tenants[0].sources[2].existingBucket.kmsKeyArn;
      const tenant = resolveConfig(parseConfig(plain)).environments[0].tenants[0];
      expect(tenant.sources.map((s) => [s.name, s.bucketName, s.existingBucket?.kmsKeyArn])).toEqual([
        ["okta", "acme-prod-globex-111111111111-logs", undefined],
        ["cloudtrail", "acme-prod-globex-111111111111-logs", undefined],
        ["org_trail", ORG_TRAIL.name, undefined],
      ]);
    });

    test.each([
      [
        "a delivery other than native",
        (c: Raw) =>
          withOrgTrail(c, {
            type: undefined,
            delivery: { kind: "puller", puller: "okta", options: { orgUrl: "https://globex.okta.com" } },
            eventTimeField: "published",
          }),
        "tenants[0].sources[2].delivery.kind",
        /must be native: the source reads an existing bucket, and the library builds no puller to write into a bucket it does not own/,
      ],
      [
        "writer roles",
        (c: Raw) => withOrgTrail(c, { delivery: { writerRoleArns: ["arn:aws:iam::333333333333:role/writer"] } }),
        "tenants[0].sources[2].delivery.writerRoleArns",
        /who writes there is its owner's bucket policy/,
      ],
      [
        "a key prefix in the tenant's bucket",
        (c: Raw) => withOrgTrail(c, { keyPrefix: "org-trail/" }),
        "tenants[0].sources[2].keyPrefix",
        /its files are under existingBucket.prefix/,
      ],
      [
        "an S3 retention",
        (c: Raw) => withOrgTrail(c, { retentionDays: 400 }),
        "tenants[0].sources[2].retentionDays",
        /whose owner keeps its files .* tableRetentionDays sets how long the table keeps rows/,
      ],
      [
        "transitions",
        (c: Raw) => withOrgTrail(c, { transitions: [{ days: 30, storageClass: "GLACIER_IR" }] }),
        "tenants[0].sources[2].transitions",
        /whose owner keeps its files/,
      ],
      [
        "a key of another region",
        (c: Raw) => withOrgTrail(c, { existingBucket: { ...ORG_TRAIL, kmsKeyArn: ORG_TRAIL.kmsKeyArn.replace("us-east-1", "eu-west-1") } }),
        "tenants[0].sources[2].existingBucket.kmsKeyArn",
        /is a key in eu-west-1, but the bucket is in the tenant's region us-east-1/,
      ],
      [
        "a bucket name with dots",
        (c: Raw) => withOrgTrail(c, { existingBucket: { ...ORG_TRAIL, name: "org.trail.logs" } }),
        "tenants[0].sources[2].existingBucket.name",
        /must be an S3 bucket name without dots/,
      ],
      [
        "a prefix not ending in '/'",
        (c: Raw) => withOrgTrail(c, { existingBucket: { ...ORG_TRAIL, prefix: "AWSLogs/o-abcdef1234" } }),
        "tenants[0].sources[2].existingBucket.prefix",
        /ending in '\/'/,
      ],
      [
        "a prefix with a wildcard",
        (c: Raw) => withOrgTrail(c, { existingBucket: { ...ORG_TRAIL, prefix: "AWSLogs/*/" } }),
        "tenants[0].sources[2].existingBucket.prefix",
        /must be a key prefix of letters/,
      ],
      [
        "a '..' segment",
        (c: Raw) => withOrgTrail(c, { existingBucket: { ...ORG_TRAIL, prefix: "AWSLogs/../" } }),
        "tenants[0].sources[2].existingBucket.prefix",
        /must not contain '\/\/' or a '\.\.' segment/,
      ],
      [
        "an account id that is not 12 digits",
        (c: Raw) => withOrgTrail(c, { existingBucket: { ...ORG_TRAIL, accountId: "3333" } }),
        "tenants[0].sources[2].existingBucket.accountId",
        /12-digit AWS account id/,
      ],
      [
        "a key that is not a KMS key ARN",
        (c: Raw) => withOrgTrail(c, { existingBucket: { ...ORG_TRAIL, kmsKeyArn: "alias/org-trail" } }),
        "tenants[0].sources[2].existingBucket.kmsKeyArn",
        /must be a KMS key ARN/,
      ],
      [
        "an unknown key",
        (c: Raw) => withOrgTrail(c, { existingBucket: { ...ORG_TRAIL, region: "us-east-1" } }),
        "tenants[0].sources[2].existingBucket",
        /region/,
      ],
      [
        "every source on existing buckets",
        (c: Raw) => (c.tenants[0].sources = [{ name: "org_trail", type: "cloudtrail", existingBucket: { ...ORG_TRAIL } }]),
        "tenants[0].sources",
        /every source reads an existing bucket: at least one must land in the tenant's own bucket/,
      ],
      [
        "two sources on overlapping prefixes of one bucket",
        (c: Raw) => {
          withOrgTrail(c);
          c.tenants[0].sources.push({ name: "org_trail_eu", type: "cloudtrail", existingBucket: { ...ORG_TRAIL, prefix: "AWSLogs/" } });
        },
        "tenants[0].sources[3].existingBucket.prefix",
        /s3:\/\/globex-org-trail-333333333333\/AWSLogs\/ \(environment 'prod'\) overlaps tenants\[0\]\.sources\[2\]\.existingBucket\.prefix .* S3 refuses two with overlapping prefixes/,
      ],
      [
        "one source read from two environments (a pipe, and a notification, each)",
        (c: Raw) => {
          c.environments.push({ ...c.environments[0], name: "dev", awsAccountId: "222222222222" });
          withOrgTrail(c);
        },
        "tenants[0].sources[2].existingBucket.prefix",
        /\(environment 'dev'\) overlaps this source in environment 'prod' too/,
      ],
    ])("%s is refused, naming the path and why", (_what, edit, path, message) => {
      const problems = problemsAfter(edit);
      expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });
    });

    test("a backed-up tenant is warned that the vault does not hold a source on an existing bucket", () => {
      const c = valid();
      c.environments[0].backup = { adminRoleArns: ["arn:aws:iam::111111111111:role/lakehouse-deployer"] };
      c.tenants[0].backup = { restoreReady: true };
      withOrgTrail(c);
      expect(configWarnings(parseConfig(c))).toEqual([
        {
          path: "tenants[0].sources[2].existingBucket",
          message:
            "tenant 'globex' is backed up in environment 'prod', but source 'org_trail' is not: the vault replicates only the tenant's own bucket, and s3://globex-org-trail-333333333333/AWSLogs/o-abcdef1234/ is its owner's to keep and back up (restoreReady: the source gets no backup stage).",
        },
      ]);
    });
  });

  describe("organization trails (delivery.organizationTrail)", () => {
    const TRAIL = { trailArn: "arn:aws:cloudtrail:us-east-1:777777777777:trail/globex-org-trail", organizationId: "o-gl0bex1234" };
    const withTrail = (c: Raw, trail: Record<string, unknown> = TRAIL, delivery: Record<string, unknown> = {}) =>
      (c.tenants[0].sources[1].delivery = { ...c.tenants[0].sources[1].delivery, ...delivery, organizationTrail: trail });

    test("a native CloudTrail source may name its organization's trail (also through type: cloudtrail)", () => {
      const c = valid();
      withTrail(c);
      expect(resolveConfig(parseConfig(c)).environments[0].tenants[0].sources[1].config.delivery.organizationTrail).toEqual(TRAIL);
      const typed = valid();
      typed.tenants[0].sources.push({ name: "org_trail", type: "cloudtrail", keyPrefix: "org-trail/", delivery: { organizationTrail: TRAIL } });
      typed.tenants[0].sources.splice(1, 1);
      expect(resolveConfig(parseConfig(typed)).environments[0].tenants[0].sources[1].config.delivery).toEqual({
        kind: "native",
        servicePrincipal: "cloudtrail.amazonaws.com",
        organizationTrail: TRAIL,
      });
    });

    test.each([
      [
        "another service's delivery",
        (c: Raw) => withTrail(c, TRAIL, { servicePrincipal: "guardduty.amazonaws.com" }),
        "tenants[0].sources[1].delivery.organizationTrail",
        /needs servicePrincipal cloudtrail.amazonaws.com .* not guardduty.amazonaws.com's/,
      ],
      [
        "a delivery that is not native",
        (c: Raw) => (c.tenants[0].sources[0].delivery = { kind: "puller", organizationTrail: TRAIL }),
        "tenants[0].sources[0].delivery.organizationTrail",
        /only for native delivery by CloudTrail \(this source is puller\)/,
      ],
      [
        "a source on an existing bucket",
        (c: Raw) =>
          c.tenants[0].sources.push({
            name: "org_trail",
            type: "cloudtrail",
            delivery: { organizationTrail: TRAIL },
            existingBucket: { name: "globex-org-trail-777777777777", prefix: "AWSLogs/", accountId: "777777777777" },
          }),
        "tenants[0].sources[2].delivery.organizationTrail",
        /which trail writes there is its owner's bucket policy/,
      ],
      [
        "a trail ARN with a wildcard",
        (c: Raw) => withTrail(c, { ...TRAIL, trailArn: "arn:aws:cloudtrail:us-east-1:777777777777:trail/*" }),
        "tenants[0].sources[1].delivery.organizationTrail.trailArn",
        /must be a CloudTrail trail ARN/,
      ],
      [
        "an organization id that is not one",
        (c: Raw) => withTrail(c, { ...TRAIL, organizationId: "globex" }),
        "tenants[0].sources[1].delivery.organizationTrail.organizationId",
        /must be an AWS Organizations id/,
      ],
      [
        "one trail named by two sources",
        (c: Raw) => {
          withTrail(c);
          c.tenants[0].sources.push({ name: "org_trail", type: "cloudtrail", delivery: { organizationTrail: TRAIL } });
        },
        "tenants[0].sources[2].delivery.organizationTrail.trailArn",
        /also writes sources\[1\]: a trail delivers to one bucket prefix/,
      ],
    ])("%s is refused, naming the path and why", (_what, edit, path, message) => {
      expect(problemsAfter(edit)).toContainEqual({ path, message: expect.stringMatching(message) });
    });
  });

  describe("backup", () => {
    const ADMIN = "arn:aws:iam::111111111111:role/lakehouse-deployer";
    const withBackup = (c: Raw) => (c.environments[0].backup = { adminRoleArns: [ADMIN] });

    test("the environment's backup turns on a vault per tenant: Deep Archive for the tenant's retention, COMPLIANCE lock for the floor, 24 h staleness", () => {
      const c = valid();
      withBackup(c);
      const tenant = resolveConfig(parseConfig(c)).environments[0].tenants[0];
      expect(tenant.backup).toEqual({
        vaultBucketName: "acme-prod-globex-111111111111-backup",
        region: "us-east-1",
        storageClass: "DEEP_ARCHIVE",
        retentionDays: 365,
        retentionFloorDays: 90,
        objectLock: { mode: "COMPLIANCE", days: 90 },
        staleAfterHours: 24,
        adminRoleArns: [ADMIN],
        // Applied as the first admin role unless deployRoleArn names another; no plan role named.
        deployRoleArn: ADMIN,
        planRoleArns: [],
        replicationRoleName: "acme-prod-globex-backup-replication",
        restoreReady: false,
      });
      // No environment backup, no vault.
      expect(resolveConfig(parseConfig(valid())).environments[0].tenants[0].backup).toBeUndefined();
    });

    test("a tenant overrides class and retention over the environment's; enabled: false leaves it out with a reason", () => {
      const c = valid();
      c.environments[0].backup = { adminRoleArns: [ADMIN], storageClass: "GLACIER", retentionDays: 400, staleAfterHours: 48 };
      c.tenants[0].backup = { storageClass: "GLACIER_IR", retentionDays: 120, restoreReady: true };
      expect(resolveConfig(parseConfig(c)).environments[0].tenants[0].backup).toMatchObject({
        storageClass: "GLACIER_IR",
        retentionDays: 120,
        staleAfterHours: 48,
        restoreReady: true,
      });
      c.tenants[0].backup = { enabled: false, disabledReason: "backed up by the customer's own SIEM archive" };
      expect(resolveConfig(parseConfig(c)).environments[0].tenants[0].backup).toBeUndefined();
    });

    test.each([
      [
        "no admin role",
        (c: Raw) => (c.environments[0].backup = { adminRoleArns: [] }),
        "environments[0].backup.adminRoleArns",
        /at least one: the role Terraform applies with/,
      ],
      [
        "a tenant backup without the environment's",
        (c: Raw) => (c.tenants[0].backup = { storageClass: "GLACIER" }),
        "tenants[0].backup",
        /environment 'prod' has no backup/,
      ],
      [
        "Deep Archive kept under its 180 billed days",
        (c: Raw) => {
          withBackup(c);
          c.tenants[0].backup = { retentionDays: 120 };
        },
        "tenants[0].backup.retentionDays",
        /kept 120 days in DEEP_ARCHIVE .* bills at least 180 days/,
      ],
      [
        "the tenant's short retention inherited into Deep Archive",
        (c: Raw) => {
          withBackup(c);
          c.tenants[0].retentionDays = 150;
        },
        "tenants[0].backup",
        /kept 150 days in DEEP_ARCHIVE/,
      ],
      [
        "a retention below the floor",
        (c: Raw) => {
          withBackup(c);
          c.defaults = { retentionFloorDays: 200 };
          c.tenants[0].backup = { storageClass: "GLACIER_IR", retentionDays: 100 };
        },
        "tenants[0].backup.retentionDays",
        /below the retention floor of 200 days/,
      ],
      [
        "a retention shorter than the lock",
        (c: Raw) => {
          c.environments[0].backup = { adminRoleArns: [ADMIN], objectLock: { mode: "COMPLIANCE", days: 400 } };
        },
        "tenants[0].backup",
        /object lock holds every version 400 days/,
      ],
      [
        "disabled without a reason",
        (c: Raw) => {
          withBackup(c);
          c.tenants[0].backup = { enabled: false };
        },
        "tenants[0].backup.disabledReason",
        /required with enabled: false/,
      ],
      [
        "a reason while enabled",
        (c: Raw) => {
          withBackup(c);
          c.tenants[0].backup = { disabledReason: "this reason is long enough to pass" };
        },
        "tenants[0].backup.disabledReason",
        /only with enabled: false/,
      ],
      [
        "stale after more than a week",
        (c: Raw) => (c.environments[0].backup = { adminRoleArns: [ADMIN], staleAfterHours: 200 }),
        "environments[0].backup.staleAfterHours",
        /168/,
      ],
    ] as [string, (c: Raw) => void, string, RegExp][])("rejects %s at its path", (_name, edit, path, message) => {
      const found = problemsAfter(edit).filter((p) => p.path === path);
      expect(found.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    });

    test("the default example backs up every tenant, initech in Glacier Instant Retrieval", () => {
      const tenants = resolveConfig(loadConfigFile(DEFAULT)).environments[0].tenants;
      expect(tenants.map((t) => [t.id, t.backup?.storageClass, t.backup?.retentionDays])).toEqual([
        ["globex", "DEEP_ARCHIVE", 365],
        ["initech", "GLACIER_IR", 730],
        ["umbrella", "DEEP_ARCHIVE", 365],
        ["hooli", "DEEP_ARCHIVE", 365],
      ]);
    });

    test("a tenant in an account of its own: its vault is there, administered and planned by its deploy and plan roles there", () => {
      const c = valid();
      c.environments[0].backup = {
        adminRoleArns: [ADMIN, "arn:aws:iam::222222222222:role/break-glass"],
        planRoleArns: ["arn:aws:iam::111111111111:role/ci-plan"],
      };
      c.tenants[0].awsAccountId = "222222222222";
      c.tenants[0].deployRoleName = "mssp-deploy";
      const tenant = resolveConfig(parseConfig(c)).environments[0].tenants[0];
      expect(tenant).toMatchObject({
        accountId: "222222222222",
        bucketName: "acme-prod-globex-222222222222-logs",
        ownAccount: { deployRoleArn: "arn:aws:iam::222222222222:role/mssp-deploy", planRoleArn: "arn:aws:iam::222222222222:role/lakehouse-plan" },
      });
      expect(tenant.backup).toMatchObject({
        vaultBucketName: "acme-prod-globex-222222222222-backup",
        // Roles of another account get nothing from a vault policy that only denies: left out.
        adminRoleArns: ["arn:aws:iam::222222222222:role/mssp-deploy", "arn:aws:iam::222222222222:role/break-glass"],
        planRoleArns: ["arn:aws:iam::222222222222:role/lakehouse-plan"],
      });
      expect(tenant.backup!.deployRoleArn).toBeUndefined();
    });
  });

  describe("AWS accounts", () => {
    test.each([
      [
        "the environment's own account as the tenant's",
        (c: Raw) => (c.tenants[0].awsAccountId = "111111111111"),
        "tenants[0].awsAccountId",
        /is environment 'prod''s own account: leave awsAccountId out/,
      ],
      [
        "a deploy role without an account of its own",
        (c: Raw) => (c.tenants[0].deployRoleName = "deploy"),
        "tenants[0].deployRoleName",
        /only with awsAccountId/,
      ],
      ["a plan role without an account of its own", (c: Raw) => (c.tenants[0].planRoleName = "plan"), "tenants[0].planRoleName", /only with awsAccountId/],
      ["a malformed account id", (c: Raw) => (c.tenants[0].awsAccountId = "1234"), "tenants[0].awsAccountId", /12-digit/],
      [
        "a deploy role of the vaults that is no admin",
        (c: Raw) => (c.environments[0].backup = { adminRoleArns: ["arn:aws:iam::111111111111:role/a"], deployRoleArn: "arn:aws:iam::111111111111:role/b" }),
        "environments[0].backup.deployRoleArn",
        /must be one of adminRoleArns/,
      ],
      ["an empty readers list", (c: Raw) => (c.tenants[0].access = { readers: [] }), "tenants[0].access.readers", /at least one role, or leave readers out/],
      [
        "quotas of an account the config does not use",
        (c: Raw) => (c.awsQuotas = { "333333333333": { iamRoles: 2000 } }),
        "awsQuotas.333333333333",
        /no environment or tenant of this config is in AWS account 333333333333/,
      ],
      [
        "a role quota above IAM's hard limit",
        (c: Raw) => (c.awsQuotas = { "111111111111": { iamRoles: 6000 } }),
        "awsQuotas.111111111111.iamRoles",
        /at most 5,000 roles/,
      ],
    ] as [string, (c: Raw) => void, string, RegExp][])("rejects %s at its path", (_name, edit, path, message) => {
      const found = problemsAfter(edit).filter((p) => p.path === path);
      expect(found.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    });

    /** `count` tenants of one puller source each (3 IAM roles and 1 reserved execution per tenant), each in the account `accountOf` gives (default: the environment's). */
    const manyTenants = (count: number, accountOf: (t: number) => string | undefined = () => undefined): Raw => {
      const c: Raw = valid();
      c.tenants = Array.from({ length: count }, (_, t) => ({
        id: `t${t}`,
        region: "us-east-1",
        ...(accountOf(t) ? { awsAccountId: accountOf(t) } : {}),
        sources: [{ name: "okta", type: "okta", delivery: { options: { orgUrl: "https://t.okta.com" } } }],
      }));
      return c;
    };
    const problemsOf = (c: Raw) => {
      try {
        parseConfig(c);
        return [];
      } catch (e) {
        if (e instanceof LakehouseValidationError) return [...e.problems];
        throw e;
      }
    };

    test("an account over the IAM role quota is refused, naming the count and the fix; tenants spread over accounts pass", () => {
      // 334 tenants × 3 roles (access role, puller and scheduler roles) = 1,002 roles in one account.
      const crowded = problemsOf(manyTenants(334));
      expect(crowded).toEqual([
        {
          path: "environments[0].awsAccountId",
          message: expect.stringMatching(
            /^AWS account 111111111111 would hold 1,002 IAM roles made by this config, over its quota of 1,000 .*put tenants in AWS accounts of their own \(tenants\[\]\.awsAccountId\), or raise the account's IAM roles quota \(at most 5,000\) and state it in awsQuotas\."111111111111"\.iamRoles$/,
          ),
        },
      ]);
      expect(problemsOf(manyTenants(333))).toEqual([]);
      // Half of them in an account of their own: each account stays under its quota.
      expect(problemsOf(manyTenants(334, (t) => (t % 2 ? "222222222222" : undefined)))).toEqual([]);
      // A raised quota is honoured, up to IAM's hard limit.
      const raised = manyTenants(334);
      raised.awsQuotas = { "111111111111": { iamRoles: 1500 } };
      expect(problemsOf(raised)).toEqual([]);
      // Over the hard limit no quota helps: only accounts of their own.
      const huge = manyTenants(1700);
      huge.awsQuotas = { "111111111111": { iamRoles: 5000, lambdaConcurrentExecutions: 5000 } };
      expect(problemsOf(huge).map((p) => p.message)).toEqual([expect.stringMatching(/would hold 5,100 IAM roles .*tenants\[\]\.awsAccountId\)$/)]);
    });

    test("an account and region whose pullers would reserve more than 900 concurrent executions is refused; the tenant's own account is named", () => {
      const c = manyTenants(300, (t) => (t < 299 ? undefined : "222222222222"));
      expect(problemsOf(c)).toEqual([]);
      // 905 pullers in one account and region: 905 reserved, 1,000 − 100 = 900 reservable.
      const over = manyTenants(906, (t) => (t === 0 ? undefined : "222222222222"));
      over.awsQuotas = { "222222222222": { iamRoles: 5000 } };
      expect(problemsOf(over)).toEqual([
        {
          path: "tenants[1].awsAccountId",
          message: expect.stringMatching(
            /^AWS account 222222222222 would reserve 905 concurrent Lambda executions in us-east-1 \(one per puller and Kafka consumer\), but Lambda keeps 100 of the region's 1,000 unreserved, so at most 900 can be reserved: .*awsQuotas\."222222222222"\.lambdaConcurrentExecutions$/,
          ),
        },
      ]);
      over.awsQuotas = { "222222222222": { iamRoles: 5000, lambdaConcurrentExecutions: 1005 } };
      expect(problemsOf(over)).toEqual([]);
    });
  });

  test("every problem is reported at once, in input order", () => {
    const problems = problemsAfter((c) => {
      c.organization = "ACME";
      delete c.tenants[0].sources[0].eventTimeField;
      c.tenants[0].sources[1].name = "select";
      c.tenants.push({ ...c.tenants[0], sources: c.tenants[0].sources.slice(0, 1), region: "xx" });
    });
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(["organization", "tenants[0].sources[0].eventTimeField", "tenants[0].sources[1].name", "tenants[1].region"]),
    );
    expect(problems.length).toBeGreaterThanOrEqual(5);
  });

  test("the error message lists every problem as 'file:line:col: path: reason' under the file name", () => {
    expect(() => parseConfigYaml("organization: acme\nenvironments: []\ntenants: []\n", "bad.yaml")).toThrow(
      /^bad\.yaml: 2 problems\n {2}- bad\.yaml:2:15: environments: at least one environment is required\n {2}- bad\.yaml:3:10: tenants: at least one tenant is required$/,
    );
  });

  test("from TypeScript (no file) the problems carry no location", () => {
    expect(() => parseConfig({ organization: "acme", environments: [], tenants: [] })).toThrow(/^config: 2 problems\n {2}- environments: at least one/);
  });

  /** The problems of a YAML config, as `location path: message` lines. */
  function yamlProblems(text: string): string[] {
    try {
      parseConfigYaml(text, "c.yaml");
    } catch (e) {
      if (e instanceof LakehouseValidationError) return e.problems.map((p) => `${p.location} ${p.path}: ${p.message}`);
      throw e;
    }
    throw new Error("expected problems");
  }

  const ENV = "environments:\n  - name: prod\n    awsAccountId: '111111111111'\n    snowflakeAccounts: [{ region: us-east-1, organization: O, account: A }]\n";

  test("config problems point at the value, a missing field at its object, an unknown key at the key; sorted by line", () => {
    const text = `organization: acme\n${ENV}tenants:\n  - id: globex\n    region: us-east-1\n    colour: blue\n    sources:\n      - name: okta\n        delivery: { kind: puller, scheduleMinutes: 30 }\n`;
    expect(yamlProblems(text)).toEqual([
      "c.yaml:9:5 tenants[0]: unknown key 'colour' (allowed here: access, awsAccountId, backup, deployRoleName, displayName, environments, id, objectLock, planRoleName, region, retentionDays, sources)",
      "c.yaml:11:9 tenants[0].sources[0].eventTimeField: required: the JSON path of each event's time (or a type whose catalog entry gives it)",
      "c.yaml:12:52 tenants[0].sources[0].delivery.scheduleMinutes: must be 1-10 minutes: ingest delay stays under 10 minutes",
      "c.yaml:12:52 tenants[0].sources[0].delivery.scheduleMinutes: needs delivery.puller (without it the source only grants writerRoleArns)",
    ]);
  });

  test("duplicate source names are reported even when the same entries have shape errors, or an entry is not an object", () => {
    const text =
      `organization: acme\n${ENV}tenants:\n  - id: globex\n    region: us-east-1\n    sources:\n` +
      "      - { name: okta, delivery: { kind: puller }, retentionDays: ninety }\n" +
      "      - null\n" +
      "      - { name: okta, delivery: { kind: pigeon }, eventTimeField: published }\n";
    const problems = yamlProblems(text);
    expect(problems).toEqual(
      expect.arrayContaining([
        "c.yaml:10:9 tenants[0].sources[0].eventTimeField: required: the JSON path of each event's time (or a type whose catalog entry gives it)",
        expect.stringMatching(/^c\.yaml:10:66 tenants\[0\]\.sources\[0\]\.retentionDays: .*expected number/),
        expect.stringMatching(/^c\.yaml:11:9 tenants\[0\]\.sources\[1\]: .*expected object/),
        expect.stringMatching(/^c\.yaml:12:41 tenants\[0\]\.sources\[2\]\.delivery\.kind: /),
        "c.yaml:12:17 tenants[0].sources[2].name: duplicate source 'okta' (also sources[0])",
      ]),
    );
    // Sorted by position: line, then column.
    const positions = problems.map((p) => p.split(" ")[0].split(":").slice(1).map(Number));
    expect(positions).toEqual([...positions].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  });

  test.each([
    [
      "a syntax error",
      "organization: acme\ntenants: [a, b\nenvironments: []\n",
      "c.yaml:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
    ["a duplicate key", "organization: acme\norganization: other\n", "c.yaml:2:1: invalid YAML: Map keys must be unique (duplicate key organization)"],
    ["an alias without its anchor", "organization: acme\nenvironments: *envs\n", "c.yaml:2:15: invalid YAML: alias *envs has no anchor &envs before it"],
    [
      "excessive aliases (a billion-laughs document)",
      "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
      /^c\.yaml:3:\d+: invalid YAML: alias \*b expands the document past 100 aliased nodes/,
    ],
    [
      "two documents",
      "organization: acme\n---\norganization: b\n",
      "c.yaml:2:1: invalid YAML: Source contains multiple documents; please use YAML.parseAllDocuments()",
    ],
    ["a tab as indentation", "organization: acme\ntenants:\n\t- a\n", /^c\.yaml:3:1: invalid YAML: Tabs are not allowed as indentation/],
  ])("malformed YAML, %s, is a ConfigSyntaxError: one line with file:line:col", (_what, text, expected) => {
    let error: unknown;
    try {
      parseConfigYaml(text, "c.yaml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigSyntaxError);
    const message = (error as Error).message;
    expect(message.split("\n")).toHaveLength(1);
    if (typeof expected === "string") expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  test("aliases within the limit are read as their anchors' values", () => {
    const text = `organization: acme\nenvironments:\n  - &prod\n    name: prod\n    awsAccountId: '111111111111'\n    snowflakeAccounts: [{ region: us-east-1, organization: O, account: A }]\ntenants:\n  - id: globex\n    region: us-east-1\n    sources: &sources\n      - { name: okta, delivery: { kind: puller }, eventTimeField: published }\n  - { id: initech, region: us-east-1, sources: *sources }\n`;
    const config = parseConfigYaml(text, "c.yaml");
    expect(config.tenants[1].sources).toEqual(config.tenants[0].sources);
  });

  describe("views as the seed writes them", () => {
    const withView = (view: string, edit: (c: Raw) => void = () => {}) =>
      problemsAfter((c) => {
        c.tenants[0].sources[0].views = { OKTA_EVENTS: view };
        edit(c);
      });

    test.each([
      "event_time, data:actor.alternateId::string AS actor",
      "SELECT event_time, data:actor.alternateId::string AS actor FROM OKTA",
      "SELECT event_time FROM globex.okta",
      "SELECT event_time FROM ACME_LOGS_PROD.GLOBEX.OKTA",
    ])("accepted: %s", (view) => {
      expect(withView(view)).toEqual([]);
    });

    test("the view of a whole statement is the view of its select list", () => {
      const statementOf = (view: string) => {
        const config = valid();
        config.tenants[0].sources[0].views = { OKTA_EVENTS: view };
        const app = Testing.app();
        buildLakehouse(app, parseConfig(config));
        const tenant = app.node.findAll().find((c) => c instanceof TerraformStack && c.node.id === "tenant-globex-prod") as TerraformStack;
        return resourcesOf(JSON.parse(Testing.synth(tenant)), "snowflake_view").map((v) => v.statement);
      };
      expect(statementOf("SELECT event_time AS t FROM ACME_LOGS_PROD.GLOBEX.OKTA")).toEqual(statementOf("event_time AS t"));
      expect(statementOf("event_time AS t")).toEqual(["SELECT\n  event_time AS t\nFROM ACME_LOGS_PROD.GLOBEX.OKTA"]);
    });

    test.each([
      ["another source's table", "SELECT a FROM CLOUDTRAIL", /selects FROM CLOUDTRAIL, not from its own table ACME_LOGS_PROD\.GLOBEX\.OKTA/],
      ["another tenant's schema", "SELECT a FROM INITECH.OKTA", /selects FROM INITECH\.OKTA, not from its own table/],
      [
        "another environment's database",
        "SELECT a FROM ACME_LOGS_DEV.GLOBEX.OKTA",
        /selects FROM ACME_LOGS_DEV\.GLOBEX\.OKTA, not from its own table ACME_LOGS_PROD\.GLOBEX\.OKTA/,
      ],
      ["a join", "SELECT a FROM OKTA JOIN USERS ON a = b", /may only select FROM its own table, with nothing after it/],
    ])("rejected with the view's config path: %s", (_what, view, message) => {
      const problems = withView(view);
      expect(problems).toEqual([{ path: "tenants[0].sources[0].views.OKTA_EVENTS", message: expect.stringMatching(message) }]);
    });

    test("a database may not be named when the tenant is in two environments (each has its own)", () => {
      const twoEnvironments = (c: Raw) => c.environments.push({ ...c.environments[0], name: "dev" });
      expect(withView("SELECT a FROM GLOBEX.OKTA", twoEnvironments)).toEqual([]);
      expect(withView("SELECT a FROM ACME_LOGS_PROD.GLOBEX.OKTA", twoEnvironments)).toEqual([
        {
          path: "tenants[0].sources[0].views.OKTA_EVENTS",
          message: "names the database ACME_LOGS_PROD, but the view is made in 2 databases (ACME_LOGS_PROD, ACME_LOGS_DEV): write GLOBEX.OKTA or OKTA",
        },
      ]);
      // Limited to one environment, the tenant has one database again.
      expect(withView("SELECT a FROM ACME_LOGS_PROD.GLOBEX.OKTA", (c) => (twoEnvironments(c), (c.tenants[0].environments = ["prod"])))).toEqual([]);
    });

    test("a view's FROM is checked even when the source has shape errors", () => {
      const problems = withView("SELECT a FROM CLOUDTRAIL", (c) => delete c.tenants[0].sources[0].eventTimeField);
      expect(problems.map((p) => p.path)).toEqual(["tenants[0].sources[0].eventTimeField", "tenants[0].sources[0].views.OKTA_EVENTS"]);
    });
  });

  test("the committed JSON Schema is the one generated from the zod schema", () => {
    const committed = JSON.parse(readFileSync(join(__dirname, "..", "..", "schema", "lakehouse.schema.json"), "utf8"));
    expect(committed).toEqual(lakehouseJsonSchema());
    // Editors catch at least the shape: required fields and the region list.
    expect(committed.required).toEqual(expect.arrayContaining(["organization", "environments", "tenants"]));
    expect(JSON.stringify(committed)).toContain("eu-west-1");
  });

  test("every key of the JSON Schema explains itself: a description on each property, array item, union branch and map value (editors show it)", () => {
    interface Node {
      description?: unknown;
      properties?: Record<string, Node>;
      items?: Node;
      additionalProperties?: Node | boolean;
      anyOf?: Node[];
      oneOf?: Node[];
      allOf?: Node[];
      $defs?: Record<string, Node>;
    }
    const missing: string[] = [];
    const templated: string[] = [];
    const walk = (node: Node, path: string) => {
      const at = path || "(root)";
      if (typeof node.description !== "string" || node.description.trim() === "") missing.push(at);
      // Text only, but never a template sequence: it must read the same wherever it is copied.
      else if (node.description.includes("${")) templated.push(at);
      for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, path ? `${path}.${key}` : key);
      if (node.items) walk(node.items, `${path}[]`);
      if (typeof node.additionalProperties === "object") walk(node.additionalProperties, `${path}.*`);
      for (const kind of ["anyOf", "oneOf", "allOf"] as const) (node[kind] ?? []).forEach((branch, i) => walk(branch, `${path}.${kind}[${i}]`));
      for (const [key, def] of Object.entries(node.$defs ?? {})) walk(def, `$defs.${key}`);
    };
    walk(lakehouseJsonSchema() as Node, "");
    expect({ missing, templated }).toEqual({ missing: [], templated: [] });
  });
});
