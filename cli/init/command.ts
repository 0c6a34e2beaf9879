/** `lakehouse init`: a consumer repository's first files, from what only the consumer can say. */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseConfigYaml } from "../../stacks/config/load";
import { CONFIG_FILE_NAME } from "../config-file";
import { packageRoot } from "../../modules/core/package-root";
import { LakehouseError } from "../../modules/core/errors";
import { OptionValues, Output } from "../command";

export const INIT_COMMAND = {
  summary: "write a starter lakehouse.yaml, the CI workflows and a short README into a repository",
  details:
    "The config holds one environment, one tenant and its CloudTrail source, from the values given here;\n" +
    "it validates as written. Existing files are never overwritten unless --force. All files or none.",
  options: {
    organization: { type: "string", value: "name", help: "your organization, lower-case (required): prefixes every bucket, role and database" },
    "aws-account-id": { type: "string", value: "id", help: "the 12-digit AWS account the environment deploys into (required)" },
    region: { type: "string", value: "aws-region", help: "the AWS region of the first tenant and its Snowflake account (required)" },
    "snowflake-account": { type: "string", value: "ORG.ACCOUNT", help: "the Snowflake organization and account in that region (required)" },
    tenant: { type: "string", value: "id", help: "the first tenant's id, lower-case (required)" },
    environment: { type: "string", value: "name", help: "the environment's name (default: prod)" },
    "state-bucket": { type: "string", value: "bucket", help: "an existing S3 bucket for Terraform state (default: local state files; CI needs a bucket)" },
    dir: { type: "string", value: "folder", help: "where to write (default: the current folder)" },
    force: { type: "boolean", help: "overwrite files that exist" },
  },
} as const;

/** Wrong or missing options (exit 2). */
export class InitUsageError extends LakehouseError {
  constructor(message: string) {
    super(message, "usage");
  }
}

export interface InitAnswers {
  readonly organization: string;
  readonly awsAccountId: string;
  readonly region: string;
  readonly snowflakeOrganization: string;
  readonly snowflakeAccount: string;
  readonly tenant: string;
  readonly environment: string;
  readonly stateBucket?: string;
}

function answersOf(values: OptionValues): InitAnswers {
  const str = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const required = (name: keyof typeof INIT_COMMAND.options) => {
    const v = str(name);
    if (v === undefined || v === "") throw new InitUsageError(`init needs --${name} <${(INIT_COMMAND.options[name] as { value?: string }).value}>`);
    return v;
  };
  const account = required("snowflake-account");
  const [snowflakeOrganization, snowflakeAccount, ...rest] = account.split(/[.-]/);
  if (!snowflakeAccount || rest.length > 0)
    throw new InitUsageError(`init --snowflake-account must be ORG.ACCOUNT (as in ORG-ACCOUNT.snowflakecomputing.com), not '${account}'`);
  return {
    organization: required("organization"),
    awsAccountId: required("aws-account-id"),
    region: required("region"),
    snowflakeOrganization,
    snowflakeAccount,
    tenant: required("tenant"),
    environment: str("environment") ?? "prod",
    stateBucket: str("state-bucket"),
  };
}

/** YAML double-quoted scalar: every answer is written quoted, so none can add keys or structure. */
const q = (s: string) => JSON.stringify(s);

