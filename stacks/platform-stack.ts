import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Database } from "@cdktf/provider-snowflake/lib/database";
import { EmailNotificationIntegration } from "@cdktf/provider-snowflake/lib/email-notification-integration";
import { NotificationIntegration } from "@cdktf/provider-snowflake/lib/notification-integration";
import { SnowflakeProvider } from "@cdktf/provider-snowflake/lib/provider";
import { Task } from "@cdktf/provider-snowflake/lib/task";
import { TerraformStack } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { AccessLogBucket } from "../modules/aws/access-log-bucket";
import { AuditTrail } from "../modules/aws/audit-trail";
import { KmsKey } from "../modules/aws/kms-key";
import { LogBucket } from "../modules/aws/log-bucket";
import { AlertSubscription, AlertTopic } from "../modules/aws/alert-topic";
import { LogGuardScp } from "../modules/aws/log-guard-scp";
import { AccountMonitors } from "../modules/snowflake/account-monitors";
import { ALERT_DELIVERY_TASK, AlertDelivery } from "../modules/snowflake/alert-delivery";
import { Warehouse } from "../modules/snowflake/warehouse";
import { BackfillWarehouse } from "../modules/snowflake/backfill-warehouse";
import { qualified } from "../modules/core/naming";
import { AlertStore, alertStoreNames } from "../modules/snowflake/alert-store";
import { MonitoringRole } from "../modules/snowflake/monitoring-role";
import { PipelineOwnership } from "../modules/snowflake/pipeline-ownership";
import { SchemaObject } from "../modules/snowflake/schema-object";
import { previewFeaturesFor } from "../modules/core/snowflake-preview";
import { stampModule, stampedComment } from "../modules/core/stamp";
import { configureBackend } from "./backend";
import { ResolvedEnvironment, ResolvedLakehouse } from "./config/resolve";
import {
  accessLogBucketName,
  alertIntegrationPrefix,
  alertPublisherRoleName,
  alertTopicName,
  auditTrailBucketName,
  auditTrailKeyAliasName,
  auditTrailName,
  deployRoleOf,
  environmentBucketPrefix,
  logGuardPolicyName,
  monitoringRoleOf,
} from "./config/names";
import { accountAdminProviderConfig, awsDefaultTags, requireProviderVersions, snowflakeProviderConfig, useProvider } from "./providers";
import { canaryTaskName } from "../modules/snowflake/log-canary";
import { landingTableOf } from "../modules/snowflake/record-flattener";
import { tenantRoleName } from "../modules/snowflake/tenant-roles";
import { PLATFORM_OUTPUTS, declareOutputs, defined } from "./outputs";

export const PLATFORM_STACK_MODULE = "stacks/platform" as const;

/**
 * What the monitors of one region must not report, matched on what Snowflake records and never on
 * statement text: each cleaner's purge (landing tables' too) — the DELETE of the pipeline role that owns
 * the cleaner, on the cleaner's own table, in a run of the cleaner's own task —, alert delivery stamping
 * the alerts it sent (its owner's UPDATE of ALERTS in a run of its task: the monitoring role, which
 * the platform's tasks are handed to), and the canaries the config switched off, which stay suspended.
 * Every other change to the database is reported, deploys included.
 */
function expectedOperations(env: ResolvedEnvironment, region: string, monitoringRole: string) {
  const tenants = env.tenants.filter((t) => t.region === region);
  // TableCleaner's task is `<TABLE>_CLEANER` next to its table (test/stacks.test.ts checks the two agree).
  const purge = (role: string, schema: string, table: string) => {
    const name = qualified(env.databaseName, schema, table);
    return { role, tables: [name], queryTypes: ["DELETE" as const], task: `${name}_CLEANER` };
  };
  const delivery = env.config.alertDelivery
    ? [
        {
          role: monitoringRole,
          tables: [alertStoreNames(env.databaseName).alerts],
          queryTypes: ["UPDATE" as const],
          task: qualified(env.databaseName, "MONITORING", ALERT_DELIVERY_TASK),
        },
      ]
    : [];
  return {
    expectedChanges: [
      ...tenants.flatMap((t) =>
        t.sources.flatMap((s) => [
          purge(tenantRoleName(t.snowflakeRolePrefix, "PIPELINE"), t.schemaName, s.tableName),
          // A wrapped source's landing table has a cleaner of its own.
          ...(s.config.wrappedRecords !== undefined
            ? [purge(tenantRoleName(t.snowflakeRolePrefix, "PIPELINE"), t.schemaName, landingTableOf(s.tableName))]
            : []),
        ]),
      ),
      ...delivery,
    ],
    expectedSuspendedTasks: tenants.flatMap((t) =>
      t.sources.filter((s) => !s.canary.enabled).map((s) => canaryTaskName(env.databaseName, t.schemaName, s.tableName)),
    ),
  };
}

