import { TerraformStack } from "cdktf";
import { AlertTopic } from "../../../modules/aws/alert-topic";
import { AuditTrail } from "../../../modules/aws/audit-trail";
import { BackupVault } from "../../../modules/aws/backup-vault";
import { FirehoseDelivery } from "../../../modules/aws/firehose-delivery";
import { KafkaIngest } from "../../../modules/aws/kafka-ingest";
import { KmsKey } from "../../../modules/aws/kms-key";
import { LogBucket } from "../../../modules/aws/log-bucket";
import { LogGuardScp } from "../../../modules/aws/log-guard-scp";
import { LogPuller } from "../../../modules/aws/log-puller";
import { SnowflakeAccessRole } from "../../../modules/aws/snowflake-access-role";
import { TenantAccessRoles } from "../../../modules/aws/tenant-access-roles";
import { onlyResource, statementsBySid, synthJson, testStack } from "../../support/synth";

/**
 * A module in a GovCloud or China region writes every ARN in that region's partition: an ARN written
 * `arn:aws:` there names nothing, and a policy holding it grants or denies nothing.
 */

const ACCOUNT = "111111111111";

/** Every partition an ARN in the stack's resources is written in. */
function partitionsIn(stack: TerraformStack): string[] {
  const text = JSON.stringify(synthJson(stack).resource);
  return [...new Set([...text.matchAll(/arn:(aws[a-z-]*):/g)].map((m) => m[1]))].sort();
}