/** The starter config. Every value is the consumer's; each line says what to change next. */
export function starterConfig(a: InitAnswers, schemaPath: string): string {
  const backend = a.stateBucket
    ? `    backend: { kind: s3, bucket: ${q(a.stateBucket)}, region: ${q(a.region)} }`
    : "    # Local state files: fine for a first plan; CI needs state in S3 (backend: { kind: s3, bucket, region }).\n    backend: { kind: local }";
  return [
    `# yaml-language-server: $schema=${schemaPath}`,
    "# Your lakehouse: `lakehouse validate` checks it, `lakehouse synth` writes one Terraform stack per",
    "# environment platform and per tenant. The keys are described in the JSON Schema named above.",
    `organization: ${q(a.organization)}`,
    "environments:",
    `  - name: ${q(a.environment)}`,
    `    awsAccountId: ${q(a.awsAccountId)}`,
    backend,
    "    snowflakeAccounts:",
    `      - { region: ${q(a.region)}, organization: ${q(a.snowflakeOrganization)}, account: ${q(a.snowflakeAccount)} }`,
    "tenants:",
    `  - id: ${q(a.tenant)}`,
    `    region: ${q(a.region)}`,
    "    sources:",
    "      # Point the tenant's CloudTrail trail at <bucket>/cloudtrail/ after the first apply (the stack's outputs name the bucket).",
    "      - name: cloudtrail",
    "        type: cloudtrail",
    "",
  ].join("\n");
}

/** The README of the consumer's repository: what is here and the commands of a working day. */
function starterReadme(a: InitAnswers): string {
  return [
    `# ${a.organization} security lakehouse`,
    "",
    "The configuration of our security data lakehouse on AWS and Snowflake, built by",
    "[security-lakehouse](https://www.npmjs.com/package/security-lakehouse) (its documentation is in",
    "`node_modules/security-lakehouse/README.md` and `docs/`).",
    "",
    "- `lakehouse.yaml`: environments, tenants and their log sources.",
    "- `.github/workflows/`: pull requests are validated, planned and reviewed; merges are applied.",
    "",
    "```sh",
    "npx lakehouse validate                 # every problem in lakehouse.yaml, with line and column",
    "npx lakehouse synth                    # Terraform JSON under cdktf.out/stacks/<stack>/",
    "npx lakehouse review --base origin/main   # what this branch changes, by security weight",
    "```",
    "",
    "Plan one stack: `cd cdktf.out/stacks/<stack> && terraform init && terraform plan`.",
    "",
  ].join("\n");
}

/** Every file init writes, relative to the target folder. */
export function initFiles(a: InitAnswers): Record<string, string> {
  const templates = join(packageRoot(), "templates", "github-actions");
  const files: Record<string, string> = {
    [CONFIG_FILE_NAME]: starterConfig(a, "./node_modules/security-lakehouse/schema/lakehouse.schema.json"),
    "README.md": starterReadme(a),
  };
  for (const name of readdirSync(templates)
    .filter((f) => f.endsWith(".yml"))
    .sort()) {
    files[join(".github", "workflows", name)] = readFileSync(join(templates, name), "utf8");
  }
  return files;
}

/**
 * Writes the starter files into `--dir`. The config is validated before anything is written; files
 * that exist are refused (all of them named) unless --force; the files are staged and moved into
 * place together, so a failure leaves nothing half-written.
 */
export function initCommand(values: OptionValues, out: Output): number {
  const answers = answersOf(values);
  const dir = resolve(typeof values.dir === "string" ? values.dir : ".");
  const files = initFiles(answers);
  // Invalid answers are the config's problems, reported like any config's (exit 1), before writing.
  parseConfigYaml(files[CONFIG_FILE_NAME], `${CONFIG_FILE_NAME} (from the init options)`);
  const existing = Object.keys(files).filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0 && values.force !== true)
    throw new InitUsageError(`init: ${existing.join(", ")} already exist in ${dir}; nothing written (--force overwrites)`);
  const staging = join(dir, `.lakehouse-init-${process.pid}`);
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(staging, name)), { recursive: true });
      writeFileSync(join(staging, name), text);
    }
    for (const name of Object.keys(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      renameSync(join(staging, name), join(dir, name));
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  out.write(
    `wrote into ${dir}:\n${Object.keys(files)
      .map((f) => `  ${relative(dir, join(dir, f))}`)
      .join("\n")}\nnext: npx lakehouse validate && npx lakehouse synth\n`,
  );
  return 0;
}
