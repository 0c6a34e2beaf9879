import { FirehoseDelivery, FirehoseDeliveryProps } from "../../../modules/aws/firehose-delivery";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { guardrailViolations } from "../../../modules/core/guardrails";
import { onlyResource, resourcesOf, statementsBySid, synthJson, testStack } from "../../support/synth";
import { ACCOUNT_ID, ALERT_TOPIC_ARN as TOPIC, KMS_KEY_ARN as KEY } from "../../support/fixtures";

const STREAM = "arn:aws:kinesis:eu-west-1:111111111111:stream/acme-prod-umbrella-edr-stream";
const TRANSFORM = "arn:aws:lambda:eu-west-1:111111111111:function:edr-normalize";
const BUCKET = "arn:aws:s3:::acme-prod-umbrella-111111111111-logs";

describe("FirehoseDelivery", () => {
  const base: FirehoseDeliveryProps = {
    streamName: "acme-prod-umbrella-edr-stream",
    accountId: ACCOUNT_ID,
    region: "eu-west-1",
    bucketName: "acme-prod-umbrella-111111111111-logs",
    keyPrefix: "edr/",
    errorPrefix: "_firehose-errors/edr/",
    kmsKeyArn: KEY,
    alarmTopicArn: TOPIC,
  };
  const synth = (props: Partial<FirehoseDeliveryProps> = {}) => {
    const stack = testStack();
    new FirehoseDelivery(stack, "Firehose", { ...base, ...props });
    return synthJson(stack);
  };
  const json = synth();
  const s3Of = (j: ReturnType<typeof synth>) => onlyResource(j, "aws_kinesis_firehose_delivery_stream").extended_s3_configuration as Record<string, unknown>;

  test("defaults are secure and shaped for Snowpipe: hourly prefix, errors apart, GZIP, 128 MiB / 300 s, tenant key, NDJSON", () => {
    const stream = onlyResource(json, "aws_kinesis_firehose_delivery_stream");
    expect(stream).toMatchObject({
      name: "acme-prod-umbrella-edr-stream",
      destination: "extended_s3",
      // Direct PUT: the stream's own buffer is encrypted with the tenant key.
      server_side_encryption: { enabled: true, key_type: "CUSTOMER_MANAGED_CMK", key_arn: KEY },
    });
    expect(stream.kinesis_source_configuration).toBeUndefined();
    expect(s3Of(json)).toMatchObject({
      bucket_arn: BUCKET,
      prefix: "edr/!{timestamp:yyyy/MM/dd/HH}/",
      error_output_prefix: "_firehose-errors/edr/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/",
      buffering_size: 128,
      buffering_interval: 300,
      compression_format: "GZIP",
      file_extension: ".json.gz",
      kms_key_arn: KEY,
      s3_backup_mode: "Disabled",
      cloudwatch_logging_options: {
        enabled: true,
        log_group_name: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\./),
        log_stream_name: expect.stringMatching(/^\$\{aws_cloudwatch_log_stream\./),
      },
      processing_configuration: { enabled: true, processors: [{ type: "AppendDelimiterToRecord" }] },
    });
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/aws/kinesisfirehose/acme-prod-umbrella-edr-stream",
      retention_in_days: 365,
      kms_key_id: KEY,
    });
    expect(onlyResource(json, "aws_cloudwatch_log_stream")).toMatchObject({ name: "DestinationDelivery" });
    expect(guardrailViolations(json)).toEqual([]);
  });

  test("the role may only put under the source and error prefixes, list them, encrypt through S3 and write its own log", () => {
    const trust = statementsBySid(onlyResource(json, "aws_iam_role").assume_role_policy);
    expect(trust.FirehoseDelivers).toMatchObject({
      Principal: { Service: "firehose.amazonaws.com" },
      Condition: { StringEquals: { "sts:ExternalId": "111111111111" } },
    });
    const policy = statementsBySid(onlyResource(json, "aws_iam_role_policy").policy);
    expect(Object.keys(policy).sort()).toEqual([
      "EncryptObjectsWithTenantKey",
      "ListOwnPrefixes",
      "LocateBucket",
      "PutUnderOwnPrefixes",
      "WriteOwnDeliveryLog",
    ]);
    expect(policy.PutUnderOwnPrefixes).toMatchObject({
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: [`${BUCKET}/edr/*`, `${BUCKET}/_firehose-errors/edr/*`],
    });
    expect(policy.ListOwnPrefixes.Condition).toEqual({ StringLike: { "s3:prefix": ["edr/*", "_firehose-errors/edr/*"] } });
    expect(policy.EncryptObjectsWithTenantKey).toMatchObject({
      Resource: KEY,
      Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
    });
    expect(policy.WriteOwnDeliveryLog.Resource).toBe(
      "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/kinesisfirehose/acme-prod-umbrella-edr-stream:log-stream:DestinationDelivery",
    );
    expect(FirehoseDelivery.roleArnFor("111111111111", "acme-prod-umbrella-edr-stream")).toBe("arn:aws:iam::111111111111:role/acme-prod-umbrella-edr-stream");
    expect(onlyResource(json, "aws_iam_role").name).toBe("acme-prod-umbrella-edr-stream");
  });

  test("failed records raise an alarm: a request metric on the error prefix, and the delivery's freshness", () => {
    const metric = onlyResource(json, "aws_s3_bucket_metric");
    expect(metric).toEqual({
      bucket: "acme-prod-umbrella-111111111111-logs",
      name: "firehose-errors-acme-prod-umbrella-edr-stream",
      filter: { prefix: "_firehose-errors/edr/" },
    });
    const alarms = Object.fromEntries(resourcesOf(json, "aws_cloudwatch_metric_alarm").map((a) => [a.alarm_name, a]));
    expect(alarms["acme-prod-umbrella-edr-stream-error-objects"]).toMatchObject({
      namespace: "AWS/S3",
      metric_name: "PutRequests",
      dimensions: { BucketName: "acme-prod-umbrella-111111111111-logs", FilterId: metric.name },
      statistic: "Sum",
      threshold: 0,
      comparison_operator: "GreaterThanThreshold",
      alarm_actions: [TOPIC],
    });
    expect(alarms["acme-prod-umbrella-edr-stream-freshness"]).toMatchObject({
      namespace: "AWS/Firehose",
      metric_name: "DeliveryToS3.DataFreshness",
      dimensions: { DeliveryStreamName: "acme-prod-umbrella-edr-stream" },
      threshold: 900,
      alarm_actions: [TOPIC],
    });
  });

  test("the metric filter's id stays within S3's 64 characters and distinct for long stream names", () => {
    const long = (source: string) =>
      onlyResource(synth({ streamName: `acme-production-some-very-long-tenant-name-${source}-stream` }), "aws_s3_bucket_metric").name as string;
    expect(long("edr").length).toBeLessThanOrEqual(64);
    expect(long("edr")).not.toBe(long("ndr"));
  });

  test("reading a Kinesis stream: no buffer encryption of its own, the role reads and decrypts only that stream", () => {
    const j = synth({ kinesisStreamArn: STREAM });
    const stream = onlyResource(j, "aws_kinesis_firehose_delivery_stream");
    expect(stream.kinesis_source_configuration).toEqual({ kinesis_stream_arn: STREAM, role_arn: expect.stringMatching(/^\$\{aws_iam_role\./) });
    expect(stream.server_side_encryption).toBeUndefined();
    const policy = statementsBySid(onlyResource(j, "aws_iam_role_policy").policy);
    expect(policy.ReadSourceStream.Resource).toBe(STREAM);
    expect(policy.DecryptSourceStream).toMatchObject({
      Action: "kms:Decrypt",
      Condition: { StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:kinesis:arn": STREAM } },
    });
    expect(guardrailViolations(j)).toEqual([]);
  });

  test("a transformation Lambda runs before the delimiter, and the role may invoke only it", () => {
    const j = synth({ transformLambdaArn: TRANSFORM, newlineDelimited: false, bufferSizeMb: 64, bufferIntervalSeconds: 600, freshnessAlarmSeconds: 1200 });
    expect(s3Of(j)).toMatchObject({
      buffering_size: 64,
      buffering_interval: 600,
      processing_configuration: { enabled: true, processors: [{ type: "Lambda", parameters: [{ parameter_name: "LambdaArn", parameter_value: TRANSFORM }] }] },
    });
    expect(statementsBySid(onlyResource(j, "aws_iam_role_policy").policy).InvokeTransformer).toMatchObject({
      Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
      Resource: TRANSFORM,
    });
  });

  test("without an alert topic the alarms carry the written reason", () => {
    const j = synth({ alarmTopicArn: undefined, alarmsWithoutActionsReason: "no alert topic in this environment yet" });
    for (const alarm of resourcesOf(j, "aws_cloudwatch_metric_alarm")) {
      expect(alarm.alarm_actions).toEqual([]);
      expect(alarm.alarm_description).toContain("(no alarm actions: no alert topic in this environment yet)");
    }
  });

  test.each([
    [{ errorPrefix: "edr/errors/" }, /errorPrefix: edr\/errors\/ overlaps keyPrefix edr\//],
    [{ bufferSizeMb: 32 }, /bufferSizeMb: must be 64-128 MiB/],
    [{ bufferSizeMb: 256 }, /bufferSizeMb: must be 64-128 MiB/],
    [{ bufferIntervalSeconds: 900 }, /bufferIntervalSeconds: must be 60-600 seconds/],
    [{ freshnessAlarmSeconds: 300 }, /freshnessAlarmSeconds: must be above bufferIntervalSeconds/],
    [{ keyPrefix: "edr/!{timestamp:yyyy}/" }, /keyPrefix: must not start with '\/' or hold expressions/],
    [{ alarmTopicArn: undefined }, /alarmTopicArn: required/],
    [{ kinesisStreamArn: "arn:aws:sqs:eu-west-1:111111111111:q" }, /kinesisStreamArn: must be a Kinesis stream ARN/],
    [{ transformLambdaArn: "edr-normalize" }, /transformLambdaArn: must be a Lambda function ARN/],
  ])("rejects %o naming the construct path", (bad, message) => {
    expect(() => synth(bad as Partial<FirehoseDeliveryProps>)).toThrow(LakehouseValidationError);
    expect(() => synth(bad as Partial<FirehoseDeliveryProps>)).toThrow(message);
    expect(() => synth(bad as Partial<FirehoseDeliveryProps>)).toThrow(/test\/Firehose/);
  });
});
