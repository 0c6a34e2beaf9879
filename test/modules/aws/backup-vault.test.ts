import { TerraformOutput } from "cdktf";
import { BackupVault, BackupVaultProps } from "../../../modules/aws/backup-vault";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { guardrailViolations } from "../../../modules/core/guardrails";
import { MODULE_VERSIONS } from "../../../modules/core/versions";
import { SCHEMA_FILES, acceptedDeprecations, providerSchemasDir } from "../../../tools/check-provider-schemas";
import { checkStackAgainstSchemas, loadProviderSchemas } from "../../../tools/provider-schema-check";
import { onlyResource, resourcesOf, stampOf, statementsBySid, synthJson, synthWithMetadata, testStack } from "../../support/synth";
import { ALERT_TOPIC_ARN as TOPIC, KMS_KEY_ARN as GLOBEX_KEY, SECOND_KMS_KEY_ARN as INITECH_KEY } from "../../support/fixtures";

const ACCOUNT = "111111111111";
const GLOBEX_RESTORE = "arn:aws:iam::111111111111:role/acme-prod-globex-restore";
const INITECH_RESTORE = "arn:aws:iam::111111111111:role/acme-prod-initech-restore";
const ADMIN = "arn:aws:iam::111111111111:role/acme-terraform";
const VAULT_ARN = "arn:aws:s3:::acme-prod-eu-west-1-backup";
const REPLICATION_ROLE = "arn:aws:iam::111111111111:role/acme-prod-eu-west-1-backup-replication";

const base: BackupVaultProps = {
  bucketName: "acme-prod-eu-west-1-backup",
  accountId: ACCOUNT,
  region: "eu-west-1",
  accessLogging: { targetBucket: "acme-prod-access-logs" },
  adminRoleArns: [ADMIN],
  alarmTopicArn: TOPIC,
  tenants: [
    {
      id: "globex",
      prefix: "globex/",
      retentionDays: 365,
      sourceBucketName: "acme-prod-globex-logs",
      sourceKmsKeyArn: GLOBEX_KEY,
      restoreRoleArn: GLOBEX_RESTORE,
    },
    {
      id: "initech",
      prefix: "initech/",
      retentionDays: 120,
      storageClass: "GLACIER_IR",
      sourceBucketName: "acme-prod-initech-logs",
      sourceKmsKeyArn: INITECH_KEY,
      restoreRoleArn: INITECH_RESTORE,
    },
  ],
};

function synth(props: Partial<BackupVaultProps> = {}) {
  const stack = testStack();
  const vault = new BackupVault(stack, "Vault", { ...base, ...props });
  return { json: synthJson(stack), vault, stack };
}