describe.each([
  ["us-gov-west-1", "aws-us-gov"],
  ["cn-north-1", "aws-cn"],
])("modules in %s write %s ARNs", (region, partition) => {
  const key = `arn:${partition}:kms:${region}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
  const topic = `arn:${partition}:sns:${region}:${ACCOUNT}:acme-prod-lakehouse-alerts`;
  const role = (name: string) => `arn:${partition}:iam::${ACCOUNT}:role/${name}`;

  test("GIVEN a backup vault THEN its policies, its replication role and its key's administrator are in the partition", () => {
    const stack = testStack();
    const vault = new BackupVault(stack, "Vault", {
      bucketName: "acme-prod-backup",
      accountId: ACCOUNT,
      region,
      accessLogging: { targetBucket: "acme-prod-access-logs" },
      adminRoleArns: [role("acme-terraform")],
      alarmTopicArn: topic,
      tenants: [
        {
          id: "globex",
          prefix: "globex/",
          retentionDays: 365,
          sourceBucketName: "acme-prod-globex-logs",
          sourceKmsKeyArn: key,
          restoreRoleArn: role("acme-prod-globex-restore"),
        },
      ],
    });
    expect(vault.bucketArn).toBe(`arn:${partition}:s3:::acme-prod-backup`);
    expect(vault.objectsArn("globex/")).toBe(`arn:${partition}:s3:::acme-prod-backup/globex/*`);
    const json = synthJson(stack);
    const policy = statementsBySid(onlyResource(json, "aws_s3_bucket_policy").policy);
    expect(policy.DenyReplicaWritesExceptReplication.Condition).toEqual({
      ArnNotLike: { "aws:PrincipalArn": [role("acme-prod-backup-replication"), role("acme-terraform")] },
    });
    const replication = statementsBySid(onlyResource(json, "aws_iam_role_policy").policy);
    expect(replication.ReadSourceReplicationConfiguration.Resource).toEqual([`arn:${partition}:s3:::acme-prod-globex-logs`]);
    expect(statementsBySid(onlyResource(json, "aws_kms_key").policy).AccountAdministersKeyThroughIam.Principal).toEqual({
      AWS: `arn:${partition}:iam::${ACCOUNT}:root`,
    });
    expect(partitionsIn(stack)).toEqual([partition]);
  });

  test("GIVEN a log bucket that makes its key THEN the key's administrator is in the partition", () => {
    const stack = testStack();
    new LogBucket(stack, "Logs", {
      bucketName: "acme-prod-globex-logs",
      accountId: ACCOUNT,
      region,
      accessLoggingDisabledReason: "a test of partitions, nothing to log here",
      retentionRules: [{ prefix: "okta/", expirationDays: 365 }],
      writers: [{ prefix: "okta/", roleArns: [role("okta-puller")] }],
    });
    expect(statementsBySid(onlyResource(synthJson(stack), "aws_kms_key").policy).AccountAdministersKeyThroughIam.Principal).toEqual({
      AWS: `arn:${partition}:iam::${ACCOUNT}:root`,
    });
    expect(partitionsIn(stack)).toEqual([partition]);
  });

  test("GIVEN a key with CloudWatch Logs in the region THEN the log-group context is in the partition", () => {
    const stack = testStack();
    new KmsKey(stack, "Key", { accountId: ACCOUNT, aliasName: "acme-prod-globex-logs", description: "test", cloudWatchLogsRegion: region });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_kms_key").policy);
    expect(s.CloudWatchLogsEncryptLogGroups.Condition).toEqual({
      ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${ACCOUNT}:log-group:*` },
    });
    expect(partitionsIn(stack)).toEqual([partition]);
  });

  test("GIVEN a log puller, a Kafka consumer and a delivery stream THEN their roles reach the bucket, log groups, schedules and network in the partition", () => {
    const stack = testStack();
    const bucketName = "acme-prod-globex-logs";
    const common = { accountId: ACCOUNT, region, bucketName, kmsKeyArn: key, alarmTopicArn: topic };
    new LogPuller(stack, "Puller", {
      ...common,
      functionName: "acme-prod-globex-okta-puller",
      puller: "okta",
      keyPrefix: "okta/",
      stateKey: "_puller-state/okta.json",
      sourceOptions: { orgUrl: "https://globex.okta.com" },
    });
    new KafkaIngest(stack, "Kafka", {
      ...common,
      functionName: "acme-prod-globex-firewall-kafka",
      bootstrapServers: ["b-1.redpanda.internal:9093"],
      topic: "firewall.events",
      consumerGroup: "acme-prod-globex-firewall",
      auth: "mtls",
      vpc: { subnetIds: ["subnet-0a1b2c3d4e5f60718"], securityGroupIds: ["sg-0c1d2e3f405162738"] },
      keyPrefix: "firewall/",
    });
    new FirehoseDelivery(stack, "Firehose", { ...common, streamName: "acme-prod-globex-edr-stream", keyPrefix: "edr/", errorPrefix: "_firehose-errors/edr/" });
    const json = synthJson(stack);
    const delivery = onlyResource(json, "aws_kinesis_firehose_delivery_stream").extended_s3_configuration as { bucket_arn: string };
    expect(delivery.bucket_arn).toBe(`arn:${partition}:s3:::${bucketName}`);
    expect(partitionsIn(stack)).toEqual([partition]);
    expect(FirehoseDelivery.roleArnFor(ACCOUNT, "acme-prod-globex-edr-stream", region)).toBe(role("acme-prod-globex-edr-stream"));
  });

  test("GIVEN an alert topic THEN the publisher role, the alarms it admits and the topic's ARN are in the partition", () => {
    const stack = testStack();
    new AlertTopic(stack, "Topic", {
      topicName: "acme-prod-lakehouse-alerts",
      accountId: ACCOUNT,
      region,
      publisherRoleName: "acme-prod-snowflake-alerts",
      snowflakeIamUserArn: `arn:${partition}:iam::999999999999:user/sf`,
      snowflakeExternalId: "EXT_ID",
      subscriptions: [{ protocol: "email", endpoint: "soc@acme.example" }],
    });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_sns_topic_policy").policy);
    expect(s.SnowflakePublishes.Principal).toEqual({ AWS: role("acme-prod-snowflake-alerts") });
    expect(s.CloudWatchAlarmsPublish.Condition).toMatchObject({ ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${ACCOUNT}:alarm:*` } });
    expect(AlertTopic.arnFor(region, ACCOUNT, "acme-prod-lakehouse-alerts")).toBe(topic);
    expect(partitionsIn(stack)).toEqual([partition]);
  });

  test("GIVEN an audit trail whose key is a reference THEN its region decides: the event selectors match bucket ARNs of the partition", () => {
    const stack = testStack();
    const trailKey = new KmsKey(stack, "Key", {
      accountId: ACCOUNT,
      region,
      aliasName: "acme-prod-audit-trail",
      description: "test",
      writerServicePrincipals: ["cloudtrail.amazonaws.com"],
    });
    new AuditTrail(stack, "Trail", {
      name: "acme-prod-log-audit",
      region,
      bucketName: "acme-prod-audit",
      kmsKeyArn: trailKey.keyArn,
      protectedBucketPrefix: "acme-prod-",
    });
    const selectors = JSON.stringify(onlyResource(synthJson(stack), "aws_cloudtrail").advanced_event_selector);
    expect(selectors).toContain(`arn:${partition}:s3:::acme-prod-`);
    expect(partitionsIn(stack)).toEqual([partition]);
  });

  test("GIVEN roles on a bucket of the partition THEN the roles they name are in it too", () => {
    const stack = testStack();
    new TenantAccessRoles(stack, "Roles", {
      namePrefix: "acme-prod-globex",
      accountId: ACCOUNT,
      bucketArn: `arn:${partition}:s3:::acme-prod-globex-logs`,
      prefixes: ["okta/"],
      kmsKeyArn: key,
      operators: [role("soc-operator")],
      restore: { vaultBucketArn: `arn:${partition}:s3:::acme-prod-backup`, vaultKmsKeyArn: key },
    });
    new SnowflakeAccessRole(stack, "Access", {
      roleName: "acme-prod-globex-okta-snowflake",
      accountId: ACCOUNT,
      snowflakeIamUserArn: `arn:${partition}:iam::999999999999:user/sf`,
      externalId: "EXT_ID",
      bucketArn: `arn:${partition}:s3:::acme-prod-globex-logs`,
      prefixes: ["okta/"],
      kmsKeyArn: key,
    });
    expect(partitionsIn(stack)).toEqual([partition]);
    expect(TenantAccessRoles.restoreRoleArnFor(ACCOUNT, "acme-prod-globex", region)).toBe(role("acme-prod-globex-restore"));
    expect(TenantAccessRoles.restoreBatchRoleArnFor(ACCOUNT, "acme-prod-globex", region)).toBe(role("acme-prod-globex-restore-batch"));
    expect(SnowflakeAccessRole.arnFor(ACCOUNT, "acme-prod-globex-okta-snowflake", region)).toBe(role("acme-prod-globex-okta-snowflake"));
  });

  test("GIVEN a guard exempting roles of the partition THEN it protects buckets of the partition", () => {
    const stack = testStack();
    new LogGuardScp(stack, "Guard", {
      name: "acme-prod-log-guard",
      bucketNamePrefix: "acme-prod-",
      keyTag: { key: "lakehouse:environment", value: "prod" },
      exemptRoleArns: [role("lakehouse-deployer")],
      targetIds: ["ou-ab12-34cd56ef"],
    });
    const s = statementsBySid(onlyResource(synthJson(stack), "aws_organizations_policy").content);
    expect(s.ProtectLogBuckets.Resource).toBe(`arn:${partition}:s3:::acme-prod-*`);
    expect(s.ProtectLogObjects.Resource).toBe(`arn:${partition}:s3:::acme-prod-*/*`);
  });
});

describe("the commercial partition stays as it was", () => {
  test("GIVEN no region where a module takes one optionally THEN its ARNs are aws ones", () => {
    const stack = testStack();
    new KmsKey(stack, "Key", { accountId: ACCOUNT, aliasName: "a", description: "test" });
    expect(statementsBySid(onlyResource(synthJson(stack), "aws_kms_key").policy).AccountAdministersKeyThroughIam.Principal).toEqual({
      AWS: `arn:aws:iam::${ACCOUNT}:root`,
    });
    expect(SnowflakeAccessRole.arnFor(ACCOUNT, "r")).toBe(`arn:aws:iam::${ACCOUNT}:role/r`);
  });

  test("GIVEN a key without a region THEN the partition of the trails or roles it names decides", () => {
    const stack = testStack();
    new KmsKey(stack, "Key", {
      accountId: ACCOUNT,
      aliasName: "a",
      description: "test",
      cloudTrailArns: ["arn:aws-us-gov:cloudtrail:us-gov-west-1:222222222222:trail/org"],
    });
    expect(partitionsIn(stack)).toEqual(["aws-us-gov"]);
  });
});
