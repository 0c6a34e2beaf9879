import { bucketName, iamRoleName, limitedName, snowflakeName } from "../../../modules/core/naming";

describe("naming", () => {
  test("short names are the parts joined, unchanged", () => {
    expect(bucketName("acme", "prod", "globex", "logs")).toBe("acme-prod-globex-logs");
    expect(snowflakeName("acme", "prod", "globex-corp", "okta")).toBe("ACME_PROD_GLOBEX_CORP_OKTA");
    expect(iamRoleName("acme", "prod", "globex", "gsuite_audit", "snowflake")).toBe("acme-prod-globex-gsuite_audit-snowflake");
  });

  test("long names are cut to the limit with a hash of the whole name, deterministically", () => {
    const long = ["organization", "production", "a-very-long-tenant-name", "111111111111", "logs"];
    const name = bucketName(...long);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9][a-z0-9-]*-[0-9a-f]{8}$/);
    expect(bucketName(...long)).toBe(name);
    expect(iamRoleName("x".repeat(40), "y".repeat(40)).length).toBe(64);
  });

  test("names that share a long prefix stay distinct after cutting", () => {
    const base = "t".repeat(70);
    const names = new Set(["a", "b", "c", "d"].map((s) => bucketName(base, s)));
    expect(names.size).toBe(4);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(63);
  });

  test("a cut never leaves a trailing separator before the hash", () => {
    for (let n = 50; n < 70; n++) expect(limitedName(["a".repeat(n), "b"], "-", 60)).not.toMatch(/--/);
  });

  test("Snowflake names start with a letter or underscore", () => {
    expect(snowflakeName("9lives")).toBe("_9LIVES");
  });
});
