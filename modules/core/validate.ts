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
 *
 * The schema must describe exactly the module's `…Props` interface, or this does not compile: a prop
 * that one has and the other has not (at any depth), a prop optional in one and required in the
 * other, or a prop typed differently (a `string` where the schema takes only some strings, a number
 * where it takes a string) — `PropsDrift` names the first such prop in the error. Arrays and objects
 * may be `readonly` in Props and not in the schema.
 */
export function parseProps<P, S extends z.ZodType>(constructPath: string, schema: S & SchemaOf<P, S>, props: P): z.output<S> {
  const result = schema.safeParse(props);
  if (!result.success) throw new LakehouseValidationError(constructPath, problemsOf(result.error));
  return result.data;
}

/**
 * `schema`, refusing besides the props a module no longer has, each with its reason, so that a
 * JavaScript caller (or a cast) still passing one is told and not silently ignored. Typed as `schema`:
 * removed props are no part of the props contract that `parseProps` checks.
 */
export function refusingRemovedProps<S extends z.ZodObject>(schema: S, removed: Record<string, z.ZodType>): S {
  return schema.extend(removed) as unknown as S;
}

/** `unknown` when schema `S` describes exactly props `P`; otherwise a type no schema is, naming the drift. */
export type SchemaOf<P, S extends z.ZodType> = [PropsDrift<P, z.input<S>>] extends [never]
  ? unknown
  : { readonly "the schema differs from its Props at": PropsDrift<P, z.input<S>> };

/** Exactly the same type (not only mutually assignable). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Leaf = string | number | boolean | bigint | symbol | null | undefined | ((...args: never[]) => unknown);
type Join<Path extends string, K> = Path extends "" ? `${K & string}` : `${Path}.${K & string}`;
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/**
 * Where props type `P` and a schema's input type `I` disagree, as `path: what` strings (never when
 * they agree). Walks objects and arrays; compares anything else (strings, literal unions, class
 * instances) by mutual assignability.
 */
export type PropsDrift<P, I, Path extends string = ""> =
  Same<P, I> extends true
    ? never
    : [P] extends [Leaf]
      ? [P] extends [I]
        ? [I] extends [P]
          ? never
          : `${Path}: the schema takes more than Props says`
        : `${Path}: Props allows what the schema refuses`
      : [P] extends [readonly (infer E)[]]
        ? [I] extends [readonly (infer F)[]]
          ? PropsDrift<E, F, `${Path}[]`>
          : `${Path}: an array in Props, not in the schema`
        : [I] extends [Leaf]
          ? `${Path}: an object in Props, not in the schema`
          : ObjectDrift<P, I, Path>;

type ObjectDrift<P, I, Path extends string> =
  | { [K in keyof P]-?: K extends keyof I ? never : `${Join<Path, K>}: in Props, missing from the schema` }[keyof P]
  | { [K in keyof I]-?: K extends keyof P ? never : `${Join<Path, K>}: in the schema, missing from Props` }[keyof I]
  | {
      [K in keyof P & keyof I]-?: (K extends OptionalKeys<P> ? true : false) extends (K extends OptionalKeys<I> ? true : false)
        ? never
        : `${Join<Path, K>}: optional in one of Props and the schema only`;
    }[keyof P & keyof I]
  | { [K in keyof P & keyof I]-?: PropsDrift<NonNullable<P[K]>, NonNullable<I[K]>, Join<Path, K>> }[keyof P & keyof I];

/**
 * A string that must match `pattern` when it is known at synth time. Tokens (values that Terraform
 * resolves at apply, such as another resource's ARN) cannot be checked here and are let through.
 */
export function knownString(pattern: RegExp, what: string): z.ZodString {
  return z.string().refine((v) => Token.isUnresolved(v) || pattern.test(v), { message: `must be ${what}` });
}

export const AWS_ACCOUNT_ID = /^\d{12}$/;
/** An AWS region name as the modules take it, e.g. `eu-west-1`, `us-gov-west-1`, `cn-north-1`. */
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** A service in a region as `kms:ViaService` names it, e.g. `s3.eu-west-1.amazonaws.com`. */
export const AWS_SERVICE_IN_REGION = /^[a-z0-9-]+\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com$/;
/**
 * ARN patterns. Every one accepts any partition (`arn:aws:`, `arn:aws-us-gov:`, `arn:aws-cn:`, …):
 * ARNs the modules write take their partition from the region (modules/core/arn.ts).
 */
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** An IAM role ARN pattern as `ArnLike`/`ArnNotLike` take it: `*` in the account or the name. */
export const IAM_ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::(\d{12}|\*):role\/[\w+=,.@/*-]+$/;
export const IAM_USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user\/.+$/;
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$/;
export const S3_BUCKET_ARN = /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
export const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
export const SQS_QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
export const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/;
export const KINESIS_STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]{1,128}$/;
export const CLOUDTRAIL_TRAIL_ARN = /^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail\/[A-Za-z0-9._-]{3,128}$/;
/** The ARN of one resource of any service, without wildcards. */
export const SINGLE_RESOURCE_ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[^*?\s]+$/;
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
export const qualifiedSnowflakeName = () => z.string().regex(/^[A-Z_][A-Z0-9_$]*\.[A-Z_][A-Z0-9_$]*\.[A-Z_][A-Z0-9_$]*$/, "must be DATABASE.SCHEMA.NAME");

/**
 * Snowflake task cron: five fields and a time zone (the provider adds USING CRON). A field is what
 * cron writes — digits, names (MON, JAN), `* ? / , - L W #` — separated by spaces.
 */
export const CRON_SCHEDULE = /^([0-9A-Za-z*?#/,-]+ +){5}[A-Za-z_]+(\/[A-Za-z_+-]+)*$/;
export const cronSchedule = () => z.string().regex(CRON_SCHEDULE, "must be five cron fields and a time zone, e.g. '0 3 * * * UTC'");

/** An AWS region (`AWS_REGION`); the partition of the ARNs a module writes follows from it. */
export const awsRegion = () => z.string().regex(AWS_REGION, "must be an AWS region");
/** An S3 bucket ARN, or a token. */
export const knownBucketArn = () => knownString(S3_BUCKET_ARN, "an S3 bucket ARN");
/** An SNS topic ARN, or a token. */
export const knownTopicArn = () => knownString(SNS_TOPIC_ARN, "an SNS topic ARN");
/** An IAM role ARN, or a token. */
export const knownRoleArn = () => knownString(IAM_ROLE_ARN, "an IAM role ARN");
/** A KMS key ARN, or a token. */
export const knownKmsKeyArn = () => knownString(KMS_KEY_ARN, "a KMS key ARN");
/** Why a secure default is given up (no access logging, alarms without actions): a written reason, not a word. */
export const REASON_MIN_CHARACTERS = 20;
export const writtenReason = () => z.string().min(REASON_MIN_CHARACTERS, `must be a written reason of at least ${REASON_MIN_CHARACTERS} characters`);

/** Resources or modules to create first (`depends_on`). */
export const dependables = () => z.array(z.custom<ITerraformDependable>()).default([]);
