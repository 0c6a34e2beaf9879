import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnowflakeProvider } from "@cdktf/provider-snowflake/lib/provider";
import { Schema } from "@cdktf/provider-snowflake/lib/schema";
import { Fn, ITerraformDependable, Lazy, TerraformStack, TerraformVariable, Token, ref } from "cdktf";
import { Construct } from "constructs";
import { AccessLogBucket } from "../modules/aws/access-log-bucket";
import { KmsKey } from "../modules/aws/kms-key";
import { AlertTopic } from "../modules/aws/alert-topic";
import { BackupVault } from "../modules/aws/backup-vault";
import { SnowflakeAccessRole } from "../modules/aws/snowflake-access-role";
import { LogBucket, LogBucketWriter } from "../modules/aws/log-bucket";
import { FirehoseDelivery } from "../modules/aws/firehose-delivery";
import { KinesisStream } from "../modules/aws/kinesis-stream";
import { KafkaIngest } from "../modules/aws/kafka-ingest";
import { LogPuller } from "../modules/aws/log-puller";
import { RESTORE_STATE_KEY_PREFIX, TenantAccessRoles } from "../modules/aws/tenant-access-roles";
import { previewFeaturesFor } from "../modules/core/snowflake-preview";
import { stampModule, stampedComment } from "../modules/core/stamp";
import { TenantAlertWriter, alertStoreNames } from "../modules/snowflake/alert-store";
import { PipelineOwnership } from "../modules/snowflake/pipeline-ownership";
import { TenantRoles } from "../modules/snowflake/tenant-roles";
import { BackfillTenantAccess } from "../modules/snowflake/backfill-warehouse";
import { configureBackend } from "./backend";
import { ResolvedEnvironment, ResolvedLakehouse, ResolvedTenant } from "./config/resolve";
import {
  accessLogBucketName,
  alertTopicName,
  defaultConsumerGroup,
  deliveryStreamName,
  deployRoleOf,
  firehoseErrorPrefix,
  kafkaFunctionName,
  monitoringRoleOf,
  pullerFunctionName,
  pullerStateKey,
  tenantAccessLogBucketName,
} from "./config/names";
import { awsDefaultTags, requireProviderVersions, snowflakeProviderConfig, useProvider } from "./providers";
import { TENANT_OUTPUTS, declareOutputs, defined } from "./outputs";
import { SourcePipeline } from "./source-pipeline";

export const TENANT_STACK_MODULE = "stacks/tenant" as const;

/**
 * The Terraform variable of a tenant stack whose AWS providers assume roles: `true` (set
 * TF_VAR_lakehouse_read_only=true for pull-request plans) makes them run as the read-only plan roles
 * instead of the deploy roles. Default false: an apply runs as the deploy roles.
 */
export const READ_ONLY_VARIABLE = "lakehouse_read_only";
/** The session name of every role the stacks' providers assume (what CloudTrail records). */
export const SESSION_NAME = "security-lakehouse";

/**
 * One tenant in one environment, in the tenant's region on both clouds (data locality): the tenant's
 * KMS key and raw log bucket, its Snowflake schema, the tenant's roles (Snowflake reader / analyst /
 * pipeline on its schema; AWS read / ops on its prefixes and key, for the principals the config names)
 * and one pipeline per source, owned by the tenant's pipeline role. Its own state, so a plan touches one
 * tenant only. In the environment's AWS account, or with `awsAccountId` in the tenant's own, which its
 * providers reach by assuming the tenant's deploy role there (docs/accounts.md).
 */
export class TenantStack extends TerraformStack {
  /** The pipelines, by source name. */
  public readonly pipelines: ReadonlyMap<string, SourcePipeline>;

