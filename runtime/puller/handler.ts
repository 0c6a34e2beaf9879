import { S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { configFromEnv, type HandlerConfig } from "./config";
import { jsonLogger } from "./log";
import { runPuller } from "./run";
import { S3ObjectStore } from "./s3-store";
import { createSource } from "./sources";

/** What the Lambda returns (the full detail is in the logs). */
export interface HandlerResult {
  readonly runId: string;
  readonly status: "complete" | "budget";
  readonly windowsWritten: number;
  readonly records: number;
  readonly objects: number;
  readonly cursor: string | null;
}

/** The part of the Lambda context the handler reads. */
export interface LambdaContextLike {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

/** Time kept back from the Lambda timeout for the state write and the last log lines. */
const TIMEOUT_RESERVE_MS = 15_000;

let clients: { key: string; s3: S3Client; secrets: SecretsManagerClient } | undefined;

/**
 * Lambda entry point (EventBridge Scheduler invokes it; the event is not read). Config from
 * environment variables (see PULLER_ENV), credentials from Secrets Manager; a failed run throws so
 * Lambda retries / dead-letters it and the error alarm fires.
 */
export async function handler(_event?: unknown, context?: LambdaContextLike): Promise<HandlerResult> {
  const log = jsonLogger({ component: "log-puller" });
  let config: HandlerConfig;
  try {
    config = configFromEnv(process.env);
  } catch (err) {
    log.error("config_invalid", { error: err });
    throw err;
  }
  const { s3, secrets } = awsClients(config);
  const secret = await readSecret(secrets, config.secretId);
  const source = createSource(config.kind, secret, config.sourceOptions);
  const remaining = context?.getRemainingTimeInMillis?.();
  const budgetMs = remaining === undefined ? config.budgetMs : Math.max(1000, Math.min(config.budgetMs, remaining - TIMEOUT_RESERVE_MS));
  const result = await runPuller({
    ...config,
    budgetMs,
    source,
    store: new S3ObjectStore({ client: s3, bucket: config.bucket, kmsKeyId: config.kmsKeyId }),
    log,
    runId: context?.awsRequestId,
  });
  return {
    runId: result.runId,
    status: result.status,
    windowsWritten: result.windowsWritten,
    records: result.records,
    objects: result.objects.length,
    cursor: result.cursorAfter ?? null,
  };
}

/** Clients live as long as the Lambda container (connection reuse between runs). */
function awsClients(config: HandlerConfig): { s3: S3Client; secrets: SecretsManagerClient } {
  const key = config.awsEndpoint ?? "";
  if (!clients || clients.key !== key) {
    const endpoint = config.awsEndpoint ? { endpoint: config.awsEndpoint } : {};
    clients = {
      key,
      s3: new S3Client({ ...endpoint, forcePathStyle: config.awsEndpoint !== undefined }),
      secrets: new SecretsManagerClient({ ...endpoint }),
    };
  }
  return clients;
}

async function readSecret(client: SecretsManagerClient, secretId: string): Promise<unknown> {
  let text: string | undefined;
  try {
    const res = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    text = res.SecretString;
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
