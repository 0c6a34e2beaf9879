/**
 * The one registry of module versions. A change to what a module synthesizes needs a bump here and
 * a CHANGELOG.md line; every resource a module creates carries `<name>@<version>`.
 */
export const MODULE_VERSIONS = {
  "aws/kms-key": "0.3.1",
  "aws/log-bucket": "0.4.0",
  "aws/access-log-bucket": "0.2.0",
  "aws/snowflake-access-role": "0.3.0",
  "aws/tenant-access-roles": "0.3.0",
  "aws/log-guard-scp": "0.2.1",
  "aws/alert-topic": "0.2.1",
  "aws/audit-trail": "0.2.0",
  "aws/log-puller": "0.1.1",
  "aws/firehose-delivery": "0.1.1",
  "aws/kinesis-stream": "0.1.0",
  "aws/kafka-ingest": "0.1.1",
  "aws/backup-vault": "0.2.1",
  "snowflake/storage-integration": "0.2.0",
  "snowflake/semi-structured-table": "0.2.0",
  "snowflake/snowpipe": "0.3.0",
  "snowflake/alert-store": "0.2.0",
  "snowflake/log-canary": "0.2.0",
  "snowflake/table-cleaner": "0.2.0",
  "snowflake/account-monitors": "0.3.0",
  "snowflake/tenant-roles": "0.3.0",
  "snowflake/pipeline-ownership": "0.3.0",
  "snowflake/alert-delivery": "0.3.0",
  "snowflake/warehouse": "0.2.0",
  "snowflake/record-flattener": "0.2.0",
  "snowflake/backfill-warehouse": "0.2.0",
  "snowflake/monitoring-role": "0.1.0",
  "stacks/platform": "0.5.0",
  "stacks/tenant": "0.5.0",
} as const;

export type ModuleName = keyof typeof MODULE_VERSIONS;

/** The library's own version (package.json), what consumers pin with a git tag `v<version>`. */
export const LIBRARY_VERSION = "0.5.0";
