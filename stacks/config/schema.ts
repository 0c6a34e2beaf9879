import { z } from "zod";
import { awsAccountId, bucketSafeSlug } from "./fields";
import { tenantSchema } from "./tenant-schema";
import { environmentSchema } from "./environment-schema";
import { defaultsSchema } from "./defaults-schema";
import { crossCheck } from "./cross-checks";

/*
 * The config's levels each have a file of their own (source-schema.ts, tenant-schema.ts,
 * environment-schema.ts, defaults-schema.ts); this one puts them together.
 *
 * Every field carries its description in the schema (`.describe`, last in its chain: zod drops a
 * description given before a refine), so the JSON Schema for editors and the configuration reference
 * (docs/configuration.md) say the same; a test fails on a key without one.
 */

/** AWS's quotas the config is checked against (Service Quotas: IAM, Lambda). */
export const AWS_QUOTA_LIMITS = {
  /** IAM roles per account, by default. */
  iamRolesDefault: 1000,
  /** IAM roles per account, at most (a quota increase stops here). */
  iamRolesHard: 5000,
  /** Lambda concurrent executions per account and region, by default. */
  lambdaConcurrencyDefault: 1000,
  /** Lambda keeps at least this much of a region's pool unreserved: reservations beyond it are refused. */
  unreservedConcurrencyMinimum: 100,
} as const;

/** Quotas of one AWS account where they were raised from AWS's defaults (Service Quotas). */
const accountQuotas = z
  .strictObject({
    iamRoles: z
      .number()
      .int()
      .min(1)
      .max(AWS_QUOTA_LIMITS.iamRolesHard, `IAM allows at most ${AWS_QUOTA_LIMITS.iamRolesHard.toLocaleString("en-US")} roles per account`)
      .optional()
      .describe("IAM roles the account may hold, 1-5000. Default 1000 (AWS's default quota)."),
    lambdaConcurrentExecutions: z
      .number()
      .int()
      .min(AWS_QUOTA_LIMITS.unreservedConcurrencyMinimum)
      .optional()
      .describe("Lambda concurrent executions per region, the account's regional pool. Default 1000; 100 of it always stay unreserved."),
  })
  .describe("The quotas of one AWS account, where they were raised from AWS's defaults.");

const lakehouseShape = z.strictObject({
  organization: bucketSafeSlug(15).describe(
    "Your organization's short name, such as acme. It begins the names of buckets, keys and IAM roles, and of Snowflake databases, roles and warehouses.",
  ),
  environments: z.array(environmentSchema).min(1, "at least one environment is required").describe("The environments, at least one."),
  defaults: defaultsSchema.optional(),
  tenants: z.array(tenantSchema).min(1, "at least one tenant is required").describe("The tenants, at least one."),
  awsQuotas: z
    .record(awsAccountId, accountQuotas)
    .optional()
    .describe(
      'Raised quotas per AWS account id ("111111111111": { iamRoles: 2500 }). The config is refused when an account would receive more IAM roles, or reserve more Lambda concurrency in a region, than its quotas allow (docs/accounts.md). Default: AWS\'s default quotas.',
    ),
});

/** The whole config schema: shape, then the cross-field checks. */
export const lakehouseConfigSchema = lakehouseShape
  .superRefine((value, ctx) => crossCheck(value, (path, message) => ctx.addIssue({ code: "custom", path, message })))
  .describe(
    "The lakehouse config: organization × environments × tenants × log sources. Written as YAML (checked by editors against schema/lakehouse.schema.json) or built in TypeScript as a LakehouseConfigInput. Unknown keys are errors, so a typo never silently falls back to a default.",
  );

export type LakehouseConfigInput = z.input<typeof lakehouseConfigSchema>;
export type LakehouseConfig = z.output<typeof lakehouseConfigSchema>;
