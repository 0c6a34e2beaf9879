import { Construct } from "constructs";
import { z } from "zod";
import { KAFKA_AUTH_KINDS, type KafkaAuthKind, type KafkaIngestEnvironment } from "../../../runtime/kafka/contract";
import { PolicyStatement } from "../../core/iam";
import { stampModule } from "../../core/stamp";
import { arn } from "../../core/arn";
import { AWS_ACCOUNT_ID, S3_BUCKET_NAME, awsRegion, knownKmsKeyArn, knownString, parseProps, pathOf } from "../../core/validate";
import { LogBucket } from "../log-bucket";
import { buildScheduledFunction, checkScheduledFunction, scheduledFunctionFields } from "../scheduled-function";
import { kafkaIngestCode } from "./code";

export const KAFKA_INGEST_MODULE = "aws/kafka-ingest" as const;

/** The cluster's network: the function runs in these subnets with these security groups. */
export interface KafkaIngestVpc {
  /** Subnets that reach the brokers (and S3 / Secrets Manager: see the README), at least one. */
  readonly subnetIds: string[];
  /** Security groups the brokers accept the function from, at least one. */
  readonly securityGroupIds: string[];
}

export interface KafkaIngestProps {
  /** Lambda function name, 1-54 of [A-Za-z0-9_-] (the scheduler role appends `-sched`, the queue `-dlq`). */
  readonly functionName: string;
  /** The account the function runs in. */
  readonly accountId: string;
  /** The region the function runs in (its log group and network interface ARNs are named before apply). */
  readonly region: string;
  /** The cluster's bootstrap servers, `host:port` (MSK, Redpanda or any Kafka-API cluster), at least one. */
  readonly bootstrapServers: string[];
  /** The topic whose records land in the bucket. */
  readonly topic: string;
  /** The consumer group; its committed offsets are what is already in the bucket. One group per source. */
  readonly consumerGroup: string;
  /** How the function authenticates, always over TLS: `scram-sha-512` (username/password) or `mtls` (client certificate). */
  readonly auth: KafkaAuthKind;
  /** The cluster's network. */
  readonly vpc: KafkaIngestVpc;
  /** The tenant's raw log bucket. */
  readonly bucketName: string;
  /** The source's key prefix, ending in `/`: the only prefix the function may put or read objects under. */
  readonly keyPrefix: string;
  /** The tenant's KMS key: objects, secret, dead-letter queue, logs and environment are encrypted with it. */
  readonly kmsKeyArn: string;
  /** A group with no committed offset starts at the earliest retained record (true) or at new records only (false). @default true */
  readonly fromBeginning?: boolean;
  /** Target object size, uncompressed MiB, 1-100 (Snowpipe loads 10-100 MB files best). @default 64 */
  readonly targetObjectMb?: number;
  /** Run every N minutes, 1-10 (ingest delay stays under 10 minutes). @default 5 */
  readonly scheduleMinutes?: number;
  /** Lambda timeout, 60-900 seconds. @default 300 */
  readonly timeoutSeconds?: number;
  /** The handler's read budget; at most `timeoutSeconds` - 30 (the rest writes, commits and disconnects). @default timeoutSeconds - 60 */
  readonly budgetSeconds?: number;
  /** Memory, 512-10240 MB (a batch of up to 100 MiB is built in memory). @default 1024 */
  readonly memoryMb?: number;
  /** Retention of the function's log group; one of the values CloudWatch Logs accepts. @default 365 */
  readonly logRetentionDays?: number;
  /** X-Ray active tracing. @default true */
  readonly tracing?: boolean;
  /** The SNS topic the alarms notify (errors, throttles, dead letters). @default none: then `alarmsWithoutActionsReason` is required */
  readonly alarmTopicArn?: string;
  /** Why the alarms notify nobody (at least 20 characters); only without `alarmTopicArn`. @default none */
  readonly alarmsWithoutActionsReason?: string;
  /** Secrets Manager secret name for the cluster credentials. @default `<functionName>-credentials` */
  readonly secretName?: string;
}

const LAMBDA_NAME = /^[A-Za-z0-9_-]{1,54}$/;
const KAFKA_NAME = /^[A-Za-z0-9._-]{1,249}$/;

const propsSchema = z
  .object({
    functionName: z.string().regex(LAMBDA_NAME, "must be 1-54 of [A-Za-z0-9_-]"),
    accountId: z.string().regex(AWS_ACCOUNT_ID, "must be a 12-digit AWS account id"),
    region: awsRegion(),
    bootstrapServers: z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port")).min(1, "needs at least one broker"),
    topic: z.string().regex(KAFKA_NAME, "must be a Kafka topic name (1-249 of [A-Za-z0-9._-])"),
    consumerGroup: z.string().regex(KAFKA_NAME, "must be 1-249 of [A-Za-z0-9._-]"),
    auth: z.enum(KAFKA_AUTH_KINDS, `must be one of ${KAFKA_AUTH_KINDS.join(", ")}`),
    vpc: z.strictObject({
      subnetIds: z.array(knownString(/^subnet-[0-9a-f]{8,17}$/, "a subnet id (subnet-…)")).min(1, "needs at least one subnet"),
      securityGroupIds: z.array(knownString(/^sg-[0-9a-f]{8,17}$/, "a security group id (sg-…)")).min(1, "needs at least one security group"),
    }),
    bucketName: z.string().regex(S3_BUCKET_NAME, "must be an S3 bucket name"),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9!_.*'()/-]+$/, "must be an S3 key of safe characters")
      .refine((v) => v.endsWith("/") && !v.startsWith("/"), 'must end with "/" and not start with "/"'),
    kmsKeyArn: knownKmsKeyArn(),
    fromBeginning: z.boolean().default(true),
    targetObjectMb: z.number().min(1).max(100).default(64),
    ...scheduledFunctionFields,
  })
  .superRefine((p, ctx) =>
    checkScheduledFunction(p, (path, message) => ctx.addIssue({ code: "custom", path: [path], message }), "write, commit and disconnect"),
  );

