import { TerraformOutput, TerraformStack } from "cdktf";

/**
 * The outputs of each stack: what an operator or another stack needs after apply (bucket and key ARNs,
 * the IAM user and external id each Snowflake integration assumes with, secret, topic and queue ARNs),
 * read with `terraform output -json` instead of out of the state. One catalog per stack kind is the
 * documentation (docs/outputs.md is generated from it) and the type of what a stack may declare.
 */
export const TENANT_OUTPUTS = {
  log_bucket: "The tenant's raw log bucket: `name`, `arn`, and `kms_key_arn`, the tenant key every object is encrypted with.",
  aws_roles:
    "ARNs of the tenant's AWS roles, made for the principals `access` names: `read` (with readers) and `ops` (with operators) on its prefixes and key, and with operators and a backup `restore` and `restore_batch` (what `lakehouse restore` assumes). Absent when `access` names nobody.",
  snowflake: "The tenant's Snowflake side: `schema` (`DATABASE.SCHEMA`) and its roles `reader`, `analyst` and `pipeline`.",
  backup_vault:
    "With `backup`: the tenant's vault, `bucket_name`, `bucket_arn`, `kms_key_arn` and the `replication_role_arn` that writes into it. Absent without a backup.",
  sources:
    "One entry per source, by name: `prefix` in the log bucket (with `bucket`, for a source on an existing bucket, in that bucket); `table` and `pipe` (qualified names); `notification_channel`, the SQS queue the bucket notifies (an existing bucket's owner points its notification there: lakehouse external-access); `integration` with the storage integration's `name`, `iam_user_arn` and `external_id` (what the access role trusts); `access_role_arn`; and by delivery `puller` or `kafka` (`function_name`, `secret_arn`: put the source's credentials there) or `firehose` (`delivery_stream_name`, `delivery_stream_arn`, `kinesis_stream_arn`).",
} as const;

export const PLATFORM_OUTPUTS = {
  log_database: "The environment's Snowflake log database (one per Snowflake account, same name).",
  regions:
    "One entry per region holding tenants: `access_log_bucket` (the tenants' server access logs), `query_warehouse`, `backfill_warehouse` and `backfill_role`; with SNS alert delivery `alert_topic_arn` (subscribe here) and the alert integration's `alert_integration_iam_user_arn` and `alert_integration_external_id`.",
  audit_trail: "Unless `auditTrail: false`: the audit trail's `trail_arn`, `bucket_name` and `kms_key_arn`.",
} as const;

/**
 * Declares `values` as the stack's outputs, each described from its catalog; a value left undefined is
 * not declared (an optional part the config does not build).
 */
export function declareOutputs<C extends Readonly<Record<string, string>>>(
  stack: TerraformStack,
  catalog: C,
  values: { readonly [K in keyof C]?: unknown },
): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    new TerraformOutput(stack, `output_${name}`, { value, description: catalog[name] }).overrideLogicalId(name);
  }
}

/** An object without its undefined fields: a source's delivery parts it does not have are left out, not null. */
export function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
