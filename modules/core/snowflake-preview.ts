import { TerraformResource, TerraformDataSource } from "cdktf";
import { IConstruct } from "constructs";

/**
 * Snowflake provider 2.11 refuses to apply preview resources unless the provider lists them in
 * `preview_features_enabled` (synth and plan do not notice). This maps our preview resource types to
 * their feature names so a stack can enable exactly what it uses.
 */
const PREVIEW_FEATURES: Record<string, string> = {
  snowflake_storage_integration: "snowflake_storage_integration_resource",
  snowflake_stage: "snowflake_stage_resource",
  snowflake_file_format: "snowflake_file_format_resource",
  snowflake_table: "snowflake_table_resource",
  snowflake_pipe: "snowflake_pipe_resource",
  snowflake_alert: "snowflake_alert_resource",
  snowflake_procedure_sql: "snowflake_procedure_sql_resource",
  snowflake_procedure_javascript: "snowflake_procedure_javascript_resource",
  snowflake_notification_integration: "snowflake_notification_integration_resource",
  snowflake_email_notification_integration: "snowflake_email_notification_integration_resource",
  "data.snowflake_system_get_aws_sns_iam_policy": "snowflake_system_get_aws_sns_iam_policy_datasource",
};

/** The preview features the resources under `scope` need, sorted. */
export function previewFeaturesFor(scope: IConstruct): string[] {
  const features = new Set<string>();
  for (const node of scope.node.findAll()) {
    if (node instanceof TerraformResource) {
      const feature = PREVIEW_FEATURES[node.terraformResourceType];
      if (feature) features.add(feature);
    } else if (node instanceof TerraformDataSource) {
      const feature = PREVIEW_FEATURES[`data.${node.terraformResourceType}`];
      if (feature) features.add(feature);
    }
  }
  return [...features].sort();
}
