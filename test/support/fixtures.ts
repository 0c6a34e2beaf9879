import { LakehouseConfigInput } from "../../stacks/config/schema";

/**
 * Values many tests share, declared once. A test that needs a value of its own (a key in another
 * region, an account that owns a foreign bucket) still writes it where it is used, so the reader sees why.
 */

/** The environment's AWS account: most tenants of the tests live in it. */
export const ACCOUNT_ID = "111111111111";
/** A tenant's own AWS account (hooli's in the default example). */
export const TENANT_ACCOUNT_ID = "222222222222";
/** An account that owns a bucket the lakehouse only reads (an organization trail's). */
export const OWNER_ACCOUNT_ID = "333333333333";

/** A tenant's log key in ACCOUNT_ID, eu-west-1 (the region of testStack()). */
export const KMS_KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT_ID}:key/11111111-2222-3333-4444-555555555555`;
/** A second key in the same account and region (a backup vault's, or a second tenant's). */
export const SECOND_KMS_KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT_ID}:key/66666666-7777-8888-9999-000000000000`;
/** The key of a bucket of OWNER_ACCOUNT_ID (an organization trail's), in us-east-1. */
export const OWNER_KMS_KEY_ARN = `arn:aws:kms:us-east-1:${OWNER_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** The alert topic of the environment, in ACCOUNT_ID. */
export const ALERT_TOPIC_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT_ID}:acme-prod-lakehouse-alerts`;

type SourceInput = LakehouseConfigInput["tenants"][number]["sources"][number];
type EnvironmentInput = LakehouseConfigInput["environments"][number];
type Region = LakehouseConfigInput["tenants"][number]["region"];

/** An okta puller, the one source of minimalConfig() unless told otherwise. */
export const OKTA_PULLER: SourceInput = { name: "okta", delivery: { kind: "puller" }, eventTimeField: "published" };

export interface MinimalConfigOptions {
  /** The tenant's sources. @default [OKTA_PULLER] */
  readonly sources?: SourceInput[];
  /** The tenant's id. @default "globex" */
  readonly tenant?: string;
  /** The tenant's region, and its Snowflake account's. @default "us-east-1" */
  readonly region?: Region;
  /** Fields of the environment to set or replace. @default none */
  readonly environment?: Partial<EnvironmentInput>;
}

/**
 * The smallest valid config: organization acme, environment prod in ACCOUNT_ID with one Snowflake
 * account (O/A) in the tenant's region, and one tenant (globex, us-east-1) with the given sources
 * (an okta puller by default). A fresh object each call: tests edit it freely.
 */
export function minimalConfig(o: MinimalConfigOptions = {}): LakehouseConfigInput {
  const region: Region = o.region ?? "us-east-1";
  return {
    organization: "acme",
    environments: [{ name: "prod", awsAccountId: ACCOUNT_ID, snowflakeAccounts: [{ region, organization: "O", account: "A" }], ...o.environment }],
    tenants: [{ id: o.tenant ?? "globex", region, sources: structuredClone(o.sources ?? [OKTA_PULLER]) }],
  };
}
