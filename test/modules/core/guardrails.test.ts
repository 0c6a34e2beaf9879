import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { App, TerraformStack } from "cdktf";
import { BackupVault } from "../../../modules/aws/backup-vault";
import { LogBucket } from "../../../modules/aws/log-bucket";
import { alertStoreNames } from "../../../modules/snowflake/alert-store";
import { LogCanary } from "../../../modules/snowflake/log-canary";
import { SemiStructuredTable } from "../../../modules/snowflake/semi-structured-table";
import { Snowpipe } from "../../../modules/snowflake/snowpipe";
import { RecordFlattener } from "../../../modules/snowflake/record-flattener";
import { TableCleaner } from "../../../modules/snowflake/table-cleaner";
import { tenantAlertProcedureName } from "../../../modules/snowflake/alert-store/sql";
import { GuardrailError, RULES, guardrailViolations, suppressGuardrail } from "../../../modules/core/guardrails";
import { checkGuardrails } from "../../../stacks/synth/guardrails";
import { ACCOUNT_ID, KMS_KEY_ARN } from "../../support/fixtures";
import { SynthJson, synthWithMetadata, testStack } from "../../support/synth";

type Resources = Record<string, Record<string, Record<string, unknown>>>;
const B = "${aws_s3_bucket.b.id}";

