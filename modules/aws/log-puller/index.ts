import { Construct } from "constructs";
import { z } from "zod";
import { PULLER_KINDS, type PullerEnvironment } from "../../../runtime/puller/contract";
import { stampModule } from "../../core/stamp";
import { AWS_ACCOUNT_ID, S3_BUCKET_NAME, awsRegion, knownKmsKeyArn, parseProps, pathOf } from "../../core/validate";
import { LogBucket } from "../log-bucket";
import { buildScheduledFunction, checkScheduledFunction, scheduledFunctionFields } from "../scheduled-function";
import { pullerCode } from "./code";

export { LOG_RETENTION_DAYS } from "../scheduled-function";

export const LOG_PULLER_MODULE = "aws/log-puller" as const;

/** The puller's tuning, passed to the handler's environment (see runtime/puller/contract.ts). */
export interface LogPullerSettings {
  /** Target object size, uncompressed MiB, 1-100. @default 64 (the runtime's default) */
  readonly targetObjectMb?: number;
  /** Window length in seconds. @default 300 (the runtime's default) */
  readonly windowSeconds?: number;
  /** Events younger than this wait for the next run, seconds. @default 60 (the runtime's default) */
  readonly lagSeconds?: number;
  /** Re-fetch this far before the cursor for late events, seconds. @default 300 (the runtime's default) */
  readonly overlapSeconds?: number;
  /** The first run (no state) starts this far back, seconds. @default 3600 (the runtime's default) */
  readonly initialLookbackSeconds?: number;
}

export interface LogPullerProps {
  /** Lambda function name, 1-54 of [A-Za-z0-9_-] (the scheduler role appends `-sched`, the queue `-dlq`). */
  readonly functionName: string;
  /** The account the function runs in. */
  readonly accountId: string;
  /** The region the function runs in (its log group ARN is named before apply). */
  readonly region: string;
  /** Which puller the function runs: `google-workspace` or `okta`. */
  readonly puller: string;
  /** The tenant's raw log bucket. */
  readonly bucketName: string;
  /** The source's key prefix, ending in `/`: the only prefix the function may put objects under. */
  readonly keyPrefix: string;
  /** Key of the puller's state object; never under `keyPrefix` (Snowpipe would load it). */
  readonly stateKey: string;
  /** The tenant's KMS key: objects, state, secret, dead-letter queue and environment are encrypted with it. */
  readonly kmsKeyArn: string;
  /** The source's non-secret options, as the runtime's source expects them (JSON). */
  readonly sourceOptions: Readonly<Record<string, unknown>>;
  /** Run every N minutes, 1-10 (ingest delay stays under 10 minutes). @default 5 */
  readonly scheduleMinutes?: number;
  /** Lambda timeout, 60-900 seconds. @default 300 */
  readonly timeoutSeconds?: number;
  /** The handler's run budget; at most `timeoutSeconds` - 30 (the rest saves state). @default timeoutSeconds - 60 */
  readonly budgetSeconds?: number;
  /** Memory, 512-10240 MB (an object of up to 100 MiB is built in memory). @default 1024 */
  readonly memoryMb?: number;
  /** Retention of the function's log group; one of the values CloudWatch Logs accepts. @default 365 */
  readonly logRetentionDays?: number;
  /** X-Ray active tracing. @default true */
  readonly tracing?: boolean;
  /** The SNS topic the alarms notify (errors, throttles, dead letters). @default none: then `alarmsWithoutActionsReason` is required */
  readonly alarmTopicArn?: string;
  /** Why the alarms notify nobody (at least 20 characters); only without `alarmTopicArn`. @default none */
  readonly alarmsWithoutActionsReason?: string;
  /** Secrets Manager secret name for the source's credentials. @default `<functionName>-credentials` */
  readonly secretName?: string;
  /** The puller's tuning. @default the runtime's defaults */
  readonly settings?: LogPullerSettings;
}