  constructor(scope: Construct, lakehouse: ResolvedLakehouse, env: ResolvedEnvironment, tenant: ResolvedTenant) {
    super(scope, tenant.stackName);
    configureBackend(this, tenant.stackName, env.config);
    stampModule(this, TENANT_STACK_MODULE);

    const accountId = tenant.accountId;
    const own = tenant.ownAccount;
    const backup = tenant.backup;
    // Providers that assume a role apply as it; a plan with TF_VAR_lakehouse_read_only=true runs as a read-only role instead.
    const readOnly =
      own || backup
        ? new TerraformVariable(this, READ_ONLY_VARIABLE, {
            type: "bool",
            default: false,
            description: "true for a read-only plan (pull requests): the AWS providers run as the plan roles instead of assuming the deploy roles",
          })
        : undefined;
    // Ephemeral (Terraform 1.10+): not kept in a saved plan, so the apply of a plan made read-only gives it
    // again (false) and its providers assume the deploy roles; only provider blocks read it.
    readOnly?.addOverride("ephemeral", true);
    // A tenant in an account of its own: every AWS provider of its stack assumes the deploy role there.
    const assumeOwn = own && readOnly ? [{ roleArn: Fn.conditional(readOnly.booleanValue, own.planRoleArn, own.deployRoleArn), sessionName: SESSION_NAME }] : undefined;
    const aws = new AwsProvider(this, "aws", {
      region: tenant.region,
      allowedAccountIds: [accountId],
      assumeRole: assumeOwn,
      defaultTags: [{ tags: awsDefaultTags(lakehouse.organization, env.name, tenant.id) }],
    });
    const account = env.config.snowflakeAccounts.find((a) => a.region === tenant.region);
    if (!account) throw new Error(`${this.node.path}: no Snowflake account for ${tenant.region}`); // config validation prevents this
    // The deploy role and warehouse made by `lakehouse bootstrap snowflake`: a tenant stack never needs an administrator.
    const snowflake = new SnowflakeProvider(this, "snowflake", snowflakeProviderConfig(account, lakehouse.organization));
    const deployRole = deployRoleOf(account, lakehouse.organization);
    // The environment's monitoring role (made by the bootstrap): the platform's monitors run as it.
    const monitoringRole = monitoringRoleOf(lakehouse.organization, env.name);
    requireProviderVersions(this, env.config.providerVersions);

    const pulled = tenant.sources.filter((s) => s.config.delivery.kind === "puller" && s.config.delivery.puller);
    const streamed = tenant.sources.filter((s) => s.config.delivery.kind === "firehose" && s.config.delivery.firehose);
    const consumed = tenant.sources.filter((s) => s.config.delivery.kind === "kafka" && s.config.delivery.kafka);
    const operators = (tenant.config.access?.operators?.length ?? 0) > 0;
    // The sources whose files land in the tenant's bucket; a source on an existing bucket has nothing
    // here (no prefix, writer, notification, retention or replication: its owner's bucket keeps it).
    const inBucket = tenant.sources.filter((s) => !s.existingBucket);
    // A source an organization trail of another account writes: that trail, by its ARN, not the service for the tenant's account.
    const orgTrailOf = (s: (typeof inBucket)[number]) => s.config.delivery.organizationTrail;
    const writerServices = inBucket.flatMap((s) => (s.config.delivery.servicePrincipal && !orgTrailOf(s) ? [s.config.delivery.servicePrincipal] : []));
    // Writers and Kinesis producers of other accounts encrypt with the tenant's key through S3 and Kinesis: the key policy must name them.
    const foreign = (arns: readonly string[] | undefined) => (arns ?? []).filter((arn) => arn.split(":")[4] !== accountId);
    const foreignWriters = inBucket.flatMap((s) => foreign(s.config.delivery.writerRoleArns));
    const foreignProducers = streamed.flatMap((s) => foreign(s.config.delivery.firehose!.producerRoleArns));
    const key = new KmsKey(this, "LogKey", {
      accountId,
      aliasName: tenant.kmsAliasName,
      description: `Encrypts the raw logs of tenant ${tenant.id} (${env.name})`,
      writerServicePrincipals: writerServices,
      cloudTrailArns: inBucket.flatMap((s) => (orgTrailOf(s) ? [orgTrailOf(s)!.trailArn] : [])),
      // The pullers', delivery streams' and Kafka consumers' log groups are encrypted with the tenant's key.
      cloudWatchLogsRegion: pulled.length + streamed.length + consumed.length > 0 ? tenant.region : undefined,
      crossAccountWriters:
        foreignWriters.length + foreignProducers.length > 0
          ? {
              roleArns: [...foreignWriters, ...foreignProducers],
              viaServices: [...(foreignWriters.length > 0 ? [`s3.${tenant.region}.amazonaws.com`] : []), ...(foreignProducers.length > 0 ? [`kinesis.${tenant.region}.amazonaws.com`] : [])],
            }
          : undefined,
    });

    const schema = new Schema(this, "TenantSchema", {
      database: env.databaseName,
      name: tenant.schemaName,
      withManagedAccess: "true",
      dataRetentionTimeInDays: env.timeTravelDays,
      comment: stampedComment(TENANT_STACK_MODULE, `Log tables of tenant ${tenant.config.displayName ?? tenant.id}`),
      // The tenant's logs: no plan may drop the schema (guardrail SNOWFLAKE_DATA_KEPT_ON_DESTROY).
      lifecycle: { preventDestroy: true },
    });

    // The deploying role holds the tenant roles: it keeps managing what the pipeline role owns.
    const roles = new TenantRoles(this, "SnowflakeRoles", {
      database: env.databaseName,
      schema: tenant.schemaName,
      rolePrefix: tenant.snowflakeRolePrefix,
      warehouse: env.warehouse.name,
      parentRole: deployRole,
      // The platform's monitors (owned by the monitoring role) see this schema's tasks.
      monitoringRole,
      waitFor: [schema],
    });

    // The tenant's canaries raise alerts only through this procedure (the platform's alert store is
    // found by its names; the pipeline role has no privilege on it).
    const alertWriter = new TenantAlertWriter(this, "AlertWriter", {
      alertStore: alertStoreNames(env.databaseName),
      tenant: tenant.id,
      tenantSchema: tenant.schemaName,
      pipelineRole: roles.pipelineRole,
      waitFor: roles.pipelineRoleReady,
    });
    // The procedure runs with its owner's rights: the monitoring role's (INSERT and SELECT on ALERTS and
    // ALERT_SUPPRESSIONS), never the deploy role's.
    new PipelineOwnership(this, "AlertWriterOwnership", { role: monitoringRole, operator: deployRole, objects: alertWriter.ownedObjects, waitFor: alertWriter.ready });

    // The platform's backfill role may COPY into this tenant's log tables through their own stages.
    const backfillAccess = new BackfillTenantAccess(this, "BackfillAccess", { roleName: env.backfill.roleName, database: env.databaseName, schema: tenant.schemaName, waitFor: [schema] });

    // Alarms (pullers, streams, consumers, the vault) go to the environment's alert topic in the tenant's
    // region (the platform stack's, found by its ARN); without SNS delivery there is no topic, and the
    // alarms say so in their description. A tenant in an account of its own has no topic to reach: the
    // environment's is in another account, and alarms are not delivered across accounts here.
    const alarmTopicArn = env.config.alertDelivery?.sns && !own ? AlertTopic.arnFor(tenant.region, env.accountId, alertTopicName(lakehouse.organization, env.name)) : undefined;
    const noAlarmTopic = own
      ? `tenant ${tenant.id} is in AWS account ${accountId}, and environment ${env.name}'s alert topic is in ${env.accountId} (alarms are not delivered across accounts)`
      : `environment ${env.name} has no alertDelivery.sns, so there is no alert topic to notify`;

    // The tenant's backup vault (its own, in its region): the whole log bucket replicates into it with
    // its keys, so one vault per tenant keeps tenants apart without a tenant prefix in every key.
    // A vault in another region is made with a provider of that region; its failure alarms stay here,
    // where S3 publishes the replication metrics of the tenant's bucket.
    const elsewhere = backup && backup.region !== tenant.region ? backup.region : undefined;
    // The vault's policy denies its configuration to all but its administrators: its resources are
    // applied as one (the deploy role), through a provider of their own — but for a read-only plan, which
    // refreshes them as a plan role the policy lets list the vault. A tenant in an account of its own
    // already runs as its deploy role there (an administrator of its vault).
    const vaultProvider =
      backup && (elsewhere || backup.deployRoleArn)
        ? new AwsProvider(this, "aws_backup", {
            alias: "backup",
            region: backup.region,
            allowedAccountIds: [accountId],
            assumeRole: assumeOwn,
            defaultTags: [{ tags: awsDefaultTags(lakehouse.organization, env.name, tenant.id) }],
          })
        : undefined;
    if (vaultProvider && backup?.deployRoleArn && readOnly) {
      vaultProvider.addOverride("dynamic.assume_role", {
        for_each: Fn.conditional(readOnly.booleanValue, [], [backup.deployRoleArn]),
        // The iterator's value is a reference (a token), so LiteralText keeps it an expression.
        content: { role_arn: Token.asString(ref("assume_role.value", this)), session_name: SESSION_NAME },
      });
    }
    // Server access logs stay in their account and region: the platform's buckets, or for a tenant in an
    // account of its own, buckets of its own there (its region, and its vault's).
    const accessLogBuckets = new Map<string, AccessLogBucket>();
    const accessLogsIn = (region: string): { targetBucket: string; waitFor?: ITerraformDependable[] } => {
      if (!own) return { targetBucket: accessLogBucketName(lakehouse.organization, env.name, env.accountId, region) };
      let bucket = accessLogBuckets.get(region);
      if (!bucket) {
        bucket = new AccessLogBucket(this, `AccessLogs_${region.replace(/-/g, "_")}`, {
          bucketName: tenantAccessLogBucketName(lakehouse.organization, env.name, tenant.id, accountId, region),
          accountId,
          expirationDays: env.accessLogRetentionDays,
        });
        if (region !== tenant.region) useProvider(bucket, vaultProvider!);
        accessLogBuckets.set(region, bucket);
      }
      // Made here: by reference, after its log-delivery grant (S3 refuses the logging configuration before).
      return { targetBucket: bucket.bucketName, waitFor: [bucket.policy] };
    };

    const vault = backup
      ? new BackupVault(this, "BackupVault", {
          bucketName: backup.vaultBucketName,
          accountId,
          region: backup.region,
          accessLogging: { ...accessLogsIn(backup.region), targetPrefix: `${backup.vaultBucketName}/` },
          adminRoleArns: backup.adminRoleArns,
          planRoleArns: backup.planRoleArns,
          replicationRoleName: backup.replicationRoleName,
          objectLock: backup.objectLock,
          retentionFloorDays: backup.retentionFloorDays,
          staleAfterHours: backup.staleAfterHours,
          tenants: [
            {
              id: tenant.id,
              prefix: "",
              retentionDays: backup.retentionDays,
              storageClass: backup.storageClass,
              sourceBucketName: tenant.bucketName,
              sourceRegion: tenant.region,
              sourceKmsKeyArn: key.keyArn,
              // The tenant's operators restore (aws/tenant-access-roles makes the roles only for named operators).
              ...(operators
                ? { restoreRoleArn: TenantAccessRoles.restoreRoleArnFor(accountId, tenant.awsRolePrefix), restoreBatchRoleArn: TenantAccessRoles.restoreBatchRoleArnFor(accountId, tenant.awsRolePrefix) }
                : {}),
              // A restore-ready tenant's sources read their prefixes of the vault through their backup stages.
              readerRoleArns: backup.restoreReady ? inBucket.map((s) => SnowflakeAccessRole.arnFor(accountId, s.accessRoleName)) : [],
            },
          ],
          alarmTopicArn: elsewhere && alarmTopicArn ? AlertTopic.arnFor(elsewhere, env.accountId, alertTopicName(lakehouse.organization, env.name)) : alarmTopicArn,
          alarmsWithoutActionsReason: alarmTopicArn ? undefined : noAlarmTopic,
          sourceRegionAlarms: elsewhere ? { provider: aws, alarmTopicArn } : undefined,
        })
      : undefined;
    if (vault && vaultProvider) useProvider(vault, vaultProvider);

    const pipelines = new Map<string, SourcePipeline>();
    for (const source of tenant.sources) {
      pipelines.set(
        source.name,
        new SourcePipeline(this, `Source_${source.name}`, {
          env,
          tenant,
          source,
          bucketName: tenant.bucketName,
          kmsKeyArn: key.keyArn,
          backupVault: vault && backup?.restoreReady ? { bucketName: vault.bucketName, kmsKeyArn: vault.kmsKeyArn } : undefined,
          schema,
          pipelineRole: { name: roles.pipelineRole, ready: [...roles.pipelineRoleReady, ...alertWriter.ready] },
          alertProcedure: alertWriter.procedureName,
          deployRole,
          // FUTURE grants before the objects, ALL grants after them: no object falls between the two.
          grantsFirst: [...roles.futureGrants, ...backfillAccess.futureGrants],
        }),
      );
    }
    this.pipelines = pipelines;
    const objects = [...pipelines.values()].flatMap((p) => p.objects);
    roles.grantOnExistingAfter(...objects);
    backfillAccess.grantOnExistingAfter(...objects);

    // One puller per source with delivery.puller, its alarms to the alert topic (above).
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
        new LogPuller(this, `Puller_${source.name}`, {
          functionName: pullerFunctionName(lakehouse.organization, env.name, tenant.id, source.name),
          accountId,
          region: tenant.region,
          puller: d.puller!,
          bucketName: tenant.bucketName,
          keyPrefix: source.keyPrefix,
          stateKey: pullerStateKey(source.name),
          kmsKeyArn: key.keyArn,
          sourceOptions,
          scheduleMinutes: d.scheduleMinutes,
          alarmTopicArn,
          alarmsWithoutActionsReason: alarmTopicArn ? undefined : noAlarmTopic,
        }),
      );
    }

    // One delivery stream per source with delivery.firehose (and a Kinesis stream in front when asked),
    // its failed records under an error prefix outside every source prefix, so Snowpipe never loads them.
    const deliveries = new Map<string, { delivery: FirehoseDelivery; errorPrefix: string }>();
    const kinesisStreams = new Map<string, KinesisStream>();
    // The bucket is built below (its policy names the delivery roles); a reference to its name makes
    // Terraform create the bucket before the streams and the error-prefix metric that need it.
    const bucketRef = Lazy.stringValue({ produce: () => logBucket.bucketName });
    for (const source of streamed) {
      const f = source.config.delivery.firehose!;
      const streamName = deliveryStreamName(lakehouse.organization, env.name, tenant.id, source.name);
      const alarms = { alarmTopicArn, alarmsWithoutActionsReason: alarmTopicArn ? undefined : noAlarmTopic };
      const errorPrefix = firehoseErrorPrefix(source.name);
      const kinesis =
        f.source === "kinesis"
          ? new KinesisStream(this, `Stream_${source.name}`, {
              streamName,
              kmsKeyArn: key.keyArn,
              shardCount: f.stream?.shardCount,
              retentionHours: f.stream?.retentionHours,
              producerRoleArns: f.producerRoleArns,
              // Its only consumer is the delivery stream's role (named before it exists).
              consumerRoleArns: [FirehoseDelivery.roleArnFor(accountId, streamName)],
              ...alarms,
            })
          : undefined;
      if (kinesis) kinesisStreams.set(source.name, kinesis);
      const delivery = new FirehoseDelivery(this, `Firehose_${source.name}`, {
        streamName,
        accountId,
        region: tenant.region,
        bucketName: bucketRef,
        keyPrefix: source.keyPrefix,
        errorPrefix,
        kmsKeyArn: key.keyArn,
        kinesisStreamArn: kinesis?.streamArn,
        bufferSizeMb: f.bufferSizeMB,
        bufferIntervalSeconds: f.bufferIntervalSeconds,
        transformLambdaArn: f.transformLambdaArn,
        fileExtension: source.config.fileSuffix,
        ...alarms,
      });
      deliveries.set(source.name, { delivery, errorPrefix });
    }

    // One Kafka consumer per source with delivery.kafka, alarms like the pullers'.
    const consumers = new Map<string, KafkaIngest>();
    for (const source of consumed) {
      const d = source.config.delivery;
      const k = d.kafka!;
      consumers.set(
        source.name,
        new KafkaIngest(this, `Kafka_${source.name}`, {
          functionName: kafkaFunctionName(lakehouse.organization, env.name, tenant.id, source.name),
          accountId,
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
          alarmTopicArn,
          alarmsWithoutActionsReason: alarmTopicArn ? undefined : noAlarmTopic,
        }),
      );
    }
    const writerRoleOf = (name: string): string[] =>
      [pullers.get(name)?.roleArn, deliveries.get(name)?.delivery.roleArn, consumers.get(name)?.roleArn].filter((arn): arn is string => arn !== undefined);

    const logBucket = new LogBucket(this, "LogBucket", {
      bucketName: tenant.bucketName,
      accountId,
      kmsKeyArn: key.keyArn,
      accessLogging: { ...accessLogsIn(tenant.region), targetPrefix: `${tenant.bucketName}/` },
      retentionRules: [
        ...inBucket.map((s) => ({ prefix: s.keyPrefix, expirationDays: s.retentionDays, transitions: s.transitions })),
        // Failed records are kept as long as the source's files: they are the same logs, not yet loaded.
        ...streamed.map((s) => ({ prefix: deliveries.get(s.name)!.errorPrefix, expirationDays: s.retentionDays })),
      ],
      objectLock: tenant.config.objectLock,
      // S3 Batch Operations writes its restore completion reports SSE-S3, always (S3 User Guide, "Examples:
      // S3 Batch Operations completion reports"), under the report prefix restore gives it (cli/restore/backup.ts).
      sseS3KeyPatterns: vault ? [`${RESTORE_STATE_KEY_PREFIX}*/reports/job-*`] : [],
      notifications: inBucket.map((s) => ({
        prefix: s.keyPrefix,
        suffix: s.config.fileSuffix,
        queueArn: pipelines.get(s.name)!.pipe.notificationChannel,
      })),
      writers: [
        ...inBucket.map((s): LogBucketWriter => {
          const trail = orgTrailOf(s);
          return {
            prefix: s.keyPrefix,
            servicePrincipal: s.config.delivery.servicePrincipal,
            roleArns: [...(s.config.delivery.writerRoleArns ?? []), ...writerRoleOf(s.name)],
            // An organization trail writes its organization's logs, and its management account's
            // (CloudTrail User Guide, "Amazon S3 bucket policy for CloudTrail": organization trails).
            ...(trail ? { sourceArn: trail.trailArn, keyPrefixes: [`AWSLogs/${trail.organizationId}/`, `AWSLogs/${trail.trailArn.split(":")[4]}/`] } : {}),
          };
        }),
        ...[...deliveries.values()].map((d): LogBucketWriter => ({ prefix: d.errorPrefix, roleArns: [d.delivery.roleArn] })),
      ].filter((w) => w.servicePrincipal || (w.roleArns?.length ?? 0) > 0),
      replication:
        vault && backup
          ? {
              roleArn: vault.replicationRoleArn,
              destinationBucketArn: vault.bucketArn,
              destinationKmsKeyArn: vault.kmsKeyArn,
              ruleId: vault.replicationRuleId,
              storageClass: backup.storageClass,
              waitFor: vault.readyForReplication,
            }
          : undefined,
    });

    const awsRoles = new TenantAccessRoles(this, "AwsRoles", {
      namePrefix: tenant.awsRolePrefix,
      accountId,
      bucketArn: `arn:aws:s3:::${tenant.bucketName}`,
      prefixes: inBucket.map((s) => s.keyPrefix),
      kmsKeyArn: key.keyArn,
      readers: tenant.config.access?.readers,
      operators: tenant.config.access?.operators,
      restore: vault ? { vaultBucketArn: vault.bucketArn, vaultKmsKeyArn: vault.kmsKeyArn } : undefined,
    });

    declareOutputs(this, TENANT_OUTPUTS, {
      log_bucket: { name: logBucket.bucketName, arn: logBucket.bucketArn, kms_key_arn: key.keyArn },
      // Only the roles `access` names principals for (aws/tenant-access-roles 0.3.0); none without access.
      aws_roles: awsRoles.readRoleArn || awsRoles.opsRoleArn ? defined({ read: awsRoles.readRoleArn, ops: awsRoles.opsRoleArn, restore: awsRoles.restoreRoleArn, restore_batch: awsRoles.restoreBatchRoleArn }) : undefined,
      snowflake: { schema: `${env.databaseName}.${tenant.schemaName}`, reader: roles.readerRole, analyst: roles.analystRole, pipeline: roles.pipelineRole },
      backup_vault: vault && { bucket_name: vault.bucketName, bucket_arn: vault.bucketArn, kms_key_arn: vault.kmsKeyArn, replication_role_arn: vault.replicationRoleArn },
      sources: Object.fromEntries(
        tenant.sources.map((s) => {
          const p = pipelines.get(s.name)!;
          const writer = pullers.get(s.name) ?? consumers.get(s.name);
          const stream = deliveries.get(s.name)?.delivery;
          return [
            s.name,
            defined({
              prefix: s.keyPrefix,
              bucket: s.existingBucket?.name,
              table: p.table.qualifiedName,
              pipe: p.pipe.pipeName,
              notification_channel: p.pipe.notificationChannel,
              integration: { name: p.integration.integrationName, iam_user_arn: p.integration.iamUserArn, external_id: p.integration.externalId },
              access_role_arn: p.role.roleArn,
              [pullers.has(s.name) ? "puller" : "kafka"]: writer && { function_name: writer.functionName, secret_arn: writer.secretArn },
              firehose: stream && defined({ delivery_stream_name: stream.deliveryStreamName, delivery_stream_arn: stream.deliveryStreamArn, kinesis_stream_arn: kinesisStreams.get(s.name)?.streamArn }),
            }),
          ];
        }),
      ),
    });

    snowflake.previewFeaturesEnabled = previewFeaturesFor(this);
  }
}
