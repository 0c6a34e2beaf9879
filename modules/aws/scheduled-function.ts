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
import { PolicyStatement, policyDocument, renderPolicy } from "../core/iam";
import { arn } from "../core/arn";
import { writtenReason, knownTopicArn } from "../core/validate";

/**
 * What the scheduled Lambda modules (aws/log-puller, aws/kafka-ingest) share: a function run by
 * EventBridge Scheduler, one run at a time, with a dead-letter queue, a managed log group, alarms,
 * an empty credentials secret and a least-privilege role. Each module adds its own data permissions
 * and environment; the resources are created in the module's scope with fixed ids, so addresses are
 * the module's own.
 */

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** The zod fields both modules validate the same way (spread into each module's props schema). */
export const scheduledFunctionFields = {
  scheduleMinutes: z.number().int().min(1, "must be 1-10 minutes").max(10, "must be 1-10 minutes: ingest delay stays under 10 minutes").default(5),
  timeoutSeconds: z.number().int().min(60).max(900).default(300),
  budgetSeconds: z.number().int().min(30).optional(),
  memoryMb: z.number().int().min(512).max(10240).default(1024),
  logRetentionDays: z
    .number()
    .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${LOG_RETENTION_DAYS.join(", ")}`)
    .default(365),
  tracing: z.boolean().default(true),
  alarmTopicArn: knownTopicArn().optional(),
  alarmsWithoutActionsReason: writtenReason().optional(),
  secretName: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "must be 1-512 of [A-Za-z0-9/_+=.@-]")
    .optional(),
};

type Issue = (path: string, message: string) => void;

/** Cross-field rules both modules share: the budget leaves time to finish, alarms reach someone. */
export function checkScheduledFunction(
  p: { budgetSeconds?: number; timeoutSeconds: number; alarmTopicArn?: string; alarmsWithoutActionsReason?: string },
  issue: Issue,
  finishing: string,
): void {
  if (p.budgetSeconds !== undefined && p.budgetSeconds > p.timeoutSeconds - 30)
    issue("budgetSeconds", `${p.budgetSeconds} s leaves less than 30 s of timeoutSeconds (${p.timeoutSeconds}) to ${finishing}`);
  if (p.alarmTopicArn === undefined && p.alarmsWithoutActionsReason === undefined)
    issue("alarmTopicArn", "required: alarms must reach someone (or give alarmsWithoutActionsReason)");
  if (p.alarmTopicArn !== undefined && p.alarmsWithoutActionsReason !== undefined) issue("alarmsWithoutActionsReason", "only without alarmTopicArn");
}

export interface ScheduledFunctionSpec {
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly kmsKeyArn: string;
  readonly scheduleMinutes: number;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly logRetentionDays: number;
  readonly tracing: boolean;
  readonly alarmTopicArn?: string;
  readonly alarmsWithoutActionsReason?: string;
  readonly secretName?: string;
  /** How descriptions name the function: `the <noun> <name>`, e.g. "log puller". */
  readonly noun: string;
  /** Statement-id word: `LambdaRuns<Sid>`, `<Sid>SendsDeadLetters`, `SchedulerStarts<Sid>`, `Invoke<Sid>`. */
  readonly sidNoun: string;
  /** Name of the function's inline policy; the scheduler's is `invoke-<policyName>`. */
  readonly policyName: string;
  readonly roleDescription: string;
  readonly functionDescription: string;
  readonly secretDescription: string;
  /** The module's data permissions, first in the policy. */
  readonly dataStatements: PolicyStatement[];
  /** Permissions after the shared ones and before tracing (e.g. network interfaces in a VPC). */
  readonly extraStatements?: PolicyStatement[];
  readonly code: { readonly path: string; readonly sha256Base64: string };
  /** The function's environment, given the secret's ARN. */
  readonly environment: (secretArn: string) => Record<string, string>;
  readonly vpcConfig?: { readonly subnetIds: string[]; readonly securityGroupIds: string[] };
}

export interface ScheduledFunction {
  readonly functionArn: string;
  readonly secretArn: string;
  readonly roleArn: string;
  readonly dlqArn: string;
}

/** Builds the shared resources in `scope` (ids: LogGroup, Role, DeadLetterQueue, Secret, Permissions, Code, Function, Scheduler*, *Alarm). */
export function buildScheduledFunction(scope: Construct, s: ScheduledFunctionSpec): ScheduledFunction {
  const name = s.name;
  const logGroupName = `/aws/lambda/${name}`;
  const logGroupArn = arn({ service: "logs", region: s.region, account: s.accountId, resource: `log-group:${logGroupName}` });

  const logGroup = new CloudwatchLogGroup(scope, "LogGroup", { name: logGroupName, retentionInDays: s.logRetentionDays, kmsKeyId: s.kmsKeyArn });

  /** A role only `service` of this account may assume. */
  const serviceRole = (id: string, roleName: string, description: string, sid: string, service: string) =>
    new IamRole(scope, id, {
      name: roleName,
      description,
      maxSessionDuration: 3600,
      assumeRolePolicy: renderPolicy(
        policyDocument({
          Sid: sid,
          Effect: "Allow",
          Principal: { Service: service },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": s.accountId } },
        }),
      ),
    });
  const role = serviceRole("Role", name, s.roleDescription, `LambdaRuns${s.sidNoun}`, "lambda.amazonaws.com");
  const dlq = new SqsQueue(scope, "DeadLetterQueue", {
    name: `${name}-dlq`,
    kmsMasterKeyId: s.kmsKeyArn,
    kmsDataKeyReusePeriodSeconds: 300,
    messageRetentionSeconds: 1209600, // 14 days, the maximum: time to look at a failed run
  });
  new SqsQueuePolicy(scope, "DeadLetterQueuePolicy", {
    queueUrl: dlq.url,
    policy: renderPolicy(
      policyDocument(
        { Sid: `${s.sidNoun}SendsDeadLetters`, Effect: "Allow", Principal: { AWS: role.arn }, Action: "sqs:SendMessage", Resource: dlq.arn },
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "sqs:*",
          Resource: dlq.arn,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ),
    ),
  });

  // Created empty: the value is put out of band and never passes through Terraform state.
  const secret = new SecretsmanagerSecret(scope, "Secret", {
    name: s.secretName ?? `${name}-credentials`,
    description: s.secretDescription,
    kmsKeyId: s.kmsKeyArn,
    recoveryWindowInDays: 30,
  });

  const statements: PolicyStatement[] = [
    ...s.dataStatements,
    { Sid: "ReadOwnSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret.arn },
    { Sid: "UseTenantKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: s.kmsKeyArn },
    { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
    { Sid: "SendDeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: dlq.arn },
    ...(s.extraStatements ?? []),
  ];
  if (s.tracing) {
    // X-Ray trace APIs take no resource-level permissions.
    statements.push({ Sid: "WriteTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" });
  }
  const permissions = new IamRolePolicy(scope, "Permissions", { name: s.policyName, role: role.id, policy: renderPolicy(policyDocument(...statements)) });

  const asset = new TerraformAsset(scope, "Code", { path: s.code.path, type: AssetType.FILE });
  const fn = new LambdaFunction(scope, "Function", {
    functionName: name,
    description: s.functionDescription,
    role: role.arn,
    runtime: "nodejs22.x",
    architectures: ["arm64"],
    handler: "index.handler",
    filename: asset.path,
    sourceCodeHash: s.code.sha256Base64,
    timeout: s.timeoutSeconds,
    memorySize: s.memoryMb,
    reservedConcurrentExecutions: 1,
    environment: { variables: s.environment(secret.arn) },
    kmsKeyArn: s.kmsKeyArn,
    deadLetterConfig: { targetArn: dlq.arn },
    tracingConfig: { mode: s.tracing ? "Active" : "PassThrough" },
    loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
    ...(s.vpcConfig ? { vpcConfig: { subnetIds: s.vpcConfig.subnetIds, securityGroupIds: s.vpcConfig.securityGroupIds } } : {}),
    dependsOn: [logGroup, permissions],
  });

  const schedulerRole = serviceRole(
    "SchedulerRole",
    `${name}-sched`,
    `Lets EventBridge Scheduler start the ${s.noun} ${name}`,
    `SchedulerStarts${s.sidNoun}`,
    "scheduler.amazonaws.com",
  );
  const schedulerPermissions = new IamRolePolicy(scope, "SchedulerPermissions", {
    name: `invoke-${s.policyName}`,
    role: schedulerRole.id,
    policy: renderPolicy(
      policyDocument(
        { Sid: `Invoke${s.sidNoun}`, Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fn.arn },
        // The schedule is encrypted with the tenant key; Scheduler decrypts it as this role.
        {
          Sid: "DecryptOwnSchedule",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: s.kmsKeyArn,
          Condition: {
            StringEquals: {
              "kms:EncryptionContext:aws:scheduler:schedule:arn": arn({
                service: "scheduler",
                region: s.region,
                account: s.accountId,
                resource: `schedule/default/${name}`,
              }),
            },
          },
        },
      ),
    ),
  });
  new SchedulerSchedule(scope, "Schedule", {
    name,
    description: `Starts the ${s.noun} ${name} every ${s.scheduleMinutes} minutes`,
    scheduleExpression: `rate(${s.scheduleMinutes} minute${s.scheduleMinutes === 1 ? "" : "s"})`,
    flexibleTimeWindow: { mode: "OFF" },
    kmsKeyArn: s.kmsKeyArn,
    target: { arn: fn.arn, roleArn: schedulerRole.arn, retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 } },
    dependsOn: [schedulerPermissions],
  });

  const actions = s.alarmTopicArn ? [s.alarmTopicArn] : [];
  const alarm = (
    id: string,
    alarmName: string,
    description: string,
    namespace: string,
    metricName: string,
    dimensions: Record<string, string>,
    statistic: string,
  ) =>
    new CloudwatchMetricAlarm(scope, id, {
      alarmName,
      alarmDescription: s.alarmsWithoutActionsReason ? `${description} (no alarm actions: ${s.alarmsWithoutActionsReason})` : description,
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
  alarm("ErrorsAlarm", `${name}-errors`, `The ${s.noun} ${name} failed a run`, "AWS/Lambda", "Errors", { FunctionName: name }, "Sum");
  alarm(
    "ThrottlesAlarm",
    `${name}-throttles`,
    `The ${s.noun} ${name} was throttled (a run did not start)`,
    "AWS/Lambda",
    "Throttles",
    { FunctionName: name },
    "Sum",
  );
  alarm(
    "DeadLettersAlarm",
    `${name}-dead-letters`,
    `Failed runs of the ${s.noun} ${name} are in its dead-letter queue`,
    "AWS/SQS",
    "ApproximateNumberOfMessagesVisible",
    { QueueName: `${name}-dlq` },
    "Maximum",
  );

  return { functionArn: fn.arn, secretArn: secret.arn, roleArn: role.arn, dlqArn: dlq.arn };
}
