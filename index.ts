/**
 * security-lakehouse: versioned CDKTF modules and the config-driven composition layer. Every module
 * (with its Props and output types), the stacks layer and the review API are exported here, and
 * each also from its own subpath (`security-lakehouse/modules/<cloud>/<module>`,
 * `security-lakehouse/stacks`, `security-lakehouse/review`); test/package.test.ts checks both on
 * the packed tarball.
 */
export * from "./modules/core/errors";
export * from "./modules/core/naming";
export * from "./modules/core/stamp";
export * from "./modules/core/versions";
export * from "./modules/core/snowflake-preview";
export * from "./modules/core/guardrails";
export type { SchemaObject } from "./modules/snowflake/schema-object";
// Types of module props and outputs that live with the SQL builders.
export type { AlertStoreNames } from "./modules/snowflake/alert-store/sql";
export type { ExpectedTableChange } from "./modules/snowflake/account-monitors/sql";
export type { OwnedObject } from "./modules/snowflake/pipeline-ownership/sql";
export * from "./modules/aws/kms-key";
export * from "./modules/aws/log-bucket";
export * from "./modules/aws/access-log-bucket";
export * from "./modules/aws/snowflake-access-role";
export * from "./modules/aws/tenant-access-roles";
export * from "./modules/aws/log-guard-scp";
export * from "./modules/aws/alert-topic";
export * from "./modules/aws/audit-trail";
export * from "./modules/aws/log-puller";
export * from "./modules/aws/firehose-delivery";
export * from "./modules/aws/kinesis-stream";
export * from "./modules/aws/kafka-ingest";
export * from "./modules/aws/backup-vault";
export * from "./modules/snowflake/storage-integration";
export * from "./modules/snowflake/semi-structured-table";
export * from "./modules/snowflake/snowpipe";
export * from "./modules/snowflake/record-flattener";
export * from "./modules/snowflake/alert-store";
export * from "./modules/snowflake/log-canary";
export * from "./modules/snowflake/table-cleaner";
export * from "./modules/snowflake/account-monitors";
export * from "./modules/snowflake/tenant-roles";
export * from "./modules/snowflake/pipeline-ownership";
export * from "./modules/snowflake/alert-delivery";
export * from "./modules/snowflake/warehouse";
export * from "./modules/snowflake/backfill-warehouse";
export * from "./stacks";
export * from "./review";
