/**
 * Who may assume, refresh and write what — decided by an IAM policy evaluator
 * (@cloud-copilot/iam-simulate, a devDependency: tests only) over the synthesized stacks, for issue 16
 * items 5 (external ids), 6 (self-tagging), 8 (who plans and applies the backup vault) and 11 (tenants
 * in AWS accounts of their own), on the default example and on a two-account config of its own. The
 * shared suite's families (requests.ts: Snowflake access roles, tenant roles, backup roles) decide the
 * same trust for every tenant of the examples; this file keeps the configs they do not cover (a tenant
 * without access, a tenant in another account with readers only) and the provider blocks.
 *
 * What the evaluator cannot know is stated where it matters: values Terraform learns only at apply
 * (Snowflake's IAM user and generated external id, key ARNs) are replaced by stand-ins; Snowflake's
 * generated external id is a value no config name derives (Snowflake, "Configuring a Snowflake storage
 * integration to access Amazon S3", step 5: DESC INTEGRATION shows STORAGE_AWS_EXTERNAL_ID).
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { Testing } from "cdktf";
import { buildLakehouse } from "../../stacks/synth/build";
import { loadConfigFile, parseConfig } from "../../stacks/config/load";
import { LakehouseConfig, LakehouseConfigInput } from "../../stacks/config/schema";
import { SynthJson, resourcesOf } from "../support/synth";

// ---------------------------------------------------------------- a minimal evaluator helper

type Doc = { Version: string; Statement: Record<string, unknown>[] };
type Result = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

interface Stack {
  readonly name: string;
  readonly json: SynthJson;
  /** The account and region its default AWS provider works in. */
  readonly account: string;
  readonly region: string;
}

function stacksOf(config: LakehouseConfig): Stack[] {
  const app = Testing.app();
  const built = buildLakehouse(app, config);
  return [...built.platform, ...built.tenants].map((stack) => {
    Testing.synth(stack);
    const json = JSON.parse(JSON.stringify(stack.toTerraform())) as SynthJson;
    const aws = (json.provider?.aws ?? []).find((p) => p.alias === undefined) ?? json.provider!.aws[0];
    return { name: stack.node.id, json, account: (aws.allowed_account_ids as string[])[0], region: String(aws.region) };
  });
}

/** The one IAM user Snowflake assumes roles as, for every integration of a Snowflake account (a stand-in). */
const SNOWFLAKE_USER = "arn:aws:iam::999999999999:user/snowflake-account-user";
const standIns = new Map<string, string>();

/**
 * A policy with its Terraform references made concrete: resource ARNs from their bodies, Snowflake's
 * IAM user as SNOWFLAKE_USER, anything else (Snowflake's generated external ids) a random stand-in.
 */
function concrete(stack: Stack, text: string): string {
  return text.replace(/\$\{([^}]+)\}/g, (whole, expr: string) => {
    const m = /^([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)$/.exec(expr);
    const body = m ? (stack.json.resource[m[1]]?.[m[2]] as Record<string, unknown> | undefined) : undefined;
    if (m && body) {
      const [, type, name, attr] = m;
      if (type === "aws_s3_bucket" && attr === "arn") return `arn:aws:s3:::${String(body.bucket)}`;
      if (type === "aws_s3_bucket" && (attr === "id" || attr === "bucket")) return String(body.bucket);
      if (type === "aws_kms_key" && attr === "arn") return `arn:aws:kms:${stack.region}:${stack.account}:key/${name}`;
      if (type === "aws_iam_role" && attr === "arn") return `arn:aws:iam::${stack.account}:role/${String(body.name)}`;
      if (type.startsWith("snowflake_") && /_iam_user_arn$/.test(attr)) return SNOWFLAKE_USER;
    }
    if (!standIns.has(whole)) standIns.set(whole, `unknown-until-apply-${randomUUID()}`);
    return standIns.get(whole)!;
  });
}

function policy(stack: Stack, text: unknown): Doc {
  return JSON.parse(concrete(stack, String(text))) as Doc;
}

