import { ITerraformDependable, Token } from "cdktf";
import { z } from "zod";
import { LakehouseValidationError, ValidationProblem, formatPath } from "./errors";

/** Turns zod issues into our problems, keeping zod's order (which follows the input). */
export function problemsOf(error: z.ZodError): ValidationProblem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: plainMessage(issue) }));
}

function plainMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) return "required";
  // A bad map key (e.g. a view name): say what is wrong with the key, not just that it is wrong.
  if (issue.code === "invalid_key") return `key ${issue.issues.map((i) => i.message).join("; ")}`;
  return issue.message;
}

/**
 * Parses module props once, collecting every problem, and throws a {@link LakehouseValidationError}
 * that names the construct path. Returns the parsed props with defaults filled in.
 */
export function parseProps<S extends z.ZodType>(constructPath: string, schema: S, props: unknown): z.output<S> {
  const result = schema.safeParse(props);
  if (!result.success) throw new LakehouseValidationError(constructPath, problemsOf(result.error));
  return result.data;
}

/**
 * A string that must match `pattern` when it is known at synth time. Tokens (values that Terraform
 * resolves at apply, such as another resource's ARN) cannot be checked here and are let through.
 */
export function knownString(pattern: RegExp, what: string): z.ZodString {
  return z.string().refine((v) => Token.isUnresolved(v) || pattern.test(v), { message: `must be ${what}` });
}

export const AWS_ACCOUNT_ID = /^\d{12}$/;
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$/;
export const S3_BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** Unquoted Snowflake identifier as we emit it: upper case, starts with a letter or underscore. */
export const SNOWFLAKE_IDENTIFIER = /^[A-Z_][A-Z0-9_$]{0,254}$/;

/**
 * The path a construct will have, so props can be validated before `super()`: a module with bad
 * props then throws without leaving a half-built child in the tree.
 */
export function pathOf(scope: { node: { path: string } }, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}

/** Zod pieces the modules share, so every module says the same thing about the same mistake. */
export const snowflakeIdentifier = () => z.string().regex(SNOWFLAKE_IDENTIFIER, "must be an upper-case Snowflake identifier ([A-Z_][A-Z0-9_$]*)");

/** `DATABASE.SCHEMA.NAME` of unquoted upper-case identifiers. */
export const qualifiedSnowflakeName = () =>
  z.string().regex(/^[A-Z_][A-Z0-9_$]*\.[A-Z_][A-Z0-9_$]*\.[A-Z_][A-Z0-9_$]*$/, "must be DATABASE.SCHEMA.NAME");

/**
 * Snowflake task cron: five fields and a time zone (the provider adds USING CRON). A field is what
 * cron writes — digits, names (MON, JAN), `* ? / , - L W #` — separated by spaces.
 */
export const CRON_SCHEDULE = /^([0-9A-Za-z*?#/,-]+ +){5}[A-Za-z_]+(\/[A-Za-z_+-]+)*$/;
export const cronSchedule = () => z.string().regex(CRON_SCHEDULE, "must be five cron fields and a time zone, e.g. '0 3 * * * UTC'");

/** Resources or modules to create first (`depends_on`). */
export const dependables = () => z.array(z.custom<ITerraformDependable>()).default([]);
