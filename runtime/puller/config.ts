import { MAX_OBJECT_BYTES } from "./object-writer";
import type { RunSettings } from "./run";
import { isPullerKind, PULLER_ENV, PULLER_KINDS, type PullerKind } from "./contract";

export interface HandlerConfig extends RunSettings {
  readonly kind: PullerKind;
  readonly bucket: string;
  readonly secretId: string;
  readonly kmsKeyId: string;
  readonly sourceOptions: unknown;
  readonly awsEndpoint: string | undefined;
}

/** Reads the handler's config; every problem is listed in one error, by variable name. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): HandlerConfig {
  const problems: string[] = [];
  const required = (name: keyof typeof PULLER_ENV): string => {
    const v = env[name]?.trim();
    if (!v) problems.push(`${name} is not set (${PULLER_ENV[name]})`);
    return v ?? "";
  };
  const seconds = (name: keyof typeof PULLER_ENV, dflt: number, min: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return dflt * 1000;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) {
      problems.push(`${name}=${raw} must be a number >= ${min}`);
      return dflt * 1000;
    }
    return n * 1000;
  };

  const kindRaw = required("PULLER_KIND");
  if (kindRaw && !isPullerKind(kindRaw)) problems.push(`PULLER_KIND=${kindRaw} is not one of ${PULLER_KINDS.join(", ")}`);
  const bucket = required("PULLER_BUCKET");
  const prefix = required("PULLER_PREFIX");
  if (prefix && (!prefix.endsWith("/") || prefix.startsWith("/"))) problems.push(`PULLER_PREFIX=${prefix} must end with "/" and not start with "/"`);
  const stateKey = required("PULLER_STATE_KEY");
  if (stateKey && prefix && stateKey.startsWith(prefix))
    problems.push(`PULLER_STATE_KEY=${stateKey} must not be under PULLER_PREFIX=${prefix} (Snowpipe would load it)`);
  const secretId = required("PULLER_SECRET_ID");
  const kmsKeyId = required("PULLER_KMS_KEY_ID");
  const optionsRaw = required("PULLER_SOURCE_OPTIONS");
  let sourceOptions: unknown = {};
  if (optionsRaw) {
    try {
      sourceOptions = JSON.parse(optionsRaw);
    } catch {
      problems.push("PULLER_SOURCE_OPTIONS is not valid JSON");
    }
  }
  const targetRaw = env.PULLER_TARGET_OBJECT_MB?.trim();
  let targetObjectBytes = 64 * 1024 * 1024;
  if (targetRaw) {
    const mb = Number(targetRaw);
    if (!Number.isFinite(mb) || mb <= 0 || mb * 1024 * 1024 > MAX_OBJECT_BYTES) problems.push(`PULLER_TARGET_OBJECT_MB=${targetRaw} must be > 0 and <= 100`);
    else targetObjectBytes = Math.floor(mb * 1024 * 1024);
  }
  const windowMs = seconds("PULLER_WINDOW_SECONDS", 300, 1);
  const lagMs = seconds("PULLER_LAG_SECONDS", 60, 0);
  const overlapMs = seconds("PULLER_OVERLAP_SECONDS", 300, 0);
  const initialLookbackMs = seconds("PULLER_INITIAL_LOOKBACK_SECONDS", 3600, 0);
  const budgetMs = seconds("PULLER_BUDGET_SECONDS", 240, 1);
  if (problems.length > 0) throw new Error(`puller configuration is invalid:\n- ${problems.join("\n- ")}`);
  return {
    kind: kindRaw as PullerKind,
    bucket,
    prefix,
    stateKey,
    secretId,
    kmsKeyId,
    sourceOptions,
    targetObjectBytes,
    windowMs,
    lagMs,
    overlapMs,
    initialLookbackMs,
    budgetMs,
    awsEndpoint: env.PULLER_AWS_ENDPOINT?.trim() || undefined,
  };
}
