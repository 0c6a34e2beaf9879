import { KafkaIngest, KafkaIngestProps } from "../../../modules/aws/kafka-ingest";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { MODULE_VERSIONS } from "../../../modules/core/versions";
import { onlyResource, resourcesOf, stampOf, statementsBySid, synthJson, synthWithMetadata, testStack } from "../../support/synth";
import { ACCOUNT_ID, ALERT_TOPIC_ARN as TOPIC, KMS_KEY_ARN as KEY } from "../../support/fixtures";

describe("KafkaIngest", () => {
  const base: KafkaIngestProps = {
    functionName: "acme-prod-initech-firewall-kafka",
    accountId: ACCOUNT_ID,
    region: "eu-west-1",
    bootstrapServers: ["b-1.redpanda.internal:9093", "b-2.redpanda.internal:9093"],
    topic: "firewall.events",
    consumerGroup: "acme-prod-initech-firewall",
    auth: "scram-sha-512",
    vpc: { subnetIds: ["subnet-0a1b2c3d4e5f60718"], securityGroupIds: ["sg-0c1d2e3f405162738"] },
    bucketName: "acme-prod-initech-111111111111-logs",
    keyPrefix: "firewall/",
    kmsKeyArn: KEY,
    alarmTopicArn: TOPIC,
  };
  const synth = (props: Partial<KafkaIngestProps> = {}) => {
    const stack = testStack();
    new KafkaIngest(stack, "Kafka", { ...base, ...props });
    return synthJson(stack);
  };
  const json = synth();

  test("defaults are secure: in the cluster's VPC, one run at a time, DLQ, CMK-encrypted environment, 64 MiB objects", () => {
    const fn = onlyResource(json, "aws_lambda_function");
    expect(fn).toMatchObject({
      function_name: "acme-prod-initech-firewall-kafka",
      runtime: "nodejs22.x",
      handler: "index.handler",
      reserved_concurrent_executions: 1,
      timeout: 300,
      kms_key_arn: KEY,
      tracing_config: { mode: "Active" },
      vpc_config: { subnet_ids: ["subnet-0a1b2c3d4e5f60718"], security_group_ids: ["sg-0c1d2e3f405162738"] },
      dead_letter_config: { target_arn: expect.stringMatching(/^\$\{aws_sqs_queue\..*\.arn\}$/) },
    });
    expect((fn.environment as { variables: Record<string, string> }).variables).toEqual({
      KAFKA_INGEST_BROKERS: "b-1.redpanda.internal:9093,b-2.redpanda.internal:9093",
      KAFKA_INGEST_TOPIC: "firewall.events",
      KAFKA_INGEST_GROUP: "acme-prod-initech-firewall",
      KAFKA_INGEST_AUTH: "scram-sha-512",
      KAFKA_INGEST_SECRET_ID: expect.stringMatching(/^\$\{aws_secretsmanager_secret\..*\.arn\}$/),
      KAFKA_INGEST_BUCKET: "acme-prod-initech-111111111111-logs",
      KAFKA_INGEST_PREFIX: "firewall/",
      KAFKA_INGEST_KMS_KEY_ID: KEY,
      KAFKA_INGEST_TARGET_OBJECT_MB: "64",
      KAFKA_INGEST_BUDGET_SECONDS: "240",
      KAFKA_INGEST_FROM_BEGINNING: "true",
    });
    // No TLS switch reaches the function: the runtime's default (TLS on) is the only setting.
    expect(JSON.stringify(fn)).not.toContain("KAFKA_INGEST_TLS");
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/aws/lambda/acme-prod-initech-firewall-kafka",
      retention_in_days: 365,
      kms_key_id: KEY,
    });
    expect(onlyResource(json, "aws_sqs_queue")).toMatchObject({ kms_master_key_id: KEY });
    expect(onlyResource(json, "aws_secretsmanager_secret")).toMatchObject({ name: "acme-prod-initech-firewall-kafka-credentials", kms_key_id: KEY });
    expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
  });

  test("every resource is stamped with aws/kafka-ingest and its version", () => {
    const stack = testStack();
    new KafkaIngest(stack, "Kafka", base);
    const withMetadata = synthWithMetadata(stack);
    const stamp = `aws/kafka-ingest@${MODULE_VERSIONS["aws/kafka-ingest"]}`;
    for (const type of Object.keys(withMetadata.resource))
      for (const resource of resourcesOf(withMetadata, type)) expect([type, stampOf(resource)]).toEqual([type, stamp]);
    expect(onlyResource(withMetadata, "aws_lambda_function").tags).toEqual({
      "lakehouse:module": "aws/kafka-ingest",
      "lakehouse:module-version": MODULE_VERSIONS["aws/kafka-ingest"],
    });
  });

  test("the role may put and find objects only under the source prefix, and create network interfaces only in the given subnets and groups", () => {
    const role = resourcesOf(json, "aws_iam_role").find((r) => r.name === "acme-prod-initech-firewall-kafka")!;
    expect(statementsBySid(role.assume_role_policy).LambdaRunsIngest).toMatchObject({
      Principal: { Service: "lambda.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
    });
    const s = statementsBySid(resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "kafka-ingest")!.policy);
    const bucket = "arn:aws:s3:::acme-prod-initech-111111111111-logs";
    const ec2 = "arn:aws:ec2:eu-west-1:111111111111";
    expect(s.PutUnderSourcePrefix).toMatchObject({ Action: "s3:PutObject", Resource: `${bucket}/firewall/*` });
    expect(s.FindOwnBatches).toMatchObject({ Action: "s3:GetObject", Resource: `${bucket}/firewall/*` });
    expect(s.TellMissingBatchFromDenied).toMatchObject({ Action: "s3:ListBucket", Resource: bucket });
    expect(s.AttachToClusterNetwork).toMatchObject({
      Action: "ec2:CreateNetworkInterface",
      Resource: [`${ec2}:network-interface/*`, `${ec2}:subnet/subnet-0a1b2c3d4e5f60718`, `${ec2}:security-group/sg-0c1d2e3f405162738`],
    });
    expect(s.ManageNetworkInterfaces).toMatchObject({ Resource: `${ec2}:network-interface/*` });
    expect(Object.keys(s)).toEqual([
      "PutUnderSourcePrefix",
      "FindOwnBatches",
      "TellMissingBatchFromDenied",
      "ReadOwnSecret",
      "UseTenantKey",
      "WriteOwnLogs",
      "SendDeadLetters",
      "AttachToClusterNetwork",
      "ManageNetworkInterfaces",
      "DescribeNetworkInterfaces",
      "WriteTraces",
    ]);
  });

  test("the schedule starts it every N minutes through a role that may only invoke it; alarms notify the topic", () => {
    expect(onlyResource(synth({ scheduleMinutes: 2 }), "aws_scheduler_schedule")).toMatchObject({
      schedule_expression: "rate(2 minutes)",
      flexible_time_window: { mode: "OFF" },
      kms_key_arn: KEY,
    });
    const s = statementsBySid(resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "invoke-kafka-ingest")!.policy);
    expect(Object.keys(s)).toEqual(["InvokeIngest", "DecryptOwnSchedule"]);
    for (const a of resourcesOf(json, "aws_cloudwatch_metric_alarm")) expect(a).toMatchObject({ alarm_actions: [TOPIC], threshold: 0 });
  });

  test("settings reach the function: object size, start position, budget", () => {
    const env = (
      onlyResource(synth({ targetObjectMb: 16, fromBeginning: false, timeoutSeconds: 600, auth: "mtls" }), "aws_lambda_function").environment as {
        variables: Record<string, string>;
      }
    ).variables;
    expect(env).toMatchObject({
      KAFKA_INGEST_TARGET_OBJECT_MB: "16",
      KAFKA_INGEST_FROM_BEGINNING: "false",
      KAFKA_INGEST_BUDGET_SECONDS: "540",
      KAFKA_INGEST_AUTH: "mtls",
    });
  });

  test.each<[string, Partial<KafkaIngestProps>, string, RegExp]>([
    ["no brokers", { bootstrapServers: [] }, "bootstrapServers", /at least one broker/],
    ["a broker without a port", { bootstrapServers: ["b-1.redpanda.internal"] }, "bootstrapServers[0]", /host:port/],
    ["an unknown auth", { auth: "plain" as KafkaIngestProps["auth"] }, "auth", /scram-sha-512, mtls/],
    ["a topic with a slash", { topic: "fw/events" }, "topic", /Kafka topic name/],
    ["no subnet", { vpc: { subnetIds: [], securityGroupIds: ["sg-0c1d2e3f405162738"] } }, "vpc.subnetIds", /at least one subnet/],
    [
      "a security group that is not an id",
      { vpc: { subnetIds: ["subnet-0a1b2c3d4e5f60718"], securityGroupIds: ["default"] } },
      "vpc.securityGroupIds[0]",
      /security group id/,
    ],
    ["objects above 100 MiB", { targetObjectMb: 200 }, "targetObjectMb", /100/],
    ["a prefix without a trailing slash", { keyPrefix: "firewall" }, "keyPrefix", /must end with "\/"/],
    ["a budget that leaves no time to commit", { timeoutSeconds: 120, budgetSeconds: 110 }, "budgetSeconds", /less than 30 s .* write, commit and disconnect/],
    ["no alarm topic and no reason", { alarmTopicArn: undefined }, "alarmTopicArn", /alarms must reach someone/],
  ])("rejects %s, naming the construct path and the prop", (_what, props, path, message) => {
    try {
      synth(props);
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(LakehouseValidationError);
      const err = e as LakehouseValidationError;
      expect(err.where).toBe("test/Kafka");
      expect(err.problems.find((p) => p.path === path)?.message).toMatch(message);
    }
  });
});
