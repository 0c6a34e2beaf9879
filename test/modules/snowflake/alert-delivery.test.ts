import { AlertTopic, AlertTopicProps } from "../../../modules/aws/alert-topic";
import { AlertDelivery, AlertDeliveryProps } from "../../../modules/snowflake/alert-delivery";
import { onlyResource, resourcesOf, statementsBySid, synthJson, testStack } from "../../support/synth";

describe("AlertTopic", () => {
  const base: AlertTopicProps = {
    topicName: "acme-prod-lakehouse-alerts",
    accountId: "111111111111",
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
    expect(s.SnowflakePublishes).toMatchObject({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:role/acme-prod-eu-west-1-snowflake-alerts" }, Action: "sns:Publish" });
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
    expect(resourcesOf(json, "aws_sns_topic_subscription").map((s) => s.endpoint).sort()).toEqual(["arn:aws:lambda:eu-west-1:111111111111:function:page-oncall:live", "arn:aws:sqs:eu-west-1:111111111111:soc-alerts.fifo"]);
  });

  test("arnFor names the topic before it exists", () => {
    expect(AlertTopic.arnFor("eu-west-1", "111111111111", "t")).toBe("arn:aws:sns:eu-west-1:111111111111:t");
  });

  test.each([
    [{ subscriptions: [] }, /subscriptions: at least one subscription is required/],
    [{ subscriptions: [{ protocol: "email", endpoint: "not-an-address" }] }, /subscriptions\[0\]\.endpoint: must be an e-mail address/],
    [{ subscriptions: [{ protocol: "https", endpoint: "http://insecure" }] }, /must be an https:\/\/ URL/],
    [{ subscriptions: [{ protocol: "sqs", endpoint: "arn:aws:sqs:${file(\"/etc/passwd\")}" }] }, /must be an SQS queue ARN/],
    [{ subscriptions: [{ protocol: "lambda", endpoint: "arn:aws:lambda:eu-west-1:111111111111:function:f/../x" }] }, /must be a Lambda function ARN/],
    [{ topicName: "alerts.fifo" }, /topicName/],
  ] as [Partial<AlertTopicProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new AlertTopic(testStack(), "T", { ...base, ...props })).toThrow(message);
  });
});

