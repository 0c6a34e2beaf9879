/** security-lakehouse: versioned CDKTF modules and the config-driven composition layer. */
export * from "./modules/core/errors";
export * from "./modules/core/naming";
export * from "./modules/core/stamp";
export * from "./modules/core/versions";
export * from "./modules/core/snowflake-preview";
export * from "./modules/aws/kms-key";
export * from "./modules/aws/log-bucket";
export * from "./modules/aws/access-log-bucket";
export * from "./modules/aws/snowflake-access-role";
export * from "./modules/snowflake/storage-integration";
export * from "./modules/snowflake/semi-structured-table";
export * from "./modules/snowflake/snowpipe";
export * from "./stacks";
export * from "./modules/aws/log-puller";
export * from "./modules/aws/kafka-ingest";