function problems(props: Partial<BackupVaultProps>): string[] {
  try {
    synth(props);
  } catch (e) {
    if (e instanceof LakehouseValidationError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

const policyOf = (json: ReturnType<typeof synth>["json"]) => statementsBySid(onlyResource(json, "aws_s3_bucket_policy").policy);

describe("BackupVault", () => {
  test("the vault is versioned, SSE-KMS with its own rotating key and bucket key, private, owner-enforced, access-logged, kept on destroy", () => {
    const { json } = synth();
    expect(onlyResource(json, "aws_s3_bucket")).toMatchObject({ bucket: "acme-prod-eu-west-1-backup", force_destroy: false });
    expect(onlyResource(json, "aws_s3_bucket_versioning")).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls")).toMatchObject({ rule: { object_ownership: "BucketOwnerEnforced" } });
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(onlyResource(json, "aws_kms_alias")).toMatchObject({ name: "alias/acme-prod-eu-west-1-backup" });
    // Only the administrators may delete, disable or re-policy the key: without it the backups are lost as surely.
    const keyPolicy = statementsBySid(onlyResource(json, "aws_kms_key").policy);
    expect(keyPolicy.DenyKeyTamperingExceptAdministrators).toMatchObject({ Effect: "Deny", Condition: { ArnNotLike: { "aws:PrincipalArn": [ADMIN] } } });
    expect(keyPolicy.DenyKeyTamperingExceptAdministrators.Action).toEqual(
      expect.arrayContaining(["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"]),
    );
    const sse = onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration") as {
      rule: { apply_server_side_encryption_by_default: Record<string, string>; bucket_key_enabled: boolean }[];
    };
    expect(sse.rule[0].apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: "aws:kms",
      kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.Vault_Key_.*\.arn\}$/),
    });
    expect(sse.rule[0].bucket_key_enabled).toBe(true);
    expect(onlyResource(json, "aws_s3_bucket_logging")).toMatchObject({ target_bucket: "acme-prod-access-logs", target_prefix: "acme-prod-eu-west-1-backup/" });
  });

  test("object lock defaults to COMPLIANCE for the retention floor, and waits for versioning", () => {
    const { json } = synth();
    const lock = onlyResource(json, "aws_s3_bucket_object_lock_configuration");
    expect(lock).toMatchObject({ object_lock_enabled: "Enabled", rule: { default_retention: { mode: "COMPLIANCE", days: 90 } } });
    expect((lock.depends_on as string[])[0]).toMatch(/^aws_s3_bucket_versioning\./);
    expect(onlyResource(synth({ objectLock: { mode: "GOVERNANCE", days: 30 } }).json, "aws_s3_bucket_object_lock_configuration")).toMatchObject({
      rule: { default_retention: { mode: "GOVERNANCE", days: 30 } },
    });
  });

  test("lifecycle: one rule per tenant prefix, archived from day 0 in its class, expired at its retention; vault-wide hygiene", () => {
    const rules = (onlyResource(synth().json, "aws_s3_bucket_lifecycle_configuration") as { rule: Record<string, unknown>[] }).rule;
    expect(rules).toEqual([
      {
        id: "tenant-globex",
        status: "Enabled",
        filter: [{ prefix: "globex/" }],
        transition: [{ days: 0, storage_class: "DEEP_ARCHIVE" }],
        expiration: [{ days: 365 }],
      },
      {
        id: "tenant-initech",
        status: "Enabled",
        filter: [{ prefix: "initech/" }],
        transition: [{ days: 0, storage_class: "GLACIER_IR" }],
        expiration: [{ days: 120 }],
      },
      {
        id: "vault-hygiene",
        status: "Enabled",
        filter: [{ prefix: "" }],
        noncurrent_version_expiration: [{ noncurrent_days: 30 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
    ]);
  });

  test("the replication role: only S3 of this account assumes it; it reads tenant prefixes of the sources and writes replicas only under the same vault prefixes", () => {
    const stack = testStack();
    const vault = new BackupVault(stack, "Vault", base);
    // What the tenant buckets' replication rules will be given.
    new TerraformOutput(stack, "ReplicationRoleArn", { value: vault.replicationRoleArn });
    const json = synthJson(stack) as ReturnType<typeof synthJson> & { output: Record<string, { value: string }> };
    const role = onlyResource(json, "aws_iam_role");
    expect(json.output.ReplicationRoleArn.value).toBe(`\${aws_iam_role.${Object.keys(json.resource.aws_iam_role)[0]}.arn}`);
    expect(vault.replicationRuleId).toBe("backup-vault");
    expect(vault.bucketArn).toBe(VAULT_ARN);
    expect(vault.objectsArn("globex/")).toBe(`${VAULT_ARN}/globex/*`);
    expect(role.name).toBe("acme-prod-eu-west-1-backup-replication");
    expect(statementsBySid(role.assume_role_policy).S3ReplicatesForThisAccount).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "s3.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
    });
    const s = statementsBySid(onlyResource(json, "aws_iam_role_policy").policy);
    expect(Object.keys(s).sort()).toEqual([
      "DecryptSourceObjects",
      "EncryptReplicasWithVaultKey",
      "ReadSourceReplicationConfiguration",
      "ReadSourceVersionsUnderTenantPrefixes",
      "ReplicateUnderTenantPrefixes",
    ]);
    expect(s.ReadSourceReplicationConfiguration.Resource).toEqual(["arn:aws:s3:::acme-prod-globex-logs", "arn:aws:s3:::acme-prod-initech-logs"]);
    expect(s.ReadSourceVersionsUnderTenantPrefixes.Resource).toEqual([
      "arn:aws:s3:::acme-prod-globex-logs/globex/*",
      "arn:aws:s3:::acme-prod-initech-logs/initech/*",
    ]);
    expect(s.ReplicateUnderTenantPrefixes).toMatchObject({
      Action: ["s3:ReplicateObject", "s3:ReplicateTags"],
      Resource: [`${VAULT_ARN}/globex/*`, `${VAULT_ARN}/initech/*`],
    });
    // Delete markers never replicate: the role cannot replicate deletes.
    expect(Object.values(s).flatMap((st) => [st.Action].flat())).not.toContain("s3:ReplicateDelete");
    expect(s.DecryptSourceObjects).toMatchObject({
      Action: "kms:Decrypt",
      Resource: [GLOBEX_KEY, INITECH_KEY],
      Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
    });
    expect(s.EncryptReplicasWithVaultKey.Resource).toMatch(/^\$\{aws_kms_key\.Vault_Key_.*\.arn\}$/);
  });

  test("the vault policy only denies: TLS, writes except replication, version deletes for everyone, configuration except administrators", () => {
    const { json } = synth();
    const policy = onlyResource(json, "aws_s3_bucket_policy");
    expect((policy.depends_on as string[])[0]).toMatch(/^aws_s3_bucket_public_access_block\./);
    const s = policyOf(json);
    expect(Object.values(s).every((st) => st.Effect === "Deny" && st.Principal === "*")).toBe(true);
    expect(s.DenyInsecureTransport).toMatchObject({
      Action: "s3:*",
      Resource: [VAULT_ARN, `${VAULT_ARN}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(s.DenyTlsOlderThan12.Condition).toEqual({ NumericLessThan: { "s3:TlsVersion": "1.2" } });
    // Replication writes replicas and their tags, nothing else: a widened replication role cannot delete (a delete marker hides a backup).
    expect(s.DenyReplicaWritesExceptReplication).toEqual({
      Sid: "DenyReplicaWritesExceptReplication",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:ReplicateObject", "s3:ReplicateTags"],
      Resource: `${VAULT_ARN}/*`,
      Condition: { ArnNotLike: { "aws:PrincipalArn": [REPLICATION_ROLE, ADMIN] } },
    });
    expect(s.DenyObjectWritesExceptAdministrators).toMatchObject({ Resource: `${VAULT_ARN}/*`, Condition: { ArnNotLike: { "aws:PrincipalArn": [ADMIN] } } });
    expect(s.DenyObjectWritesExceptAdministrators.Action).toEqual(
      expect.arrayContaining(["s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectRetention", "s3:PutObjectLegalHold"]),
    );
    // No exemption at all: once a version exists, only lifecycle expiry removes it, and nobody hides it behind a delete marker.
    expect(s.DenyDeletesAndLockBypass).toEqual({
      Sid: "DenyDeletesAndLockBypass",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:DeleteObject", "s3:ReplicateDelete", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"],
      Resource: `${VAULT_ARN}/*`,
    });
    expect(s.DenyVaultConfigurationExceptAdministrators).toMatchObject({ Resource: VAULT_ARN, Condition: { ArnNotLike: { "aws:PrincipalArn": [ADMIN] } } });
    expect(s.DenyVaultConfigurationExceptAdministrators.Action).toEqual(
      expect.arrayContaining([
        "s3:PutBucketPolicy",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketVersioning",
        "s3:DeleteBucket",
        // Replication or notifications would send the backups or their keys out of the vault.
        "s3:PutReplicationConfiguration",
        "s3:PutBucketNotification",
      ]),
    );
    expect(s.DenyPutsNotEncryptedWithVaultKey.Condition).toEqual({
      StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": expect.stringMatching(/aws_kms_key\..*\.arn/) },
    });
  });

  test("each tenant's prefix is left to the replication role, that tenant's restore role and the administrators; a restore role lists only its prefix", () => {
    const s = policyOf(synth().json);
    expect(s.DenyGlobexObjectsExceptOwnRoles).toMatchObject({
      Action: "s3:*",
      Resource: `${VAULT_ARN}/globex/*`,
      Condition: { ArnNotLike: { "aws:PrincipalArn": [REPLICATION_ROLE, GLOBEX_RESTORE, ADMIN] } },
    });
    expect(s.DenyInitechObjectsExceptOwnRoles).toMatchObject({
      Resource: `${VAULT_ARN}/initech/*`,
      Condition: { ArnNotLike: { "aws:PrincipalArn": [REPLICATION_ROLE, INITECH_RESTORE, ADMIN] } },
    });
    // Globex's restore role is not exempt on initech's prefix, and the other way round.
    expect(s.DenyInitechObjectsExceptOwnRoles.Condition?.ArnNotLike["aws:PrincipalArn"]).not.toContain(GLOBEX_RESTORE);
    expect(s.DenyGlobexRestoreRoleListingOtherPrefixes).toMatchObject({
      Action: ["s3:ListBucket", "s3:ListBucketVersions"],
      Resource: VAULT_ARN,
      Condition: { ArnLike: { "aws:PrincipalArn": GLOBEX_RESTORE }, StringNotLike: { "s3:prefix": "globex/*" } },
    });
    expect(s.DenyListingExceptVaultRoles.Condition).toEqual({ ArnNotLike: { "aws:PrincipalArn": [REPLICATION_ROLE, ADMIN, GLOBEX_RESTORE, INITECH_RESTORE] } });
  });

  test("plan roles may list the vault (HeadBucket, every refresh) and nothing else: no version listing, no object, no configuration change", () => {
    const PLAN = "arn:aws:iam::111111111111:role/lakehouse-ci-plan";
    const s = policyOf(synth({ planRoleArns: [PLAN] }).json);
    expect(s.DenyListingExceptVaultRoles).toMatchObject({
      Action: "s3:ListBucket",
      Condition: { ArnNotLike: { "aws:PrincipalArn": [REPLICATION_ROLE, ADMIN, GLOBEX_RESTORE, INITECH_RESTORE, PLAN] } },
    });
    expect(s.DenyVersionListingExceptVaultRoles).toMatchObject({
      Action: "s3:ListBucketVersions",
      Condition: { ArnNotLike: { "aws:PrincipalArn": [REPLICATION_ROLE, ADMIN, GLOBEX_RESTORE, INITECH_RESTORE] } },
    });
    for (const sid of [
      "DenyReplicaWritesExceptReplication",
      "DenyObjectWritesExceptAdministrators",
      "DenyVaultConfigurationExceptAdministrators",
      "DenyGlobexObjectsExceptOwnRoles",
      "DenyInitechObjectsExceptOwnRoles",
    ])
      expect(JSON.stringify(s[sid].Condition)).not.toContain(PLAN);
    expect(problems({ planRoleArns: ["arn:aws:iam::111111111111:user/ci"] })).toEqual(["planRoleArns[0]: must be an IAM role ARN"]);
  });

  test("a tenant without a restore role: only replication and the administrators reach its prefix, nobody lists it but them", () => {
    const noRestore = { ...base.tenants[0], restoreRoleArn: undefined };
    const s = policyOf(synth({ tenants: [noRestore, base.tenants[1]] }).json);
    expect(s.DenyGlobexObjectsExceptOwnRoles.Condition).toEqual({ ArnNotLike: { "aws:PrincipalArn": [REPLICATION_ROLE, ADMIN] } });
    expect(s.DenyGlobexRestoreRoleListingOtherPrefixes).toBeUndefined();
    expect(s.DenyListingExceptVaultRoles.Condition).toEqual({ ArnNotLike: { "aws:PrincipalArn": [REPLICATION_ROLE, ADMIN, INITECH_RESTORE] } });
  });

  test("a vault's only tenant may own the whole vault (prefix ''): every key is its, the restore role may list all of it, the metric has no filter", () => {
    const whole = { ...base.tenants[0], prefix: "" };
    const { json } = synth({ tenants: [whole] });
    const s = policyOf(json);
    expect(s.DenyGlobexObjectsExceptOwnRoles).toMatchObject({
      Resource: `${VAULT_ARN}/*`,
      Condition: { ArnNotLike: { "aws:PrincipalArn": [REPLICATION_ROLE, GLOBEX_RESTORE, ADMIN] } },
    });
    expect(s.DenyGlobexRestoreRoleListingOtherPrefixes).toBeUndefined();
    expect((onlyResource(json, "aws_s3_bucket_lifecycle_configuration") as { rule: Record<string, unknown>[] }).rule[0]).toMatchObject({
      id: "tenant-globex",
      filter: [{ prefix: "" }],
      transition: [{ days: 0, storage_class: "DEEP_ARCHIVE" }],
    });
    expect(onlyResource(json, "aws_s3_bucket_metric")).not.toHaveProperty("filter");
    const replication = statementsBySid(onlyResource(json, "aws_iam_role_policy").policy);
    expect(replication.ReplicateUnderTenantPrefixes.Resource).toEqual([`${VAULT_ARN}/*`]);
    expect(replication.ReadSourceVersionsUnderTenantPrefixes.Resource).toEqual(["arn:aws:s3:::acme-prod-globex-logs/*"]);
    // Two tenants cannot share a vault that one of them owns whole.
    expect(problems({ tenants: [whole, base.tenants[1]] })).toContain(
      "tenants[0].prefix: tenant 'globex': an empty prefix (the whole vault) only for a vault's only tenant",
    );
  });

  test("a tenant's readers (restore-ready Snowflake access roles) and batch restore role are exempt from its prefix deny; readers may not restore or list elsewhere", () => {
    const READER = "arn:aws:iam::111111111111:role/acme-prod-globex-okta-snowflake";
    const BATCH = "arn:aws:iam::111111111111:role/acme-prod-globex-restore-batch";
    const s = policyOf(synth({ tenants: [{ ...base.tenants[0], readerRoleArns: [READER], restoreBatchRoleArn: BATCH }, base.tenants[1]] }).json);
    expect(s.DenyGlobexObjectsExceptOwnRoles.Condition).toEqual({
      ArnNotLike: { "aws:PrincipalArn": [REPLICATION_ROLE, GLOBEX_RESTORE, BATCH, READER, ADMIN] },
    });
    expect(s.DenyGlobexReadersRestores).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Action: "s3:RestoreObject",
      Resource: `${VAULT_ARN}/globex/*`,
      Condition: { ArnLike: { "aws:PrincipalArn": [READER] } },
    });
    expect(s.DenyGlobexRestoreRoleListingOtherPrefixes.Condition).toEqual({
      ArnLike: { "aws:PrincipalArn": [GLOBEX_RESTORE, READER] },
      StringNotLike: { "s3:prefix": "globex/*" },
    });
    expect(s.DenyListingExceptVaultRoles.Condition).toEqual({
      ArnNotLike: { "aws:PrincipalArn": [REPLICATION_ROLE, ADMIN, GLOBEX_RESTORE, READER, INITECH_RESTORE] },
    });
    // Initech has no readers: no reader statement, and globex's reader is not exempt on initech's prefix.
    expect(s.DenyInitechReadersRestores).toBeUndefined();
    expect(s.DenyInitechObjectsExceptOwnRoles.Condition?.ArnNotLike["aws:PrincipalArn"]).not.toContain(READER);
  });

  test("readyForReplication: the vault's versioning, encryption and object lock, which a replication rule into it waits for", () => {
    const { vault } = synth();
    expect(vault.readyForReplication.map((r) => (r as unknown as { terraformResourceType: string }).terraformResourceType)).toEqual([
      "aws_s3_bucket_versioning",
      "aws_s3_bucket_server_side_encryption_configuration",
      "aws_s3_bucket_object_lock_configuration",
    ]);
  });

  test("alarms into the topic: failed replication per source bucket (all its rules), and a stale backup per tenant prefix (missing data breaches)", () => {
    const { json } = synth({ staleAfterHours: 36 });
    const alarms = Object.fromEntries(resourcesOf(json, "aws_cloudwatch_metric_alarm").map((a) => [a.alarm_name, a]));
    expect(Object.keys(alarms).sort()).toEqual([
      "acme-prod-eu-west-1-backup-globex-backup-stale",
      "acme-prod-eu-west-1-backup-globex-replication-failed",
      "acme-prod-eu-west-1-backup-initech-backup-stale",
      "acme-prod-eu-west-1-backup-initech-replication-failed",
    ]);
    // A tenant bucket replicates with one rule per log prefix (aws/log-bucket 0.4.0): one Metrics Insights
    // query sums the failures of every rule from the bucket into the vault, whatever their ids.
    const failed = alarms["acme-prod-eu-west-1-backup-globex-replication-failed"];
    expect(failed.metric_name).toBeUndefined();
    expect(failed.dimensions).toBeUndefined();
    expect(failed.metric_query).toEqual([
      {
        id: "failed",
        expression: `SELECT SUM(OperationsFailedReplication) FROM SCHEMA("AWS/S3", DestinationBucket, RuleId, SourceBucket) WHERE SourceBucket = 'acme-prod-globex-logs' AND DestinationBucket = 'acme-prod-eu-west-1-backup'`,
        period: 300,
        return_data: true,
        label: "Failed replications of acme-prod-globex-logs into acme-prod-eu-west-1-backup",
      },
    ]);
    expect(failed).toMatchObject({
      evaluation_periods: 1,
      threshold: 0,
      comparison_operator: "GreaterThanThreshold",
      treat_missing_data: "notBreaching",
      alarm_actions: [TOPIC],
      ok_actions: [TOPIC],
    });
    const metrics = Object.fromEntries(resourcesOf(json, "aws_s3_bucket_metric").map((m) => [m.name, m]));
    expect(metrics["tenant-initech"]).toMatchObject({
      filter: { prefix: "initech/" },
      bucket: expect.stringMatching(/^\$\{aws_s3_bucket\.Vault_[0-9A-F]+\.id\}$/),
    });
    expect(alarms["acme-prod-eu-west-1-backup-initech-backup-stale"]).toMatchObject({
      namespace: "AWS/S3",
      metric_name: "PutRequests",
      dimensions: { BucketName: "acme-prod-eu-west-1-backup", FilterId: expect.stringMatching(/aws_s3_bucket_metric\..*\.name/) },
      statistic: "Sum",
      period: 3600,
      evaluation_periods: 36,
      threshold: 1,
      comparison_operator: "LessThanThreshold",
      treat_missing_data: "breaching",
      alarm_actions: [TOPIC],
    });
  });

  test("without a topic the alarms say why nobody is notified", () => {
    const { json } = synth({ alarmTopicArn: undefined, alarmsWithoutActionsReason: "sandbox account: nobody is on call for it" });
    for (const alarm of resourcesOf(json, "aws_cloudwatch_metric_alarm")) {
      expect(alarm.alarm_actions).toEqual([]);
      expect(alarm.alarm_description).toMatch(/\(no alarm actions: sandbox account: nobody is on call for it\)$/);
    }
  });

  test("storage-class minimums, the retention floor and the lock are enforced per tenant, naming the tenant", () => {
    const [globex, initech] = base.tenants;
    expect(problems({ tenants: [{ ...globex, retentionDays: 179 }] })).toEqual([
      "tenants[0].retentionDays: tenant 'globex' keeps DEEP_ARCHIVE backups 179 days, but DEEP_ARCHIVE bills at least 180 days",
    ]);
    expect(problems({ tenants: [{ ...globex, retentionDays: 180 }] })).toEqual([]);
    expect(problems({ tenants: [globex, { ...initech, storageClass: "GLACIER", retentionDays: 89 }] })).toEqual([
      "tenants[1].retentionDays: tenant 'initech' keeps GLACIER backups 89 days, but GLACIER bills at least 90 days",
      "tenants[1].retentionDays: tenant 'initech' keeps backups 89 days, below retentionFloorDays (90)",
      "tenants[1].retentionDays: tenant 'initech' keeps backups 89 days, but object lock holds every version 90 days",
    ]);
    expect(problems({ retentionFloorDays: 200 })).toEqual([
      "tenants[1].retentionDays: tenant 'initech' keeps backups 120 days, below retentionFloorDays (200)",
      "tenants[1].retentionDays: tenant 'initech' keeps backups 120 days, but object lock holds every version 200 days",
    ]);
    expect(problems({ objectLock: { mode: "COMPLIANCE", days: 150 } })).toEqual([
      "tenants[1].retentionDays: tenant 'initech' keeps backups 120 days, but object lock holds every version 150 days",
    ]);
  });

  test("bad input is a clear error naming the construct path", () => {
    const [globex, initech] = base.tenants;
    expect(() => synth({ tenants: [globex, { ...initech, id: "globex", prefix: "globex/sub/", sourceBucketName: "acme-prod-globex-logs" }] })).toThrow(
      LakehouseValidationError,
    );
    expect(problems({ tenants: [globex, { ...initech, id: "globex", prefix: "globex/sub/", sourceBucketName: "acme-prod-globex-logs" }] })).toEqual([
      "tenants[1].id: duplicate tenant id 'globex'",
      "tenants[1].prefix: tenant 'globex' prefix 'globex/sub/' overlaps tenant 'globex' prefix 'globex/'",
      "tenants[1].sourceBucketName: tenant 'globex' replicates from the same bucket as tenant 'globex'",
    ]);
    expect(problems({ tenants: [] })).toEqual(["tenants: at least one tenant is required: a vault with no tenant backs nothing up"]);
    expect(problems({ adminRoleArns: [] })).toEqual([
      "adminRoleArns: at least one administrator role (the role Terraform applies with), or nobody could manage the vault",
    ]);
    expect(problems({ alarmTopicArn: undefined })).toEqual(["alarmTopicArn: required: alarms must reach someone (or give alarmsWithoutActionsReason)"]);
    expect(problems({ accessLogging: undefined })).toEqual(["accessLogging: required unless accessLoggingDisabledReason is given"]);
    expect(problems({ staleAfterHours: 169 })).toEqual(["staleAfterHours: must be 1-168 hours: CloudWatch evaluates hourly periods over at most 7 days"]);
    expect(problems({ tenants: [{ ...globex, sourceBucketName: base.bucketName }] })).toEqual([
      "tenants[0].sourceBucketName: tenant 'globex': the vault cannot back itself up",
    ]);
    expect(problems({ bucketName: "acme-production-eu-central-1-security-lakehouse-backup-vault" })).toEqual([
      "replicationRoleName: required: the default 'acme-production-eu-central-1-security-lakehouse-backup-vault-replication' is longer than an IAM role name's 64 characters",
    ]);
    expect(() => synth({ tenants: [{ ...globex, retentionDays: 10 }] })).toThrow(/^test\/Vault: 3 problems/);
  });

  test("every resource is stamped with the module version", () => {
    const stack = testStack();
    new BackupVault(stack, "Vault", base);
    const json = synthWithMetadata(stack);
    const stamps = Object.values(json.resource).flatMap((byName) => Object.values(byName).map((r) => stampOf(r)));
    expect(stamps.length).toBeGreaterThan(10);
    // The key is its own module (aws/kms-key), the rest the vault's.
    expect(new Set(stamps)).toEqual(new Set([`aws/backup-vault@${MODULE_VERSIONS["aws/backup-vault"]}`, `aws/kms-key@${MODULE_VERSIONS["aws/kms-key"]}`]));
    expect(MODULE_VERSIONS["aws/backup-vault"]).toBe("0.2.1");
    expect(onlyResource(json, "aws_s3_bucket").tags).toMatchObject({ "lakehouse:module": "aws/backup-vault", "lakehouse:module-version": "0.2.1" });
  });

  test("a stack with the vault passes every guardrail, and a vault without its policy would not (no TLS rule, no version-delete deny)", () => {
    const { stack } = synth();
    const json = synthWithMetadata(stack);
    expect(guardrailViolations(json as never)).toEqual([]);
    delete (json.resource as Record<string, unknown>).aws_s3_bucket_policy;
    expect(
      guardrailViolations(json as never)
        .map((v) => v.rule)
        .sort(),
    ).toEqual(["BACKUP_VAULT_LOCKED_DENY_ONLY", "S3_TLS_ONLY"]);
  });

  test("every resource type and attribute it sets exists in the AWS provider schema (6.34.0)", () => {
    const schemas = loadProviderSchemas(
      providerSchemasDir(),
      SCHEMA_FILES.map((s) => s.file),
    );
    const { stack } = synth();
    const json = synthWithMetadata(stack);
    // `unverified` = a `description` the stripped schema cannot decide (as in tools/check-provider-schemas.ts).
    const findings = () => checkStackAgainstSchemas(json as never, schemas, acceptedDeprecations()).filter((f) => f.kind !== "unverified");
    expect(findings()).toEqual([]);
    // The check is not vacuous: an attribute the schema lacks is a finding.
    (Object.values(json.resource.aws_s3_bucket_metric)[0] as Record<string, unknown>).storage_class = "DEEP_ARCHIVE";
    expect(findings()).toEqual([expect.objectContaining({ kind: "unknown", path: "storage_class" })]);
  });
});
