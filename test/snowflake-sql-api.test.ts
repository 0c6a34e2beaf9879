import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  SnowflakeConnection,
  SnowflakeSqlApi,
  SnowflakeSqlError,
  accountUrl,
  cell,
  jwtAccount,
  privateKeyFrom,
  publicKeyFingerprint,
  snowflakeConnection,
} from "../cli/snowflake-sql-api";
import { FakeSqlApi, ScriptedAnswer, startFakeSqlApi } from "./support/fake-sql-api";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const noSleep = async () => undefined;

describe("Snowflake SQL API client against a local server that speaks the API", () => {
  let server: FakeSqlApi;
  let answers: ((index: number) => ScriptedAnswer)[];
  beforeEach(async () => {
    answers = [];
    server = await startFakeSqlApi({ account: "ACMEORG-SECLAKE_US", user: "RESPONDER", publicKey, answer: (_r, i) => answers[i](i) });
  });
  afterEach(() => server.close());

  const client = (overrides: Partial<ConstructorParameters<typeof SnowflakeSqlApi>[0]> = {}) =>
    new SnowflakeSqlApi(
      {
        account: "acmeorg-seclake_us",
        user: "responder",
        privateKey,
        role: "ACME_PROD_BACKFILL",
        warehouse: "ACME_PROD_BACKFILL_WH",
        database: "ACME_LOGS_PROD",
        baseUrl: server.url,
        ...overrides,
      },
      { sleep: noSleep },
    );

  test("GIVEN a statement WHEN it runs THEN the request carries a key-pair JWT the server verifies with the public key, and the body names role, warehouse, database, binds and query tag", async () => {
    answers.push(() => ({
      kind: "result",
      columns: ["N", "NAME"],
      rows: [
        ["1", "a"],
        ["2", null],
      ],
    }));
    const result = await client().query("SELECT ?, ? FROM t", ["x", 5, true, null, 2.5], { queryTag: "lakehouse-backfill:r:1", timeoutSeconds: 600 });
    expect(result.rows).toEqual([
      { N: "1", NAME: "a" },
      { N: "2", NAME: null },
    ]);
    expect(result.statementHandle).toMatch(/^01b2c3d4-/);
    const [token] = server.tokens;
    expect(token.header).toEqual({ alg: "RS256", typ: "JWT" });
    expect(token.claims.sub).toBe("ACMEORG-SECLAKE_US.RESPONDER");
    expect(token.claims.iss).toBe(`ACMEORG-SECLAKE_US.RESPONDER.${publicKeyFingerprint(privateKey)}`);
    expect(Number(token.claims.exp) - Number(token.claims.iat)).toBeLessThanOrEqual(3600);
    const [request] = server.requests;
    expect(request).toMatchObject({
      statement: "SELECT ?, ? FROM t",
      role: "ACME_PROD_BACKFILL",
      warehouse: "ACME_PROD_BACKFILL_WH",
      database: "ACME_LOGS_PROD",
      timeout: 600,
      parameters: { query_tag: "lakehouse-backfill:r:1" },
      retry: false,
    });
    expect(request.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.bindings).toEqual({
      "1": { type: "TEXT", value: "x" },
      "2": { type: "FIXED", value: "5" },
      "3": { type: "BOOLEAN", value: "true" },
      "4": { type: "TEXT", value: null },
      "5": { type: "REAL", value: "2.5" },
    });
  });

  test("GIVEN a long statement THEN the 202 and its statementHandle are polled until the result, and every partition is fetched", async () => {
    const rows = Array.from({ length: 25 }, (_, i) => [`file-${i}`, "LOADED"]);
    answers.push(() => ({ kind: "result", columns: ["file", "status"], rows, partitionSize: 10, polls: 3 }));
    const result = await client().query("COPY INTO t FROM @s");
    expect(result.rows).toHaveLength(25);
    expect(result.rows.map((r) => cell(r, "FILE"))).toEqual(rows.map((r) => r[0]));
    expect(server.polls).toBe(4);
    expect(server.partitionsServed).toBe(2);
  });

  test("GIVEN a failing statement THEN the error carries Snowflake's message, SQL state and code, also when it fails while polled", async () => {
    answers.push(() => ({
      kind: "error",
      status: 422,
      code: "002003",
      sqlState: "42S02",
      message: "SQL compilation error: Table 'X' does not exist or not authorized.",
    }));
    answers.push(() => ({
      kind: "error",
      status: 422,
      code: "100035",
      sqlState: "22000",
      message: "Statement reached its statement or warehouse timeout",
      polls: 2,
    }));
    const failed = client().query("SELECT * FROM X");
    await expect(failed).rejects.toThrow(/does not exist or not authorized\. \(SQL state 42S02, code 002003\)/);
    await expect(failed).rejects.toBeInstanceOf(SnowflakeSqlError);
    await expect(client().query("COPY INTO t FROM @s")).rejects.toMatchObject({ httpStatus: 422, code: "100035", sqlState: "22000" });
  });

  test("GIVEN a 429 and a 503 THEN the request is resent with the same requestId and retry=true, so Snowflake does not run it twice", async () => {
    answers.push(() => ({ kind: "fault", status: 429, headers: { "retry-after": "1" } }));
    answers.push(() => ({ kind: "fault", status: 503 }));
    answers.push(() => ({ kind: "result", columns: ["X"], rows: [["1"]] }));
    const slept: number[] = [];
    const api = new SnowflakeSqlApi(
      { account: "ACMEORG-SECLAKE_US", user: "RESPONDER", privateKey, baseUrl: server.url },
      { sleep: async (ms) => void slept.push(ms) },
    );
    expect((await api.query("SELECT 1")).rows).toEqual([{ X: "1" }]);
    expect(server.requests.map((r) => [r.requestId, r.retry])).toEqual([
      [server.requests[0].requestId, false],
      [server.requests[0].requestId, true],
      [server.requests[0].requestId, true],
    ]);
    expect(slept).toEqual([1000, 2000]);
  });

  test("GIVEN a key that is not the user's THEN the 401 is an error naming the key's fingerprint", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    answers.push(() => ({ kind: "result", columns: [], rows: [] }));
    await expect(client({ privateKey: other }).query("SELECT 1")).rejects.toThrow(
      new RegExp(
        `refused the key-pair JWT \\(HTTP 401: JWT token is invalid: JWT signature does not verify.*fingerprint ${publicKeyFingerprint(other).replace(/[+/]/g, "\\$&")}`,
      ),
    );
    expect(server.requests).toHaveLength(0);
  });

  test("the JWT is renewed five minutes before it expires, and the server sees the new one", async () => {
    let now = Date.now();
    const clocked = await startFakeSqlApi({
      account: "ACMEORG-SECLAKE_US",
      user: "RESPONDER",
      publicKey,
      nowSeconds: () => Math.floor(now / 1000),
      answer: () => ({ kind: "result", columns: ["X"], rows: [] }),
    });
    try {
      const api = new SnowflakeSqlApi(
        { account: "ACMEORG-SECLAKE_US", user: "RESPONDER", privateKey, baseUrl: clocked.url },
        { sleep: noSleep, now: () => now },
      );
      await api.query("SELECT 1");
      now += 30 * 60_000;
      await api.query("SELECT 1");
      now += 25 * 60_000;
      await api.query("SELECT 1");
      const iats = clocked.tokens.map((t) => Number(t.claims.iat));
      expect(iats[1]).toBe(iats[0]);
      expect(iats[2]).toBe(iats[0] + 55 * 60);
    } finally {
      await clocked.close();
    }
  });
});