/** A bucket with every companion a compliant bucket has; `edit` breaks one thing. */
function bucketStack(edit: (r: Resources) => void = () => undefined): { resource: Resources } {
  const resource: Resources = {
    aws_s3_bucket: { b: { bucket: "x", force_destroy: false } },
    aws_s3_bucket_server_side_encryption_configuration: { e: { bucket: B } },
    aws_s3_bucket_versioning: { v: { bucket: B, versioning_configuration: { status: "Enabled" } } },
    aws_s3_bucket_public_access_block: {
      p: { bucket: B, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true },
    },
    aws_s3_bucket_lifecycle_configuration: { l: { bucket: B } },
    aws_s3_bucket_policy: {
      pol: {
        bucket: B,
        policy: JSON.stringify({
          Statement: [
            { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
          ],
        }),
      },
    },
  };
  edit(resource);
  return { resource };
}
const rulesHit = (stack: { resource: Resources }) => guardrailViolations(stack).map((v) => v.rule);

describe("guardrails", () => {
  test("a compliant bucket passes every rule", () => expect(rulesHit(bucketStack())).toEqual([]));

  test.each([
    ["S3_ENCRYPTED", (r: Resources) => delete r.aws_s3_bucket_server_side_encryption_configuration],
    ["S3_VERSIONED", (r: Resources) => ((r.aws_s3_bucket_versioning.v.versioning_configuration as { status: string }).status = "Suspended")],
    ["S3_PUBLIC_ACCESS_BLOCKED", (r: Resources) => (r.aws_s3_bucket_public_access_block.p.restrict_public_buckets = false)],
    ["S3_TLS_ONLY", (r: Resources) => delete r.aws_s3_bucket_policy],
    ["S3_LIFECYCLE", (r: Resources) => delete r.aws_s3_bucket_lifecycle_configuration],
    ["S3_KEEP_ON_DESTROY", (r: Resources) => (r.aws_s3_bucket.b.force_destroy = true)],
    [
      "IAM_NO_WILDCARD_ACTIONS",
      (r: Resources) =>
        (r.aws_iam_role_policy = { rp: { policy: JSON.stringify({ Statement: [{ Sid: "All", Effect: "Allow", Action: "s3:*", Resource: "*" }] }) } }),
    ],
    [
      "IAM_NO_WILDCARD_PRINCIPALS",
      (r: Resources) =>
        (r.aws_iam_role = {
          role: { assume_role_policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }) },
        }),
    ],
  ])("%s fires on a crafted violation, and only it", (rule, edit) => {
    expect(rulesHit(bucketStack(edit))).toEqual([rule]);
  });

  test("a Deny with wildcards is fine; only Allow statements are held to named actions and principals", () => {
    expect(
      rulesHit(
        bucketStack((r) => (r.aws_iam_role_policy = { rp: { policy: JSON.stringify({ Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }) } })),
      ),
    ).toEqual([]);
  });

  test("every rule has an id, a description and resource types", () => {
    for (const rule of RULES) expect(rule).toMatchObject({ id: expect.stringMatching(/^[A-Z0-9_]+$/), description: expect.any(String) });
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  test("a violation names the construct path, the address and the rule", () => {
    const stack = testStack();
    new S3Bucket(stack, "Naked", { bucket: "naked-bucket" });
    const json = synthWithMetadata(stack);
    const violations = guardrailViolations(json as never);
    expect(violations.map((v) => v.rule).sort()).toEqual(["S3_ENCRYPTED", "S3_LIFECYCLE", "S3_PUBLIC_ACCESS_BLOCKED", "S3_TLS_ONLY", "S3_VERSIONED"]);
    expect(violations[0]).toMatchObject({ path: "test/Naked", address: expect.stringMatching(/^aws_s3_bucket\.Naked/) });
    expect(new GuardrailError(violations).message).toMatch(/^guardrails: 5 violations\n {2}- test\/Naked \(aws_s3_bucket\.Naked\S*\): S3_ENCRYPTED: /);
  });

  test("the library's modules pass every rule", () => {
    const stack = testStack();
    new LogBucket(stack, "Logs", {
      bucketName: "acme-logs",
      accountId: ACCOUNT_ID,
      accessLogging: { targetBucket: "acme-access" },
      retentionRules: [{ prefix: "a/", expirationDays: 90 }],
    });
    expect(guardrailViolations(synthWithMetadata(stack) as never)).toEqual([]);
  });

  test("a suppression with a reason silences its rule, is recorded on the resource, and the others still apply", () => {
    const stack = testStack();
    const bucket = new S3Bucket(stack, "Naked", { bucket: "naked-bucket" });
    suppressGuardrail(bucket, "S3_LIFECYCLE", "A scratch bucket that a nightly job empties; no lifecycle needed.");
    const json = synthWithMetadata(stack) as SynthJson;
    expect(guardrailViolations(json as never).map((v) => v.rule)).not.toContain("S3_LIFECYCLE");
    expect(guardrailViolations(json as never).map((v) => v.rule)).toContain("S3_ENCRYPTED");
    const body = Object.values(json.resource.aws_s3_bucket)[0] as { "//": { lakehouse_suppressions: unknown } };
    expect(body["//"].lakehouse_suppressions).toEqual([{ rule: "S3_LIFECYCLE", reason: "A scratch bucket that a nightly job empties; no lifecycle needed." }]);
  });

  test("a suppression needs a known rule, a real reason and resources", () => {
    const stack = testStack();
    const bucket = new S3Bucket(stack, "B", { bucket: "b-bucket" });
    expect(() => suppressGuardrail(bucket, "S3_LIFECYCLE", "because")).toThrow(/needs a written reason of at least 20 characters/);
    expect(() => suppressGuardrail(bucket, "NO_SUCH_RULE", "a long enough reason for sure")).toThrow(/unknown guardrail rule NO_SUCH_RULE/);
    expect(() => suppressGuardrail(new TerraformStack(new App(), "empty"), "S3_LIFECYCLE", "a long enough reason for sure")).toThrow(/no resources/);
  });

  test("checkGuardrails reads every stack of a synth output, naming the stack", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "guardrails-")), "out");
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "bad");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new S3Bucket(stack, "Naked", { bucket: "naked-bucket" });
    app.synth();
    const violations = checkGuardrails(outdir);
    expect(violations.length).toBe(5);
    expect(violations.every((v) => v.stack === "bad")).toBe(true);
    expect(existsSync(join(outdir, "stacks", "bad", "cdk.tf.json"))).toBe(true);
    expect(readFileSync(join(outdir, "stacks", "bad", "cdk.tf.json"), "utf8")).toContain("naked-bucket");
  });
});

