import { join } from "node:path";
import { lambdaCode, type LambdaCode, type LambdaHandlerSource } from "../lambda-code";

/** The Kafka consumer's handler and package name. */
export const KAFKA_INGEST_HANDLER: LambdaHandlerSource = { name: "kafka-ingest", entry: join("runtime", "kafka", "handler.ts") };

/** The Kafka consumer's deployment package (see `lambdaCode`). */
export function kafkaIngestCode(): LambdaCode {
  return lambdaCode(KAFKA_INGEST_HANDLER);
}
