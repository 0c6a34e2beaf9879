import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { PULLER_KINDS } from "../../../runtime/puller/sources";
import { PolicyStatement, policyDocument, renderPolicy } from "../../core/iam";
import { stampModule } from "../../core/stamp";
import { AWS_ACCOUNT_ID, KMS_KEY_ARN, S3_BUCKET_NAME, knownString, parseProps, pathOf } from "../../core/validate";
import { pullerCode } from "./code";

export const LOG_PULLER_MODULE = "aws/log-puller" as const;

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** The puller's tuning, passed to the handler's environment (see runtime/puller/config.ts). */
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
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region"),
    puller: z.enum(PULLER_KINDS as unknown as [string, ...string[]], `must be one of ${PULLER_KINDS.join(", ")}`),
    bucketName: z.string().regex(S3_BUCKET_NAME, "must be an S3 bucket name"),
    keyPrefix: keyPart.refine((v) => v.endsWith("/") && !v.startsWith("/"), 'must end with "/" and not start with "/"'),
    stateKey: keyPart.refine((v) => !v.endsWith("/") && !v.startsWith("/"), "must be an object key, not a folder"),
    kmsKeyArn: knownString(KMS_KEY_ARN, "a KMS key ARN"),
    sourceOptions: z.record(z.string(), z.unknown()),
    scheduleMinutes: z.number().int().min(1, "must be 1-10 minutes").max(10, "must be 1-10 minutes: ingest delay stays under 10 minutes").default(5),
    timeoutSeconds: z.number().int().min(60).max(900).default(300),
    budgetSeconds: z.number().int().min(30).optional(),
    memoryMb: z.number().int().min(512).max(10240).default(1024),
    logRetentionDays: z
      .number()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${LOG_RETENTION_DAYS.join(", ")}`)
      .default(365),
    tracing: z.boolean().default(true),
    alarmTopicArn: knownString(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "an SNS topic ARN").optional(),
    alarmsWithoutActionsReason: z.string().min(20, "must be a reason of at least 20 characters").optional(),
    secretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "must be 1-512 of [A-Za-z0-9/_+=.@-]").optional(),
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
    if (p.budgetSeconds !== undefined && p.budgetSeconds > p.timeoutSeconds - 30)
      ctx.addIssue({ code: "custom", path: ["budgetSeconds"], message: `${p.budgetSeconds} s leaves less than 30 s of timeoutSeconds (${p.timeoutSeconds}) to save state` });
    if (p.alarmTopicArn === undefined && p.alarmsWithoutActionsReason === undefined)
      ctx.addIssue({ code: "custom", path: ["alarmTopicArn"], message: "required: alarms must reach someone (or give alarmsWithoutActionsReason)" });
    if (p.alarmTopicArn !== undefined && p.alarmsWithoutActionsReason !== undefined)
      ctx.addIssue({ code: "custom", path: ["alarmsWithoutActionsReason"], message: "only without alarmTopicArn" });
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
    const bucketArn = `arn:aws:s3:::${p.bucketName}`;
    const logGroupName = `/aws/lambda/${name}`;
    const logGroupArn = `arn:aws:logs:${p.region}:${p.accountId}:log-group:${logGroupName}`;

    const logGroup = new CloudwatchLogGroup(this, "LogGroup", { name: logGroupName, retentionInDays: p.logRetentionDays, kmsKeyId: p.kmsKeyArn });

    /** A role only `service` of this account may assume. */
    const serviceRole = (id: string, roleName: string, description: string, sid: string, service: string) =>
      new IamRole(this, id, {
        name: roleName,
        description,
        maxSessionDuration: 3600,
        assumeRolePolicy: renderPolicy(
          policyDocument({ Sid: sid, Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": p.accountId } } }),
        ),
      });
    const role = serviceRole("Role", name, `Runs the ${p.puller} log puller ${name}`, "LambdaRunsPuller", "lambda.amazonaws.com");
    const dlq = new SqsQueue(this, "DeadLetterQueue", {
      name: `${name}-dlq`,
      kmsMasterKeyId: p.kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 1209600, // 14 days, the maximum: time to look at a failed run
    });
    new SqsQueuePolicy(this, "DeadLetterQueuePolicy", {
      queueUrl: dlq.url,
      policy: renderPolicy(
        policyDocument(
          { Sid: "PullerSendsDeadLetters", Effect: "Allow", Principal: { AWS: role.arn }, Action: "sqs:SendMessage", Resource: dlq.arn },
          { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: dlq.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ),
      ),
    });

    // Created empty: the value is put out of band and never passes through Terraform state.
    const secret = new SecretsmanagerSecret(this, "Secret", {
      name: p.secretName ?? `${name}-credentials`,
      description: `Credentials of the ${p.puller} log puller ${name} (set out of band: aws secretsmanager put-secret-value)`,
      kmsKeyId: p.kmsKeyArn,
      recoveryWindowInDays: 30,
    });

    const statements: PolicyStatement[] = [
      { Sid: "PutUnderSourcePrefix", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucketArn}/${p.keyPrefix}*` },
      { Sid: "ReadWriteOwnState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${bucketArn}/${p.stateKey}` },
      // Without ListBucket, S3 answers a missing state object with 403 instead of 404, and the first
      // run could not tell "no state yet" from "denied". Lists key names only, never contents.
      { Sid: "TellMissingStateFromDenied", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
      { Sid: "ReadOwnSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret.arn },
      { Sid: "UseTenantKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: p.kmsKeyArn },
      { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
      { Sid: "SendDeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: dlq.arn },
    ];
    if (p.tracing) {
      // X-Ray trace APIs take no resource-level permissions.
      statements.push({ Sid: "WriteTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" });
    }
    const permissions = new IamRolePolicy(this, "Permissions", { name: "log-puller", role: role.id, policy: renderPolicy(policyDocument(...statements)) });

    const zip = pullerCode();
    const asset = new TerraformAsset(this, "Code", { path: zip.path, type: AssetType.FILE });
    const budget = p.budgetSeconds ?? p.timeoutSeconds - 60;
    const env: Record<string, string> = {
      PULLER_KIND: p.puller,
      PULLER_BUCKET: p.bucketName,
      PULLER_PREFIX: p.keyPrefix,
      PULLER_STATE_KEY: p.stateKey,
      PULLER_SECRET_ID: secret.arn,
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

    const fn = new LambdaFunction(this, "Function", {
      functionName: name,
      description: `Pulls ${p.puller} audit logs into s3://${p.bucketName}/${p.keyPrefix}`,
      role: role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: zip.sha256Base64,
      timeout: p.timeoutSeconds,
      memorySize: p.memoryMb,
      reservedConcurrentExecutions: 1,
      environment: { variables: env },
      kmsKeyArn: p.kmsKeyArn,
      deadLetterConfig: { targetArn: dlq.arn },
      tracingConfig: { mode: p.tracing ? "Active" : "PassThrough" },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      dependsOn: [logGroup, permissions],
    });

    const schedulerRole = serviceRole("SchedulerRole", `${name}-sched`, `Lets EventBridge Scheduler start the log puller ${name}`, "SchedulerStartsPuller", "scheduler.amazonaws.com");
    const schedulerPermissions = new IamRolePolicy(this, "SchedulerPermissions", {
      name: "invoke-log-puller",
      role: schedulerRole.id,
      policy: renderPolicy(
        policyDocument(
          { Sid: "InvokePuller", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fn.arn },
          // The schedule is encrypted with the tenant key; Scheduler decrypts it as this role.
          {
            Sid: "DecryptOwnSchedule",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: p.kmsKeyArn,
            Condition: { StringEquals: { "kms:EncryptionContext:aws:scheduler:schedule:arn": `arn:aws:scheduler:${p.region}:${p.accountId}:schedule/default/${name}` } },
          },
        ),
      ),
    });
    new SchedulerSchedule(this, "Schedule", {
      name,
      description: `Starts the log puller ${name} every ${p.scheduleMinutes} minutes`,
      scheduleExpression: `rate(${p.scheduleMinutes} minute${p.scheduleMinutes === 1 ? "" : "s"})`,
      flexibleTimeWindow: { mode: "OFF" },
      kmsKeyArn: p.kmsKeyArn,
      target: { arn: fn.arn, roleArn: schedulerRole.arn, retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 } },
      dependsOn: [schedulerPermissions],
    });

    const actions = p.alarmTopicArn ? [p.alarmTopicArn] : [];
    const alarm = (id: string, alarmName: string, description: string, namespace: string, metricName: string, dimensions: Record<string, string>, statistic: string) =>
      new CloudwatchMetricAlarm(this, id, {
        alarmName,
        alarmDescription: p.alarmsWithoutActionsReason ? `${description} (no alarm actions: ${p.alarmsWithoutActionsReason})` : description,
        namespace,
        metricName,
        dimensions,
        statistic,
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: actions,
        okActions: actions,
      });
    alarm("ErrorsAlarm", `${name}-errors`, `The log puller ${name} failed a run`, "AWS/Lambda", "Errors", { FunctionName: name }, "Sum");
    alarm("ThrottlesAlarm", `${name}-throttles`, `The log puller ${name} was throttled (a run did not start)`, "AWS/Lambda", "Throttles", { FunctionName: name }, "Sum");
    alarm("DeadLettersAlarm", `${name}-dead-letters`, `Failed runs of the log puller ${name} are in its dead-letter queue`, "AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: `${name}-dlq` }, "Maximum");

    this.functionArn = fn.arn;
    this.functionName = name;
    this.secretArn = secret.arn;
    this.roleArn = role.arn;
    this.dlqArn = dlq.arn;
  }
}
