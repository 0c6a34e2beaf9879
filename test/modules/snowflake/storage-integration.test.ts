import { TerraformOutput } from "cdktf";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { StorageIntegration, StorageIntegrationProps } from "../../../modules/snowflake/storage-integration";
import { onlyResource, synthJson, testStack } from "../../support/synth";

describe("StorageIntegration", () => {
  const base: StorageIntegrationProps = {
    name: "ACME_PROD_GLOBEX_OKTA_S3",
    roleArn: "arn:aws:iam::111111111111:role/acme-prod-globex-okta-snowflake",
    allowedLocations: ["s3://acme-prod-globex-logs/okta/"],
  };

  test("an enabled S3 external-stage integration limited to its locations, with the external id Snowflake generates", () => {
    const stack = testStack();
    const integration = new StorageIntegration(stack, "Integration", { ...base, comment: "okta" });
    new TerraformOutput(stack, "external_id", { value: integration.externalId });
    const json = synthJson(stack) as ReturnType<typeof synthJson> & { output: Record<string, { value: string }> };
    const r = onlyResource(json, "snowflake_storage_integration");
    expect(r).toMatchObject({
      name: "ACME_PROD_GLOBEX_OKTA_S3",
      type: "EXTERNAL_STAGE",
      enabled: true,
      storage_provider: "S3",
      storage_aws_role_arn: base.roleArn,
      storage_allowed_locations: ["s3://acme-prod-globex-logs/okta/"],
      comment: "okta [snowflake/storage-integration@0.2.0]",
    });
    expect(r.storage_blocked_locations).toBeUndefined();
    // Not set: Snowflake generates it; the role's trust reads it back from DESCRIBE INTEGRATION.
    expect(r).not.toHaveProperty("storage_aws_external_id");
    expect(json.output.external_id.value).toMatch(
      /^\$\{snowflake_storage_integration\.Integration_[0-9A-F]+\.describe_output\[0\]\.storage_aws_external_id\[0\]\.value\}$/,
    );
    expect(integration.replacementTrigger).toMatch(/^snowflake_storage_integration\.Integration_[0-9A-F]+\.id$/);
  });

  test.each([
    [{ name: "lower" }, /name: must be an upper-case Snowflake identifier/],
    [{ allowedLocations: [] }, /allowedLocations: at least one location/],
    [{ allowedLocations: ["s3://bucket/*"] }, /allowedLocations\[0\]: must be s3:\/\/bucket\/prefix\//],
    [{ roleArn: "arn:aws:iam::1:role/x" }, /roleArn: must be an IAM role ARN/],
  ] as [Partial<StorageIntegrationProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new StorageIntegration(testStack(), "I", { ...base, ...props })).toThrow(LakehouseValidationError);
    expect(() => new StorageIntegration(testStack(), "I", { ...base, ...props })).toThrow(message);
  });
});
