/**
 * Using the modules directly, without the config layer — the way one instantiates a single versioned
 * Terraform module (seed 002): one log source, Google Workspace audit logs, from bucket to views,
 * with its log canary and table cleaner.
 *
 *   npm run build && node dist/examples/direct-modules/main.js [outdir]
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnowflakeProvider } from "@cdktf/provider-snowflake/lib/provider";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { KmsKey } from "../../modules/aws/kms-key";
import { LogBucket } from "../../modules/aws/log-bucket";
import { SnowflakeAccessRole } from "../../modules/aws/snowflake-access-role";
import { previewFeaturesFor } from "../../modules/core/snowflake-preview";
import { AlertStore, TenantAlertWriter } from "../../modules/snowflake/alert-store";
import { LogCanary } from "../../modules/snowflake/log-canary";
import { SemiStructuredTable } from "../../modules/snowflake/semi-structured-table";
import { Snowpipe } from "../../modules/snowflake/snowpipe";
import { StorageIntegration } from "../../modules/snowflake/storage-integration";
import { TableCleaner } from "../../modules/snowflake/table-cleaner";
import { enforceGuardrails, guardrailsModeFromEnv } from "../../stacks/synth/guardrails";
import { requireProviderVersions } from "../../stacks/providers";
import { BootstrapPlan, accountPrivilege } from "../../stacks/bootstrap/plan";
import { DEPLOY_WAREHOUSE } from "../../stacks/bootstrap/from-config";

const ACCOUNT = "222222222222";
const DEPLOY_ROLE = "EXAMPLE_DEPLOYER";
const DEPLOY_WAREHOUSE_NAME = "EXAMPLE_DEPLOY";
const BUCKET = "example-gsuite-audit-logs";

export class GsuiteAuditStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new LocalBackend(this, { path: `terraform-state/${id}.tfstate` });
    new AwsProvider(this, "aws", { region: "us-east-1", allowedAccountIds: [ACCOUNT] });
    // The role and warehouse of directExampleBootstrap() below: an administrator runs its SQL once
    // (`bootstrapSql(directExampleBootstrap())`), and Terraform never works as ACCOUNTADMIN.
    const snowflake = new SnowflakeProvider(this, "snowflake", {
      organizationName: "EXAMPLEORG",
      accountName: "SECURITY",
      role: DEPLOY_ROLE,
      warehouse: DEPLOY_WAREHOUSE_NAME,
    });
    // Provider version constraints: AWS ">= 6.34, < 7", Snowflake "2.11.0" unless given here.
    requireProviderVersions(this);

    const key = new KmsKey(this, "Key", { accountId: ACCOUNT, aliasName: BUCKET, description: "Google Workspace audit logs" });

    const roleName = "example-gsuite-audit-snowflake";
    const integration = new StorageIntegration(this, "Integration", {
      name: "GSUITE_AUDIT_S3",
      roleArn: SnowflakeAccessRole.arnFor(ACCOUNT, roleName),
      allowedLocations: [`s3://${BUCKET}/gsuite/`],
    });
    const role = new SnowflakeAccessRole(this, "AccessRole", {
      roleName,
      accountId: ACCOUNT,
      snowflakeIamUserArn: integration.iamUserArn,
      externalId: integration.externalId,
      bucketArn: `arn:aws:s3:::${BUCKET}`,
      prefixes: ["gsuite/"],
      kmsKeyArn: key.keyArn,
    });

    const table = new SemiStructuredTable(this, "Table", {
      database: "LOGS_PROD",
      schema: "RAW",
      tableName: "GSUITE_AUDIT",
      comment: "Google Workspace audit logs",
      views: {
        GSUITE_AUDIT_VIEW:
          "parse_time, event_time, data:kind AS kind, data:id.applicationName AS application_name, data:actor.email AS actor_email, " +
          "data:ipAddress AS ip_address, data:events AS events, ARRAY_CONSTRUCT(data:ipAddress) AS ip_indicators, ARRAY_CONSTRUCT(data:actor.email) AS email_indicators",
      },
      searchOptimizationPaths: ["actor.email"],
    });
    const pipe = new Snowpipe(this, "Pipe", {
      database: table.database,
      schema: table.schema,
      tableName: table.tableName,
      bucketName: BUCKET,
      keyPrefix: "gsuite/",
      storageIntegrationName: integration.integrationName,
      storageIntegrationReplacementTrigger: integration.replacementTrigger,
      eventTimeField: "id.time",
      waitFor: [table.table, role.permissions],
    });

    // Watch the source and keep the table's retention (the guardrails require a canary per log table).
    // The canary raises alerts through the schema's alert procedure (here it runs as the procedure's owner).
    const alerts = new AlertStore(this, "AlertStore", { database: "LOGS_PROD" });
    const writer = new TenantAlertWriter(this, "AlertWriter", {
      alertStore: alerts.names,
      tenant: "example",
      tenantSchema: table.schema,
      waitFor: [...alerts.tables],
    });
    new LogCanary(this, "Canary", {
      database: table.database,
      schema: table.schema,
      tableName: table.tableName,
      alertProcedure: writer.procedureName,
      windowMinutes: 30,
      pipeName: pipe.pipeName,
      waitFor: [table.table, ...writer.ready],
    });
    new TableCleaner(this, "Cleaner", {
      database: table.database,
      schema: table.schema,
      tableName: table.tableName,
      retentionDays: 400,
      waitFor: [table.table],
    });

    new LogBucket(this, "Bucket", {
      bucketName: BUCKET,
      accountId: ACCOUNT,
      kmsKeyArn: key.keyArn,
      accessLogging: { targetBucket: "example-s3-access-logs" },
      retentionRules: [{ prefix: "gsuite/", expirationDays: 400, transitions: [{ days: 90, storageClass: "GLACIER_IR" }] }],
      notifications: [{ prefix: "gsuite/", queueArn: pipe.notificationChannel }],
    });

    snowflake.previewFeaturesEnabled = previewFeaturesFor(this);
  }
}

/**
 * What an administrator grants once for this stack, as `lakehouse bootstrap snowflake` does for a
 * config: the stack works in a database and schema that exist already (LOGS_PROD.RAW), so instead of
 * CREATE DATABASE its role gets exactly what it creates there. Print it with
 * `bootstrapSql(directExampleBootstrap())` (stacks/bootstrap/plan).
 */
