import { z } from "zod";
import { cronSchedule } from "../../modules/core/validate";
import { AWS_REGIONS, SNOWFLAKE_RESERVED } from "./regions";

/** Field shapes that more than one level of the config (source, tenant, environment, defaults) uses. */

export const bucketSafeSlug = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, "must be lower-case letters and digits, words joined by single '-' (it is part of S3 bucket and Snowflake names)");

export const notReserved = (s: string) => !SNOWFLAKE_RESERVED.has(s.toUpperCase().replace(/-/g, "_"));
export const RESERVED_MESSAGE = "is a reserved word in Snowflake and cannot name a table or schema";

export const retentionDays = z.number().int().positive("must be a positive number of days");

export const cron = cronSchedule();

export const awsRegion = z.enum(AWS_REGIONS, { message: "is not a known AWS region" });

export const canary = z.strictObject({
  enabled: z
    .boolean()
    .optional()
    .describe("Whether the canary runs. Default true; false leaves its task suspended, so nothing alerts when the source goes quiet."),
  windowMinutes: z
    .number()
    .int()
    .min(5, "must be at least 5 minutes")
    .max(10080)
    .optional()
    .describe(
      "Minutes without a loaded row before the canary alerts, 5-10080. Rows count by PARSE_TIME (when they were loaded). Default 60; a longer window notices a silent source later.",
    ),
  suppressionMinutes: z.number().int().min(0).max(43200).optional().describe("Minutes the canary stays quiet after an alert, 0-43200. Default 1440."),
  schedule: cron.optional().describe("When the check runs. Five cron fields and a time zone; default every 15 minutes, '*/15 * * * * UTC'."),
});

export const transition = z
  .strictObject({
    days: z
      .number()
      .int()
      .min(0)
      .describe("Days after a file is written when it moves. Before the retention ends, and at least 30 for STANDARD_IA and ONEZONE_IA."),
    storageClass: z
      .enum(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"])
      .describe("The S3 storage class the files move to."),
  })
  .describe("A move of files to a cheaper S3 storage class, some days after they were written.");

export const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN")
  .describe("An IAM role ARN, arn:aws:iam::<account>:role/<name>.");
export const awsAccountId = z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id");

export const backupStorageClass = z.enum(["DEEP_ARCHIVE", "GLACIER", "GLACIER_IR"]);