const LAMBDA_NAME = /^[A-Za-z0-9_-]{1,54}$/;
const keyPart = z.string().regex(/^[A-Za-z0-9!_.*'()/-]+$/, "must be an S3 key of safe characters");

const propsSchema = z
  .object({
    functionName: z.string().regex(LAMBDA_NAME, "must be 1-54 of [A-Za-z0-9_-]"),
    accountId: z.string().regex(AWS_ACCOUNT_ID, "must be a 12-digit AWS account id"),
    region: awsRegion(),
    puller: z.enum(PULLER_KINDS as unknown as [string, ...string[]], `must be one of ${PULLER_KINDS.join(", ")}`),
    bucketName: z.string().regex(S3_BUCKET_NAME, "must be an S3 bucket name"),
    keyPrefix: keyPart.refine((v) => v.endsWith("/") && !v.startsWith("/"), 'must end with "/" and not start with "/"'),
    stateKey: keyPart.refine((v) => !v.endsWith("/") && !v.startsWith("/"), "must be an object key, not a folder"),
    kmsKeyArn: knownKmsKeyArn(),
    sourceOptions: z.record(z.string(), z.unknown()),
    ...scheduledFunctionFields,
    settings: z
      .strictObject({
        targetObjectMb: z.number().positive().max(100).optional(),
        windowSeconds: z.number().int().min(1).optional(),
        lagSeconds: z.number().int().min(0).optional(),
        overlapSeconds: z.number().int().min(0).optional(),
        initialLookbackSeconds: z.number().int().min(0).optional(),
      })
      .default({}),
  })
  .superRefine((p, ctx) => {
    if (p.stateKey.startsWith(p.keyPrefix))
      ctx.addIssue({ code: "custom", path: ["stateKey"], message: `${p.stateKey} is under keyPrefix ${p.keyPrefix}: Snowpipe would load the state object` });
    checkScheduledFunction(p, (path, message) => ctx.addIssue({ code: "custom", path: [path], message }), "save state");
  });

/**
 * A scheduled Lambda function that pulls one SaaS audit log into the tenant's raw bucket (the
 * runtime in `runtime/puller`): EventBridge Scheduler every 1-10 minutes, one run at a time
 * (reserved concurrency 1: two runs never race on the state object), a dead-letter queue and a log
 * group encrypted with the tenant's key, alarms on errors, throttles and dead letters, an empty
 * Secrets Manager secret for the credentials (set out of band), and a role that may put only under
 * the source's prefix and read/write only its own state object.
 */
export class LogPuller extends Construct {
  /** The puller function's ARN. */
  public readonly functionArn: string;
  /** The puller function's name (its log group is `/aws/lambda/<name>`). */
  public readonly functionName: string;
  /** The source's credentials secret, created empty: its value is set out of band. */
  public readonly secretArn: string;
  /** The role the function runs as (the tenant bucket's writer for the source's prefix). */
  public readonly roleArn: string;
  /** The dead-letter queue of failed runs. */
  public readonly dlqArn: string;

  constructor(scope: Construct, id: string, props: LogPullerProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, LOG_PULLER_MODULE);

    const name = p.functionName;
    const bucket = LogBucket.named(p.bucketName, { region: p.region });
    const budget = p.budgetSeconds ?? p.timeoutSeconds - 60;
    const environment = (secretArn: string): PullerEnvironment => {
      const env: PullerEnvironment = {
        PULLER_KIND: p.puller,
        PULLER_BUCKET: p.bucketName,
        PULLER_PREFIX: p.keyPrefix,
        PULLER_STATE_KEY: p.stateKey,
        PULLER_SECRET_ID: secretArn,
        PULLER_KMS_KEY_ID: p.kmsKeyArn,
        PULLER_SOURCE_OPTIONS: JSON.stringify(p.sourceOptions),
        PULLER_BUDGET_SECONDS: String(budget),
      };
      const s = p.settings;
      if (s.targetObjectMb !== undefined) env.PULLER_TARGET_OBJECT_MB = String(s.targetObjectMb);
      if (s.windowSeconds !== undefined) env.PULLER_WINDOW_SECONDS = String(s.windowSeconds);
      if (s.lagSeconds !== undefined) env.PULLER_LAG_SECONDS = String(s.lagSeconds);
      if (s.overlapSeconds !== undefined) env.PULLER_OVERLAP_SECONDS = String(s.overlapSeconds);
      if (s.initialLookbackSeconds !== undefined) env.PULLER_INITIAL_LOOKBACK_SECONDS = String(s.initialLookbackSeconds);
      return env;
    };

    const built = buildScheduledFunction(this, {
      ...p,
      name,
      noun: "log puller",
      sidNoun: "Puller",
      policyName: "log-puller",
      roleDescription: `Runs the ${p.puller} log puller ${name}`,
      functionDescription: `Pulls ${p.puller} audit logs into s3://${p.bucketName}/${p.keyPrefix}`,
      secretDescription: `Credentials of the ${p.puller} log puller ${name} (set out of band: aws secretsmanager put-secret-value)`,
      dataStatements: [
        bucket.grantOnObjects("PutUnderSourcePrefix", "s3:PutObject", p.keyPrefix),
        bucket.grantOnObject("ReadWriteOwnState", ["s3:GetObject", "s3:PutObject"], p.stateKey),
        // Without ListBucket, S3 answers a missing state object with 403 instead of 404, and the first
        // run could not tell "no state yet" from "denied". Lists key names only, never contents.
        bucket.grantOnBucket("TellMissingStateFromDenied", "s3:ListBucket"),
      ],
      code: pullerCode(),
      environment,
    });

    this.functionArn = built.functionArn;
    this.functionName = name;
    this.secretArn = built.secretArn;
    this.roleArn = built.roleArn;
    this.dlqArn = built.dlqArn;
  }
}