describe("AlertDelivery", () => {
  const base: AlertDeliveryProps = {
    database: "LOGS_PROD",
    alertsTable: "LOGS_PROD.MONITORING.ALERTS",
    namePrefix: "ACME_PROD",
    sns: { topicArn: "arn:aws:sns:eu-west-1:111111111111:acme-alerts", roleArn: "arn:aws:iam::111111111111:role/acme-alerts" },
    emailRecipients: ["secops@acme.example"],
  };

  test("an outbound SNS integration, an e-mail integration limited to the recipients, and the delivery task", () => {
    const stack = testStack();
    const d = new AlertDelivery(stack, "Delivery", base);
    const json = synthJson(stack);
    expect(onlyResource(json, "snowflake_notification_integration")).toMatchObject({
      name: "ACME_PROD_ALERTS_SNS",
      notification_provider: "AWS_SNS",
      aws_sns_topic_arn: base.sns!.topicArn,
      aws_sns_role_arn: base.sns!.roleArn,
      enabled: true,
    });
    // Deprecated in provider 2.11 (the SDK sends QUEUE/OUTBOUND itself): setting them warns on every plan.
    expect(onlyResource(json, "snowflake_notification_integration")).not.toHaveProperty("direction");
    expect(onlyResource(json, "snowflake_notification_integration")).not.toHaveProperty("type");
    expect(onlyResource(json, "snowflake_email_notification_integration")).toMatchObject({ name: "ACME_PROD_ALERTS_EMAIL", allowed_recipients: ["secops@acme.example"] });
    const task = onlyResource(json, "snowflake_task");
    expect(task).toMatchObject({ name: "ALERT_DELIVERY", schema: "MONITORING", started: true, schedule: { using_cron: "*/5 * * * * UTC" } });
    expect(task.sql_statement).toBe(d.statement);
    expect(d.statement).toMatch(/^DECLARE\n {2}batch VARCHAR DEFAULT '';/);
    // No trailing ';': the provider would see a difference on every plan.
    expect(d.statement).toMatch(/\nEND$/);
    expect(d.statement).toContain("SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(:body), SNOWFLAKE.NOTIFICATION.INTEGRATION('ACME_PROD_ALERTS_SNS')");
    expect(d.statement).toContain("SNOWFLAKE.NOTIFICATION.EMAIL_INTEGRATION_CONFIG('ACME_PROD_ALERTS_EMAIL', 'Lakehouse alerts', ARRAY_CONSTRUCT('secops@acme.example'))");
    // Each channel claims a bounded batch of what it has not delivered, sends it, and stamps its own column.
    expect(d.statement.match(/FOR i IN 1 TO 20 DO/g)).toHaveLength(2);
    expect(d.statement).toContain("WHERE SNS_DELIVERED_AT IS NULL AND DELIVERED_AT IS NULL AND ALERT_ID IS NOT NULL\n      ) b WHERE b.N <= 100 AND b.BYTES <= 199998");
    expect(d.statement).toContain("WHERE EMAIL_DELIVERED_AT IS NULL AND DELIVERED_AT IS NULL AND ALERT_ID IS NOT NULL\n      ) b WHERE b.N <= 200 AND b.BYTES <= 100000");
    expect(d.statement).toContain("UPDATE LOGS_PROD.MONITORING.ALERTS SET SNS_DELIVERED_AT = CURRENT_TIMESTAMP() WHERE DELIVERY_BATCH = :batch;");
    expect(d.statement).toContain("UPDATE LOGS_PROD.MONITORING.ALERTS SET EMAIL_DELIVERED_AT = CURRENT_TIMESTAMP() WHERE DELIVERY_BATCH = :batch;");
    expect(d.statement).toContain("UPDATE LOGS_PROD.MONITORING.ALERTS SET DELIVERED_AT = CURRENT_TIMESTAMP() WHERE DELIVERED_AT IS NULL AND SNS_DELIVERED_AT IS NOT NULL AND EMAIL_DELIVERED_AT IS NOT NULL;");
    // The SNS batch is sent (and stamped) before the e-mail loop starts.
    expect(d.statement.indexOf("SET SNS_DELIVERED_AT")).toBeLessThan(d.statement.indexOf("EMAIL_INTEGRATION_CONFIG"));
    expect(d.snsIamUserArn).toMatch(/TfToken/);
    expect(resourcesOf(json, "snowflake_task")[0].depends_on).toHaveLength(2);
  });

  test("e-mail only: no SNS integration and no SNS call", () => {
    const stack = testStack();
    const d = new AlertDelivery(stack, "Delivery", { ...base, sns: undefined });
    expect(resourcesOf(synthJson(stack), "snowflake_notification_integration")).toHaveLength(0);
    expect(d.statement).not.toMatch(/APPLICATION_JSON|SNS_DELIVERED_AT/);
    expect(d.statement).toContain("WHERE DELIVERED_AT IS NULL AND EMAIL_DELIVERED_AT IS NOT NULL;");
  });

  test.each([
    [{ sns: undefined, emailRecipients: [] }, /sns: needs sns or emailRecipients: alerts must leave the warehouse/],
    [{ emailRecipients: ["nope"] }, /emailRecipients\[0\]: must be an e-mail address/],
    [{ emailRecipients: ["a@x.example", "A@x.example"] }, /emailRecipients: must not list an address twice/],
    [{ emailRecipients: Array.from({ length: 51 }, (_, i) => `u${i}@x.example`) }, /emailRecipients: at most 50 recipients/],
    [{ sns: { topicArn: "topic", roleArn: base.sns!.roleArn } }, /sns.topicArn: must be an SNS topic ARN/],
  ] as [Partial<AlertDeliveryProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new AlertDelivery(testStack(), "D", { ...base, ...props })).toThrow(message);
  });
});
