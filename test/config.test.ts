import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LakehouseValidationError } from "../modules/core/errors";
import { lakehouseJsonSchema } from "../stacks/config/json-schema";
import { loadConfigFile, parseConfig, parseConfigYaml } from "../stacks/config/load";
import { resolveConfig } from "../stacks/config/resolve";
import { LakehouseConfigInput } from "../stacks/config/schema";

const DEFAULT = join(__dirname, "..", "examples", "default", "lakehouse.yaml");

function valid(): LakehouseConfigInput {
  return {
    organization: "acme",
    environments: [{ name: "prod", awsAccountId: "111111111111", snowflakeAccounts: [{ region: "us-east-1", organization: "O", account: "A" }] }],
    tenants: [
      {
        id: "globex",
        region: "us-east-1",
        sources: [
          { name: "okta", delivery: { kind: "puller" }, eventTimeField: "published" },
          { name: "cloudtrail", delivery: { kind: "native", servicePrincipal: "cloudtrail.amazonaws.com" }, eventTimeField: "Records[0].eventTime" },
        ],
      },
    ],
  };
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
  test("the embedded default is valid and resolves to three tenants in two regions", () => {
    const config = loadConfigFile(DEFAULT);
    const resolved = resolveConfig(config);
    expect(resolved.environments.map((e) => e.name)).toEqual(["prod"]);
    expect(resolved.environments[0].tenants.map((t) => `${t.id}@${t.region}`)).toEqual(["globex@us-east-1", "initech@eu-west-1", "umbrella@eu-west-1"]);
    expect(resolved.environments[0].regions).toEqual(["eu-west-1", "us-east-1"]);
  });

  test("defaults flow from defaults → tenant → source", () => {
    const c = valid();
    c.defaults = { retentionDays: 400, canary: { windowMinutes: 15 } };
    c.tenants[0].retentionDays = 500;
    c.tenants[0].sources[1].retentionDays = 900;
    const t = resolveConfig(parseConfig(c)).environments[0].tenants[0];
    expect(t.retentionDays).toBe(500);
    expect(t.sources.map((s) => [s.name, s.retentionDays, s.tableRetentionDays, s.canary.windowMinutes, s.canary.suppressionMinutes, s.keyPrefix, s.eventTimeFormat])).toEqual([
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
    ["missing event-time field", (c) => delete c.tenants[0].sources[0].eventTimeField, "tenants[0].sources[0].eventTimeField", /^required$/],
    ["duplicate tenant id", (c) => c.tenants.push({ ...c.tenants[0] }), "tenants[1].id", /duplicate tenant id 'globex' \(also tenants\[0\]\)/],
    ["duplicate source name", (c) => c.tenants[0].sources.push({ ...c.tenants[0].sources[0] }), "tenants[0].sources[2].name", /duplicate source 'okta'/],
    ["unknown region", (c) => (c.tenants[0].region = "moon-1"), "tenants[0].region", /is not a known AWS region/],
    ["region without a Snowflake account", (c) => (c.tenants[0].region = "eu-west-1"), "tenants[0].region", /no Snowflake account for region 'eu-west-1' in environment 'prod'/],
    ["tenant id that breaks S3 bucket rules", (c) => (c.tenants[0].id = "Globex_Corp"), "tenants[0].id", /lower-case letters and digits/],
    ["organization too long for bucket names", (c) => (c.organization = "a".repeat(16)), "organization", /at most 15 characters/],
    ["source name that breaks Snowflake identifier rules", (c) => (c.tenants[0].sources[0].name = "okta-logs"), "tenants[0].sources[0].name", /names a Snowflake table/],
    ["source name that is a reserved word", (c) => (c.tenants[0].sources[0].name = "select"), "tenants[0].sources[0].name", /reserved word in Snowflake/],
    ["lower-case view name", (c) => (c.tenants[0].sources[0].views = { okta_view: "event_time" }), "tenants[0].sources[0].views.okta_view", /upper-case Snowflake identifier/],
    ["view body with a second statement", (c) => (c.tenants[0].sources[0].views = { V: "a; DROP TABLE t" }), "tenants[0].sources[0].views.V", /must not contain ';'/],
    ["tenant retention below the floor", (c) => (c.tenants[0].retentionDays = 30), "tenants[0].retentionDays", /30 is below the retention floor of 90 days/],
    ["source retention below a custom floor", (c) => { c.defaults = { retentionFloorDays: 400 , retentionDays: 400 }; c.tenants[0].sources[1].retentionDays = 365; }, "tenants[0].sources[1].retentionDays", /365 is below the retention floor of 400 days/],
    ["bad JSON path", (c) => (c.tenants[0].sources[0].eventTimeField = "published time"), "tenants[0].sources[0].eventTimeField", /must be a JSON path/],
    ["overlapping key prefixes", (c) => (c.tenants[0].sources[1].keyPrefix = "okta/cloudtrail/"), "tenants[0].sources[1].keyPrefix", /overlaps sources\[0\] \('okta\/'\)/],
    ["bad AWS account id", (c) => (c.environments[0].awsAccountId = "1234"), "environments[0].awsAccountId", /12-digit AWS account id/],
    ["duplicate environment", (c) => c.environments.push({ ...c.environments[0] }), "environments[1].name", /duplicate environment 'prod'/],
    ["unknown environment on a tenant", (c) => (c.tenants[0].environments = ["qa"]), "tenants[0].environments[0]", /unknown environment 'qa'/],
    ["unknown key (a typo)", (c) => (c.tenants[0].retentionDay = 400), "tenants[0]", /Unrecognized key: "retentionDay"/],
    ["native delivery without a writer", (c) => (c.tenants[0].sources[1].delivery = { kind: "native" }), "tenants[0].sources[1].delivery", /native delivery needs the servicePrincipal/],
    ["transition at or after expiry", (c) => (c.tenants[0].sources[0].transitions = [{ days: 400, storageClass: "GLACIER" }]), "tenants[0].sources[0].transitions[0].days", /not before the retention of 365 days/],
    ["IA transition too early", (c) => (c.tenants[0].sources[0].transitions = [{ days: 7, storageClass: "STANDARD_IA" }]), "tenants[0].sources[0].transitions[0].days", /STANDARD_IA needs at least 30 days/],
    ["no tenants", (c) => (c.tenants = []), "tenants", /at least one tenant is required/],
    ["bad backend kind", (c) => (c.environments[0].backend = { kind: "gcs" }), "environments[0].backend.kind", /Invalid input/],
    ["object lock longer than retention", (c) => (c.tenants[0].objectLock = { mode: "COMPLIANCE", days: 999 }), "tenants[0].objectLock.days", /longer than the tenant's retention of 365 days/],
    ["canary window too short", (c) => (c.tenants[0].sources[0].canary = { windowMinutes: 1 }), "tenants[0].sources[0].canary.windowMinutes", /at least 5 minutes/],
    ["canary schedule that is not cron", (c) => (c.tenants[0].sources[0].canary = { schedule: "every 5 minutes" }), "tenants[0].sources[0].canary.schedule", /five cron fields and a time zone/],
    ["provider constraint that is not one", (c) => (c.environments[0].providerVersions = { aws: "latest" }), "environments[0].providerVersions.aws", /'latest' is not a version constraint term/],
    ["provider constraint below the modules' floor", (c) => (c.environments[0].providerVersions = { aws: ">= 6.0, < 7" }), "environments[0].providerVersions.aws", /admits versions below 6\.34\.0/],
    ["Snowflake provider older than the bindings", (c) => (c.environments[0].providerVersions = { snowflake: "~> 2.5" }), "environments[0].providerVersions.snowflake", /admits versions below 2\.11\.0/],
    ["firehose options on a puller", (c) => (c.tenants[0].sources[0].delivery.firehose = { source: "direct-put" }), "tenants[0].sources[0].delivery.firehose", /only for kind firehose \(this source is puller\)/],
    [
      "stream options on a direct-PUT firehose",
      (c) => (c.tenants[0].sources[0].delivery = { kind: "firehose", firehose: { source: "direct-put", stream: { shardCount: 2 } } }),
      "tenants[0].sources[0].delivery.firehose.stream",
      /only for source kinesis/,
    ],
    [
      "producers of a direct-PUT firehose",
      (c) => (c.tenants[0].sources[0].delivery = { kind: "firehose", firehose: { source: "direct-put", producerRoleArns: ["arn:aws:iam::111111111111:role/p"] } }),
      "tenants[0].sources[0].delivery.firehose.producerRoleArns",
      /grant producers firehose:PutRecordBatch in their own policies/,
    ],
    ["firehose buffer above 10 minutes", (c) => (c.tenants[0].sources[0].delivery = { kind: "firehose", firehose: { source: "kinesis", bufferIntervalSeconds: 900 } }), "tenants[0].sources[0].delivery.firehose.bufferIntervalSeconds", /ingest delay stays under 10 minutes/],
    ["firehose buffer below 64 MiB", (c) => (c.tenants[0].sources[0].delivery = { kind: "firehose", firehose: { source: "kinesis", bufferSizeMB: 5 } }), "tenants[0].sources[0].delivery.firehose.bufferSizeMB", /must be 64-128 MiB/],
    ["kinesis retention under a day", (c) => (c.tenants[0].sources[0].delivery = { kind: "firehose", firehose: { source: "kinesis", stream: { retentionHours: 1 } } }), "tenants[0].sources[0].delivery.firehose.stream.retentionHours", /24-8760 hours/],
    ["table kept longer than its S3 files", (c) => (c.tenants[0].sources[0].tableRetentionDays = 400), "tenants[0].sources[0].tableRetentionDays", /400 days in Snowflake but S3 keeps the files only 365 days/],
  ];

  test.each(malformed)("rejects %s at its path", (_name, edit, path, message) => {
    const problems = problemsAfter(edit);
    const found = problems.find((p) => p.path === path);
    expect({ problems, found: found !== undefined }).toMatchObject({ found: true });
    expect(found!.message).toMatch(message);
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

  test("the error message lists every problem as 'path: reason' under the file name", () => {
    expect(() => parseConfigYaml("organization: acme\nenvironments: []\ntenants: []\n", "bad.yaml")).toThrow(
      /^bad\.yaml: 2 problems\n {2}- environments: at least one environment is required\n {2}- tenants: at least one tenant is required$/,
    );
  });

  test("YAML errors (syntax, duplicate keys) are reported with their line", () => {
    expect(() => parseConfigYaml("organization: acme\norganization: other\n", "dup.yaml")).toThrow(/dup\.yaml: 1 problem\n {2}- \(yaml line 2\): .*[Uu]nique/);
    expect(() => parseConfigYaml("tenants: [\n", "broken.yaml")).toThrow(/broken\.yaml/);
  });

  test("the committed JSON Schema is the one generated from the zod schema", () => {
    const committed = JSON.parse(readFileSync(join(__dirname, "..", "schema", "lakehouse.schema.json"), "utf8"));
    expect(committed).toEqual(lakehouseJsonSchema());
    // Editors catch at least the shape: required fields and the region list.
    expect(committed.required).toEqual(expect.arrayContaining(["organization", "environments", "tenants"]));
    expect(JSON.stringify(committed)).toContain("eu-west-1");
  });
});