describe("guardrails over the lakehouse data path", () => {
  function pathStack(opts: { canary: boolean; s3Days: number; tableDays: number }) {
    const stack = testStack();
    const table = new SemiStructuredTable(stack, "Table", { database: "LOGS", schema: "T1", tableName: "OKTA" });
    new Snowpipe(stack, "Pipe", {
      database: "LOGS",
      schema: "T1",
      tableName: "OKTA",
      bucketName: "acme-t1-logs",
      keyPrefix: "okta/",
      storageIntegrationName: "I",
      eventTimeField: "published",
      waitFor: [table.table],
    });
    new LogBucket(stack, "Bucket", {
      bucketName: "acme-t1-logs",
      accountId: ACCOUNT_ID,
      accessLogging: { targetBucket: "acme-access" },
      retentionRules: [{ prefix: "okta/", expirationDays: opts.s3Days }],
    });
    new TableCleaner(stack, "Cleaner", { database: "LOGS", schema: "T1", tableName: "OKTA", retentionDays: opts.tableDays });
    if (opts.canary)
      new LogCanary(stack, "Canary", {
        database: "LOGS",
        schema: "T1",
        tableName: "OKTA",
        alertProcedure: tenantAlertProcedureName(alertStoreNames("LOGS"), "T1"),
      });
    return guardrailViolations(synthWithMetadata(stack) as never);
  }

  test("a complete source path passes", () => expect(pathStack({ canary: true, s3Days: 365, tableDays: 365 })).toEqual([]));

  test("LOG_TABLE_HAS_CANARY: a log table without a canary fails, naming the table", () => {
    const v = pathStack({ canary: false, s3Days: 365, tableDays: 365 });
    expect(v.map((x) => x.rule)).toEqual(["LOG_TABLE_HAS_CANARY"]);
    expect(v[0]).toMatchObject({ path: "test/Table/Resource", message: "no log canary task watches LOGS.T1.OKTA" });
  });

  test("S3_OUTLIVES_TABLE: files that expire before the table's rows fail; S3 keeping longer is fine", () => {
    const v = pathStack({ canary: true, s3Days: 100, tableDays: 200 });
    expect(v.map((x) => x.rule)).toEqual(["S3_OUTLIVES_TABLE"]);
    expect(v[0].message).toBe("S3 expires s3://acme-t1-logs/okta/ after 100 days but the table keeps rows 200 days");
    expect(pathStack({ canary: true, s3Days: 400, tableDays: 200 })).toEqual([]);
  });
});

describe("guardrails over wrapped sources' landing tables", () => {
  function landingStack(opts: { cleaner: boolean; started: boolean }) {
    const stack = testStack();
    const table = new SemiStructuredTable(stack, "Table", { database: "LOGS", schema: "T1", tableName: "CLOUDTRAIL" });
    new LogCanary(stack, "Canary", {
      database: "LOGS",
      schema: "T1",
      tableName: "CLOUDTRAIL",
      alertProcedure: tenantAlertProcedureName(alertStoreNames("LOGS"), "T1"),
    });
    const flattener = new RecordFlattener(stack, "Flattener", {
      database: "LOGS",
      schema: "T1",
      tableName: "CLOUDTRAIL",
      recordsPath: "Records",
      eventTimeField: "eventTime",
      waitFor: [table.table],
    });
    if (opts.cleaner) new TableCleaner(stack, "LandingCleaner", { database: "LOGS", schema: "T1", tableName: flattener.landingTable, retentionDays: 7 });
    const json = synthWithMetadata(stack);
    if (!opts.started) for (const t of Object.values(json.resource.snowflake_task)) if (String(t.name).endsWith("_FLATTENER")) t.started = false;
    return guardrailViolations(json as never);
  }

  test("a landing table with its stream, a started flattener and a cleaner passes", () => expect(landingStack({ cleaner: true, started: true })).toEqual([]));

  test("LANDING_TABLE_FLATTENED_AND_CLEANED: a landing table nobody purges or flattens fails, naming what is missing", () => {
    expect(landingStack({ cleaner: false, started: true })).toEqual([
      expect.objectContaining({
        rule: "LANDING_TABLE_FLATTENED_AND_CLEANED",
        path: "test/Flattener/Landing",
        message: "landing table LOGS.T1.CLOUDTRAIL_FILES: no started cleaner purges it (landing rows would be kept forever)",
      }),
    ]);
    expect(landingStack({ cleaner: true, started: false }).map((v) => v.message)).toEqual([
      "landing table LOGS.T1.CLOUDTRAIL_FILES: no started task flattens its stream",
    ]);
  });
});

