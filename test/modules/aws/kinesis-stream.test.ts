import { KinesisStream, KinesisStreamProps } from "../../../modules/aws/kinesis-stream";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { guardrailViolations } from "../../../modules/core/guardrails";
import { onlyResource, statementsBySid, synthJson, testStack } from "../../support/synth";
import { ALERT_TOPIC_ARN as TOPIC, KMS_KEY_ARN as KEY } from "../../support/fixtures";

const PRODUCER = "arn:aws:iam::111111111111:role/umbrella-edr-collector";
const CONSUMER = "arn:aws:iam::111111111111:role/acme-prod-umbrella-edr-stream";

describe("KinesisStream", () => {
  const base: KinesisStreamProps = {
    streamName: "acme-prod-umbrella-edr-stream",
    kmsKeyArn: KEY,
    producerRoleArns: [PRODUCER],
    consumerRoleArns: [CONSUMER],
    alarmTopicArn: TOPIC,
  };
  const synth = (props: Partial<KinesisStreamProps> = {}) => {
    const stack = testStack();
    new KinesisStream(stack, "Stream", { ...base, ...props });
    return synthJson(stack);
  };
  const json = synth();

  test("defaults are secure: on-demand, KMS with the tenant key, 24 hours", () => {
    expect(onlyResource(json, "aws_kinesis_stream")).toMatchObject({
      name: "acme-prod-umbrella-edr-stream",
      encryption_type: "KMS",
      kms_key_id: KEY,
      retention_period: 24,
      stream_mode_details: { stream_mode: "ON_DEMAND" },
    });
    expect(onlyResource(json, "aws_kinesis_stream").shard_count).toBeUndefined();
    expect(guardrailViolations(json)).toEqual([]);
  });

  test("sized streams are provisioned", () => {
    expect(onlyResource(synth({ shardCount: 4, retentionHours: 168 }), "aws_kinesis_stream")).toMatchObject({
      shard_count: 4,
      retention_period: 168,
      stream_mode_details: { stream_mode: "PROVISIONED" },
    });
  });

  test("only the listed producers may put and only the listed consumers may read, whatever IAM elsewhere allows", () => {
    const policy = statementsBySid(onlyResource(json, "aws_kinesis_resource_policy").policy);
    expect(policy.OnlyProducersPut).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Action: ["kinesis:PutRecord", "kinesis:PutRecords"],
      Condition: { ArnNotEquals: { "aws:PrincipalArn": [PRODUCER] } },
    });
    expect(policy.OnlyConsumersRead).toMatchObject({ Effect: "Deny", Principal: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": [CONSUMER] } } });
    expect(policy.OnlyConsumersRead.Action).toEqual(expect.arrayContaining(["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:SubscribeToShard"]));
    expect(policy.ProducersPut).toMatchObject({ Effect: "Allow", Principal: { AWS: [PRODUCER] } });
  });

  test("with no producers listed, nobody may put (no condition on the deny, no allow)", () => {
    const policy = statementsBySid(onlyResource(synth({ producerRoleArns: [] }), "aws_kinesis_resource_policy").policy);
    expect(policy.OnlyProducersPut.Condition).toBeUndefined();
    expect(policy.ProducersPut).toBeUndefined();
  });

  test("alarms when records wait longer than the threshold to be read", () => {
    expect(onlyResource(json, "aws_cloudwatch_metric_alarm")).toMatchObject({
      alarm_name: "acme-prod-umbrella-edr-stream-iterator-age",
      namespace: "AWS/Kinesis",
      metric_name: "GetRecords.IteratorAgeMilliseconds",
      dimensions: { StreamName: "acme-prod-umbrella-edr-stream" },
      statistic: "Maximum",
      threshold: 3_600_000,
      alarm_actions: [TOPIC],
    });
  });

  test.each([
    [{ retentionHours: 12 }, /retentionHours: must be 24-8760 hours/],
    [{ shardCount: 0 }, /shardCount/],
    [{ retentionHours: 24, iteratorAgeAlarmMinutes: 1440 }, /iteratorAgeAlarmMinutes: must be below retentionHours/],
    [{ producerRoleArns: ["umbrella-edr-collector"] }, /producerRoleArns\[0\]: must be an IAM role ARN/],
    [{ alarmTopicArn: undefined }, /alarmTopicArn: required/],
  ])("rejects %o naming the construct path", (bad, message) => {
    expect(() => synth(bad as Partial<KinesisStreamProps>)).toThrow(LakehouseValidationError);
    expect(() => synth(bad as Partial<KinesisStreamProps>)).toThrow(message);
    expect(() => synth(bad as Partial<KinesisStreamProps>)).toThrow(/test\/Stream/);
  });
});
