import { ProviderSchemas, StackJsonForCheck, checkStackAgainstSchemas, fullSource, loadProviderSchemas } from "../tools/provider-schema-check";

/** A small schema in the shape of `terraform providers schema -json`, one case per rule. */
const SCHEMAS: ProviderSchemas = {
  "registry.terraform.io/hashicorp/aws": {
    provider: { block: { attributes: { region: { type: "string", optional: true } } } },
    resource_schemas: {
      aws_s3_bucket_lifecycle_configuration: {
        block: {
          attributes: {
            bucket: { type: "string", required: true },
            expected_bucket_owner: { type: "string", optional: true, computed: true, deprecated: true },
            id: { type: "string", computed: true },
          },
          block_types: {
            rule: {
              nesting_mode: "list",
              min_items: 1,
              block: {
                attributes: { id: { type: "string", required: true }, status: { type: "string", required: true } },
                block_types: { expiration: { nesting_mode: "list", max_items: 1, block: { attributes: { days: { type: "number", optional: true } } } } },
              },
            },
          },
        },
      },
      aws_iam_role: {
        block: {
          attributes: {
            name: { type: "string", optional: true },
            tags: { type: ["map", "string"], optional: true },
            managed_policy_arns: { type: ["set", "string"], optional: true },
          },
        },
      },
    },
  },
  "registry.terraform.io/snowflakedb/snowflake": {
    provider: { block: {} },
    resource_schemas: {
      snowflake_task: {
        block: {
          attributes: { name: { type: "string", required: true }, started: { type: "bool", required: true } },
          block_types: { schedule: { nesting_mode: "list", max_items: 1, block: { attributes: { using_cron: { type: "string", optional: true } } } } },
        },
      },
    },
  },
};

const stack = (resource: StackJsonForCheck["resource"]): StackJsonForCheck => ({
  terraform: { required_providers: { aws: { source: "aws" }, snowflake: { source: "snowflakedb/snowflake" } } },
  provider: { aws: [{ region: "eu-west-1" }] },
  resource,
});

const lifecycle = (body: Record<string, unknown>) =>
  stack({
    aws_s3_bucket_lifecycle_configuration: {
      L: { bucket: "${aws_s3_bucket.b.id}", rule: [{ id: "r", status: "Enabled", expiration: [{ days: 30 }] }], ...body },
    },
  });
const kinds = (s: StackJsonForCheck) => checkStackAgainstSchemas(s, SCHEMAS).map((f) => `${f.kind} ${f.path}`);

describe("provider schema check", () => {
  test("a body that matches the schema (tokens and meta-arguments included) has no finding", () => {
    expect(kinds(lifecycle({ depends_on: ["aws_s3_bucket.b"], lifecycle: { prevent_destroy: true }, "//": { metadata: {} } }))).toEqual([]);
    expect(kinds(stack({ snowflake_task: { T: { name: "T", started: "${var.on}", schedule: { using_cron: "* * * * * UTC" } } } }))).toEqual([]);
  });

  test("unknown attributes and blocks are errors, at any depth", () => {
    expect(kinds(lifecycle({ bucket_name: "x" }))).toEqual(["unknown bucket_name"]);
    expect(kinds(lifecycle({ rule: [{ id: "r", status: "Enabled", expiration: [{ dayz: 1 }] }] }))).toEqual(["unknown rule[0].expiration[0].dayz"]);
  });

  test("missing required attributes and blocks are errors", () => {
    const s = stack({ aws_s3_bucket_lifecycle_configuration: { L: { rule: [{ status: "Enabled" }] } } });
    expect(kinds(s).sort()).toEqual(["missing bucket", "missing rule[0].id"]);
    expect(kinds(stack({ aws_s3_bucket_lifecycle_configuration: { L: { bucket: "b" } } }))).toEqual(["missing rule"]);
  });

  test("wrong nesting is an error: a block given as a value, too many blocks, a value given as a list", () => {
    expect(kinds(lifecycle({ rule: "${var.rules}" }))).toEqual(["shape rule"]);
    expect(kinds(lifecycle({ rule: [{ id: "r", status: "Enabled", expiration: [{ days: 1 }, { days: 2 }] }] }))).toEqual(["count rule[0].expiration"]);
    expect(kinds(stack({ aws_iam_role: { R: { name: ["a"], tags: ["x"], managed_policy_arns: "arn" } } })).sort()).toEqual([
      "shape managed_policy_arns",
      "shape name",
      "shape tags",
    ]);
    expect(kinds(stack({ snowflake_task: { T: { name: "T", started: "yes" } } }))).toEqual(["shape started"]);
  });

  test("a dynamic block's content is checked as the block it makes, and a dynamic block stands for a required one", () => {
    const dynamicRule = (content: Record<string, unknown>) =>
      stack({ aws_s3_bucket_lifecycle_configuration: { L: { bucket: "b", dynamic: { rule: { for_each: "${var.rules}", content } } } } });
    expect(kinds(dynamicRule({ id: "${rule.key}", status: "Enabled" }))).toEqual([]);
    expect(kinds(dynamicRule({ id: "r", status: "Enabled", dayz: 1 }))).toEqual(["unknown dynamic.rule.content.dayz"]);
    expect(
      kinds(stack({ aws_s3_bucket_lifecycle_configuration: { L: { bucket: "b", dynamic: { rules: { for_each: "${var.r}", content: {} } } } } })).sort(),
    ).toEqual(["missing rule", "unknown dynamic.rules"]);
    expect(
      kinds(stack({ aws_s3_bucket_lifecycle_configuration: { L: { bucket: "b", dynamic: { rule: { content: { id: "r", status: "Enabled" } } } } } })),
    ).toEqual(["shape dynamic.rule"]);
  });

  test("computed-only attributes cannot be set", () => {
    expect(kinds(lifecycle({ id: "x" }))).toEqual(["computed-only id"]);
  });

  test("deprecated attributes are errors unless accepted by <type>.<path>", () => {
    expect(kinds(lifecycle({ expected_bucket_owner: "111111111111" }))).toEqual(["deprecated expected_bucket_owner"]);
    const accepted = { "aws_s3_bucket_lifecycle_configuration.expected_bucket_owner": "kept until every user is on a provider where it is not ForceNew" };
    expect(checkStackAgainstSchemas(lifecycle({ expected_bucket_owner: "1" }), SCHEMAS, accepted)).toEqual([]);
  });

  test("a resource type the provider version lacks, and a provider without a schema, are reported", () => {
    expect(kinds(stack({ aws_s3_bucket_acl_v9: { A: {} } }))).toEqual(["unknown "]);
    const s = { ...stack({}), terraform: { required_providers: { aws: { source: "someone/aws" } } } };
    expect(kinds(s)).toEqual(["no-schema "]);
  });

  test("a `description` the stripped schema files cannot decide is reported as unverified, not passed silently", () => {
    expect(kinds(stack({ aws_iam_role: { R: { name: "r", description: "reads logs" } } }))).toEqual(["unverified description"]);
  });

  test("missing schema files fail loudly, naming where they were looked for", () => {
    expect(() => loadProviderSchemas("/nonexistent/provider-schemas", ["aws-6.34.0.json.gz"])).toThrow(
      /provider schemas not found: \/nonexistent\/provider-schemas does not exist \(set LAKEHOUSE_PROVIDER_SCHEMAS/,
    );
  });

  test("source addresses are normalised the way Terraform does", () => {
    expect(fullSource("aws")).toBe("registry.terraform.io/hashicorp/aws");
    expect(fullSource("snowflakedb/snowflake")).toBe("registry.terraform.io/snowflakedb/snowflake");
  });
});
