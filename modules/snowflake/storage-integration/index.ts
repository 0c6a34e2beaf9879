import { StorageIntegration as SnowflakeStorageIntegrationResource } from "@cdktf/provider-snowflake/lib/storage-integration";
import { Construct } from "constructs";
import { z } from "zod";
import { stampModule } from "../../core/stamp";
import { knownRoleArn, parseProps, pathOf, snowflakeIdentifier } from "../../core/validate";

export const STORAGE_INTEGRATION_MODULE = "snowflake/storage-integration" as const;

export interface StorageIntegrationProps {
  /** Integration name, an upper-case unquoted Snowflake identifier. */
  readonly name: string;
  /**
   * ARN of the IAM role Snowflake assumes. Build it from a known role name
   * (`SnowflakeAccessRole.arnFor(account, roleName)`) so the role can trust this integration's
   * IAM user in the same apply.
   */
  readonly roleArn: string;
  /** `s3://bucket/prefix/` locations stages on this integration may read; at least one. */
  readonly allowedLocations: readonly string[];
  /** Locations explicitly refused even if inside an allowed one. @default none */
  readonly blockedLocations?: readonly string[];
  /** Human description; the module stamp is appended. @default the stamp only */
  readonly comment?: string;
}

const s3Location = z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9-]{1,61}[a-z0-9](\/[^*]*)?\/$/, "must be s3://bucket/prefix/ ending in '/', without wildcards");

const propsSchema = z.object({
  name: snowflakeIdentifier(),
  roleArn: knownRoleArn(),
  allowedLocations: z.array(s3Location).min(1, "at least one location is required"),
  blockedLocations: z.array(s3Location).default([]),
  comment: z.string().max(200).optional(),
});

/**
 * A Snowflake storage integration for S3 (type EXTERNAL_STAGE), limited to the given locations.
 * `iamUserArn` is the Snowflake-side IAM user the access role must trust, with `externalId`.
 *
 * The external id is Snowflake's own: the integration does not set `storage_aws_external_id`, so
 * Snowflake generates one when it creates the integration, and `externalId` reads it back from
 * `DESCRIBE INTEGRATION` (`describe_output`). One IAM user serves every integration of a Snowflake
 * account, so the external id is all that keeps another integration of the account (anyone allowed
 * CREATE INTEGRATION there) from assuming this one's role: it must not be derivable from names.
 *
 * Replacing the integration (a new name) orphans stages bound to it: stages take
 * `replacementTrigger` in their `replace_triggered_by`.
 */
export class StorageIntegration extends Construct {
  /** Integration name to use in stages. */
  public readonly integrationName: string;
  /** Snowflake's IAM user (computed at apply) that assumes the role. */
  public readonly iamUserArn: string;
  /**
   * The external id Snowflake generated for this integration (`describe_output`, known after apply):
   * what the role's trust policy must require.
   */
  public readonly externalId: string;
  /**
   * A `replace_triggered_by` reference that changes only when the integration is replaced, not when
   * it is updated in place (its id is the name, unknown only while being recreated).
   */
  public readonly replacementTrigger: string;
  /** The integration resource, for `depends_on` of grants on it. */
  public readonly integration: SnowflakeStorageIntegrationResource;

  constructor(scope: Construct, id: string, props: StorageIntegrationProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, STORAGE_INTEGRATION_MODULE);

    const integration = (this.integration = new SnowflakeStorageIntegrationResource(this, "Resource", {
      name: p.name,
      type: "EXTERNAL_STAGE",
      enabled: true,
      storageProvider: "S3",
      storageAwsRoleArn: p.roleArn,
      // storage_aws_external_id unset: Snowflake generates it (read back below).
      storageAllowedLocations: [...p.allowedLocations],
      storageBlockedLocations: p.blockedLocations.length > 0 ? [...p.blockedLocations] : undefined,
      comment: p.comment,
    }));
    this.integrationName = p.name;
    this.iamUserArn = integration.storageAwsIamUserArn;
    this.externalId = integration.describeOutput.get(0).storageAwsExternalId.get(0).value;
    this.replacementTrigger = `${integration.terraformResourceType}.${integration.friendlyUniqueId}.id`;
  }
}