const allow = (action: string | string[], resource: string | string[] = "*"): Doc => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: action, Resource: resource }],
});

interface Request {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  /** The principal's own IAM policy. @default allows the action on everything */
  readonly identity?: Doc;
  readonly resourcePolicy?: Doc;
  readonly context?: Record<string, string | string[]>;
}

/** The evaluator's decision and the statements that made it (deny statements when denied). */
async function decide(r: Request): Promise<{ result: Result; deciding: string[] }> {
  const response = await runSimulation(
    {
      request: {
        principal: r.principal,
        action: r.action,
        resource: { resource: r.resource, accountId: r.resourceAccount },
        // The evaluator does not derive the principal's global keys from the request: AWS sets them on every signed request.
        contextVariables: { "aws:PrincipalArn": r.principal, "aws:PrincipalAccount": r.principal.split(":")[4], ...r.context },
      },
      identityPolicies: [{ name: "identity", policy: r.identity ?? allow(r.action) }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: r.resourcePolicy,
    },
    {},
  );
  if (response.resultType === "error") throw new Error(`evaluator refused the request: ${JSON.stringify(response.errors)}`);
  if (response.resultType !== "single") throw new Error(`unexpected ${response.resultType} result`);
  const a = response.result.analysis!;
  const sids = (list?: { statement: { sid(): string | undefined } }[]) => (list ?? []).map((s) => s.statement.sid() ?? "(no Sid)");
  const deciding =
    response.overallResult === "Allowed"
      ? [...sids(a.resourceAnalysis?.allowStatements), ...sids(a.identityAnalysis?.allowStatements)]
      : [...sids(a.resourceAnalysis?.denyStatements), ...sids(a.identityAnalysis?.denyStatements)];
  return { result: response.overallResult as Result, deciding };
}

/** Asserts a decision; on failure jest prints the stack, the request and the deciding statements. */
async function expectDecision(stack: Stack, what: string, r: Request, expected: Result | "Denied"): Promise<void> {
  const { result, deciding } = await decide(r);
  const denied = result !== "Allowed";
  const ok = expected === "Denied" ? denied : result === expected;
  if (!ok) {
    throw new Error(
      `${stack.name}: ${what}\n  request: ${r.principal} ${r.action} ${r.resource}${r.context ? ` ${JSON.stringify(r.context)}` : ""}\n  expected ${expected}, evaluator says ${result}` +
        ` (deciding: ${deciding.join(", ") || "no statement"})`,
    );
  }
}

/** Built on first use, inside a test: a config the code refuses fails that test, not the whole file. */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

const rolesOf = (stack: Stack) =>
  Object.values(stack.json.resource.aws_iam_role ?? {}).map((r) => ({
    name: String((r as Record<string, unknown>).name),
    trust: policy(stack, (r as Record<string, unknown>).assume_role_policy),
  }));
const roleArn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

// ---------------------------------------------------------------- the configs

const DEFAULT = loadConfigFile(join(__dirname, "..", "..", "examples", "default", "lakehouse.yaml"));

const MSSP = "111111111111";
const HOOLI = "222222222222";
const CI_PLAN = roleArn(MSSP, "lakehouse-ci-plan");
const CI_APPLY = roleArn(MSSP, "lakehouse-ci-apply");
const DEPLOYER = roleArn(MSSP, "lakehouse-deployer");
const GLOBEX_ANALYST = roleArn(MSSP, "globex-soc-analyst");
const HOOLI_ANALYST = roleArn(HOOLI, "hooli-analyst");
const HOOLI_WRITER = roleArn(MSSP, "hooli-github-audit-stream");

/** Two tenants: globex in the MSSP's account, hooli in an account of its own; both backed up. */
function twoAccounts(): LakehouseConfigInput {
  return {
    organization: "acme",
    environments: [
      {
        name: "prod",
        awsAccountId: MSSP,
        snowflakeAccounts: [{ region: "us-east-1", organization: "ACMEORG", account: "SECLAKE_US" }],
        backup: { adminRoleArns: [DEPLOYER, roleArn(MSSP, "break-glass")], planRoleArns: [CI_PLAN] },
      },
    ],
    tenants: [
      {
        id: "globex",
        region: "us-east-1",
        access: { readers: [GLOBEX_ANALYST], operators: [roleArn(MSSP, "globex-soc-oncall")] },
        sources: [
          { name: "cloudtrail", type: "cloudtrail" },
          { name: "okta", type: "okta", delivery: { options: { orgUrl: "https://globex.okta.com" } } },
        ],
      },
      {
        id: "hooli",
        region: "us-east-1",
        awsAccountId: HOOLI,
        access: { readers: [HOOLI_ANALYST] },
        sources: [
          { name: "cloudtrail", type: "cloudtrail" },
          { name: "github_audit", type: "github-audit", delivery: { writerRoleArns: [HOOLI_WRITER] } },
        ],
      },
    ],
  } as LakehouseConfigInput;
}

/** Each config's stacks, synthesized once for the whole file (the tests only read them). */
const defaultStacks = lazy(() => stacksOf(DEFAULT));
const twoAccountStacks = lazy(() => stacksOf(parseConfig(twoAccounts())));

// ---------------------------------------------------------------- item 5

describe("item 5: a Snowflake access role is assumed only with the external id Snowflake generated for its integration", () => {
  const tenantStacks = () => defaultStacks().filter((s) => s.name.startsWith("tenant-"));

  test("no storage integration sets its external id: Snowflake generates it, and the role trusts what DESCRIBE says", () => {
    for (const stack of tenantStacks()) {
      for (const integration of resourcesOf(stack.json, "snowflake_storage_integration")) expect(integration.storage_aws_external_id).toBeUndefined();
      for (const role of Object.values(stack.json.resource.aws_iam_role ?? {}) as Record<string, unknown>[]) {
        const text = String(role.assume_role_policy);
        if (!text.includes("sts:ExternalId")) continue;
        if (text.includes("firehose.amazonaws.com")) continue; // Firehose's own external id is the account id (AWS's documented trust)
        expect(text).toMatch(
          /"sts:ExternalId":"\$\{snowflake_storage_integration\.[A-Za-z0-9_]+\.describe_output\[0\]\.storage_aws_external_id\[0\]\.value\}"/,
        );
      }
    }
  });

  test("anyone who may CREATE INTEGRATION in the Snowflake account presents a name-derived external id and is refused; the integration's own is accepted", async () => {
    let checked = 0;
    for (const stack of tenantStacks()) {
      const tenant = stack.name.split("-")[1];
      for (const role of rolesOf(stack).filter((r) => r.name.endsWith("-snowflake"))) {
        const source = role.name.slice(`acme-prod-${tenant}-`.length, -"-snowflake".length);
        const request = {
          principal: SNOWFLAKE_USER,
          action: "sts:AssumeRole",
          resource: roleArn(stack.account, role.name),
          resourceAccount: stack.account,
          resourcePolicy: role.trust,
        };
        // The external id of 0.4.0 and before: organization-environment-tenant-source.
        await expectDecision(
          stack,
          `another integration of the same Snowflake account assumes ${role.name}`,
          { ...request, context: { "sts:ExternalId": `acme-prod-${tenant}-${source}` } },
          "Denied",
        );
        const own = (role.trust.Statement[0].Condition as Record<string, Record<string, string>>).StringEquals["sts:ExternalId"];
        await expectDecision(stack, `its own integration assumes ${role.name}`, { ...request, context: { "sts:ExternalId": own } }, "Allowed");
        checked++;
      }
    }
    expect(checked).toBe(DEFAULT.tenants.reduce((n, t) => n + t.sources.length, 0));
  });

  test("the alert publisher role trusts the notification integration's computed external id (Snowflake-generated, as for storage)", () => {
    const platform = defaultStacks().find((s) => s.name === "platform-prod")!;
    const publishers = rolesOf(platform).filter((r) => r.name.endsWith("-snowflake-alerts"));
    expect(publishers).toHaveLength(2);
    for (const role of Object.values(platform.json.resource.aws_iam_role) as Record<string, unknown>[])
      expect(String(role.assume_role_policy)).toMatch(/"sts:ExternalId":"\$\{snowflake_notification_integration\.[A-Za-z0-9_]+\.aws_sns_external_id\}"/);
  });
});

// ---------------------------------------------------------------- item 6

describe("item 6: a principal that tags itself lakehouse:tenant gets no tenant's role", () => {
  const selfTagged = async (stacks: Stack[]) => {
    let checked = 0;
    for (const stack of stacks.filter((s) => s.name.startsWith("tenant-"))) {
      const tenant = stack.name.split("-")[1];
      for (const role of rolesOf(stack)) {
        const principals = role.trust.Statement.flatMap((s) => [(s.Principal as { AWS?: string | string[] } | undefined)?.AWS ?? []].flat());
        if (principals.length === 0 || principals.includes(SNOWFLAKE_USER)) continue; // service roles; Snowflake's (item 5)
        // An intern of the tenant's account who tagged itself (iam:TagRole) or passed the tag as a session tag.
        await expectDecision(
          stack,
          `a self-tagged principal assumes ${role.name}`,
          {
            principal: roleArn(stack.account, "intern"),
            action: "sts:AssumeRole",
            resource: roleArn(stack.account, role.name),
            resourceAccount: stack.account,
            resourcePolicy: role.trust,
            context: { "aws:PrincipalTag/lakehouse:tenant": tenant },
          },
          "Denied",
        );
        checked++;
      }
    }
    return checked;
  };

  test("in the default example, no tenant role trusts a tag", async () => {
    // Every tenant names its operators (ops and restore roles), initech and hooli their readers too: 2 + 3 + 2 + 3 roles.
    expect(await selfTagged(defaultStacks())).toBe(10);
  });

  test("with named readers and operators: the named role gets in, a self-tagged one does not, nor another tenant's reader", async () => {
    const stacks = twoAccountStacks();
    // globex: read, ops, restore; hooli: read.
    expect(await selfTagged(stacks)).toBe(4);
    const globex = stacks.find((s) => s.name === "tenant-globex-prod")!;
    const read = rolesOf(globex).find((r) => r.name === "acme-prod-globex-read")!;
    const request = { action: "sts:AssumeRole", resource: roleArn(MSSP, read.name), resourceAccount: MSSP, resourcePolicy: read.trust };
    await expectDecision(globex, "the named reader assumes the read role", { ...request, principal: GLOBEX_ANALYST }, "Allowed");
    await expectDecision(globex, "another tenant's reader assumes globex's read role", { ...request, principal: HOOLI_ANALYST }, "Denied");
  });

  test("a tenant without readers has no read role, one without operators no ops or restore role", () => {
    const c = twoAccounts();
    delete (c.tenants[0] as { access?: unknown }).access;
    const globex = stacksOf(parseConfig(c)).find((s) => s.name === "tenant-globex-prod")!;
    expect(
      rolesOf(globex)
        .map((r) => r.name)
        .filter((n) => /-(read|ops|restore|restore-batch)$/.test(n)),
    ).toEqual([]);
    // Nor an aws_roles output (docs/outputs.md).
    expect(globex.json.output?.aws_roles).toBeUndefined();
  });
});

// ---------------------------------------------------------------- item 8

describe("item 8: a read-only plan role refreshes the backup vault; the vault is applied as a role it trusts", () => {
  const stacks = twoAccountStacks;
  const globex = () => stacks().find((s) => s.name === "tenant-globex-prod")!;
  const hooli = () => stacks().find((s) => s.name === "tenant-hooli-prod")!;
  const vaultOf = (stack: Stack) => {
    const [address, bucket] = Object.entries(stack.json.resource.aws_s3_bucket).find(([, b]) =>
      String((b as Record<string, unknown>).bucket).endsWith("-backup"),
    )!;
    const policyBody = (Object.values(stack.json.resource.aws_s3_bucket_policy) as Record<string, unknown>[]).find((p) => String(p.bucket).includes(address))!;
    return {
      address,
      name: String((bucket as Record<string, unknown>).bucket),
      policy: policy(stack, policyBody.policy),
      provider: (bucket as Record<string, unknown>).provider,
    };
  };
  const READ_ONLY = allow(["s3:Get*", "s3:List*"]);

  test("the CI plan role lists the vault (HeadBucket needs s3:ListBucket) and reads nothing in it", async () => {
    for (const [stack, planRole] of [
      [globex(), CI_PLAN],
      [hooli(), roleArn(HOOLI, "lakehouse-plan")],
    ] as const) {
      const vault = vaultOf(stack);
      const on = { principal: planRole, resourceAccount: stack.account, resourcePolicy: vault.policy, identity: READ_ONLY };
      await expectDecision(stack, "the plan role refreshes the vault", { ...on, action: "s3:ListBucket", resource: `arn:aws:s3:::${vault.name}` }, "Allowed");
      await expectDecision(
        stack,
        "the plan role reads a backup",
        { ...on, action: "s3:GetObject", resource: `arn:aws:s3:::${vault.name}/okta/2026/01/01/00/a.json.gz` },
        "ExplicitlyDenied",
      );
      await expectDecision(
        stack,
        "the plan role reads the vault's configuration",
        { ...on, action: "s3:GetBucketPolicy", resource: `arn:aws:s3:::${vault.name}` },
        "Allowed",
      );
    }
  });

  test("the vault's resources are applied through a provider that assumes the deploy role, which the vault policy exempts; the CI apply role itself is refused", async () => {
    const stack = globex();
    const vault = vaultOf(stack);
    const provider = (stack.json.provider!.aws as Record<string, unknown>[]).find((p) => `aws.${String(p.alias)}` === vault.provider)!;
    expect(provider).toBeDefined();
    // Applies assume the deploy role; a read-only plan (TF_VAR_lakehouse_read_only=true) runs as the plan role itself.
    expect(provider.dynamic).toEqual({
      assume_role: {
        for_each: `\${var.lakehouse_read_only ? [] : ["${DEPLOYER}"]}`,
        content: { role_arn: "${assume_role.value}", session_name: "security-lakehouse" },
      },
    });
    // Ephemeral: not kept in a saved plan, so the apply of a plan made read-only gives it again (false).
    expect(stack.json).toMatchObject({ variable: { lakehouse_read_only: { type: "bool", default: false, ephemeral: true } } });
    const on = {
      action: "s3:PutBucketPolicy",
      resource: `arn:aws:s3:::${vault.name}`,
      resourceAccount: MSSP,
      resourcePolicy: vault.policy,
      identity: allow("s3:*"),
    };
    await expectDecision(stack, "the deploy role changes the vault policy", { ...on, principal: DEPLOYER }, "Allowed");
    await expectDecision(
      stack,
      "the CI apply role changes the vault policy without assuming the deploy role",
      { ...on, principal: CI_APPLY },
      "ExplicitlyDenied",
    );
  });
});

// ---------------------------------------------------------------- item 11

describe("item 11: a tenant in an AWS account of its own", () => {
  const stacks = twoAccountStacks;
  const hooliStack = () => stacks().find((s) => s.name === "tenant-hooli-prod")!;

  test("its stack's providers assume the deploy role there (the plan role for a read-only plan) and allow only that account", () => {
    const hooli = hooliStack();
    expect(hooli.account).toBe(HOOLI);
    for (const provider of hooli.json.provider!.aws as Record<string, unknown>[]) {
      expect(provider.allowed_account_ids).toEqual([HOOLI]);
      expect(provider.assume_role).toEqual([
        {
          role_arn: `\${var.lakehouse_read_only ? "${roleArn(HOOLI, "lakehouse-plan")}" : "${roleArn(HOOLI, "lakehouse-deploy")}"}`,
          session_name: "security-lakehouse",
        },
      ]);
    }
  });

  test("a writer role of the MSSP's account puts its prefix with the tenant's key, and nothing else", async () => {
    const hooli = hooliStack();
    const bucket = (Object.values(hooli.json.resource.aws_s3_bucket) as Record<string, unknown>[]).find((b) => b.bucket === `acme-prod-hooli-${HOOLI}-logs`)!;
    const bucketArn = `arn:aws:s3:::${String(bucket.bucket)}`;
    expect(String(bucket.bucket)).toContain(HOOLI);
    const bucketPolicy = policy(
      hooli,
      (Object.values(hooli.json.resource.aws_s3_bucket_policy) as Record<string, unknown>[]).find((p) => String(p.policy).includes("Writer"))!.policy,
    );
    const keyName = Object.keys(hooli.json.resource.aws_kms_key).find((k) => k.startsWith("LogKey_"))!;
    const keyArn = `arn:aws:kms:us-east-1:${HOOLI}:key/${keyName}`;
    const keyPolicy = policy(hooli, (hooli.json.resource.aws_kms_key[keyName] as Record<string, unknown>).policy);
    const sse = { "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn };
    const writer = { principal: HOOLI_WRITER, resourceAccount: HOOLI };
    await expectDecision(
      hooli,
      "the writer puts a file under github_audit/",
      { ...writer, action: "s3:PutObject", resource: `${bucketArn}/github_audit/2026/01/01/00/a.json.gz`, resourcePolicy: bucketPolicy, context: sse },
      "Allowed",
    );
    await expectDecision(
      hooli,
      "the writer puts a file under cloudtrail/",
      { ...writer, action: "s3:PutObject", resource: `${bucketArn}/cloudtrail/a.json.gz`, resourcePolicy: bucketPolicy, context: sse },
      "Denied",
    );
    const viaS3 = { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": MSSP };
    await expectDecision(
      hooli,
      "the writer's PutObject makes a data key with the tenant's key (through S3)",
      { ...writer, action: "kms:GenerateDataKey", resource: keyArn, resourcePolicy: keyPolicy, context: viaS3 },
      "Allowed",
    );
    await expectDecision(
      hooli,
      "the writer decrypts with the tenant's key outside S3",
      { ...writer, action: "kms:Decrypt", resource: keyArn, resourcePolicy: keyPolicy, context: { "kms:CallerAccount": MSSP } },
      "Denied",
    );
  });

  test("Snowflake's trust follows: the integration names the access role in the tenant's account, which its integration may assume", async () => {
    const hooli = hooliStack();
    for (const integration of resourcesOf(hooli.json, "snowflake_storage_integration"))
      expect(String(integration.storage_aws_role_arn)).toMatch(new RegExp(`^arn:aws:iam::${HOOLI}:role/acme-prod-hooli-`));
    for (const role of rolesOf(hooli).filter((r) => r.name.endsWith("-snowflake"))) {
      const own = (role.trust.Statement[0].Condition as Record<string, Record<string, string>>).StringEquals["sts:ExternalId"];
      await expectDecision(
        hooli,
        `Snowflake assumes ${role.name}`,
        {
          principal: SNOWFLAKE_USER,
          action: "sts:AssumeRole",
          resource: roleArn(HOOLI, role.name),
          resourceAccount: HOOLI,
          resourcePolicy: role.trust,
          context: { "sts:ExternalId": own },
        },
        "Allowed",
      );
    }
  });

  test("no ARN in its stack names the environment's account but the cross-account writer and the environment's roles listed by name", () => {
    const hooli = hooliStack();
    const text = JSON.stringify(hooli.json.resource);
    const foreign = [...text.matchAll(/arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):[^"\\]+/g)].filter((m) => m[1] !== HOOLI).map((m) => m[0]);
    expect([...new Set(foreign)].sort()).toEqual([HOOLI_WRITER]);
  });
});