describe("guardrails over Lambda functions and their log groups", () => {
  const KEY = "${aws_kms_key.k.arn}";
  /** A compliant puller-like function with its log group; `edit` breaks one thing. */
  function lambdaStack(edit: (r: Resources) => void = () => undefined): { resource: Resources } {
    const resource: Resources = {
      aws_cloudwatch_log_group: { lg: { name: "/aws/lambda/p", retention_in_days: 365, kms_key_id: KEY } },
      aws_lambda_function: {
        fn: {
          function_name: "p",
          dead_letter_config: { target_arn: "${aws_sqs_queue.dlq.arn}" },
          reserved_concurrent_executions: 1,
          environment: { variables: { PULLER_KIND: "okta" } },
          kms_key_arn: KEY,
          logging_config: { log_format: "JSON", log_group: "${aws_cloudwatch_log_group.lg.name}" },
        },
      },
    };
    edit(resource);
    return { resource };
  }
  const fn = (r: Resources) => r.aws_lambda_function.fn;

  test("a compliant function and log group pass every rule", () => expect(rulesHit(lambdaStack())).toEqual([]));

  test.each([
    ["LAMBDA_HAS_DLQ", (r: Resources) => delete fn(r).dead_letter_config],
    ["LAMBDA_RESERVED_CONCURRENCY", (r: Resources) => delete fn(r).reserved_concurrent_executions],
    ["LAMBDA_RESERVED_CONCURRENCY", (r: Resources) => (fn(r).reserved_concurrent_executions = -1)],
    ["LAMBDA_ENV_ENCRYPTED", (r: Resources) => delete fn(r).kms_key_arn],
  ])("%s fires on a crafted violation, and only it", (rule, edit) => {
    expect(rulesHit(lambdaStack(edit))).toEqual([rule]);
  });

  test("LAMBDA_ENV_ENCRYPTED: a function without environment variables needs no key", () => {
    expect(rulesHit(lambdaStack((r) => ((fn(r).environment = { variables: {} }), delete fn(r).kms_key_arn)))).toEqual([]);
  });

  test("LAMBDA_LOG_GROUP_MANAGED: a function whose log group is not in the stack fails; one found by its default name passes", () => {
    const v = guardrailViolations(lambdaStack((r) => delete r.aws_cloudwatch_log_group));
    expect(v.map((x) => x.rule)).toEqual(["LAMBDA_LOG_GROUP_MANAGED"]);
    expect(v[0].message).toMatch(/no aws_cloudwatch_log_group/);
    expect(rulesHit(lambdaStack((r) => delete fn(r).logging_config))).toEqual([]);
  });

  test("LOG_GROUP_RETENTION_AND_KMS: a log group without retention or key fails, on the group and on its function", () => {
    const v = guardrailViolations(
      lambdaStack((r) => (delete r.aws_cloudwatch_log_group.lg.retention_in_days, delete r.aws_cloudwatch_log_group.lg.kms_key_id)),
    );
    expect(v.map((x) => x.rule).sort()).toEqual(["LAMBDA_LOG_GROUP_MANAGED", "LOG_GROUP_RETENTION_AND_KMS"]);
    expect(v[0].message).toBe("log group /aws/lambda/p: no retention_in_days (kept forever), no kms_key_id");
  });
});

describe("guardrails over Firehose delivery streams and Kinesis streams", () => {
  const KEY = "${aws_kms_key.k.arn}";
  /** A compliant direct-PUT delivery stream with its log group, and a compliant Kinesis stream; `edit` breaks one thing. */
  function streamStack(edit: (r: Resources) => void = () => undefined): { resource: Resources } {
    const resource: Resources = {
      aws_cloudwatch_log_group: { lg: { name: "/aws/kinesisfirehose/s", retention_in_days: 365, kms_key_id: KEY } },
      aws_kinesis_firehose_delivery_stream: {
        fh: {
          name: "s",
          destination: "extended_s3",
          server_side_encryption: { enabled: true, key_type: "CUSTOMER_MANAGED_CMK", key_arn: KEY },
          extended_s3_configuration: {
            prefix: "edr/!{timestamp:yyyy/MM/dd/HH}/",
            error_output_prefix: "_firehose-errors/edr/!{firehose:error-output-type}/",
            kms_key_arn: KEY,
            cloudwatch_logging_options: { enabled: true, log_group_name: "${aws_cloudwatch_log_group.lg.name}", log_stream_name: "DestinationDelivery" },
          },
        },
      },
      aws_kinesis_stream: { ks: { name: "s", encryption_type: "KMS", kms_key_id: KEY } },
    };
    edit(resource);
    return { resource };
  }
  const fh = (r: Resources) => r.aws_kinesis_firehose_delivery_stream.fh;
  const s3 = (r: Resources) => fh(r).extended_s3_configuration as Record<string, unknown>;

  test("compliant streams pass every rule", () => expect(rulesHit(streamStack())).toEqual([]));

  test.each([
    ["FIREHOSE_ENCRYPTED", (r: Resources) => delete s3(r).kms_key_arn],
    ["FIREHOSE_ENCRYPTED", (r: Resources) => delete fh(r).server_side_encryption],
    ["FIREHOSE_ENCRYPTED", (r: Resources) => (fh(r).server_side_encryption = { enabled: true, key_type: "AWS_OWNED_CMK" })],
    ["FIREHOSE_LOGGING", (r: Resources) => ((s3(r).cloudwatch_logging_options as Record<string, unknown>).enabled = false)],
    ["FIREHOSE_LOGGING", (r: Resources) => ((s3(r).cloudwatch_logging_options as Record<string, unknown>).log_group_name = "/aws/kinesisfirehose/elsewhere")],
    ["FIREHOSE_ERRORS_APART", (r: Resources) => delete s3(r).error_output_prefix],
    ["FIREHOSE_ERRORS_APART", (r: Resources) => (s3(r).error_output_prefix = "edr/errors/!{firehose:error-output-type}/")],
    ["KINESIS_ENCRYPTED", (r: Resources) => (r.aws_kinesis_stream.ks.encryption_type = "NONE")],
    ["KINESIS_ENCRYPTED", (r: Resources) => (r.aws_kinesis_stream.ks.kms_key_id = "alias/aws/kinesis")],
  ])("%s fires on a crafted violation, and only it", (rule, edit) => {
    expect(rulesHit(streamStack(edit))).toEqual([rule]);
  });

  test("FIREHOSE_ENCRYPTED: a stream fed by Kinesis needs no buffer encryption of its own", () => {
    expect(
      rulesHit(
        streamStack(
          (r) => (delete fh(r).server_side_encryption, (fh(r).kinesis_source_configuration = { kinesis_stream_arn: "${aws_kinesis_stream.ks.arn}" })),
        ),
      ),
    ).toEqual([]);
  });

  test("FIREHOSE_LOGGING: a log group without retention fails on the stream and on the group", () => {
    expect(rulesHit(streamStack((r) => delete r.aws_cloudwatch_log_group.lg.retention_in_days)).sort()).toEqual([
      "FIREHOSE_LOGGING",
      "LOG_GROUP_RETENTION_AND_KMS",
    ]);
  });
});

