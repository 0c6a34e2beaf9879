/**
 * What the log-puller handler and its module (modules/aws/log-puller) agree on: the puller kinds and
 * the handler's environment. The one file of runtime/puller that synth-time code imports (lint keeps
 * it so): no handler code here, nothing that would pull the puller into a synth.
 */

/** The pullers this runtime knows; `PULLER_KIND` picks one. Adding a puller: one file in sources/ and one line here. */
export const PULLER_KINDS = ["google-workspace", "okta"] as const;
export type PullerKind = (typeof PULLER_KINDS)[number];

export function isPullerKind(value: string): value is PullerKind {
  return (PULLER_KINDS as readonly string[]).includes(value);
}

/** The handler's environment, with defaults. All values in seconds / MB as the names say. */
export const PULLER_ENV = {
  PULLER_KIND: `one of ${PULLER_KINDS.join(", ")} (required)`,
  PULLER_BUCKET: "the tenant's raw log bucket (required)",
  PULLER_PREFIX: 'the source\'s key prefix, ending in "/" (required)',
  PULLER_STATE_KEY: "key of the state object, outside the prefix (required)",
  PULLER_SECRET_ID: "Secrets Manager id/ARN of the source's credentials (required)",
  PULLER_KMS_KEY_ID: "the bucket's KMS key id/ARN for SSE-KMS puts (required)",
  PULLER_SOURCE_OPTIONS: "JSON: the source's non-secret options (required; see runtime/README.md)",
  PULLER_TARGET_OBJECT_MB: "target object size, uncompressed MiB (default 64, max 100)",
  PULLER_WINDOW_SECONDS: "window length (default 300)",
  PULLER_LAG_SECONDS: "leave events younger than this for the next run (default 60)",
  PULLER_OVERLAP_SECONDS: "re-fetch before the cursor for late events (default 300)",
  PULLER_INITIAL_LOOKBACK_SECONDS: "first run (no state) starts this far back (default 3600)",
  PULLER_BUDGET_SECONDS: "run budget; also capped at the Lambda's remaining time minus 15 s (default 240)",
  PULLER_AWS_ENDPOINT: "emulator only: S3 and Secrets Manager endpoint, path-style (unset in AWS)",
} as const;

/** The environment a module gives the handler: every variable named in PULLER_ENV, as text. */
export type PullerEnvironment = { -readonly [K in keyof typeof PULLER_ENV]?: string };