describe("Snowflake connection settings", () => {
  const dir = mkdtempSync(join(tmpdir(), "sf-key-"));
  const keyFile = join(dir, "rsa_key.p8");
  writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
  const encryptedFile = join(dir, "rsa_key_enc.p8");
  writeFileSync(encryptedFile, privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "s3cret" }));

  test("options win over environment variables, which win over the command's defaults", () => {
    const c = snowflakeConnection(
      { user: "alice", role: "OPS" },
      { account: "ACMEORG-SECLAKE_US", role: "ACME_PROD_BACKFILL", warehouse: "ACME_PROD_BACKFILL_WH", database: "ACME_LOGS_PROD" },
      { SNOWFLAKE_USER: "bob", SNOWFLAKE_PRIVATE_KEY_FILE: keyFile, SNOWFLAKE_WAREHOUSE: "OTHER_WH" },
    );
    expect(c).toMatchObject({ account: "ACMEORG-SECLAKE_US", user: "alice", role: "OPS", warehouse: "OTHER_WH", database: "ACME_LOGS_PROD" });
    expect(publicKeyFingerprint((c as SnowflakeConnection).privateKey)).toBe(publicKeyFingerprint(createPublicKey(privateKey)));
  });

  test("an encrypted key needs SNOWFLAKE_PRIVATE_KEY_PASSPHRASE, and says so", () => {
    expect(() => snowflakeConnection({ user: "u", account: "a" }, {}, { SNOWFLAKE_PRIVATE_KEY_FILE: encryptedFile })).toThrow(
      /not a usable RSA private key.*set SNOWFLAKE_PRIVATE_KEY_PASSPHRASE/,
    );
    expect(
      snowflakeConnection({ user: "u", account: "a" }, {}, { SNOWFLAKE_PRIVATE_KEY_FILE: encryptedFile, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: "s3cret" }),
    ).toHaveProperty("privateKey");
    expect(
      snowflakeConnection({ user: "u", account: "a" }, {}, { SNOWFLAKE_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString() }),
    ).toHaveProperty("privateKey");
  });

  test("missing user and key are named with their option and variable", () => {
    expect(snowflakeConnection({}, { account: "A" }, {})).toEqual({
      missing: ["the user (--snowflake-user or SNOWFLAKE_USER)", "the private key (--private-key-file, SNOWFLAKE_PRIVATE_KEY_FILE or SNOWFLAKE_PRIVATE_KEY)"],
    });
    expect(() => snowflakeConnection({ user: "u", account: "a", privateKeyFile: join(dir, "nope.p8") }, {}, {})).toThrow(
      /cannot read the private key file .*nope\.p8: ENOENT/,
    );
    expect(() => privateKeyFrom("not a key")).toThrow(/not a usable RSA private key/);
  });

  test("account identifiers: the JWT's in upper case without a locator's region, the URL's with hyphens", () => {
    expect(jwtAccount("xy12345.us-east-1")).toBe("XY12345");
    expect(jwtAccount("acmeorg-seclake_us")).toBe("ACMEORG-SECLAKE_US");
    expect(accountUrl("ACMEORG-SECLAKE_US")).toBe("https://acmeorg-seclake-us.snowflakecomputing.com");
  });
});
