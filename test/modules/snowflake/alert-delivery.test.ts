import { AlertDelivery, AlertDeliveryProps } from "../../../modules/snowflake/alert-delivery";
import { onlyResource, resourcesOf, synthJson, testStack } from "../../support/synth";

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
    expect(onlyResource(json, "snowflake_email_notification_integration")).toMatchObject({
      name: "ACME_PROD_ALERTS_EMAIL",
      allowed_recipients: ["secops@acme.example"],
    });
    const task = onlyResource(json, "snowflake_task");
    expect(task).toMatchObject({ name: "ALERT_DELIVERY", schema: "MONITORING", started: true, schedule: { using_cron: "*/5 * * * * UTC" } });
    expect(task.sql_statement).toBe(d.statement);
    expect(d.statement).toMatch(/^DECLARE\n {2}batch VARCHAR DEFAULT '';/);
    // No trailing ';': the provider would see a difference on every plan.
    expect(d.statement).toMatch(/\nEND$/);
    expect(d.statement).toContain("SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(:body), SNOWFLAKE.NOTIFICATION.INTEGRATION('ACME_PROD_ALERTS_SNS')");
    expect(d.statement).toContain(
      "SNOWFLAKE.NOTIFICATION.EMAIL_INTEGRATION_CONFIG('ACME_PROD_ALERTS_EMAIL', 'Lakehouse alerts', ARRAY_CONSTRUCT('secops@acme.example'))",
    );
    // Each channel claims a bounded batch of what it has not delivered, sends it, and stamps its own column.
    expect(d.statement.match(/FOR i IN 1 TO 20 DO/g)).toHaveLength(2);
    expect(d.statement).toContain(
      "WHERE SNS_DELIVERED_AT IS NULL AND DELIVERED_AT IS NULL AND ALERT_ID IS NOT NULL\n      ) b WHERE b.N <= 100 AND b.BYTES <= 199998",
    );
    expect(d.statement).toContain(
      "WHERE EMAIL_DELIVERED_AT IS NULL AND DELIVERED_AT IS NULL AND ALERT_ID IS NOT NULL\n      ) b WHERE b.N <= 200 AND b.BYTES <= 100000",
    );
    expect(d.statement).toContain("UPDATE LOGS_PROD.MONITORING.ALERTS SET SNS_DELIVERED_AT = CURRENT_TIMESTAMP() WHERE DELIVERY_BATCH = :batch;");
    expect(d.statement).toContain("UPDATE LOGS_PROD.MONITORING.ALERTS SET EMAIL_DELIVERED_AT = CURRENT_TIMESTAMP() WHERE DELIVERY_BATCH = :batch;");
    expect(d.statement).toContain(
      "UPDATE LOGS_PROD.MONITORING.ALERTS SET DELIVERED_AT = CURRENT_TIMESTAMP() WHERE DELIVERED_AT IS NULL AND SNS_DELIVERED_AT IS NOT NULL AND EMAIL_DELIVERED_AT IS NOT NULL;",
    );
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
