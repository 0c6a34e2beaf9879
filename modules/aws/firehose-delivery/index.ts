import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogStream } from "@cdktf/provider-aws/lib/cloudwatch-log-stream";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KinesisFirehoseDeliveryStream } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { S3BucketMetric } from "@cdktf/provider-aws/lib/s3-bucket-metric";
import { Construct } from "constructs";
import { z } from "zod";
import { arn, iamRoleArn, partitionOfRegion } from "../../core/arn";
import { PolicyStatement, policyDocument, renderPolicy, s3Service } from "../../core/iam";
import { limitedName } from "../../core/naming";
import { stampModule } from "../../core/stamp";
import {
  AWS_ACCOUNT_ID,
  KINESIS_STREAM_ARN,
  LAMBDA_FUNCTION_ARN,
  S3_BUCKET_NAME,
  awsRegion,
  knownKmsKeyArn,
  knownString,
  knownTopicArn,
  parseProps,
  pathOf,
  writtenReason,
} from "../../core/validate";
import { KmsKey } from "../kms-key";
import { LogBucket } from "../log-bucket";
import { LOG_RETENTION_DAYS } from "../log-puller";

export const FIREHOSE_DELIVERY_MODULE = "aws/firehose-delivery" as const;

/** Objects land under `<keyPrefix>YYYY/MM/DD/HH/` (UTC arrival hour), the layout every source shares. */
export const HOUR_PARTITION = "!{timestamp:yyyy/MM/dd/HH}/";
/** Failed records land under `<errorPrefix><error type>/YYYY/MM/DD/HH/` (processing-failed, …). */
export const ERROR_PARTITION = "!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/";
/** Firehose's own delivery log stream in the stream's log group. */
export const DELIVERY_LOG_STREAM = "DestinationDelivery";

export interface FirehoseDeliveryProps {
  /** Delivery stream name, 1-64 of [A-Za-z0-9_.-] (also names its role, log group and alarms). */
  readonly streamName: string;
  /** The account the stream runs in. */
  readonly accountId: string;
  /** The region the stream runs in (the tenant's). */
  readonly region: string;
  /** The tenant's raw log bucket (pass the bucket resource's name so Terraform creates it first). */
  readonly bucketName: string;
  /** The source's key prefix, ending in `/`: objects go to `<keyPrefix>YYYY/MM/DD/HH/`. */
  readonly keyPrefix: string;
  /**
   * Where records that fail processing or delivery go, ending in `/`; never under `keyPrefix`
   * (Snowpipe would load them). Objects go to `<errorPrefix><error type>/YYYY/MM/DD/HH/`.
   */
  readonly errorPrefix: string;
  /** The tenant's KMS key: objects, the stream (direct PUT) and its log group are encrypted with it. */
  readonly kmsKeyArn: string;
  /**
   * Read records from this Kinesis data stream (encrypted with `kmsKeyArn`).
   * @default direct PUT: producers call PutRecordBatch on the delivery stream
   */
  readonly kinesisStreamArn?: string;
  /** Flush when this many MiB (before compression) are buffered, 64-128. @default 128 */
  readonly bufferSizeMb?: number;
  /** Flush after this many seconds at most, 60-600 (ingest delay stays under 10 minutes). @default 300 */
  readonly bufferIntervalSeconds?: number;
  /** A Lambda function that transforms records before delivery (the role may invoke only it). @default no transformation */
  readonly transformLambdaArn?: string;
  /** Append a newline after each record, so objects are NDJSON even when producers send bare JSON. @default true */
  readonly newlineDelimited?: boolean;
  /** Suffix of delivered objects (after compression). @default `.json.gz` */
  readonly fileExtension?: string;
  /** Retention of the stream's log group; one of the values CloudWatch Logs accepts. @default 365 */
  readonly logRetentionDays?: number;
  /** Alarm when the oldest undelivered record is older than this, seconds; above `bufferIntervalSeconds`. @default 900 */
  readonly freshnessAlarmSeconds?: number;
  /** The SNS topic the alarms notify (error objects, stale delivery). @default none: then `alarmsWithoutActionsReason` is required */
  readonly alarmTopicArn?: string;
  /** Why the alarms notify nobody (at least 20 characters); only without `alarmTopicArn`. @default none */
  readonly alarmsWithoutActionsReason?: string;
}

