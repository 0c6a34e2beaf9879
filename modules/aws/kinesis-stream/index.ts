import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { KinesisResourcePolicy } from "@cdktf/provider-aws/lib/kinesis-resource-policy";
import { KinesisStream as KinesisStreamResource } from "@cdktf/provider-aws/lib/kinesis-stream";
import { Construct } from "constructs";
import { z } from "zod";
import { PolicyStatement, policyDocument, renderPolicy } from "../../core/iam";
import { stampModule } from "../../core/stamp";
import { knownKmsKeyArn, knownRoleArn, knownTopicArn, parseProps, pathOf, writtenReason } from "../../core/validate";

export const KINESIS_STREAM_MODULE = "aws/kinesis-stream" as const;

/** Record-level actions of producers and consumers, kept as named constants (STYLE 5). */
export const KINESIS_PUT_ACTIONS = ["kinesis:PutRecord", "kinesis:PutRecords"];
export const KINESIS_READ_ACTIONS = ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:SubscribeToShard"];

export interface KinesisStreamProps {
  /** Stream name, 1-128 of [A-Za-z0-9_.-]. */
  readonly streamName: string;
  /** The tenant's KMS key: records are encrypted with it at rest. */
  readonly kmsKeyArn: string;
  /** Provisioned shards, 1-1000. @default on-demand capacity (no shards to size; billed per GB) */
  readonly shardCount?: number;
  /** Hours a record stays readable, 24-8760; a consumer that stops for longer loses records. @default 24 */
  readonly retentionHours?: number;
  /**
   * IAM roles that may put records. Everyone else is denied by the stream's resource policy; the
   * roles also need `kms:GenerateDataKey` on `kmsKeyArn` in their own policies. @default none: nobody may put
   */
  readonly producerRoleArns?: readonly string[];
  /** IAM roles that may read records (e.g. a Firehose delivery stream's role); everyone else is denied. @default none: nobody may read */
  readonly consumerRoleArns?: readonly string[];
  /** Alarm when the oldest unread record is older than this many minutes (records near retention are about to be lost). @default 60 */
  readonly iteratorAgeAlarmMinutes?: number;
  /** The SNS topic the alarm notifies. @default none: then `alarmsWithoutActionsReason` is required */
  readonly alarmTopicArn?: string;
  /** Why the alarm notifies nobody (at least 20 characters); only without `alarmTopicArn`. @default none */
  readonly alarmsWithoutActionsReason?: string;
}

const roleArns = z.array(knownRoleArn()).default([]);

const propsSchema = z
  .object({
    streamName: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, "must be 1-128 of [A-Za-z0-9_.-]"),
    kmsKeyArn: knownKmsKeyArn(),
    shardCount: z.number().int().min(1).max(1000).optional(),
    retentionHours: z.number().int().min(24, "must be 24-8760 hours").max(8760, "must be 24-8760 hours").default(24),
    producerRoleArns: roleArns,
    consumerRoleArns: roleArns,
    iteratorAgeAlarmMinutes: z.number().int().min(1).default(60),
    alarmTopicArn: knownTopicArn().optional(),
    alarmsWithoutActionsReason: writtenReason().optional(),
  })
  .superRefine((p, ctx) => {
    if (p.iteratorAgeAlarmMinutes >= p.retentionHours * 60)
      ctx.addIssue({
        code: "custom",
        path: ["iteratorAgeAlarmMinutes"],
        message: `must be below retentionHours (${p.retentionHours} h): the alarm must come before records expire`,
      });
    if (p.alarmTopicArn === undefined && p.alarmsWithoutActionsReason === undefined)
      ctx.addIssue({ code: "custom", path: ["alarmTopicArn"], message: "required: alarms must reach someone (or give alarmsWithoutActionsReason)" });
    if (p.alarmTopicArn !== undefined && p.alarmsWithoutActionsReason !== undefined)
      ctx.addIssue({ code: "custom", path: ["alarmsWithoutActionsReason"], message: "only without alarmTopicArn" });
  });

/**
 * A Kinesis data stream for one source: on-demand unless sized, encrypted with the tenant's key,
 * a resource policy that denies putting records to every principal but the listed producers and
 * reading them to every principal but the listed consumers, and an alarm on the consumers' lag.
 */
export class KinesisStream extends Construct {
  /** The stream's ARN. */
  public readonly streamArn: string;
  /** The stream's name. */
  public readonly streamName: string;

  constructor(scope: Construct, id: string, props: KinesisStreamProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, KINESIS_STREAM_MODULE);

    const stream = new KinesisStreamResource(this, "Resource", {
      name: p.streamName,
      encryptionType: "KMS",
      kmsKeyId: p.kmsKeyArn,
      retentionPeriod: p.retentionHours,
      ...(p.shardCount !== undefined
        ? { shardCount: p.shardCount, streamModeDetails: { streamMode: "PROVISIONED" } }
        : { streamModeDetails: { streamMode: "ON_DEMAND" } }),
      // Registered consumers (enhanced fan-out) are not deleted behind their owners' backs.
      enforceConsumerDeletion: false,
    });
    const streamArn = stream.arn;

    // Deny, not only allow: IAM policies elsewhere in the account (kinesis:* for an admin) must not
    // reach the records either. aws:PrincipalArn of an assumed role is the role's ARN.
    const onlyThese = (sid: string, actions: string[], roles: readonly string[]): PolicyStatement => ({
      Sid: sid,
      Effect: "Deny",
      Principal: "*",
      Action: actions,
      Resource: streamArn,
      ...(roles.length > 0 ? { Condition: { ArnNotEquals: { "aws:PrincipalArn": [...roles] } } } : {}),
    });
    const statements: PolicyStatement[] = [
      onlyThese("OnlyProducersPut", KINESIS_PUT_ACTIONS, p.producerRoleArns),
      onlyThese("OnlyConsumersRead", KINESIS_READ_ACTIONS, p.consumerRoleArns),
    ];
    if (p.producerRoleArns.length > 0)
      statements.push({
        Sid: "ProducersPut",
        Effect: "Allow",
        Principal: { AWS: [...p.producerRoleArns] },
        Action: [...KINESIS_PUT_ACTIONS, "kinesis:DescribeStreamSummary", "kinesis:ListShards"],
        Resource: streamArn,
      });
    new KinesisResourcePolicy(this, "Policy", { resourceArn: streamArn, policy: renderPolicy(policyDocument(...statements)) });

    const actions = p.alarmTopicArn ? [p.alarmTopicArn] : [];
    const description = `Records in the Kinesis stream ${p.streamName} wait more than ${p.iteratorAgeAlarmMinutes} minutes to be read (they expire after ${p.retentionHours} hours)`;
    new CloudwatchMetricAlarm(this, "IteratorAgeAlarm", {
      alarmName: `${p.streamName}-iterator-age`,
      alarmDescription: p.alarmsWithoutActionsReason ? `${description} (no alarm actions: ${p.alarmsWithoutActionsReason})` : description,
      namespace: "AWS/Kinesis",
      metricName: "GetRecords.IteratorAgeMilliseconds",
      dimensions: { StreamName: p.streamName },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      threshold: p.iteratorAgeAlarmMinutes * 60_000,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: actions,
      okActions: actions,
    });

    this.streamArn = streamArn;
    this.streamName = p.streamName;
  }
}
