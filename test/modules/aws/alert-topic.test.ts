import { AlertTopic, AlertTopicProps } from "../../../modules/aws/alert-topic";
import { onlyResource, resourcesOf, statementsBySid, synthJson, testStack } from "../../support/synth";
import { ACCOUNT_ID } from "../../support/fixtures";

describe("AlertTopic", () => {
  const base: AlertTopicProps = {
    topicName: "acme-prod-lakehouse-alerts",
    accountId: ACCOUNT_ID,
    region: "eu-west-1",
    publisherRoleName: "acme-prod-eu-west-1-snowflake-alerts",
    snowflakeIamUserArn: "arn:aws:iam::999999999999:user/sf",
    snowflakeExternalId: "EXT_ID",
    subscriptions: [{ protocol: "email", endpoint: "soc@acme.example" }],
  };

  test("encrypted with its own rotating key, published only by Snowflake's role, TLS-only", () => {
    const stack = testStack();
    new AlertTopic(stack, "Topic", base);
    const json = synthJson(stack);
    expect(String(onlyResource(json, "aws_sns_topic").kms_master_key_id)).toMatch(/aws_kms_key\..*\.arn/);
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true });
    const s = statementsBySid(onlyResource(json, "aws_sns_topic_policy").policy);
    expect(s.SnowflakePublishes).toMatchObject({
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111111111111:role/acme-prod-eu-west-1-snowflake-alerts" },
      Action: "sns:Publish",
    });
    expect(s.DenyInsecureTransport).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    const role = onlyResource(json, "aws_iam_role");
    expect(statementsBySid(role.assume_role_policy).SnowflakeNotificationIntegration).toMatchObject({
      Principal: { AWS: "arn:aws:iam::999999999999:user/sf" },
      Condition: { StringEquals: { "sts:ExternalId": "EXT_ID" } },
    });
    const p = statementsBySid(onlyResource(json, "aws_iam_role_policy").policy);
    expect(p.PublishAlerts.Action).toBe("sns:Publish");
    expect(p.EncryptForTopic.Action).toEqual(["kms:GenerateDataKey", "kms:Decrypt"]);
    expect(onlyResource(json, "aws_sns_topic_subscription")).toMatchObject({ protocol: "email", endpoint: "soc@acme.example" });
  });

  test("this account's CloudWatch alarms in the topic's region may publish, and the key lets CloudWatch encrypt for this account only", () => {
    const stack = testStack();
    new AlertTopic(stack, "Topic", base);
    const json = synthJson(stack);
    expect(statementsBySid(onlyResource(json, "aws_sns_topic_policy").policy).CloudWatchAlarmsPublish).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" }, ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*" } },
    });
    expect(statementsBySid(onlyResource(json, "aws_kms_key").policy).ServicePublishersEncrypt).toMatchObject({
      Principal: { Service: ["cloudwatch.amazonaws.com"] },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
    });
  });

  test("takes full SQS and Lambda ARNs as endpoints", () => {
    const stack = testStack();
    new AlertTopic(stack, "Topic", {
      ...base,
      subscriptions: [
        { protocol: "sqs", endpoint: "arn:aws:sqs:eu-west-1:111111111111:soc-alerts.fifo" },
        { protocol: "lambda", endpoint: "arn:aws:lambda:eu-west-1:111111111111:function:page-oncall:live" },
      ],
    });
    const json = synthJson(stack);
    expect(
      resourcesOf(json, "aws_sns_topic_subscription")
        .map((s) => s.endpoint)
        .sort(),
    ).toEqual(["arn:aws:lambda:eu-west-1:111111111111:function:page-oncall:live", "arn:aws:sqs:eu-west-1:111111111111:soc-alerts.fifo"]);
  });

  test("arnFor names the topic before it exists", () => {
    expect(AlertTopic.arnFor("eu-west-1", "111111111111", "t")).toBe("arn:aws:sns:eu-west-1:111111111111:t");
  });

  test.each([
    [{ subscriptions: [] }, /subscriptions: at least one subscription is required/],
    [{ subscriptions: [{ protocol: "email", endpoint: "not-an-address" }] }, /subscriptions\[0\]\.endpoint: must be an e-mail address/],
    [{ subscriptions: [{ protocol: "https", endpoint: "http://insecure" }] }, /must be an https:\/\/ URL/],
    [{ subscriptions: [{ protocol: "sqs", endpoint: 'arn:aws:sqs:${file("/etc/passwd")}' }] }, /must be an SQS queue ARN/],
    [{ subscriptions: [{ protocol: "lambda", endpoint: "arn:aws:lambda:eu-west-1:111111111111:function:f/../x" }] }, /must be a Lambda function ARN/],
    [{ topicName: "alerts.fifo" }, /topicName/],
  ] as [Partial<AlertTopicProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new AlertTopic(testStack(), "T", { ...base, ...props })).toThrow(message);
  });
});
