import { parseConfig } from "../stacks/config/load";
import { resolveConfig } from "../stacks/config/resolve";
import { LakehouseConfigInput } from "../stacks/config/schema";
import { externalAccess, externalAccessText } from "../stacks/external-access";
import { OWNER_ACCOUNT_ID, OWNER_KMS_KEY_ARN } from "./support/fixtures";

/**
 * What `lakehouse external-access` prints (stacks/external-access.ts), as data. Whether the printed
 * statements do what they say is decided by the IAM evaluator in test/access (family "existing buckets").
 */

const BUCKET = "acme-org-trail-333333333333";

function config(sources: Record<string, unknown>[], environments = ["prod"]): LakehouseConfigInput {
  return {
    organization: "acme",
    environments: environments.map((name, i) => ({
      name,
      awsAccountId: `11111111111${i + 1}`,
      snowflakeAccounts: [{ region: "us-east-1", organization: "O", account: `A${i}` }],
    })),
    tenants: [
      {
        id: "globex",
        region: "us-east-1",
        sources: [
          { name: "okta", type: "okta", delivery: { options: { orgUrl: "https://globex.okta.com" } } },
          ...sources,
        ] as LakehouseConfigInput["tenants"][number]["sources"],
      },
    ],
  };
}

const trail = (name: string, prefix: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: "cloudtrail",
  existingBucket: { name: BUCKET, prefix, accountId: OWNER_ACCOUNT_ID, ...extra },
});

describe("externalAccess", () => {
  test("GIVEN sources on an existing bucket WHEN printed THEN each gets statements for its own role and prefix, with ids that never collide in one bucket policy", () => {
    const entries = externalAccess(resolveConfig(parseConfig(config([trail("trail_a", "AWSLogs/o-aaaaaaaaaa/"), trail("trail_b", "AWSLogs/o-bbbbbbbbbb/")]))));
    expect(entries.map((e) => [e.source, e.accessRoleArn, e.bucket.prefix])).toEqual([
      ["trail_a", "arn:aws:iam::111111111111:role/acme-prod-globex-trail_a-snowflake", "AWSLogs/o-aaaaaaaaaa/"],
      ["trail_b", "arn:aws:iam::111111111111:role/acme-prod-globex-trail_b-snowflake", "AWSLogs/o-bbbbbbbbbb/"],
    ]);
    const sids = entries.flatMap((e) => e.bucketPolicyStatements.map((s) => s.Sid));
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of sids) expect(s).toMatch(/^[A-Za-z0-9]+$/);
    expect(entries[0].bucketPolicyStatements).toEqual([
      {
        Sid: "LakehouseAcmeProdGlobexTrailASnowflakeRead",
        Effect: "Allow",
        Principal: { AWS: entries[0].accessRoleArn },
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: `arn:aws:s3:::${BUCKET}/AWSLogs/o-aaaaaaaaaa/*`,
      },
      {
        Sid: "LakehouseAcmeProdGlobexTrailASnowflakeList",
        Effect: "Allow",
        Principal: { AWS: entries[0].accessRoleArn },
        Action: "s3:ListBucket",
        Resource: `arn:aws:s3:::${BUCKET}`,
        Condition: { StringLike: { "s3:prefix": "AWSLogs/o-aaaaaaaaaa/*" } },
      },
      {
        Sid: "LakehouseAcmeProdGlobexTrailASnowflakeLocate",
        Effect: "Allow",
        Principal: { AWS: entries[0].accessRoleArn },
        Action: "s3:GetBucketLocation",
        Resource: `arn:aws:s3:::${BUCKET}`,
      },
    ]);
    // No statement of the owner's own (a TLS deny, …) is invented, and no wildcard principal or action.
    expect(JSON.stringify(entries)).not.toMatch(/"Deny"|"\*"[,}]|s3:\*/);
  });

  test("GIVEN an SSE-S3 bucket THEN no key statement; GIVEN a key THEN kms:Decrypt for the role, through S3 of the tenant's region only", () => {
    const [plain] = externalAccess(resolveConfig(parseConfig(config([trail("trail", "AWSLogs/")]))));
    expect(plain.key).toBeUndefined();
    expect(externalAccessText([plain])).toContain("2. An event notification on the bucket");
    const keyArn = OWNER_KMS_KEY_ARN;
    const [keyed] = externalAccess(resolveConfig(parseConfig(config([trail("trail", "AWSLogs/", { kmsKeyArn: keyArn })]))));
    expect(keyed.key).toEqual({
      arn: keyArn,
      policyStatements: [
        {
          Sid: "LakehouseAcmeProdGlobexTrailSnowflakeDecrypt",
          Effect: "Allow",
          Principal: { AWS: keyed.accessRoleArn },
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
        },
      ],
    });
    expect(externalAccessText([keyed])).toContain("3. An event notification on the bucket");
  });

  test("the notification: created objects under the prefix (and the type's suffix) to the queue the tenant stack outputs", () => {
    const [e] = externalAccess(resolveConfig(parseConfig(config([trail("trail", "AWSLogs/")]))));
    expect(e.notification).toEqual({
      events: ["s3:ObjectCreated:*"],
      prefix: "AWSLogs/",
      suffix: ".json.gz",
      queue: {
        stack: "tenant-globex-prod",
        output: "sources",
        path: '."trail".notification_channel',
        command: `terraform output -json sources | jq -r '."trail".notification_channel'`,
      },
    });
  });

  test("a tenant in two environments reading different prefixes gets an entry per environment, each for that environment's role", () => {
    const c = config([]);
    c.environments.push({ name: "dev", awsAccountId: "111111111112", snowflakeAccounts: [{ region: "us-east-1", organization: "O", account: "B" }] });
    c.tenants.push({
      id: "initech",
      region: "us-east-1",
      environments: ["dev"],
      sources: [
        { name: "okta", type: "okta", delivery: { options: { orgUrl: "https://initech.okta.com" } } },
        trail("trail", "AWSLogs/o-dddddddddd/"),
      ] as LakehouseConfigInput["tenants"][number]["sources"],
    });
    c.tenants[0].environments = ["prod"];
    c.tenants[0].sources.push(trail("trail", "AWSLogs/o-pppppppppp/") as LakehouseConfigInput["tenants"][number]["sources"][number]);
    const entries = externalAccess(resolveConfig(parseConfig(c)));
    expect(entries.map((e) => `${e.environment}/${e.tenant} ${e.accessRoleArn}`)).toEqual([
      "prod/globex arn:aws:iam::111111111111:role/acme-prod-globex-trail-snowflake",
      "dev/initech arn:aws:iam::111111111112:role/acme-dev-initech-trail-snowflake",
    ]);
    // Nothing to print without such sources.
    expect(externalAccess(resolveConfig(parseConfig(config([]))))).toEqual([]);
  });
});
