import { EmailNotificationIntegration } from "@cdktf/provider-snowflake/lib/email-notification-integration";
import { NotificationIntegration } from "@cdktf/provider-snowflake/lib/notification-integration";
import { ITerraformDependable, dependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { stampModule } from "../../core/stamp";
import { serverlessTask } from "../serverless-task";
import { cronSchedule, dependables, knownRoleArn, knownTopicArn, parseProps, pathOf, qualifiedSnowflakeName, snowflakeIdentifier } from "../../core/validate";
import { deliveryBlock } from "./sql";

export const ALERT_DELIVERY_MODULE = "snowflake/alert-delivery" as const;

/** The delivery task's name, in the MONITORING schema. */
export const ALERT_DELIVERY_TASK = "ALERT_DELIVERY";

export interface AlertDeliveryProps {
  /** Database of the alert store; the delivery task lives in its MONITORING schema. */
  readonly database: string;
  /** `ALERTS` table (`AlertStore.names.alerts`). */
  readonly alertsTable: string;
  /** Prefix of the integration names (`<prefix>_ALERTS_SNS`, `<prefix>_ALERTS_EMAIL`). */
  readonly namePrefix: string;
  /** SNS delivery: the topic (ARN known before apply) and the role Snowflake assumes (ARN built from its name). @default no SNS */
  readonly sns?: { readonly topicArn: string; readonly roleArn: string };
  /**
   * E-mail delivery to these addresses. Each must be the verified e-mail address of a user of the
   * Snowflake account before apply (creating the integration fails otherwise; an administrator can
   * start the verification with `CALL SYSTEM$START_USER_EMAIL_VERIFICATION('<user>')`). At most 50
   * (Amazon SES, which sends Snowflake's mails, takes 50 recipients per message). @default no e-mail
   */
  readonly emailRecipients?: readonly string[];
  /** Cron schedule of the delivery task. @default "*\/5 * * * * UTC" */
  readonly schedule?: string;
  /** Objects to create first (the alert store, the topic's publisher policy). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const propsSchema = z
  .object({
    database: snowflakeIdentifier(),
    alertsTable: qualifiedSnowflakeName(),
    namePrefix: snowflakeIdentifier(),
    sns: z.object({ topicArn: knownTopicArn(), roleArn: knownRoleArn() }).optional(),
    emailRecipients: z
      .array(z.email("must be an e-mail address"))
      .max(50, "at most 50 recipients: Amazon SES, which sends Snowflake's e-mail notifications, takes 50 per message")
      .refine((r) => new Set(r.map((a) => a.toLowerCase())).size === r.length, "must not list an address twice")
      .optional(),
    schedule: cronSchedule().default("*/5 * * * * UTC"),
    waitFor: dependables(),
  })
  .refine((p) => p.sns !== undefined || (p.emailRecipients?.length ?? 0) > 0, {
    message: "needs sns or emailRecipients: alerts must leave the warehouse",
    path: ["sns"],
  });

/**
 * Alerts leave the warehouse: an outbound AWS_SNS notification integration (its IAM user and external
 * id, computed at apply, are what the topic's publisher role trusts), an e-mail notification
 * integration limited to the given recipients, and a serverless task that delivers per channel, in
 * bounded batches (`deliveryBlock`): each channel stamps its own column, so one channel failing never
 * makes another send again.
 */
export class AlertDelivery extends Construct {
  /** The SNS integration's IAM user and external id, for the publisher role's trust. */
  public readonly snsIamUserArn?: string;
  public readonly snsExternalId?: string;
  /** The delivery task's body. */
  public readonly statement: string;
  private readonly task: ReturnType<typeof serverlessTask>;

  constructor(scope: Construct, id: string, props: AlertDeliveryProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, ALERT_DELIVERY_MODULE);

    const integrations: ITerraformDependable[] = [];
    let snsName: string | undefined;
    if (p.sns) {
      snsName = `${p.namePrefix}_ALERTS_SNS`;
      const sns = new NotificationIntegration(this, "Sns", {
        name: snsName,
        notificationProvider: "AWS_SNS",
        awsSnsTopicArn: p.sns.topicArn,
        awsSnsRoleArn: p.sns.roleArn,
        enabled: true,
        comment: "Lakehouse alerts to SNS",
      });
      this.snsIamUserArn = sns.awsSnsIamUserArn;
      this.snsExternalId = sns.awsSnsExternalId;
      integrations.push(sns);
    }
    let email: { integration: string; recipients: string[] } | undefined;
    if (p.emailRecipients && p.emailRecipients.length > 0) {
      const name = `${p.namePrefix}_ALERTS_EMAIL`;
      integrations.push(
        new EmailNotificationIntegration(this, "Email", {
          name,
          enabled: true,
          allowedRecipients: [...p.emailRecipients],
          comment: "Lakehouse alerts by e-mail",
        }),
      );
      email = { integration: name, recipients: [...p.emailRecipients] };
    }
    this.statement = deliveryBlock({ alerts: p.alertsTable, snsIntegration: snsName, email });
    this.task = serverlessTask(this, "Task", {
      database: p.database,
      schema: "MONITORING",
      name: ALERT_DELIVERY_TASK,
      schedule: p.schedule,
      sql: this.statement,
      watcher: true,
      comment: "Sends undelivered alerts, then marks them delivered",
      dependsOn: [...integrations, ...p.waitFor],
    });
  }

  /**
   * Makes the delivery task wait for objects built after this construct — the SNS publisher role's
   * policy, which itself needs this integration's outputs.
   */
  public sendAfter(...dependencies: ITerraformDependable[]): void {
    // `dependable` renders a bare address (`type.name`), as depends_on requires; `fqn` would interpolate.
    this.task.dependsOn = [...(this.task.dependsOn ?? []), ...dependencies.map((d) => dependable(d))];
  }
}
