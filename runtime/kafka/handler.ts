import { S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Kafka, logLevel, type LogEntry } from "kafkajs";
import { jsonLogger } from "../puller/log";
import type { Logger } from "../puller/types";
import { S3BatchStore } from "./batch-store";
import { kafkaConfigFromEnv, kafkaConnection, type KafkaIngestConfig } from "./config";
import { ingestTopic } from "./ingest";

/** What the Lambda returns (the full detail is in the logs). */
export interface KafkaHandlerResult {
  readonly runId: string | null;
  readonly status: "complete" | "budget";
  readonly objects: number;
  readonly records: number;
  readonly recovered: number;
  readonly committed: Readonly<Record<number, string>>;
}

export interface LambdaContextLike {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

/** Time kept back from the Lambda timeout for the last write, the commit and the disconnect. */
const TIMEOUT_RESERVE_MS = 30_000;

/**
 * Lambda entry point (EventBridge Scheduler invokes it; the event is not read). Config from
 * KAFKA_INGEST_* variables, credentials from Secrets Manager; a failed run throws, so the error
 * alarm fires, and the next run starts again from the committed offsets.
 */
export async function handler(_event?: unknown, context?: LambdaContextLike): Promise<KafkaHandlerResult> {
  const log = jsonLogger({ component: "kafka-ingest", runId: context?.awsRequestId });
  let config: KafkaIngestConfig;
  try {
    config = kafkaConfigFromEnv(process.env);
  } catch (err) {
    log.error("config_invalid", { error: err });
    throw err;
  }
  const endpoint = config.awsEndpoint ? { endpoint: config.awsEndpoint } : {};
  const s3 = new S3Client({ ...endpoint, forcePathStyle: config.awsEndpoint !== undefined });
  const secrets = new SecretsManagerClient({ ...endpoint });
  const secret = await readSecret(secrets, config.secretId);
  const kafka = new Kafka({
    clientId: `lakehouse-${config.groupId}`,
    ...kafkaConnection(config, secret),
    connectionTimeout: 10_000,
    logLevel: logLevel.WARN,
    logCreator: () => kafkajsLog(log),
  });
  const remaining = context?.getRemainingTimeInMillis?.();
  const budgetMs = remaining === undefined ? config.budgetMs : Math.max(1000, Math.min(config.budgetMs, remaining - TIMEOUT_RESERVE_MS));
  const result = await ingestTopic({
    kafka,
    topic: config.topic,
    groupId: config.groupId,
    store: new S3BatchStore({ client: s3, bucket: config.bucket, kmsKeyId: config.kmsKeyId }),
    keyPrefix: config.keyPrefix,
    targetBytes: config.targetBytes,
    budgetMs,
    fromBeginning: config.fromBeginning,
    log,
  });
  return {
    runId: context?.awsRequestId ?? null,
    status: result.complete ? "complete" : "budget",
    objects: result.written.length,
    records: result.written.reduce((n, w) => n + w.records, 0),
    recovered: result.recovered,
    committed: result.committed,
  };
}

/** kafkajs's own log lines, as JSON lines of ours. */
export function kafkajsLog(log: Logger): (entry: LogEntry) => void {
  return ({ level, label, log: { message, ...fields } }) => {
    const event = `kafkajs.${label.toLowerCase()}`;
    const data = { message, ...fields };
    if (level <= logLevel.ERROR) log.error(event, data);
    else if (level === logLevel.WARN) log.warn(event, data);
    else log.info(event, data);
  };
}

async function readSecret(client: SecretsManagerClient, secretId: string): Promise<unknown> {
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (err) {
    throw new Error(`cannot read secret ${secretId}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
  if (!text) throw new Error(`secret ${secretId} has no string value yet (set it out of band; see runtime/README.md)`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`secret ${secretId} is not JSON`);
  }
}
