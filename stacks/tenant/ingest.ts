import { FirehoseDelivery } from "../../modules/aws/firehose-delivery";
import { KafkaIngest } from "../../modules/aws/kafka-ingest";
import { KinesisStream } from "../../modules/aws/kinesis-stream";
import { KmsKey } from "../../modules/aws/kms-key";
import { LogPuller } from "../../modules/aws/log-puller";
import { ResolvedSource } from "../config/resolve";
import { defaultConsumerGroup, deliveryStreamName, firehoseErrorPrefix, kafkaFunctionName, pullerFunctionName, pullerStateKey } from "../config/names";
import { AlarmRouting, alarmProps } from "./alarms";
import { TenantScope } from "./scope";

/** What writes sources' files into the tenant's bucket, by source name: pullers, delivery streams, Kafka consumers. */
export interface TenantWriters {
  readonly pullers: ReadonlyMap<string, LogPuller>;
  readonly deliveries: ReadonlyMap<string, DeliveryStream>;
  readonly consumers: ReadonlyMap<string, KafkaIngest>;
}

/** A source's Firehose delivery stream, the Kinesis stream in front of it if any, and where its failed records go. */
export interface DeliveryStream {
  readonly delivery: FirehoseDelivery;
  readonly kinesis?: KinesisStream;
  readonly errorPrefix: string;
}

/** The roles that write a source's prefix for the stack: its puller's, delivery stream's or consumer's. */
export function writerRoleArnsOf(writers: TenantWriters, name: string): string[] {
  return [writers.pullers.get(name)?.roleArn, writers.deliveries.get(name)?.delivery.roleArn, writers.consumers.get(name)?.roleArn].filter(
    (arn): arn is string => arn !== undefined,
  );
}

/** One puller per source with delivery.puller, its alarms to the alert topic. */
export function logPullers(
  { stack, lakehouse, env, tenant }: TenantScope,
  pulled: readonly ResolvedSource[],
  key: KmsKey,
  alarms: AlarmRouting,
): Map<string, LogPuller> {
  const pullers = new Map<string, LogPuller>();
  for (const source of pulled) {
    const d = source.config.delivery;
    const o = d.options ?? {};
    const sourceOptions =
      d.puller === "google-workspace"
        ? { subject: o.subject, applications: o.applications, ...(o.pageSize !== undefined ? { maxResults: o.pageSize } : {}) }
        : { orgUrl: o.orgUrl, ...(o.pageSize !== undefined ? { limit: o.pageSize } : {}) };
    pullers.set(
      source.name,
      new LogPuller(stack, `Puller_${source.name}`, {
        functionName: pullerFunctionName(lakehouse.organization, env.name, tenant.id, source.name),
        accountId: tenant.accountId,
        region: tenant.region,
        puller: d.puller!,
        bucketName: tenant.bucketName,
        keyPrefix: source.keyPrefix,
        stateKey: pullerStateKey(source.name),
        kmsKeyArn: key.keyArn,
        sourceOptions,
        scheduleMinutes: d.scheduleMinutes,
        ...alarmProps(alarms),
      }),
    );
  }
  return pullers;
}

/**
 * One delivery stream per source with delivery.firehose (and a Kinesis stream in front when asked),
 * its failed records under an error prefix outside every source prefix, so Snowpipe never loads them.
 * `bucketName` refers to the log bucket, so that Terraform creates it before the streams.
 */
export function deliveryStreams(
  { stack, lakehouse, env, tenant }: TenantScope,
  streamed: readonly ResolvedSource[],
  p: { key: KmsKey; alarms: AlarmRouting; bucketName: string },
): Map<string, DeliveryStream> {
  const deliveries = new Map<string, DeliveryStream>();
  for (const source of streamed) {
    const f = source.config.delivery.firehose!;
    const streamName = deliveryStreamName(lakehouse.organization, env.name, tenant.id, source.name);
    const alarms = alarmProps(p.alarms);
    const errorPrefix = firehoseErrorPrefix(source.name);
    const kinesis =
      f.source === "kinesis"
        ? new KinesisStream(stack, `Stream_${source.name}`, {
            streamName,
            kmsKeyArn: p.key.keyArn,
            shardCount: f.stream?.shardCount,
            retentionHours: f.stream?.retentionHours,
            producerRoleArns: f.producerRoleArns,
            // Its only consumer is the delivery stream's role (named before it exists).
            consumerRoleArns: [FirehoseDelivery.roleArnFor(tenant.accountId, streamName, tenant.region)],
            ...alarms,
          })
        : undefined;
    const delivery = new FirehoseDelivery(stack, `Firehose_${source.name}`, {
      streamName,
      accountId: tenant.accountId,
      region: tenant.region,
      bucketName: p.bucketName,
      keyPrefix: source.keyPrefix,
      errorPrefix,
      kmsKeyArn: p.key.keyArn,
      kinesisStreamArn: kinesis?.streamArn,
      bufferSizeMb: f.bufferSizeMB,
      bufferIntervalSeconds: f.bufferIntervalSeconds,
      transformLambdaArn: f.transformLambdaArn,
      fileExtension: source.config.fileSuffix,
      ...alarms,
    });
    deliveries.set(source.name, { delivery, ...(kinesis ? { kinesis } : {}), errorPrefix });
  }
  return deliveries;
}

/** One Kafka consumer per source with delivery.kafka, alarms like the pullers'. */
export function kafkaConsumers(
  { stack, lakehouse, env, tenant }: TenantScope,
  consumed: readonly ResolvedSource[],
  key: KmsKey,
  alarms: AlarmRouting,
): Map<string, KafkaIngest> {
  const consumers = new Map<string, KafkaIngest>();
  for (const source of consumed) {
    const d = source.config.delivery;
    const k = d.kafka!;
    consumers.set(
      source.name,
      new KafkaIngest(stack, `Kafka_${source.name}`, {
        functionName: kafkaFunctionName(lakehouse.organization, env.name, tenant.id, source.name),
        accountId: tenant.accountId,
        region: tenant.region,
        bootstrapServers: k.bootstrapServers,
        topic: k.topic,
        consumerGroup: k.consumerGroup ?? defaultConsumerGroup(lakehouse.organization, env.name, tenant.id, source.name),
        auth: k.auth,
        vpc: k.vpc,
        bucketName: tenant.bucketName,
        keyPrefix: source.keyPrefix,
        kmsKeyArn: key.keyArn,
        fromBeginning: k.fromBeginning,
        targetObjectMb: k.targetObjectMb,
        scheduleMinutes: d.scheduleMinutes,
        ...alarmProps(alarms),
      }),
    );
  }
  return consumers;
}