const prefix = z
  .string()
  .regex(/^[A-Za-z0-9!_.*'()\-/]+\/$/, "must be a key prefix of safe characters ending in '/'")
  .refine((v) => !v.startsWith("/") && !v.includes("!{"), "must not start with '/' or hold expressions (the module adds the partitions)");

const propsSchema = z
  .object({
    streamName: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 of [A-Za-z0-9_.-]"),
    accountId: z.string().regex(AWS_ACCOUNT_ID, "must be a 12-digit AWS account id"),
    region: awsRegion(),
    bucketName: knownString(S3_BUCKET_NAME, "an S3 bucket name"),
    keyPrefix: prefix,
    errorPrefix: prefix,
    kmsKeyArn: knownKmsKeyArn(),
    kinesisStreamArn: knownString(KINESIS_STREAM_ARN, "a Kinesis stream ARN").optional(),
    bufferSizeMb: z
      .number()
      .int()
      .min(64, "must be 64-128 MiB: smaller files cost Snowpipe more per GB")
      .max(128, "must be 64-128 MiB (Firehose's maximum is 128)")
      .default(128),
    bufferIntervalSeconds: z.number().int().min(60).max(600, "must be 60-600 seconds: ingest delay stays under 10 minutes").default(300),
    transformLambdaArn: knownString(LAMBDA_FUNCTION_ARN, "a Lambda function ARN").optional(),
    newlineDelimited: z.boolean().default(true),
    fileExtension: z
      .string()
      .regex(/^\.[a-z0-9.]{1,127}$/, "must look like .json.gz")
      .default(".json.gz"),
    logRetentionDays: z
      .number()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${LOG_RETENTION_DAYS.join(", ")}`)
      .default(365),
    freshnessAlarmSeconds: z.number().int().min(60).default(900),
    alarmTopicArn: knownTopicArn().optional(),
    alarmsWithoutActionsReason: writtenReason().optional(),
  })
  .superRefine((p, ctx) => {
    if (p.errorPrefix.startsWith(p.keyPrefix) || p.keyPrefix.startsWith(p.errorPrefix))
      ctx.addIssue({
        code: "custom",
        path: ["errorPrefix"],
        message: `${p.errorPrefix} overlaps keyPrefix ${p.keyPrefix}: Snowpipe would load failed records`,
      });
    if (p.freshnessAlarmSeconds <= p.bufferIntervalSeconds)
      ctx.addIssue({
        code: "custom",
        path: ["freshnessAlarmSeconds"],
        message: `must be above bufferIntervalSeconds (${p.bufferIntervalSeconds}): records wait that long by design`,
      });
    if (p.alarmTopicArn === undefined && p.alarmsWithoutActionsReason === undefined)
      ctx.addIssue({ code: "custom", path: ["alarmTopicArn"], message: "required: alarms must reach someone (or give alarmsWithoutActionsReason)" });
    if (p.alarmTopicArn !== undefined && p.alarmsWithoutActionsReason !== undefined)
      ctx.addIssue({ code: "custom", path: ["alarmsWithoutActionsReason"], message: "only without alarmTopicArn" });
  });

/**
 * A Firehose delivery stream for one source into the tenant's raw bucket, shaped for Snowpipe: hourly
 * prefixes, GZIP, 128 MiB / 5-minute buffers, SSE-KMS with the tenant key, failed records under an
 * error prefix that no pipe loads (with its own alarm), delivery logs with retention, an optional
 * transformation Lambda, and a role that may write only the two prefixes.
 */
export class FirehoseDelivery extends Construct {
  /** The delivery stream's ARN (producers of a direct-PUT stream need `firehose:PutRecordBatch` on it). */
  public readonly deliveryStreamArn: string;
  /** The delivery stream's name. */
  public readonly deliveryStreamName: string;
  /** The role Firehose delivers as (the tenant bucket's writer for the source and error prefixes). */
  public readonly roleArn: string;

  /**
   * The ARN the stream's role will have (its name is the stream's), for policies built before it.
   * @param region the stream's region, whose partition the ARN is in; without it, the `aws` partition
   */
  public static roleArnFor(accountId: string, streamName: string, region?: string): string {
    return iamRoleArn(region === undefined ? "aws" : partitionOfRegion(region), accountId, streamName);
  }

  constructor(scope: Construct, id: string, props: FirehoseDeliveryProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, FIREHOSE_DELIVERY_MODULE);

    const name = p.streamName;
    const bucket = LogBucket.named(p.bucketName, { region: p.region });
    const logGroupName = `/aws/kinesisfirehose/${name}`;
    const logGroupArn = arn({ service: "logs", region: p.region, account: p.accountId, resource: `log-group:${logGroupName}` });

    const logGroup = new CloudwatchLogGroup(this, "LogGroup", { name: logGroupName, retentionInDays: p.logRetentionDays, kmsKeyId: p.kmsKeyArn });
    // Firehose writes to this stream but does not create it.
    const logStream = new CloudwatchLogStream(this, "LogStream", { name: DELIVERY_LOG_STREAM, logGroupName: logGroup.name });

    const role = new IamRole(this, "Role", {
      name,
      description: `Delivers the Firehose stream ${name} to s3://${p.bucketName}/${p.keyPrefix}`,
      maxSessionDuration: 3600,
      assumeRolePolicy: renderPolicy(
        policyDocument({
          Sid: "FirehoseDelivers",
          Effect: "Allow",
          Principal: { Service: "firehose.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": p.accountId } },
        }),
      ),
    });

    const prefixes = [p.keyPrefix, p.errorPrefix];
    const statements: PolicyStatement[] = [
      bucket.grantOnObjects("PutUnderOwnPrefixes", ["s3:PutObject", "s3:AbortMultipartUpload"], prefixes),
      bucket.grantListUnder("ListOwnPrefixes", prefixes),
      bucket.grantOnBucket("LocateBucket", ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]),
      KmsKey.grantsOn(p.kmsKeyArn).grant("EncryptObjectsWithTenantKey", ["kms:GenerateDataKey", "kms:Decrypt"], {
        StringEquals: { "kms:ViaService": s3Service(p.region) },
        // With S3 Bucket Keys (the log bucket's setting) the context is the bucket's ARN; without, the object's.
        StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucket.bucketArn, ...bucket.objectsUnder(prefixes)] },
      }),
      { Sid: "WriteOwnDeliveryLog", Effect: "Allow", Action: "logs:PutLogEvents", Resource: `${logGroupArn}:log-stream:${DELIVERY_LOG_STREAM}` },
    ];
    if (p.kinesisStreamArn) {
      statements.push(
        {
          Sid: "ReadSourceStream",
          Effect: "Allow",
          Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"],
          Resource: p.kinesisStreamArn,
        },
        KmsKey.grantsOn(p.kmsKeyArn).grantDecrypt("DecryptSourceStream", {
          StringEquals: { "kms:ViaService": `kinesis.${p.region}.amazonaws.com`, "kms:EncryptionContext:aws:kinesis:arn": p.kinesisStreamArn },
        }),
      );
    }
    if (p.transformLambdaArn) {
      statements.push({
        Sid: "InvokeTransformer",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
        Resource: p.transformLambdaArn,
      });
    }
    const permissions = new IamRolePolicy(this, "Permissions", {
      name: "firehose-delivery",
      role: role.id,
      policy: renderPolicy(policyDocument(...statements)),
    });

    const processors: { type: string; parameters?: { parameterName: string; parameterValue: string }[] }[] = [];
    if (p.transformLambdaArn) processors.push({ type: "Lambda", parameters: [{ parameterName: "LambdaArn", parameterValue: p.transformLambdaArn }] });
    if (p.newlineDelimited) processors.push({ type: "AppendDelimiterToRecord" });

    const stream = new KinesisFirehoseDeliveryStream(this, "Resource", {
      name,
      destination: "extended_s3",
      ...(p.kinesisStreamArn
        ? { kinesisSourceConfiguration: { kinesisStreamArn: p.kinesisStreamArn, roleArn: role.arn } }
        : // Records wait in the stream's buffer encrypted with the tenant key, not an AWS-owned one.
          { serverSideEncryption: { enabled: true, keyType: "CUSTOMER_MANAGED_CMK", keyArn: p.kmsKeyArn } }),
      extendedS3Configuration: {
        roleArn: role.arn,
        bucketArn: bucket.bucketArn,
        prefix: `${p.keyPrefix}${HOUR_PARTITION}`,
        errorOutputPrefix: `${p.errorPrefix}${ERROR_PARTITION}`,
        bufferingSize: p.bufferSizeMb,
        bufferingInterval: p.bufferIntervalSeconds,
        compressionFormat: "GZIP",
        fileExtension: p.fileExtension,
        kmsKeyArn: p.kmsKeyArn,
        s3BackupMode: "Disabled",
        cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup.name, logStreamName: logStream.name },
        processingConfiguration: processors.length > 0 ? { enabled: true, processors } : undefined,
      },
      // Firehose checks its role's access when the stream is created.
      dependsOn: [permissions],
    });

    // Records that fail transformation (or, with a Lambda, delivery retries) land under the error
    // prefix, which no pipe loads: count the objects put there and alarm on the first one.
    const metricName = limitedName(["firehose-errors", name], "-", 64);
    new S3BucketMetric(this, "ErrorObjectsMetric", { bucket: p.bucketName, name: metricName, filter: { prefix: p.errorPrefix } });

    const actions = p.alarmTopicArn ? [p.alarmTopicArn] : [];
    const withReason = (description: string) =>
      p.alarmsWithoutActionsReason ? `${description} (no alarm actions: ${p.alarmsWithoutActionsReason})` : description;
    const common = {
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: actions,
      okActions: actions,
    };
    new CloudwatchMetricAlarm(this, "ErrorObjectsAlarm", {
      alarmName: `${name}-error-objects`,
      alarmDescription: withReason(
        `Firehose ${name} wrote failed records to s3://${p.bucketName}/${p.errorPrefix} (not loaded by Snowpipe: look at them and replay)`,
      ),
      namespace: "AWS/S3",
      metricName: "PutRequests",
      dimensions: { BucketName: p.bucketName, FilterId: metricName },
      statistic: "Sum",
      period: 300,
      threshold: 0,
      ...common,
    });
    new CloudwatchMetricAlarm(this, "FreshnessAlarm", {
      alarmName: `${name}-freshness`,
      alarmDescription: withReason(
        `Firehose ${name} holds records older than ${p.freshnessAlarmSeconds} s: delivery to S3 is failing (Firehose gives up after 24 hours)`,
      ),
      namespace: "AWS/Firehose",
      metricName: "DeliveryToS3.DataFreshness",
      dimensions: { DeliveryStreamName: name },
      statistic: "Maximum",
      period: 300,
      threshold: p.freshnessAlarmSeconds,
      ...common,
    });

    this.deliveryStreamArn = stream.arn;
    this.deliveryStreamName = name;
    this.roleArn = role.arn;
  }
}
