import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { z } from "zod";
import { arn, iamRoleArn, partitionOfRegion } from "../../core/arn";
import { policyDocument, renderPolicy } from "../../core/iam";
import { stampModule } from "../../core/stamp";
import { AWS_ACCOUNT_ID, LAMBDA_FUNCTION_ARN, SQS_QUEUE_ARN, awsRegion, parseProps, pathOf } from "../../core/validate";
import { KmsKey } from "../kms-key";

export const ALERT_TOPIC_MODULE = "aws/alert-topic" as const;

/** A subscription of on-call tooling to the alert topic. */
export interface AlertSubscription {
  /** `email`, `https`, `sqs` or `lambda`. */
  readonly protocol: "email" | "https" | "sqs" | "lambda";
  /** Address, URL or ARN. */
  readonly endpoint: string;
}

export interface AlertTopicProps {
  /** Topic name (known before apply: the Snowflake integration names its ARN). */
  readonly topicName: string;
  readonly accountId: string;
  readonly region: string;
  /** Name of the role Snowflake assumes to publish (known before apply, like the storage integration's). */
  readonly publisherRoleName: string;
  /** The notification integration's IAM user (computed at apply). */
  readonly snowflakeIamUserArn: string;
  /** The notification integration's external id (computed at apply). */
  readonly snowflakeExternalId: string;
  /** Where alerts go; at least one. */
  readonly subscriptions: readonly AlertSubscription[];
}

/** What a subscription's endpoint must be, by protocol (the config schema checks the same, naming the config path). */
export const SUBSCRIPTION_ENDPOINTS = {
  email: z.email("must be an e-mail address"),
  https: z.string().regex(/^https:\/\/\S+$/, "must be an https:// URL"),
  sqs: z.string().regex(SQS_QUEUE_ARN, "must be an SQS queue ARN"),
  lambda: z.string().regex(LAMBDA_FUNCTION_ARN, "must be a Lambda function ARN"),
} as const;

const propsSchema = z.object({
  topicName: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, "must be 1-256 of [A-Za-z0-9_-] (a standard topic, not FIFO)"),
  accountId: z.string().regex(AWS_ACCOUNT_ID, "must be a 12-digit AWS account id"),
  region: awsRegion(),
  publisherRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be 1-64 characters of [A-Za-z0-9+=,.@_-]"),
  snowflakeIamUserArn: z.string().min(1),
  snowflakeExternalId: z.string().min(1),
  subscriptions: z
    .array(
      z.discriminatedUnion("protocol", [
        z.object({ protocol: z.literal("email"), endpoint: SUBSCRIPTION_ENDPOINTS.email }),
        z.object({ protocol: z.literal("https"), endpoint: SUBSCRIPTION_ENDPOINTS.https }),
        z.object({ protocol: z.literal("sqs"), endpoint: SUBSCRIPTION_ENDPOINTS.sqs }),
        z.object({ protocol: z.literal("lambda"), endpoint: SUBSCRIPTION_ENDPOINTS.lambda }),
      ]),
    )
    .min(1, "at least one subscription is required: alerts must reach someone"),
});

/**
 * The SNS topic alerts leave the warehouse through: encrypted with its own rotating key, published to
 * only by the role Snowflake's notification integration assumes (trusted with the integration's
 * external id) and by this account's CloudWatch alarms in its region, TLS-only, with the
 * subscriptions from config.
 */
export class AlertTopic extends Construct {
  /** The topic ARN a topic of this name has, known before apply (in the region's partition). */
  public static arnFor(region: string, accountId: string, topicName: string): string {
    return arn({ service: "sns", region, account: accountId, resource: topicName });
  }

  /** The ARN the publisher role will have, known before apply (the notification integration names it). */
  public static publisherRoleArnFor(region: string, accountId: string, publisherRoleName: string): string {
    return iamRoleArn(partitionOfRegion(region), accountId, publisherRoleName);
  }

  public readonly topicArn: string;
  /** The publisher role's policy, to depend on before the first send. */
  public readonly publisherPermissions: IamRolePolicy;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, ALERT_TOPIC_MODULE);

    const key = new KmsKey(this, "Key", {
      accountId: p.accountId,
      region: p.region,
      aliasName: `${p.topicName}-alerts`,
      description: `Encrypts the alert topic ${p.topicName}`,
      // CloudWatch alarms of this account (e.g. the log pullers') publish to the encrypted topic.
      publisherServicePrincipals: ["cloudwatch.amazonaws.com"],
    });
    const topic = new SnsTopic(this, "Resource", { name: p.topicName, kmsMasterKeyId: key.keyArn });
    const topicArn = topic.arn;
    this.topicArn = topicArn;
    const publisherArn = AlertTopic.publisherRoleArnFor(p.region, p.accountId, p.publisherRoleName);

    new SnsTopicPolicy(this, "Policy", {
      arn: topicArn,
      policy: renderPolicy(
        policyDocument(
          { Sid: "SnowflakePublishes", Effect: "Allow", Principal: { AWS: publisherArn }, Action: "sns:Publish", Resource: topicArn },
          {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: {
              StringEquals: { "aws:SourceAccount": p.accountId },
              ArnLike: { "aws:SourceArn": arn({ service: "cloudwatch", region: p.region, account: p.accountId, resource: "alarm:*" }) },
            },
          },
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ),
      ),
    });

    const role = new IamRole(this, "PublisherRole", {
      name: p.publisherRoleName,
      description: "Publishes lakehouse alerts for a Snowflake notification integration",
      maxSessionDuration: 3600,
      assumeRolePolicy: renderPolicy(
        policyDocument({
          Sid: "SnowflakeNotificationIntegration",
          Effect: "Allow",
          Principal: { AWS: p.snowflakeIamUserArn },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": p.snowflakeExternalId } },
        }),
      ),
    });
    this.publisherPermissions = new IamRolePolicy(this, "PublisherPolicy", {
      name: "publish-alerts",
      role: role.id,
      policy: renderPolicy(
        policyDocument(
          { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: topicArn },
          { Sid: "EncryptForTopic", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: key.keyArn },
        ),
      ),
    });

    p.subscriptions.forEach((s) => {
      new SnsTopicSubscription(this, `Subscription_${s.protocol}_${s.endpoint}`, { topicArn, protocol: s.protocol, endpoint: s.endpoint });
    });
  }
}
