import { LakehouseValidationError } from "../../modules/core/errors";
import { parseConfig } from "../../stacks/config/load";
import { MinimalConfigOptions, minimalConfig } from "../support/fixtures";

/**
 * `sources[].delivery` in config: which fields each delivery kind takes, and how a wrong one is named
 * by its path. The modules these deliveries build are tested in test/modules/aws/log-puller.test.ts and
 * test/modules/aws/kafka-ingest.test.ts.
 */
/** The minimal config with one source of this delivery: the problems parsing it raises, as `path: message`. */
function problems(source: (delivery: Record<string, unknown>) => MinimalConfigOptions, delivery: Record<string, unknown>): string[] {
  try {
    parseConfig(minimalConfig(source(delivery)));
    return [];
  } catch (e) {
    if (e instanceof LakehouseValidationError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
}
const at = "tenants[0].sources[0].delivery";
/** globex's okta source, in us-east-1. */
const pullerSource = (delivery: Record<string, unknown>): MinimalConfigOptions => ({
  sources: [{ name: "okta", delivery: delivery as never, eventTimeField: "published" }],
});
/** initech's firewall source, in eu-west-1. */
const kafkaSource = (delivery: Record<string, unknown>): MinimalConfigOptions => ({
  region: "eu-west-1",
  tenant: "initech",
  sources: [{ name: "firewall", delivery: delivery as never, eventTimeField: "timestamp" }],
});

describe("delivery: puller in config", () => {
  test("an okta puller with its org URL and a 1-10 minute schedule is valid", () => {
    expect(problems(pullerSource, { kind: "puller", puller: "okta", scheduleMinutes: 10, options: { orgUrl: "https://globex.okta.com" } })).toEqual([]);
  });

  test("each puller's required options are named; another puller's options are refused", () => {
    expect(problems(pullerSource, { kind: "puller", puller: "okta" })).toEqual([`${at}.options.orgUrl: required for the okta puller (https://<org>.okta.com)`]);
    expect(problems(pullerSource, { kind: "puller", puller: "google-workspace", options: { orgUrl: "https://x.okta.com" } })).toEqual([
      `${at}.options.subject: required for the google-workspace puller (the admin the service account impersonates)`,
      `${at}.options.applications: required for the google-workspace puller (the Reports applications to pull)`,
      `${at}.options.orgUrl: only for the okta puller`,
    ]);
  });

  test("a schedule outside 1-10 minutes and puller fields on another kind are refused", () => {
    expect(problems(pullerSource, { kind: "puller", puller: "okta", scheduleMinutes: 15, options: { orgUrl: "https://globex.okta.com" } })[0]).toMatch(
      /scheduleMinutes: must be 1-10 minutes/,
    );
    expect(problems(pullerSource, { kind: "firehose", puller: "okta", writerRoleArns: ["arn:aws:iam::111111111111:role/f"] })).toEqual([
      `${at}.puller: only for kind puller (this source is firehose)`,
    ]);
  });
});

describe("delivery: kafka in config", () => {
  const kafka = {
    bootstrapServers: ["b-1.redpanda.internal:9093"],
    topic: "firewall.events",
    auth: "scram-sha-512",
    vpc: { subnetIds: ["subnet-0a1b2c3d4e5f60718"], securityGroupIds: ["sg-0c1d2e3f405162738"] },
  };

  test("a kafka source with brokers, topic, auth and network, on a 1-10 minute schedule, is valid", () => {
    expect(problems(kafkaSource, { kind: "kafka", scheduleMinutes: 5, kafka })).toEqual([]);
  });

  test("kafka options on another kind, and puller options on kafka, are refused by path", () => {
    expect(problems(kafkaSource, { kind: "puller", puller: "okta", options: { orgUrl: "https://x.okta.com" }, kafka })).toEqual([
      `${at}.kafka: only for kind kafka (this source is puller)`,
    ]);
    expect(problems(kafkaSource, { kind: "kafka", kafka, puller: "okta" })).toEqual([`${at}.puller: only for kind puller (this source is kafka)`]);
    expect(problems(kafkaSource, { kind: "firehose", scheduleMinutes: 5, writerRoleArns: ["arn:aws:iam::111111111111:role/f"] })).toEqual([
      `${at}.scheduleMinutes: only for kinds puller and kafka (this source is firehose)`,
    ]);
    expect(problems(kafkaSource, { kind: "kafka", scheduleMinutes: 5, writerRoleArns: ["arn:aws:iam::111111111111:role/sink"] })).toEqual([
      `${at}.scheduleMinutes: needs delivery.kafka (without it the source only grants writerRoleArns)`,
    ]);
  });

  test("bad brokers, auth and network ids are named", () => {
    expect(
      problems(kafkaSource, {
        kind: "kafka",
        kafka: { ...kafka, bootstrapServers: ["nohost"], auth: "plain", vpc: { subnetIds: [], securityGroupIds: ["sg-x"] } },
      }),
    ).toEqual([
      `${at}.kafka.bootstrapServers[0]: must be host:port`,
      expect.stringMatching(new RegExp(`^${at.replace(/[[\].]/g, "\\$&")}\\.kafka\\.auth: `)),
      `${at}.kafka.vpc.subnetIds: needs at least one subnet`,
      `${at}.kafka.vpc.securityGroupIds[0]: must be a security group id (sg-…)`,
    ]);
  });
});