export function directExampleBootstrap(): BootstrapPlan {
  const role = DEPLOY_ROLE;
  const inRaw = (privilege: string, why: string) => ({
    kind: "privilege" as const,
    privilege,
    on: { type: "SCHEMA" as const, name: "LOGS_PROD.RAW" },
    to: role,
    why,
  });
  return {
    account: "EXAMPLEORG-SECURITY",
    deploys: ["stack gsuite-audit"],
    deployRole: role,
    warehouse: { name: DEPLOY_WAREHOUSE_NAME, monitor: `${DEPLOY_WAREHOUSE_NAME}_MONITOR`, ...DEPLOY_WAREHOUSE },
    roles: [{ name: role, comment: "Terraform deploys the gsuite-audit example as this role" }],
    grants: [
      {
        kind: "privilege",
        privilege: "USAGE",
        on: { type: "WAREHOUSE", name: DEPLOY_WAREHOUSE_NAME },
        to: role,
        why: "the provider connects with it (views read policy references)",
      },
      accountPrivilege("CREATE INTEGRATION", role, "the source's storage integration"),
      accountPrivilege("EXECUTE MANAGED TASK", role, "the canary and the cleaner are serverless tasks it owns"),
      accountPrivilege("EXECUTE TASK", role, "it resumes and runs the tasks it owns"),
      { kind: "privilege", privilege: "USAGE", on: { type: "DATABASE", name: "LOGS_PROD" }, to: role, why: "everything lives in LOGS_PROD" },
      { kind: "privilege", privilege: "CREATE SCHEMA", on: { type: "DATABASE", name: "LOGS_PROD" }, to: role, why: "the alert store's MONITORING schema" },
      inRaw("USAGE", "the log table and its pipeline live in LOGS_PROD.RAW"),
      ...["TABLE", "VIEW", "FILE FORMAT", "STAGE", "PIPE", "TASK"].map((type) => inRaw(`CREATE ${type}`, `the source's ${type.toLowerCase()}`)),
      inRaw("ADD SEARCH OPTIMIZATION", "search optimization on actor.email"),
    ],
    notes: [],
  };
}

export function buildDirectExample(app: App): GsuiteAuditStack {
  return new GsuiteAuditStack(app, "gsuite-audit");
}

if (require.main === module) {
  const outdir = process.argv[2] ?? "cdktf.out";
  const app = new App({ outdir });
  buildDirectExample(app);
  app.synth();
  enforceGuardrails(outdir, guardrailsModeFromEnv());
}
