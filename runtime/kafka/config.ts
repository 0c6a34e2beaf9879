import type { KafkaConfig, SASLOptions } from "kafkajs";
import type { ConnectionOptions } from "node:tls";
import { MAX_OBJECT_BYTES } from "../puller/object-writer";
import { DEFAULT_TARGET_BYTES } from "./ingest";
import { KAFKA_AUTH_KINDS, KAFKA_INGEST_ENV, type KafkaAuthKind } from "./contract";

export interface KafkaIngestConfig {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  readonly auth: KafkaAuthKind;
  readonly secretId: string;
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly kmsKeyId: string;
  readonly targetBytes: number;
  readonly budgetMs: number;
  readonly fromBeginning: boolean;
  readonly tls: boolean;
  readonly awsEndpoint: string | undefined;
}

/** Reads the handler's config; every problem is listed in one error, by variable name. */
export function kafkaConfigFromEnv(env: Readonly<Record<string, string | undefined>>): KafkaIngestConfig {
  const problems: string[] = [];
  const required = (name: keyof typeof KAFKA_INGEST_ENV): string => {
    const v = env[name]?.trim();
    if (!v) problems.push(`${name} is not set (${KAFKA_INGEST_ENV[name]})`);
    return v ?? "";
  };
  const flag = (name: keyof typeof KAFKA_INGEST_ENV, dflt: boolean): boolean => {
    const v = env[name]?.trim();
    if (v === undefined || v === "") return dflt;
    if (v !== "true" && v !== "false") problems.push(`${name} must be true or false, got ${v}`);
    return v === "true";
  };
  const number = (name: keyof typeof KAFKA_INGEST_ENV, dflt: number, min: number, max: number): number => {
    const v = env[name]?.trim();
    if (v === undefined || v === "") return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) problems.push(`${name} must be a number in ${min}..${max}, got ${v}`);
    return n;
  };

  const brokers = required("KAFKA_INGEST_BROKERS")
    .split(",")
    .map((b) => b.trim())
    .filter((b) => b !== "");
  for (const b of brokers) if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(b)) problems.push(`KAFKA_INGEST_BROKERS: ${b} is not host:port`);
  const topic = required("KAFKA_INGEST_TOPIC");
  if (topic && !/^[A-Za-z0-9._-]{1,249}$/.test(topic)) problems.push(`KAFKA_INGEST_TOPIC: ${topic} is not a Kafka topic name`);
  const auth = required("KAFKA_INGEST_AUTH");
  if (auth && !(KAFKA_AUTH_KINDS as readonly string[]).includes(auth))
    problems.push(`KAFKA_INGEST_AUTH must be one of ${KAFKA_AUTH_KINDS.join(", ")}, got ${auth}`);
  const keyPrefix = required("KAFKA_INGEST_PREFIX");
  if (keyPrefix && (!keyPrefix.endsWith("/") || keyPrefix.startsWith("/")))
    problems.push(`KAFKA_INGEST_PREFIX must end with "/" and not start with "/", got ${keyPrefix}`);
  const config: KafkaIngestConfig = {
    brokers,
    topic,
    groupId: required("KAFKA_INGEST_GROUP"),
    auth: auth as KafkaAuthKind,
    secretId: required("KAFKA_INGEST_SECRET_ID"),
    bucket: required("KAFKA_INGEST_BUCKET"),
    keyPrefix,
    kmsKeyId: required("KAFKA_INGEST_KMS_KEY_ID"),
    targetBytes: Math.round(number("KAFKA_INGEST_TARGET_OBJECT_MB", DEFAULT_TARGET_BYTES / 1024 / 1024, 0.001, MAX_OBJECT_BYTES / 1024 / 1024) * 1024 * 1024),
    budgetMs: number("KAFKA_INGEST_BUDGET_SECONDS", 240, 5, 870) * 1000,
    fromBeginning: flag("KAFKA_INGEST_FROM_BEGINNING", true),
    tls: flag("KAFKA_INGEST_TLS", true),
    awsEndpoint: env.KAFKA_INGEST_AWS_ENDPOINT?.trim() || undefined,
  };
  if (problems.length > 0) throw new Error(`kafka-ingest configuration: ${problems.join("; ")}`);
  return config;
}

/**
 * The connection settings for kafkajs from the config and the secret's JSON:
 * - scram-sha-512: `{"username": "...", "password": "..."}`, optional `"ca"` (PEM) for a private CA;
 * - mtls: `{"certificate": "<PEM>", "privateKey": "<PEM>"}`, optional `"ca"` (PEM).
 * Errors name the missing field, never a value.
 */
export function kafkaConnection(
  config: Pick<KafkaIngestConfig, "brokers" | "auth" | "tls" | "secretId">,
  secret: unknown,
): Pick<KafkaConfig, "brokers" | "ssl" | "sasl"> {
  const s = (secret ?? {}) as Record<string, unknown>;
  const field = (name: string, optional = false): string | undefined => {
    const v = s[name];
    if (typeof v === "string" && v !== "") return v;
    if (optional && v === undefined) return undefined;
    throw new Error(`secret ${config.secretId}: "${name}" must be a non-empty string for ${config.auth}`);
  };
  const ca = field("ca", true);
  const tlsBase: ConnectionOptions = ca ? { ca: [ca], rejectUnauthorized: true } : { rejectUnauthorized: true };
  if (config.auth === "mtls") {
    if (!config.tls) throw new Error("mtls needs TLS (KAFKA_INGEST_TLS=false is for SCRAM test brokers only)");
    return { brokers: [...config.brokers], ssl: { ...tlsBase, cert: field("certificate"), key: field("privateKey") } };
  }
  const sasl: SASLOptions = { mechanism: "scram-sha-512", username: field("username") as string, password: field("password") as string };
  return { brokers: [...config.brokers], ssl: config.tls ? tlsBase : false, sasl };
}
