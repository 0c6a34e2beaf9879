import { TenantAccessRoles, TenantAccessRolesProps } from "../../modules/aws/tenant-access-roles";
import { TenantRoles } from "../../modules/snowflake/tenant-roles";
import { resourcesOf, statementsBySid, synthJson, testStack } from "../support/synth";

describe("TenantRoles (Snowflake)", () => {
  const stack = testStack();
  const roles = new TenantRoles(stack, "Roles", { database: "LOGS_PROD", schema: "GLOBEX", rolePrefix: "ACME_PROD_GLOBEX" });
  const json = synthJson(stack);
  const grants = resourcesOf(json, "snowflake_grant_privileges_to_account_role") as {
    account_role_name: string;
    privileges: string[];
    on_schema?: { schema_name: string };
    on_account_object?: { object_type: string; object_name: string };
    on_schema_object?: { all?: { object_type_plural: string; in_schema: string }; future?: { object_type_plural: string; in_schema: string } };
  }[];
  const roleOf = (g: { account_role_name: string }) => /Roles_([A-Z]+)_/.exec(g.account_role_name)?.[1];

  test("three roles, each granted to SYSADMIN, reader inherited by analyst", () => {
    expect(resourcesOf(json, "snowflake_account_role").map((r) => r.name).sort()).toEqual(["ACME_PROD_GLOBEX_ANALYST", "ACME_PROD_GLOBEX_PIPELINE", "ACME_PROD_GLOBEX_READER"]);
    const hierarchy = resourcesOf(json, "snowflake_grant_account_role").map((g) => `${String(g.role_name).replace(/.*Roles_([A-Z]+)_.*/, "$1")} -> ${String(g.parent_role_name).replace(/.*Roles_([A-Z]+)_.*/, "$1")}`);
    expect(hierarchy.sort()).toEqual(["ANALYST -> SYSADMIN", "PIPELINE -> SYSADMIN", "READER -> ANALYST", "READER -> SYSADMIN"]);
    expect(roles.readerRole).toBe("ACME_PROD_GLOBEX_READER");
  });

  test("every grant is on the tenant's database or schema only, and none is ALL PRIVILEGES or OWNERSHIP", () => {
    for (const g of grants) {
      const scope = g.on_schema?.schema_name ?? g.on_account_object?.object_name ?? g.on_schema_object?.all?.in_schema ?? g.on_schema_object?.future?.in_schema;
      expect([`"LOGS_PROD"."GLOBEX"`, "LOGS_PROD"]).toContain(scope);
      expect(g.privileges.some((p) => p === "OWNERSHIP" || p === "ALL")).toBe(false);
    }
  });

  test("reader: SELECT on views; analyst: SELECT on tables; pipeline: MONITOR and OPERATE on pipes and tasks (existing and future)", () => {
    const summary = grants
      .filter((g) => g.on_schema_object)
      .map((g) => `${roleOf(g)} ${g.privileges.join("+")} ${g.on_schema_object!.all ? "all" : "future"} ${(g.on_schema_object!.all ?? g.on_schema_object!.future)!.object_type_plural}`)
      .sort();
    expect(summary).toEqual([
      "ANALYST SELECT all TABLES",
      "ANALYST SELECT future TABLES",
      "PIPELINE MONITOR+OPERATE all PIPES",
      "PIPELINE MONITOR+OPERATE all TASKS",
      "PIPELINE MONITOR+OPERATE future PIPES",
      "PIPELINE MONITOR+OPERATE future TASKS",
      "READER SELECT all VIEWS",
      "READER SELECT future VIEWS",
    ]);
  });

  test("rejects a lower-case prefix", () => {
    expect(() => new TenantRoles(testStack(), "R", { database: "LOGS_PROD", schema: "GLOBEX", rolePrefix: "acme" })).toThrow(/rolePrefix: must be an upper-case Snowflake identifier/);
  });
});

describe("TenantAccessRoles (AWS)", () => {
  const KEY = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555";
  const base: TenantAccessRolesProps = { namePrefix: "acme-prod-globex", accountId: "111111111111", bucketArn: "arn:aws:s3:::acme-logs", prefixes: ["okta/", "cloudtrail/"], kmsKeyArn: KEY, tenant: "globex" };

  test("read role: read and list the tenant's prefixes, decrypt with its key; nothing else", () => {
    const stack = testStack();
    new TenantAccessRoles(stack, "Roles", base);
    const json = synthJson(stack);
    const read = resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "read-tenant-logs")!;
    const s = statementsBySid(read.policy);
    expect(Object.keys(s).sort()).toEqual(["DecryptWithBucketKey", "ListOnlyPrefixes", "LocateBucket", "ReadObjectsUnderPrefixes"]);
    expect(s.ReadObjectsUnderPrefixes.Resource).toEqual(["arn:aws:s3:::acme-logs/okta/*", "arn:aws:s3:::acme-logs/cloudtrail/*"]);
    const role = resourcesOf(json, "aws_iam_role").find((r) => r.name === "acme-prod-globex-read")!;
    expect(statementsBySid(role.assume_role_policy).AssumeRoleTaggedForTenant).toMatchObject({
      Principal: { AWS: "arn:aws:iam::111111111111:root" },
      Condition: { StringEquals: { "aws:PrincipalTag/lakehouse:tenant": "globex" } },
    });
  });

  test("ops role: read plus put with the tenant key, and never delete", () => {
    const stack = testStack();
    new TenantAccessRoles(stack, "Roles", { ...base, operators: ["arn:aws:iam::111111111111:role/soc-oncall"] });
    const json = synthJson(stack);
    const s = statementsBySid(resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "ops-tenant-logs")!.policy);
    expect(s.WriteObjectsUnderPrefixes).toMatchObject({ Action: "s3:PutObject", Resource: ["arn:aws:s3:::acme-logs/okta/*", "arn:aws:s3:::acme-logs/cloudtrail/*"] });
    expect(s.EncryptWithBucketKey).toMatchObject({ Action: ["kms:GenerateDataKey", "kms:Encrypt"], Resource: KEY });
    expect(JSON.stringify(s)).not.toMatch(/Delete|s3:\*|"\*"/);
    const role = resourcesOf(json, "aws_iam_role").find((r) => r.name === "acme-prod-globex-ops")!;
    expect(statementsBySid(role.assume_role_policy).AssumeRole.Principal).toEqual({ AWS: ["arn:aws:iam::111111111111:role/soc-oncall"] });
  });

  test.each([
    [{ prefixes: [] }, /prefixes/],
    [{ readers: ["arn:aws:iam::111111111111:user/bob"] }, /readers\[0\]: must be an IAM role ARN/],
    [{ namePrefix: "x".repeat(60) }, /namePrefix: must be 1-59 characters/],
  ] as [Partial<TenantAccessRolesProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new TenantAccessRoles(testStack(), "R", { ...base, ...props })).toThrow(message);
  });
});
