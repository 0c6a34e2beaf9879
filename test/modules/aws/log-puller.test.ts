import { readFileSync } from "node:fs";
import { LogPuller, LogPullerProps } from "../../../modules/aws/log-puller";
import { pullerCode } from "../../../modules/aws/log-puller/code";
import { deterministicZip } from "../../../modules/aws/lambda-zip";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { onlyResource, resourcesOf, statementsBySid, synthJson, testStack } from "../../support/synth";
import { ACCOUNT_ID, ALERT_TOPIC_ARN as TOPIC, KMS_KEY_ARN as KEY } from "../../support/fixtures";

describe("LogPuller", () => {
  const base: LogPullerProps = {
    functionName: "acme-prod-globex-okta-puller",
    accountId: ACCOUNT_ID,
    region: "eu-west-1",
    puller: "okta",
    bucketName: "acme-prod-globex-111111111111-logs",
    keyPrefix: "okta/",
    stateKey: "_puller-state/okta.json",
    kmsKeyArn: KEY,
    sourceOptions: { orgUrl: "https://globex.okta.com" },
    alarmTopicArn: TOPIC,
  };
  const synth = (props: Partial<LogPullerProps> = {}) => {
    const stack = testStack();
    new LogPuller(stack, "Puller", { ...base, ...props });
    return synthJson(stack);
  };
  const json = synth();

  test("defaults are secure: one run at a time, DLQ, CMK-encrypted environment, arm64, tracing, JSON logs", () => {
    const fn = onlyResource(json, "aws_lambda_function");
    expect(fn).toMatchObject({
      function_name: "acme-prod-globex-okta-puller",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      reserved_concurrent_executions: 1,
      timeout: 300,
      memory_size: 1024,
      kms_key_arn: KEY,
      tracing_config: { mode: "Active" },
      logging_config: { log_format: "JSON" },
      dead_letter_config: { target_arn: expect.stringMatching(/^\$\{aws_sqs_queue\..*\.arn\}$/) },
    });
    expect((fn.environment as { variables: Record<string, string> }).variables).toEqual({
      PULLER_KIND: "okta",
      PULLER_BUCKET: "acme-prod-globex-111111111111-logs",
      PULLER_PREFIX: "okta/",
      PULLER_STATE_KEY: "_puller-state/okta.json",
      PULLER_SECRET_ID: expect.stringMatching(/^\$\{aws_secretsmanager_secret\..*\.arn\}$/),
      PULLER_KMS_KEY_ID: KEY,
      PULLER_SOURCE_OPTIONS: '{"orgUrl":"https://globex.okta.com"}',
      PULLER_BUDGET_SECONDS: "240",
    });
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/aws/lambda/acme-prod-globex-okta-puller",
      retention_in_days: 365,
      kms_key_id: KEY,
    });
    expect(onlyResource(json, "aws_sqs_queue")).toMatchObject({ name: "acme-prod-globex-okta-puller-dlq", kms_master_key_id: KEY });
    const queuePolicy = statementsBySid(onlyResource(json, "aws_sqs_queue_policy").policy);
    expect(queuePolicy.DenyInsecureTransport).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
  });

  test("the secret is encrypted with the tenant key and created empty: no value ever passes through Terraform", () => {
    expect(onlyResource(json, "aws_secretsmanager_secret")).toMatchObject({ name: "acme-prod-globex-okta-puller-credentials", kms_key_id: KEY });
    expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
  });

  test("the role may put only under the source prefix and read/write only its own state object, secret, key, logs and DLQ", () => {
    const roles = resourcesOf(json, "aws_iam_role");
    const role = roles.find((r) => r.name === "acme-prod-globex-okta-puller")!;
    expect(statementsBySid(role.assume_role_policy).LambdaRunsPuller).toMatchObject({
      Principal: { Service: "lambda.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
    });
    const policy = resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "log-puller")!;
    const s = statementsBySid(policy.policy);
    const bucket = "arn:aws:s3:::acme-prod-globex-111111111111-logs";
    expect(s.PutUnderSourcePrefix).toMatchObject({ Action: "s3:PutObject", Resource: `${bucket}/okta/*` });
    expect(s.ReadWriteOwnState).toMatchObject({ Action: ["s3:GetObject", "s3:PutObject"], Resource: `${bucket}/_puller-state/okta.json` });
    expect(s.TellMissingStateFromDenied).toMatchObject({ Action: "s3:ListBucket", Resource: bucket });
    expect(s.ReadOwnSecret).toMatchObject({ Action: "secretsmanager:GetSecretValue", Resource: expect.stringMatching(/aws_secretsmanager_secret\./) });
    expect(s.UseTenantKey).toMatchObject({ Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: KEY });
    expect(s.WriteOwnLogs).toMatchObject({ Resource: "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/acme-prod-globex-okta-puller:*" });
    expect(s.SendDeadLetters).toMatchObject({ Action: "sqs:SendMessage" });
    expect(Object.keys(s)).toEqual([
      "PutUnderSourcePrefix",
      "ReadWriteOwnState",
      "TellMissingStateFromDenied",
      "ReadOwnSecret",
      "UseTenantKey",
      "WriteOwnLogs",
      "SendDeadLetters",
      "WriteTraces",
    ]);
  });

  test("the schedule runs every N minutes with no flexible window, through a role that may only invoke this function", () => {
    expect(onlyResource(json, "aws_scheduler_schedule")).toMatchObject({ schedule_expression: "rate(5 minutes)", flexible_time_window: { mode: "OFF" } });
    expect(onlyResource(synth({ scheduleMinutes: 1 }), "aws_scheduler_schedule")).toMatchObject({ schedule_expression: "rate(1 minute)" });
    const policy = resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "invoke-log-puller")!;
    const s = statementsBySid(policy.policy);
    expect(Object.keys(s)).toEqual(["InvokePuller", "DecryptOwnSchedule"]);
    expect(s.InvokePuller).toEqual({
      Sid: "InvokePuller",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: expect.stringMatching(/^\$\{aws_lambda_function\..*\.arn\}$/),
    });
    expect(s.DecryptOwnSchedule).toMatchObject({
      Action: "kms:Decrypt",
      Resource: KEY,
      Condition: {
        StringEquals: {
          "kms:EncryptionContext:aws:scheduler:schedule:arn": "arn:aws:scheduler:eu-west-1:111111111111:schedule/default/acme-prod-globex-okta-puller",
        },
      },
    });
    expect(onlyResource(json, "aws_scheduler_schedule")).toMatchObject({ kms_key_arn: KEY });
  });

  test("alarms on errors, throttles and dead letters notify the topic", () => {
    const alarms = resourcesOf(json, "aws_cloudwatch_metric_alarm");
    expect(alarms.map((a) => [a.namespace, a.metric_name]).sort()).toEqual(
      [
        ["AWS/Lambda", "Errors"],
        ["AWS/Lambda", "Throttles"],
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible"],
      ].sort(),
    );
    for (const a of alarms) expect(a).toMatchObject({ alarm_actions: [TOPIC], threshold: 0, comparison_operator: "GreaterThanThreshold" });
  });

  test("without a topic, the alarms need a written reason, which they carry", () => {
    const alarms = resourcesOf(
      synth({ alarmTopicArn: undefined, alarmsWithoutActionsReason: "no alert topic in this sandbox environment" }),
      "aws_cloudwatch_metric_alarm",
    );
    for (const a of alarms) expect(String(a.alarm_description)).toContain("no alarm actions: no alert topic in this sandbox environment");
  });

  test("the code is deterministic: the same source gives the same zip and source_code_hash", () => {
    const again = onlyResource(synth(), "aws_lambda_function");
    expect(again.source_code_hash).toBe(onlyResource(json, "aws_lambda_function").source_code_hash);
    const code = pullerCode();
    const bytes = readFileSync(code.path);
    expect(bytes.subarray(10, 14)).toEqual(Buffer.from([0, 0, 0x21, 0])); // DOS time 00:00, date 1980-01-01
    expect(deterministicZip("index.js", Buffer.from("x")).bytes).toEqual(deterministicZip("index.js", Buffer.from("x")).bytes);
  });

  test.each<[string, Partial<LogPullerProps>, string, RegExp]>([
    ["a schedule above 10 minutes", { scheduleMinutes: 11 }, "scheduleMinutes", /1-10 minutes/],
    ["a schedule of 0 minutes", { scheduleMinutes: 0 }, "scheduleMinutes", /1-10 minutes/],
    ["a state key under the source prefix", { stateKey: "okta/state.json" }, "stateKey", /Snowpipe would load/],
    ["a budget that leaves no time to save", { timeoutSeconds: 120, budgetSeconds: 110 }, "budgetSeconds", /less than 30 s/],
    ["no alarm topic and no reason", { alarmTopicArn: undefined }, "alarmTopicArn", /alarms must reach someone/],
    ["an unknown puller", { puller: "salesforce" }, "puller", /google-workspace, okta/],
    ["a log retention CloudWatch does not offer", { logRetentionDays: 100 }, "logRetentionDays", /must be one of/],
  ])("rejects %s, naming the construct path and the prop", (_what, props, path, message) => {
    try {
      synth(props);
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(LakehouseValidationError);
      const err = e as LakehouseValidationError;
      expect(err.where).toBe("test/Puller");
      expect(err.problems.find((p) => p.path === path)?.message).toMatch(message);
    }
  });
});
