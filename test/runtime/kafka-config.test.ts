import { kafkaConfigFromEnv, kafkaConnection } from "../../runtime/kafka/config";
import { batchObjectKey, recordLine } from "../../runtime/kafka/keys";

const env = {
  KAFKA_INGEST_BROKERS: "b-1.msk.example:9096, b-2.msk.example:9096",
  KAFKA_INGEST_TOPIC: "firewall",
  KAFKA_INGEST_GROUP: "lakehouse-initech-firewall",
  KAFKA_INGEST_AUTH: "scram-sha-512",
  KAFKA_INGEST_SECRET_ID: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:x",
  KAFKA_INGEST_BUCKET: "raw-bucket",
  KAFKA_INGEST_PREFIX: "firewall/",
  KAFKA_INGEST_KMS_KEY_ID: "arn:aws:kms:eu-west-1:111111111111:key/k",
};

describe("Kafka consumer object keys", () => {
  test("GIVEN a batch WHEN its key is built THEN it is the hour of the first record, the topic, the partition and the zero-padded first offset", () => {
    const key = batchObjectKey("firewall/", "fw.events", 2, "1234", Date.UTC(2026, 10, 25, 7, 59, 59));
    expect(key).toBe("firewall/2026/11/25/07/fw.events-2-00000000000000001234.json.gz");
    // Same inputs, same key: a retry finds the object it wrote.
    expect(batchObjectKey("firewall/", "fw.events", 2, "1234", Date.UTC(2026, 10, 25, 7, 59, 59))).toBe(key);
  });

  test("GIVEN offsets of different widths WHEN keys are sorted as strings THEN they are in offset order", () => {
    const keys = ["99", "100", "9", "1000000"].map((o) => batchObjectKey("p/", "t", 0, o, 0));
    expect([...keys].sort()).toEqual(["9", "99", "100", "1000000"].map((o) => batchObjectKey("p/", "t", 0, o, 0)));
  });

  test("GIVEN a bad offset, partition or topic WHEN a key is built THEN it throws naming the value", () => {
    expect(() => batchObjectKey("p/", "t", 0, "-1", 0)).toThrow(/offset must be a non-negative integer, got -1/);
    expect(() => batchObjectKey("p/", "t", -1, "1", 0)).toThrow(/partition/);
    expect(() => batchObjectKey("p/", "a/b", 0, "1", 0)).toThrow(/not a Kafka topic name/);
  });

  test("GIVEN record values WHEN turned into lines THEN JSON stays as-is, other text is wrapped and tombstones have no line", () => {
    expect(recordLine(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(recordLine(Buffer.from("<134>Nov 25 fw deny"))).toEqual({ raw: "<134>Nov 25 fw deny" });
    expect(recordLine(null)).toBeUndefined();
  });
});

describe("Kafka consumer configuration", () => {
  test("GIVEN the required variables WHEN read THEN TLS is on, the object target is 64 MiB and the budget 240 s", () => {
    const c = kafkaConfigFromEnv(env);
    expect(c).toMatchObject({
      brokers: ["b-1.msk.example:9096", "b-2.msk.example:9096"],
      tls: true,
      targetBytes: 64 * 1024 * 1024,
      budgetMs: 240_000,
      fromBeginning: true,
    });
  });

  test("GIVEN several bad variables WHEN read THEN one error lists each by name", () => {
    const run = () =>
      kafkaConfigFromEnv({
        ...env,
        KAFKA_INGEST_BROKERS: "nohost",
        KAFKA_INGEST_AUTH: "plain",
        KAFKA_INGEST_PREFIX: "firewall",
        KAFKA_INGEST_TARGET_OBJECT_MB: "200",
        KAFKA_INGEST_TOPIC: "",
      });
    expect(run).toThrow(/KAFKA_INGEST_BROKERS: nohost is not host:port/);
    expect(run).toThrow(/KAFKA_INGEST_AUTH must be one of scram-sha-512, mtls, got plain/);
    expect(run).toThrow(/KAFKA_INGEST_PREFIX must end with "\/"/);
    expect(run).toThrow(/KAFKA_INGEST_TARGET_OBJECT_MB must be a number in 0.001..100, got 200/);
    expect(run).toThrow(/KAFKA_INGEST_TOPIC is not set/);
  });

  test("GIVEN a SCRAM secret WHEN the connection is built THEN it is SASL/SCRAM-SHA-512 over verified TLS", () => {
    const c = kafkaConnection(kafkaConfigFromEnv(env), { username: "u", password: "p" });
    expect(c.sasl).toEqual({ mechanism: "scram-sha-512", username: "u", password: "p" });
    expect(c.ssl).toEqual({ rejectUnauthorized: true });
  });

  test("GIVEN an mTLS secret with a private CA WHEN the connection is built THEN the client certificate, key and CA are used and nothing else", () => {
    const c = kafkaConnection(kafkaConfigFromEnv({ ...env, KAFKA_INGEST_AUTH: "mtls" }), { certificate: "CERT", privateKey: "KEY", ca: "CA" });
    expect(c.sasl).toBeUndefined();
    expect(c.ssl).toEqual({ rejectUnauthorized: true, ca: ["CA"], cert: "CERT", key: "KEY" });
  });

  test("GIVEN a secret missing a field WHEN the connection is built THEN the error names the field and not the values", () => {
    expect(() => kafkaConnection(kafkaConfigFromEnv(env), { username: "u", password: "" })).toThrow(/"password" must be a non-empty string for scram-sha-512/);
    expect(() => kafkaConnection(kafkaConfigFromEnv({ ...env, KAFKA_INGEST_AUTH: "mtls" }), { certificate: "C" })).toThrow(/"privateKey"/);
    expect(() =>
      kafkaConnection(kafkaConfigFromEnv({ ...env, KAFKA_INGEST_AUTH: "mtls", KAFKA_INGEST_TLS: "false" }), { certificate: "C", privateKey: "K" }),
    ).toThrow(/mtls needs TLS/);
  });
});
