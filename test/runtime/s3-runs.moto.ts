import { generateKeyPairSync } from "node:crypto";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { handler } from "../../runtime/puller/handler";
import { describeRunScenarios, readRecords } from "./support/scenarios";
import { googleEvent, googleTime, oktaEvent, oktaTime, uniformEvents } from "./support/events";
import { startFakeGoogle } from "./support/fake-google";
import { startFakeOkta } from "./support/fake-okta";
import { requireS3Endpoint, s3Client, s3Harness, TEST_KMS_KEY } from "./support/s3-harness";

// Runs only through scripts/runtime-checks.sh (a real S3-compatible server: moto). Without it every case fails, saying why.
let endpoint: string;
let client: S3Client;

beforeAll(async () => {
  endpoint = await requireS3Endpoint();
  client = s3Client(endpoint);
});

describeRunScenarios("real S3-compatible server (moto)", () => s3Harness(client));

describe("Lambda handler against moto's S3 and Secrets Manager", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  async function putSecret(name: string, value: unknown): Promise<string> {
    const sm = new SecretsManagerClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    const res = await sm.send(new CreateSecretCommand({ Name: `${name}-${Date.now()}`, SecretString: JSON.stringify(value) }));
    return res.ARN ?? "";
  }

  function baseEnv(bucket: string, kind: string, prefix: string, secretId: string, options: unknown): void {
    Object.assign(process.env, {
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      PULLER_AWS_ENDPOINT: endpoint,
      PULLER_KIND: kind,
      PULLER_BUCKET: bucket,
      PULLER_PREFIX: prefix,
      PULLER_STATE_KEY: `_state/${kind}.json`,
      PULLER_SECRET_ID: secretId,
      PULLER_KMS_KEY_ID: TEST_KMS_KEY,
      PULLER_SOURCE_OPTIONS: JSON.stringify(options),
      PULLER_WINDOW_SECONDS: "60",
      PULLER_LAG_SECONDS: "0",
      PULLER_INITIAL_LOOKBACK_SECONDS: "600",
      PULLER_BUDGET_SECONDS: "60",
    });
  }

  test("GIVEN an Okta secret (SSWS) WHEN the handler runs THEN objects and state are put with SSE-KMS and hold every event of the closed windows", async () => {
    const h = await s3Harness(client);
    const now = Date.now();
    const events = uniformEvents(now - 20 * 60_000, 2000, 900, (i, ms) => oktaEvent(i, ms), oktaTime);
    const okta = await startFakeOkta({ events, apiToken: "ssws-e2e" });
    try {
      const secretId = await putSecret("okta", { apiToken: "ssws-e2e" });
      baseEnv(h.bucket, "okta", "okta/", secretId, { orgUrl: okta.url, limit: 100 });
      const result = await handler({}, { awsRequestId: "req-1", getRemainingTimeInMillis: () => 300_000 });
      expect(result.status).toBe("complete");
      expect(result.runId).toBe("req-1");
      expect(result.windowsWritten).toBe(10);
      const keys = await h.listKeys("okta/");
      expect(keys.length).toBe(10);
      const head = await client.send(new HeadObjectCommand({ Bucket: h.bucket, Key: keys[0] }));
      expect(head.ServerSideEncryption).toBe("aws:kms");
      expect(head.SSEKMSKeyId).toBe(TEST_KMS_KEY);
      const stateHead = await client.send(new HeadObjectCommand({ Bucket: h.bucket, Key: "_state/okta.json" }));
      expect(stateHead.ServerSideEncryption).toBe("aws:kms");
      let count = 0;
      for (const k of keys) count += (await readRecords(h, k)).length;
      const start = Math.floor((now - 600_000) / 60_000) * 60_000;
      const end = Math.floor(now / 60_000) * 60_000;
      expect(count).toBe(events.indexAt(end) - events.indexAt(start));
      expect(result.cursor).toBe(new Date(end).toISOString());
    } finally {
      await okta.close();
    }
  });

  test("GIVEN a Google service-account secret WHEN its token expires mid-run and the API answers 429 once THEN the handler refreshes, waits and pulls every application", async () => {
    const h = await s3Harness(client);
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const now = Date.now();
    const apps = {
      admin: uniformEvents(now - 15 * 60_000, 5000, 180, (i, ms) => googleEvent("admin", i, ms), googleTime),
      login: uniformEvents(now - 15 * 60_000, 3000, 300, (i, ms) => googleEvent("login", i, ms), googleTime),
    };
    let faulted = false;
    const google = await startFakeGoogle({
      applications: apps,
      serviceAccountEmail: "puller@project.iam.gserviceaccount.com",
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
      subject: "admin@example.com",
      maxUsesPerToken: 7,
      fault: () => (faulted ? undefined : ((faulted = true), { status: 429, headers: { "retry-after": "1" } })),
    });
    try {
      const secretId = await putSecret("gws", {
        client_email: "puller@project.iam.gserviceaccount.com",
        private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      });
      baseEnv(h.bucket, "google-workspace", "gsuite/", secretId, {
        subject: "admin@example.com",
        applications: ["admin", "login"],
        apiBaseUrl: google.url,
        tokenUrl: google.tokenUrl,
        maxResults: 25,
      });
      const result = await handler({}, undefined);
      expect(result.status).toBe("complete");
      expect(google.tokensIssued).toBeGreaterThanOrEqual(2);
      expect(google.unauthorizedResponses).toBeGreaterThanOrEqual(1);
      const start = Math.floor((now - 600_000) / 60_000) * 60_000;
      const end = Math.floor(now / 60_000) * 60_000;
      const expected = apps.admin.indexAt(end) - apps.admin.indexAt(start) + (apps.login.indexAt(end) - apps.login.indexAt(start));
      let count = 0;
      for (const k of await h.listKeys("gsuite/")) count += (await readRecords(h, k)).length;
      expect(count).toBe(expected);
    } finally {
      await google.close();
    }
  });
});