/** The tasks under `scope`, as objects to hand over. */
function tasksUnder(scope: IConstruct): SchemaObject[] {
  return scope.node
    .findAll()
    .filter((n): n is Task => n instanceof Task)
    .map((t) => ({ type: "TASK" as const, name: `${t.databaseInput}.${t.schemaInput}.${t.nameInput}`, started: t.startedInput === true, resource: t }));
}

/** The notification integrations under `scope`. */
function notificationIntegrationsUnder(scope: IConstruct): (NotificationIntegration | EmailNotificationIntegration)[] {
  return scope.node
    .findAll()
    .filter(
      (n): n is NotificationIntegration | EmailNotificationIntegration => n instanceof NotificationIntegration || n instanceof EmailNotificationIntegration,
    );
}

/**
 * What an environment shares across tenants: per Snowflake account (one per region), the
 * environment's log database, its alert store (MONITORING.ALERTS / ALERT_SUPPRESSIONS, written by
 * every tenant's canaries) and the account monitors (load and task failures, long queries, changes
 * to log tables); per AWS region holding tenants, the server-access-log bucket that the
 * tenants' log buckets log to (S3 delivers access logs only within one account and region).
 */
export class PlatformStack extends TerraformStack {
  constructor(scope: Construct, lakehouse: ResolvedLakehouse, env: ResolvedEnvironment) {
    super(scope, env.platformStackName);
    configureBackend(this, env.platformStackName, env.config);
    stampModule(this, PLATFORM_STACK_MODULE);

    const snowflakeProviders: SnowflakeProvider[] = [];
    const awsProviders = new Map<string, AwsProvider>();
    const accessLogBuckets = new Map<string, AccessLogBucket>();
    const regionOutputs: Record<string, Record<string, unknown>> = {};
    for (const region of env.regions) {
      const regionId = region.replace(/-/g, "_");
      const aws = new AwsProvider(this, `aws_${regionId}`, {
        alias: regionId,
        region,
        allowedAccountIds: [env.accountId],
        defaultTags: [{ tags: awsDefaultTags(lakehouse.organization, env.name) }],
      });
      awsProviders.set(region, aws);
      const bucket = new AccessLogBucket(this, `AccessLogs_${regionId}`, {
        bucketName: accessLogBucketName(lakehouse.organization, env.name, env.accountId, region),
        accountId: env.accountId,
        expirationDays: env.accessLogRetentionDays,
      });
      useProvider(bucket, aws);
      accessLogBuckets.set(region, bucket);

      const account = env.config.snowflakeAccounts.find((a) => a.region === region);
      if (!account) throw new Error(`${this.node.path}: no Snowflake account for ${region}`); // config validation prevents this
      // The deploy role and warehouse made by `lakehouse bootstrap snowflake`; ACCOUNTADMIN only for
      // what only an account administrator may do: the warehouses' resource monitors and their assignment.
      const snowflake = new SnowflakeProvider(this, `snowflake_${regionId}`, { alias: regionId, ...snowflakeProviderConfig(account, lakehouse.organization) });
      const accountAdmin = new SnowflakeProvider(this, `snowflake_${regionId}_account_admin`, {
        alias: `${regionId}_account_admin`,
        ...accountAdminProviderConfig(account),
      });
      const deployRole = deployRoleOf(account, lakehouse.organization);
      const monitoringRole = monitoringRoleOf(lakehouse.organization, env.name);
      const database = new Database(this, `LogDatabase_${regionId}`, {
        provider: snowflake,
        name: env.databaseName,
        comment: stampedComment(PLATFORM_STACK_MODULE, `Security logs of ${lakehouse.organization} ${env.name}`),
        dataRetentionTimeInDays: env.timeTravelDays,
        // Every tenant's logs: no plan may drop the database (guardrail SNOWFLAKE_DATA_KEPT_ON_DESTROY).
        lifecycle: { preventDestroy: true },
      });
      const warehouse = new Warehouse(this, `QueryWarehouse_${regionId}`, {
        name: env.warehouse.name,
        purpose: "queries of analysts and detections",
        size: env.warehouse.size,
        monthlyCreditQuota: env.warehouse.monthlyCreditQuota,
        autoSuspendSeconds: env.warehouse.autoSuspendSeconds,
        administrator: accountAdmin,
      });
      useProvider(warehouse, snowflake);
      // lakehouse backfill's own warehouse, role and progress table; the role's access to each tenant's
      // schema is granted in the tenant's stack (BackfillTenantAccess), where the schema is made.
      const backfill = new BackfillWarehouse(this, `Backfill_${regionId}`, {
        database: env.databaseName,
        warehouseName: env.backfill.warehouseName,
        roleName: env.backfill.roleName,
        parentRole: deployRole,
        schema: env.backfill.schema,
        size: env.backfill.size,
        monthlyCreditQuota: env.backfill.monthlyCreditQuota,
        autoSuspendSeconds: env.backfill.autoSuspendSeconds,
        dataRetentionDays: env.timeTravelDays,
        waitFor: [database],
        administrator: accountAdmin,
      });
      useProvider(backfill, snowflake);
      const alerts = new AlertStore(this, `AlertStore_${regionId}`, { database: env.databaseName, dataRetentionDays: env.timeTravelDays, waitFor: [database] });
      useProvider(alerts, snowflake);
      const monitors = new AccountMonitors(this, `Monitors_${regionId}`, {
        database: env.databaseName,
        alertStore: alerts.names,
        ...env.monitors,
        ...expectedOperations(env, region, monitoringRole),
        waitFor: [...alerts.tables],
      });
      useProvider(monitors, snowflake);

      const delivery = env.config.alertDelivery;
      let alertTopicArn: string | undefined;
      let alertIntegration: AlertDelivery | undefined;
      if (delivery) {
        // The integration names the topic and role ARNs from known names; the role then trusts the
        // integration's computed IAM user and external id (one apply, as for storage integrations).
        const topicName = alertTopicName(lakehouse.organization, env.name);
        const publisherRoleName = alertPublisherRoleName(lakehouse.organization, env.name, region);
        const send = new AlertDelivery(this, `AlertDelivery_${regionId}`, {
          database: env.databaseName,
          alertsTable: alerts.names.alerts,
          namePrefix: alertIntegrationPrefix(lakehouse.organization, env.name),
          sns: delivery.sns
            ? {
                topicArn: AlertTopic.arnFor(region, env.accountId, topicName),
                roleArn: AlertTopic.publisherRoleArnFor(region, env.accountId, publisherRoleName),
              }
            : undefined,
          emailRecipients: delivery.email?.recipients,
          schedule: delivery.schedule,
          waitFor: [...alerts.tables],
        });
        useProvider(send, snowflake);
        alertIntegration = send;
        if (delivery.sns) {
          const topic = new AlertTopic(this, `AlertTopic_${regionId}`, {
            topicName,
            accountId: env.accountId,
            region,
            publisherRoleName,
            snowflakeIamUserArn: send.snsIamUserArn!,
            snowflakeExternalId: send.snsExternalId!,
            subscriptions: delivery.sns.subscriptions as AlertSubscription[],
          });
          useProvider(topic, aws);
          alertTopicArn = topic.topicArn;
          send.sendAfter(topic.publisherPermissions);
        }
      }
      // The platform's tasks are owned by and run as the environment's monitoring role (made by the
      // bootstrap with what the monitors read and granted to the deploy role), never the deploy role
      // or ACCOUNTADMIN.
      const platformTasks = tasksUnder(this).filter((t) => t.resource.provider === snowflake);
      const integrations = notificationIntegrationsUnder(this).filter((i) => i.provider === snowflake);
      const monitoringAccess = new MonitoringRole(this, `MonitoringRole_${regionId}`, {
        role: monitoringRole,
        database: env.databaseName,
        alertStore: alerts.names,
        notificationIntegrations: integrations.map((i) => i.nameInput!),
        waitFor: [database, ...alerts.tables, ...integrations],
      });
      const handover = new PipelineOwnership(this, `MonitoringOwnership_${regionId}`, {
        role: monitoringRole,
        operator: deployRole,
        objects: platformTasks,
        waitFor: monitoringAccess.ready,
      });
      for (const scope of [monitoringAccess, handover]) useProvider(scope, snowflake);
      snowflakeProviders.push(snowflake);
      regionOutputs[region] = defined({
        access_log_bucket: bucket.bucketName,
        query_warehouse: warehouse.warehouseName,
        backfill_warehouse: backfill.warehouseName,
        backfill_role: backfill.roleName,
        alert_topic_arn: alertTopicArn,
        alert_integration_iam_user_arn: alertIntegration?.snsIamUserArn,
        alert_integration_external_id: alertIntegration?.snsExternalId,
      });
    }
    for (const provider of snowflakeProviders) provider.previewFeaturesEnabled = previewFeaturesFor(this);

    let auditTrail: Record<string, string> | undefined;
    // The audit trail: object-level events on every log bucket of the environment, from its home region.
    if (env.config.auditTrail !== false) {
      const home = env.regions[0];
      const aws = awsProviders.get(home)!;
      const trailBucket = auditTrailBucketName(lakehouse.organization, env.name, env.accountId);
      const key = new KmsKey(this, "AuditTrailKey", {
        accountId: env.accountId,
        region: home,
        aliasName: auditTrailKeyAliasName(lakehouse.organization, env.name),
        description: `Encrypts the ${env.name} audit trail`,
        writerServicePrincipals: ["cloudtrail.amazonaws.com"],
      });
      const bucket = new LogBucket(this, "AuditTrailBucket", {
        bucketName: trailBucket,
        accountId: env.accountId,
        region: home,
        kmsKeyArn: key.keyArn,
        // The target is made in this stack: by reference, after its log-delivery grant.
        accessLogging: { targetBucket: accessLogBuckets.get(home)!.bucketName, targetPrefix: `${trailBucket}/`, waitFor: [accessLogBuckets.get(home)!.policy] },
        retentionRules: [{ prefix: "cloudtrail/", expirationDays: env.auditRetentionDays }],
        writers: [{ prefix: "cloudtrail/", servicePrincipal: "cloudtrail.amazonaws.com" }],
      });
      const trail = new AuditTrail(this, "AuditTrail", {
        name: auditTrailName(lakehouse.organization, env.name),
        region: home,
        bucketName: trailBucket,
        kmsKeyArn: key.keyArn,
        protectedBucketPrefix: environmentBucketPrefix(lakehouse.organization, env.name),
        // Every server access log S3 delivers would be an event: the access-log buckets' writes are not recorded.
        excludedBucketNames: [...accessLogBuckets.keys()].map((region) => accessLogBucketName(lakehouse.organization, env.name, env.accountId, region)),
        waitFor: [bucket.policy],
      });
      for (const scope of [key, bucket, trail]) useProvider(scope, aws);
      auditTrail = { trail_arn: trail.trailArn, bucket_name: bucket.bucketName, kms_key_arn: key.keyArn };
    }

    const guard = env.config.logGuard;
    if (guard) {
      // Organizations is global and lives in the management account: a provider of its own.
      const management = new AwsProvider(this, "aws_management", {
        alias: "management",
        region: "us-east-1",
        assumeRole: [{ roleArn: guard.managementRoleArn, sessionName: "security-lakehouse" }],
        defaultTags: [{ tags: awsDefaultTags(lakehouse.organization, env.name) }],
      });
      const scp = new LogGuardScp(this, "LogGuard", {
        name: logGuardPolicyName(lakehouse.organization, env.name),
        bucketNamePrefix: environmentBucketPrefix(lakehouse.organization, env.name),
        keyTag: { key: "lakehouse:environment", value: env.name },
        // Tenants in accounts of their own are applied as their deploy roles there, which must change their buckets and keys.
        exemptRoleArns: [...new Set([...guard.exemptRoleArns, ...env.tenants.flatMap((t) => (t.ownAccount ? [t.ownAccount.deployRoleArn] : []))])],
        targetIds: guard.targetIds,
      });
      useProvider(scp, management);
    }
    requireProviderVersions(this, env.config.providerVersions);
    declareOutputs(this, PLATFORM_OUTPUTS, { log_database: env.databaseName, regions: regionOutputs, audit_trail: auditTrail });
  }
}