describe("guardrails over backups (a tenant bucket replicating into its vault)", () => {
  const ADMIN = "arn:aws:iam::111111111111:role/acme-terraform";
  /** The real modules: a log bucket replicating into a one-tenant vault, synthesized with their stamps; `edit` breaks one thing. */
  function backupStack(edit: (r: Resources) => void = () => undefined): { resource: Resources } {
    const stack = testStack();
    const vault = new BackupVault(stack, "Vault", {
      bucketName: "acme-prod-globex-backup",
      accountId: ACCOUNT_ID,
      region: "eu-west-1",
      accessLoggingDisabledReason: "a guardrail test stack without an access-log bucket",
      adminRoleArns: [ADMIN],
      alarmsWithoutActionsReason: "a guardrail test stack without an alert topic",
      tenants: [
        {
          id: "globex",
          prefix: "",
          retentionDays: 365,
          sourceBucketName: "acme-prod-globex-logs",
          sourceKmsKeyArn: KMS_KEY_ARN,
          restoreRoleArn: "arn:aws:iam::111111111111:role/globex-restore",
        },
      ],
    });
    new LogBucket(stack, "Logs", {
      bucketName: "acme-prod-globex-logs",
      accountId: ACCOUNT_ID,
      accessLoggingDisabledReason: "a guardrail test stack without an access-log bucket",
      retentionRules: [{ prefix: "okta/", expirationDays: 365 }],
      replication: {
        roleArn: vault.replicationRoleArn,
        destinationBucketArn: vault.bucketArn,
        destinationKmsKeyArn: vault.kmsKeyArn,
        waitFor: vault.readyForReplication,
      },
    });
    const json = synthWithMetadata(stack) as unknown as { resource: Resources };
    edit(json.resource);
    return json;
  }
  const only = (r: Resources, type: string) => Object.values(r[type])[0];
  const rule0 = (r: Resources) => (only(r, "aws_s3_bucket_replication_configuration").rule as Record<string, Record<string, unknown>>[])[0];
  const vaultPolicy = (r: Resources) => Object.values(r.aws_s3_bucket_policy).find((p) => String(p.policy).includes("DenyDeletesAndLockBypass"))!;

  test("the modules' own backup path passes every rule", () => expect(rulesHit(backupStack())).toEqual([]));

  test.each([
    ["BACKUP_REPLICATION_SAFE", (r: Resources) => (rule0(r).delete_marker_replication = { status: "Enabled" })],
    ["BACKUP_REPLICATION_SAFE", (r: Resources) => delete rule0(r).destination.encryption_configuration],
    ["BACKUP_REPLICATION_SAFE", (r: Resources) => delete rule0(r).source_selection_criteria],
    ["BACKUP_REPLICATION_SAFE", (r: Resources) => (rule0(r).destination.metrics = { status: "Disabled" })],
    ["BACKUP_VAULT_LOCKED_DENY_ONLY", (r: Resources) => delete r.aws_s3_bucket_object_lock_configuration],
    [
      "BACKUP_VAULT_LOCKED_DENY_ONLY",
      (r: Resources) => {
        const doc = JSON.parse(String(vaultPolicy(r).policy)) as { Statement: Record<string, unknown>[] };
        doc.Statement.push({
          Sid: "AllowAuditorRead",
          Effect: "Allow",
          Principal: { AWS: ADMIN },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::acme-prod-globex-backup/*",
        });
        vaultPolicy(r).policy = JSON.stringify(doc);
      },
    ],
    [
      "BACKUP_VAULT_LOCKED_DENY_ONLY",
      (r: Resources) => {
        const doc = JSON.parse(String(vaultPolicy(r).policy)) as { Statement: Record<string, unknown>[] };
        doc.Statement = doc.Statement.filter((st) => st.Sid !== "DenyDeletesAndLockBypass");
        vaultPolicy(r).policy = JSON.stringify(doc);
      },
    ],
  ])("%s fires on a crafted violation, and only it", (rule, edit) => {
    expect(rulesHit(backupStack(edit))).toEqual([rule]);
  });
});

describe("guardrails over Snowflake objects that hold data, and warehouses' monitors", () => {
  const kept = { lifecycle: { prevent_destroy: true } };
  /** A database, schema and table as the modules make them; `edit` breaks one thing. */
  function dataStack(edit: (r: Resources) => void = () => undefined): { resource: Resources } {
    const resource: Resources = {
      snowflake_database: { db: { name: "LOGS", ...kept } },
      snowflake_schema: { s: { database: "LOGS", name: "T1", ...kept } },
      snowflake_table: { t: { database: "LOGS", schema: "T1", name: "ALERTS", ...kept } },
      snowflake_warehouse: { wh: { name: "Q_WH", lifecycle: { ignore_changes: ["resource_monitor"] } } },
      snowflake_execute: {
        assign: { execute: "ALTER WAREHOUSE Q_WH SET RESOURCE_MONITOR = Q_WH_MONITOR", revert: "ALTER WAREHOUSE Q_WH UNSET RESOURCE_MONITOR" },
      },
    };
    edit(resource);
    return { resource };
  }

  test("objects kept on destroy and a warehouse assigned its monitor (by an administrator's statement) pass", () => expect(rulesHit(dataStack())).toEqual([]));

  test.each([
    ["SNOWFLAKE_DATA_KEPT_ON_DESTROY", (r: Resources) => delete r.snowflake_database.db.lifecycle],
    ["SNOWFLAKE_DATA_KEPT_ON_DESTROY", (r: Resources) => (r.snowflake_schema.s.lifecycle = { prevent_destroy: false })],
    ["SNOWFLAKE_DATA_KEPT_ON_DESTROY", (r: Resources) => delete r.snowflake_table.t.lifecycle],
    ["WAREHOUSE_HAS_RESOURCE_MONITOR", (r: Resources) => delete r.snowflake_execute],
    ["WAREHOUSE_HAS_RESOURCE_MONITOR", (r: Resources) => (r.snowflake_execute.assign.execute = "ALTER WAREHOUSE OTHER_WH SET RESOURCE_MONITOR = Q_WH_MONITOR")],
  ])("%s fires on a crafted violation, and only it", (rule, edit) => {
    expect(rulesHit(dataStack(edit))).toEqual([rule]);
  });

  test("a monitor set on the warehouse itself also counts", () => {
    expect(rulesHit(dataStack((r) => ((r.snowflake_warehouse.wh = { name: "Q_WH", resource_monitor: "Q_WH_MONITOR" }), delete r.snowflake_execute)))).toEqual(
      [],
    );
  });

  test("SNOWFLAKE_DATA_KEPT_ON_DESTROY names what would be dropped", () => {
    const [v] = guardrailViolations(dataStack((r) => delete r.snowflake_table.t.lifecycle));
    expect(v.message).toBe("LOGS.T1.ALERTS has no lifecycle.prevent_destroy: a plan could drop it with the data it holds");
  });
});