/**
 * A scheduled Lambda function in the cluster's VPC that moves one Kafka topic into the tenant's raw
 * bucket (the consumer in `runtime/kafka`): per partition, sized NDJSON gzip objects whose keys are a
 * function of the first offset, offsets committed only after the object is written. One run at a
 * time (reserved concurrency 1), the shared scheduling, dead-letter, log, alarm and secret pieces of
 * `aws/log-puller`, and a role that may put and read only under the source's prefix.
 */
export class KafkaIngest extends Construct {
  /** The function's ARN. */
  public readonly functionArn: string;
  /** The function's name (its log group is `/aws/lambda/<name>`). */
  public readonly functionName: string;
  /** The cluster credentials secret, created empty: its value is set out of band. */
  public readonly secretArn: string;
  /** The role the function runs as (the tenant bucket's writer for the source's prefix). */
  public readonly roleArn: string;
  /** The dead-letter queue of failed runs. */
  public readonly dlqArn: string;

  constructor(scope: Construct, id: string, props: KafkaIngestProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, KAFKA_INGEST_MODULE);

    const name = p.functionName;
    const bucket = LogBucket.named(p.bucketName, { region: p.region });
    const ec2 = (resource: string) => arn({ service: "ec2", region: p.region, account: p.accountId, resource });
    const budget = p.budgetSeconds ?? p.timeoutSeconds - 60;
    const environment = (secretArn: string): KafkaIngestEnvironment => ({
      KAFKA_INGEST_BROKERS: p.bootstrapServers.join(","),
      KAFKA_INGEST_TOPIC: p.topic,
      KAFKA_INGEST_GROUP: p.consumerGroup,
      KAFKA_INGEST_AUTH: p.auth,
      KAFKA_INGEST_SECRET_ID: secretArn,
      KAFKA_INGEST_BUCKET: p.bucketName,
      KAFKA_INGEST_PREFIX: p.keyPrefix,
      KAFKA_INGEST_KMS_KEY_ID: p.kmsKeyArn,
      KAFKA_INGEST_TARGET_OBJECT_MB: String(p.targetObjectMb),
      KAFKA_INGEST_BUDGET_SECONDS: String(budget),
      KAFKA_INGEST_FROM_BEGINNING: String(p.fromBeginning),
    });
    const dataStatements: PolicyStatement[] = [
      bucket.grantOnObjects("PutUnderSourcePrefix", "s3:PutObject", p.keyPrefix),
      // A retry after a crash looks for the object it may already have written (HeadObject).
      bucket.grantOnObjects("FindOwnBatches", "s3:GetObject", p.keyPrefix),
      // Without ListBucket, S3 answers HeadObject on a missing key with 403 instead of 404, and a
      // retry could not tell "not written yet" from "denied". Lists key names only.
      bucket.grantOnBucket("TellMissingBatchFromDenied", "s3:ListBucket"),
    ];
    const networkStatements: PolicyStatement[] = [
      // Lambda creates the function's network interfaces as this role, only in the given subnets and groups.
      {
        Sid: "AttachToClusterNetwork",
        Effect: "Allow",
        Action: "ec2:CreateNetworkInterface",
        Resource: [
          ec2("network-interface/*"),
          ...p.vpc.subnetIds.map((s) => ec2(`subnet/${s}`)),
          ...p.vpc.securityGroupIds.map((g) => ec2(`security-group/${g}`)),
        ],
      },
      {
        Sid: "ManageNetworkInterfaces",
        Effect: "Allow",
        Action: ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
        Resource: ec2("network-interface/*"),
      },
      // Describe calls take no resource-level permissions.
      { Sid: "DescribeNetworkInterfaces", Effect: "Allow", Action: "ec2:DescribeNetworkInterfaces", Resource: "*" },
    ];

    const built = buildScheduledFunction(this, {
      ...p,
      name,
      noun: "Kafka ingest function",
      sidNoun: "Ingest",
      policyName: "kafka-ingest",
      roleDescription: `Runs the Kafka ingest function ${name} (topic ${p.topic})`,
      functionDescription: `Moves Kafka topic ${p.topic} into s3://${p.bucketName}/${p.keyPrefix}`,
      secretDescription: `Cluster credentials (${p.auth}) of the Kafka ingest function ${name} (set out of band: aws secretsmanager put-secret-value)`,
      dataStatements,
      extraStatements: networkStatements,
      code: kafkaIngestCode(),
      environment,
      vpcConfig: { subnetIds: [...p.vpc.subnetIds], securityGroupIds: [...p.vpc.securityGroupIds] },
    });

    this.functionArn = built.functionArn;
    this.functionName = name;
    this.secretArn = built.secretArn;
    this.roleArn = built.roleArn;
    this.dlqArn = built.dlqArn;
  }
}
