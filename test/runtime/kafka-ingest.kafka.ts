import { gunzipSync } from "node:zlib";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { handler } from "../../runtime/kafka/handler";
import { LAST_OFFSET_METADATA, S3BatchStore, type BatchStore } from "../../runtime/kafka/batch-store";
import { ingestTopic, type IngestFaults } from "../../runtime/kafka/ingest";
import { jsonLogger } from "../../runtime/puller/log";
import { requireS3Endpoint, s3Client, s3Harness, TEST_KMS_KEY } from "./support/s3-harness";

// Runs only through scripts/kafka-checks.sh (a real Kafka broker in KRaft mode and moto's S3).
// Without them every case fails, saying why.
const PARTITIONS = 3;
const quiet = jsonLogger({}, () => undefined);
let endpoint: string;
let client: S3Client;
let kafka: Kafka;
let admin: Admin;
let topicCounter = 0;

function requireBroker(name: string): string {
  const broker = process.env[name];
  if (!broker)
    throw new Error(`${name} is not set: these tests need a Kafka broker. Run them with \`bash scripts/kafka-checks.sh\`, which fetches and starts one.`);
  return broker;
}

beforeAll(async () => {
  endpoint = await requireS3Endpoint();
  client = s3Client(endpoint);
  kafka = new Kafka({ clientId: "kafka-ingest-test", brokers: [requireBroker("KAFKA_TEST_BROKER")], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
});

interface TestRecord {
  readonly partition: number;
  readonly seq: number;
  readonly payload: string;
}

/** A fresh topic with `perPartition` JSON records in each partition, produced in order. */
async function topicWith(perPartition: number): Promise<{ topic: string; records: TestRecord[] }> {
  const topic = `firewall-${process.pid}-${++topicCounter}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  return { topic, records: await produce(topic, 0, perPartition) };
}

async function produce(topic: string, fromSeq: number, perPartition: number): Promise<TestRecord[]> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const records: TestRecord[] = [];
  try {
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const batch: TestRecord[] = [];
      for (let seq = fromSeq; seq < fromSeq + perPartition; seq++)
        batch.push({ partition, seq, payload: `src=10.0.${partition}.${seq % 250} action=deny`.padEnd(80, ".") });
      await producer.send({ topic, acks: -1, messages: batch.map((r) => ({ partition, value: JSON.stringify(r) })) });
      records.push(...batch);
    }
  } finally {
    await producer.disconnect();
  }
  return records;
}

async function committedOffsets(groupId: string, topic: string): Promise<Record<number, string>> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries(t.partitions.map((p) => [p.partition, p.offset]));
}

async function endOffsets(topic: string): Promise<Record<number, string>> {
  return Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
}

/** Every record in the bucket under `prefix`, per partition, in key order then line order. */
async function landed(
  h: { bucket: string; listKeys(prefix: string): Promise<string[]> },
  prefix: string,
): Promise<{ keys: string[]; byPartition: Map<number, number[]> }> {
  const keys = await h.listKeys(prefix);
  const byPartition = new Map<number, number[]>();
  // Keys sort by hour first; within a partition the zero-padded offset orders them.
  const ordered = [...keys].sort((a, b) => {
    const [pa, oa] = partitionOffset(a);
    const [pb, ob] = partitionOffset(b);
    return pa - pb || (oa < ob ? -1 : oa > ob ? 1 : 0);
  });
  for (const key of ordered) {
    const res = await client.send(new GetObjectCommand({ Bucket: h.bucket, Key: key }));
    const text = gunzipSync(Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray())).toString("utf8");
    for (const line of text.trim().split("\n")) {
      const r = JSON.parse(line) as TestRecord;
      const list = byPartition.get(r.partition) ?? [];
      list.push(r.seq);
      byPartition.set(r.partition, list);
    }
  }
  return { keys, byPartition };
}

function partitionOffset(key: string): [number, string] {
  const m = /-(\d+)-(\d{20})\.json\.gz$/.exec(key);
  if (!m) throw new Error(`unexpected key ${key}`);
  return [Number(m[1]), m[2]];
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

function expectExactlyOnceInOrder(byPartition: Map<number, number[]>, perPartition: number): void {
  for (let p = 0; p < PARTITIONS; p++) expect(byPartition.get(p)).toEqual(range(0, perPartition));
}

/** A store that fails its `failOn`-th put (1-based) before anything reaches S3: a crash mid-batch. */
function failingStore(inner: BatchStore, failOn: number): BatchStore {
  let puts = 0;
  return {
    head: (key) => inner.head(key),
    put: async (key, body, contentType, metadata) => {
      if (++puts === failOn) throw new Error(`injected: put ${puts} failed`);
      await inner.put(key, body, contentType, metadata);
    },
  };
}

describe("Kafka → S3 consumer against a real Kafka broker (KRaft) and moto's S3", () => {
  test("GIVEN records in 3 partitions WHEN one run consumes them THEN each lands once, in offset order per partition, in sized SSE-KMS objects, and the group's offsets equal the end offsets", async () => {
    const h = await s3Harness(client);
    const { topic } = await topicWith(200);
    const groupId = `${topic}-group`;
    const result = await ingestTopic({
      kafka,
      topic,
      groupId,
      store: new S3BatchStore({ client, bucket: h.bucket, kmsKeyId: TEST_KMS_KEY }),
      keyPrefix: "firewall/",
      targetBytes: 4096,
      budgetMs: 60_000,
      log: quiet,
    });

    expect(result.complete).toBe(true);
    const { keys, byPartition } = await landed(h, "firewall/");
    expectExactlyOnceInOrder(byPartition, 200);
    // ~100-byte lines into 4 KiB objects: many objects per partition, none above the target.
    expect(keys.length).toBeGreaterThanOrEqual(PARTITIONS * 4);
    for (const w of result.written) expect(w.uncompressedBytes).toBeLessThanOrEqual(4096);
    expect(keys.every((k) => /^firewall\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/firewall-[\w-]+-\d-\d{20}\.json\.gz$/.test(k))).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: h.bucket, Key: result.written[0].key }));
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toBe(TEST_KMS_KEY);
    expect(head.Metadata?.[LAST_OFFSET_METADATA]).toBe(result.written[0].lastOffset);
    expect(await committedOffsets(groupId, topic)).toEqual(await endOffsets(topic));
    expect(result.committed).toEqual(await endOffsets(topic));
  });

  test("GIVEN a memory cap below what the partitions hold together WHEN one run consumes them THEN batches are written early and every record still lands once, in order", async () => {
    const h = await s3Harness(client);
    const { topic } = await topicWith(100);
    const groupId = `${topic}-group`;
    // ~10 KiB per partition, all under the 64 KiB target: only the 4 KiB cap cuts objects.
    const result = await ingestTopic({
      kafka,
      topic,
      groupId,
      store: new S3BatchStore({ client, bucket: h.bucket, kmsKeyId: TEST_KMS_KEY }),
      keyPrefix: "fw/",
      targetBytes: 65536,
      maxPendingBytes: 4096,
      budgetMs: 60_000,
      log: quiet,
    });
    expect(result.complete).toBe(true);
    expect(result.written.length).toBeGreaterThan(PARTITIONS);
    expectExactlyOnceInOrder((await landed(h, "fw/")).byPartition, 100);
    expect(await committedOffsets(groupId, topic)).toEqual(await endOffsets(topic));
  });

  test("GIVEN a consumed topic WHEN a run finds nothing new and then new records arrive THEN the first run writes nothing and the next writes only the new records", async () => {
    const h = await s3Harness(client);
    const { topic } = await topicWith(50);
    const groupId = `${topic}-group`;
    const run = () =>
      ingestTopic({
        kafka,
        topic,
        groupId,
        store: new S3BatchStore({ client, bucket: h.bucket, kmsKeyId: TEST_KMS_KEY }),
        keyPrefix: "fw/",
        budgetMs: 60_000,
        log: quiet,
      });
    expect((await run()).written.length).toBe(PARTITIONS); // one object per partition: all fit the 64 MiB default
    const idle = await run();
    expect(idle.written).toEqual([]);
    expect(idle.complete).toBe(true);
    await produce(topic, 50, 30);
    const next = await run();
    expect(next.written.map((w) => w.records)).toEqual([30, 30, 30]);
    expectExactlyOnceInOrder((await landed(h, "fw/")).byPartition, 80);
    expect(await committedOffsets(groupId, topic)).toEqual(await endOffsets(topic));
  });

  test("GIVEN a crash after an object is written and before its offsets are committed WHEN the next run starts THEN it finds the object by key, commits it and writes nothing twice", async () => {
    const h = await s3Harness(client);
    const { topic } = await topicWith(120);
    const groupId = `${topic}-group`;
    const store = new S3BatchStore({ client, bucket: h.bucket, kmsKeyId: TEST_KMS_KEY });
    let commits = 0;
    const faults: IngestFaults = {
      beforeCommit: () => {
        if (++commits === 3) throw new Error("injected: crash between write and commit");
      },
    };
    await expect(ingestTopic({ kafka, topic, groupId, store, keyPrefix: "fw/", targetBytes: 2048, budgetMs: 60_000, log: quiet, faults })).rejects.toThrow(
      /between write and commit/,
    );

    const afterCrash = await committedOffsets(groupId, topic);
    const objectsAfterCrash = await h.listKeys("fw/");
    // Two batches were committed; the third object is in S3 but its offsets are not.
    const committedTotal = Object.values(afterCrash).reduce((n, o) => n + Math.max(0, Number(o)), 0);
    expect(objectsAfterCrash.length).toBe(3);
    expect(committedTotal).toBeLessThan(PARTITIONS * 120);

    const retry = await ingestTopic({ kafka, topic, groupId, store, keyPrefix: "fw/", targetBytes: 2048, budgetMs: 60_000, log: quiet });
    expect(retry.complete).toBe(true);
    expect(retry.recovered).toBe(1);
    expect(retry.written.map((w) => w.key)).not.toEqual(expect.arrayContaining(objectsAfterCrash));
    expectExactlyOnceInOrder((await landed(h, "fw/")).byPartition, 120);
    expect(await committedOffsets(groupId, topic)).toEqual(await endOffsets(topic));
  });

  test("GIVEN a put that fails mid-run (before the object is written) WHEN the next run starts THEN it writes that batch and the rest: nothing lost, nothing twice", async () => {
    const h = await s3Harness(client);
    const { topic } = await topicWith(120);
    const groupId = `${topic}-group`;
    const store = new S3BatchStore({ client, bucket: h.bucket, kmsKeyId: TEST_KMS_KEY });
    await expect(
      ingestTopic({ kafka, topic, groupId, store: failingStore(store, 4), keyPrefix: "fw/", targetBytes: 2048, budgetMs: 60_000, log: quiet }),
    ).rejects.toThrow(/injected: put 4 failed/);
    expect((await h.listKeys("fw/")).length).toBe(3);
    const before = await committedOffsets(groupId, topic);
    expect(Object.values(before).reduce((n, o) => n + Math.max(0, Number(o)), 0)).toBeLessThan(PARTITIONS * 120);

    const retry = await ingestTopic({ kafka, topic, groupId, store, keyPrefix: "fw/", targetBytes: 2048, budgetMs: 60_000, log: quiet });
    expect(retry.complete).toBe(true);
    expect(retry.recovered).toBe(0);
    expectExactlyOnceInOrder((await landed(h, "fw/")).byPartition, 120);
    expect(await committedOffsets(groupId, topic)).toEqual(await endOffsets(topic));
  });

  test("GIVEN a crash between write and commit WHEN more records arrive before the retry THEN the retry keeps the earlier object and goes on after its last record", async () => {
    const h = await s3Harness(client);
    const { topic } = await topicWith(40);
    const groupId = `${topic}-group`;
    const store = new S3BatchStore({ client, bucket: h.bucket, kmsKeyId: TEST_KMS_KEY });
    // One object per partition (all fit); the first commit fails.
    const faults: IngestFaults = {
      beforeCommit: () => {
        throw new Error("injected: crash before the first commit");
      },
    };
    await expect(ingestTopic({ kafka, topic, groupId, store, keyPrefix: "fw/", budgetMs: 60_000, log: quiet, faults })).rejects.toThrow(/first commit/);
    expect((await h.listKeys("fw/")).length).toBe(1);
    await produce(topic, 40, 25);
    const retry = await ingestTopic({ kafka, topic, groupId, store, keyPrefix: "fw/", budgetMs: 60_000, log: quiet });
    expect(retry.recovered).toBe(1);
    // The recovered partition gets one more object with its 25 new records; the others one with all 65.
    expect(retry.written.map((w) => w.records).sort((a, b) => a - b)).toEqual([25, 65, 65]);
    expectExactlyOnceInOrder((await landed(h, "fw/")).byPartition, 65);
    expect(await committedOffsets(groupId, topic)).toEqual(await endOffsets(topic));
  });

  test("GIVEN an uncommitted object that goes further than the retry's own batch WHEN the retry reads smaller batches THEN it skips every record the object holds", async () => {
    const h = await s3Harness(client);
    const { topic } = await topicWith(60);
    const groupId = `${topic}-group`;
    const store = new S3BatchStore({ client, bucket: h.bucket, kmsKeyId: TEST_KMS_KEY });
    const crash: IngestFaults = {
      beforeCommit: () => {
        throw new Error("injected: crash before the first commit");
      },
    };
    // One big object (all 60 records of a partition), never committed …
    await expect(ingestTopic({ kafka, topic, groupId, store, keyPrefix: "fw/", budgetMs: 60_000, log: quiet, faults: crash })).rejects.toThrow(/first commit/);
    const [big] = await h.listKeys("fw/");
    // … then a retry whose batches are ~2 KiB: its first batch of that partition ends inside the big object.
    const retry = await ingestTopic({ kafka, topic, groupId, store, keyPrefix: "fw/", targetBytes: 2048, budgetMs: 60_000, log: quiet });
    expect(retry.recovered).toBe(1);
    expect(retry.written.every((w) => w.key !== big)).toBe(true);
    expectExactlyOnceInOrder((await landed(h, "fw/")).byPartition, 60);
    expect(await committedOffsets(groupId, topic)).toEqual(await endOffsets(topic));
  });

  test("GIVEN a budget that ends before the run does WHEN the run stops THEN nothing unwritten is committed and the next run completes exactly once", async () => {
    const h = await s3Harness(client);
    const { topic } = await topicWith(150);
    const groupId = `${topic}-group`;
    const store = new S3BatchStore({ client, bucket: h.bucket, kmsKeyId: TEST_KMS_KEY });
    // Each put waits long enough for the budget to end after the first object.
    const slow: BatchStore = { head: (k) => store.head(k), put: async (...args) => (await store.put(...args), await new Promise((r) => setTimeout(r, 1500))) };
    const first = await ingestTopic({ kafka, topic, groupId, store: slow, keyPrefix: "fw/", targetBytes: 2048, budgetMs: 2000, log: quiet });
    expect(first.complete).toBe(false);
    const committed = await committedOffsets(groupId, topic);
    const { byPartition } = await landed(h, "fw/");
    for (let p = 0; p < PARTITIONS; p++) {
      // What the group says is consumed is exactly what is in S3 (an uncommitted written object may follow).
      const inS3 = byPartition.get(p)?.length ?? 0;
      expect(Math.max(0, Number(committed[p]))).toBeLessThanOrEqual(inS3);
    }
    const rest = await ingestTopic({ kafka, topic, groupId, store, keyPrefix: "fw/", targetBytes: 2048, budgetMs: 60_000, log: quiet });
    expect(rest.complete).toBe(true);
    expectExactlyOnceInOrder((await landed(h, "fw/")).byPartition, 150);
  });
});

describe("Lambda handler against the broker's SASL/SCRAM-SHA-512 listener and moto's Secrets Manager", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  async function putSecret(value: unknown): Promise<string> {
    const sm = new SecretsManagerClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    return (await sm.send(new CreateSecretCommand({ Name: `kafka-${Date.now()}-${Math.random()}`, SecretString: JSON.stringify(value) }))).ARN ?? "";
  }

  function env(bucket: string, topic: string, secretId: string): void {
    Object.assign(process.env, {
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      KAFKA_INGEST_AWS_ENDPOINT: endpoint,
      KAFKA_INGEST_BROKERS: requireBroker("KAFKA_TEST_SCRAM_BROKER"),
      KAFKA_INGEST_TOPIC: topic,
      KAFKA_INGEST_GROUP: `${topic}-lambda`,
      KAFKA_INGEST_AUTH: "scram-sha-512",
      KAFKA_INGEST_TLS: "false", // the test listener is SASL_PLAINTEXT; the module always sets TLS
      KAFKA_INGEST_SECRET_ID: secretId,
      KAFKA_INGEST_BUCKET: bucket,
      KAFKA_INGEST_PREFIX: "firewall/",
      KAFKA_INGEST_KMS_KEY_ID: TEST_KMS_KEY,
      KAFKA_INGEST_BUDGET_SECONDS: "60",
    });
  }

  test("GIVEN the SCRAM user's secret WHEN the handler runs THEN every record lands once and the group's offsets reach the end", async () => {
    const h = await s3Harness(client);
    const { topic } = await topicWith(30);
    env(h.bucket, topic, await putSecret({ username: process.env.KAFKA_TEST_SCRAM_USER, password: process.env.KAFKA_TEST_SCRAM_PASSWORD }));
    const result = await handler({}, { awsRequestId: "req-1", getRemainingTimeInMillis: () => 300_000 });
    expect(result).toMatchObject({ runId: "req-1", status: "complete", objects: 3, records: 90, recovered: 0 });
    expectExactlyOnceInOrder((await landed(h, "firewall/")).byPartition, 30);
    expect(await committedOffsets(`${topic}-lambda`, topic)).toEqual(await endOffsets(topic));
  });

  test("GIVEN a wrong SCRAM password WHEN the handler runs THEN it fails with an authentication error and writes nothing", async () => {
    const h = await s3Harness(client);
    const { topic } = await topicWith(5);
    env(h.bucket, topic, await putSecret({ username: process.env.KAFKA_TEST_SCRAM_USER, password: "not-the-password" }));
    await expect(handler({}, { awsRequestId: "req-2" })).rejects.toThrow(/SASL SCRAM SHA512 authentication failed|authentication/i);
    expect(await h.listKeys("firewall/")).toEqual([]);
  });
});
