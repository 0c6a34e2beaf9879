/**
 * What the Kafka consumer's handler and its module (modules/aws/kafka-ingest) agree on: how it
 * authenticates and its environment. The one file of runtime/kafka that synth-time code imports.
 */

/** How the consumer authenticates to the cluster; both run over TLS. */
export const KAFKA_AUTH_KINDS = ["scram-sha-512", "mtls"] as const;
export type KafkaAuthKind = (typeof KAFKA_AUTH_KINDS)[number];

/** The handler's environment, with defaults. */
export const KAFKA_INGEST_ENV = {
  KAFKA_INGEST_BROKERS: "bootstrap servers, host:port, comma-separated (required)",
  KAFKA_INGEST_TOPIC: "the topic to read (required)",
  KAFKA_INGEST_GROUP: "the consumer group whose committed offsets say what is in S3 (required)",
  KAFKA_INGEST_AUTH: `${KAFKA_AUTH_KINDS.join(" | ")} (required)`,
  KAFKA_INGEST_SECRET_ID: "Secrets Manager id/ARN of the credentials (required; see runtime/README.md)",
  KAFKA_INGEST_BUCKET: "the tenant's raw log bucket (required)",
  KAFKA_INGEST_PREFIX: 'the source\'s key prefix, ending in "/" (required)',
  KAFKA_INGEST_KMS_KEY_ID: "the bucket's KMS key id/ARN for SSE-KMS puts (required)",
  KAFKA_INGEST_TARGET_OBJECT_MB: "target object size, uncompressed MiB (default 64, max 100)",
  KAFKA_INGEST_BUDGET_SECONDS: "run budget; also capped at the Lambda's remaining time minus 30 s (default 240)",
  KAFKA_INGEST_FROM_BEGINNING: "a group with no committed offset starts at the earliest record: true | false (default true)",
  KAFKA_INGEST_TLS: "test brokers only: false turns TLS off (default true)",
  KAFKA_INGEST_AWS_ENDPOINT: "emulator only: S3 and Secrets Manager endpoint, path-style (unset in AWS)",
} as const;

/** The environment a module gives the handler: every variable named in KAFKA_INGEST_ENV, as text. */
export type KafkaIngestEnvironment = { -readonly [K in keyof typeof KAFKA_INGEST_ENV]?: string };
