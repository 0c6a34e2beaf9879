import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { BackfillOptions, runBackfill } from "../../cli/backfill/engine";
import { listCandidates } from "../../cli/backfill/listing";
import { S3Lister } from "../../cli/backfill/s3-lister";
import { backfillTarget } from "../../cli/backfill/target";
import { main } from "../../cli/lakehouse";
import { SqlBind } from "../../cli/snowflake-sql-api";
import { loadConfigFile } from "../../stacks/config/load";
import { resolveConfig } from "../../stacks/config/resolve";
import { FakeSnowflake, SimulatedCrash } from "../support/backfill-fakes";
import { startFakeSqlApi } from "../support/fake-sql-api";
import { requireS3Endpoint, s3Client } from "./support/s3-harness";

// Runs only through scripts/runtime-checks.sh (moto's S3 server). The Snowflake side is the in-memory
// FakeSnowflake — directly, or behind a local server that speaks the SQL API (JWT checked).

let endpoint: string;
let client: S3Client;
const org = `bf${process.pid % 100000}`;
const bucket = `${org}-prod-umbrella-111111111111-logs`;
const dir = mkdtempSync(join(tmpdir(), "backfill-moto-"));
const configFile = join(dir, "lakehouse.yaml");
writeFileSync(
  configFile,
  `organization: ${org}
environments:
  - name: prod
    awsAccountId: "111111111111"
    snowflakeAccounts: [{ region: us-east-1, organization: ACMEORG, account: SECLAKE_US }]
tenants:
  - id: umbrella
    region: us-east-1
    sources:
      - name: edr
        delivery: { kind: native, servicePrincipal: delivery.logs.amazonaws.com }
        eventTimeField: timestamp
        fileSuffix: .json.gz
`,
);
const target = backfillTarget(resolveConfig(loadConfigFile(configFile)), "prod", "umbrella", "edr");
const pad = (n: number) => String(n).padStart(2, "0");

/** `edr/2024/03/DD/HH/part-N.json.gz` for the given days, `perHour` each, and some that must not be loaded. */
const inRange: string[] = [];
for (const day of [1, 2])
  for (let h = 0; h < 24; h++) for (let i = 0; i < 25; i++) inRange.push(`edr/2024/03/${pad(day)}/${pad(h)}/part-${pad(h)}-${pad(i)}.json.gz`);
const outside = [
  "edr/2024/02/29/23/part-late.json.gz", // the day before
  "edr/2024/03/03/00/part-after.json.gz", // the day after (--to 2024-03-02 ends at 03-03T00:00)
  "edr/2023/03/01/00/part-year.json.gz", // another year
  "edr/2024/03/01/05/part-05-notes.txt", // not the pipe's suffix
  "other/2024/03/01/05/x.json.gz", // another source's prefix
];
const undated = ["edr/manual/export-1.json.gz", "edr/loose.json.gz"];

beforeAll(async () => {
  endpoint = await requireS3Endpoint();
  client = s3Client(endpoint);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const keys = [...inRange, ...outside, ...undated];
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(
      keys
        .slice(i, i + 50)
        .map((Key) => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `{"timestamp":"2024-03-01T00:00:00Z","k":"${Key}"}\n` }))),
    );
  }
}, 120_000);

const range = { fromMs: Date.parse("2024-03-01T00:00:00Z"), toMs: Date.parse("2024-03-03T00:00:00Z") };

describe("backfill against moto's S3", () => {
  test("GIVEN 1,200 files in hour folders, pages of 100 THEN exactly the in-range files with the pipe's suffix, listing only the days in range", async () => {
    const lister = new S3Lister(client, bucket, 100);
    const calls: string[] = [];
    const spy = {
      page: (p: string, d: "/" | undefined, t: string | undefined) => (t === undefined && calls.push(`${p}${d ? " (/)" : ""}`), lister.page(p, d, t)),
    };
    const listing = await listCandidates(spy, { keyPrefix: "edr/", suffix: ".json.gz", ...range });
    expect(
      listing.candidates
        .filter((c) => c.by === "path")
        .map((c) => c.key)
        .sort(),
    ).toEqual([...inRange].sort());
    expect(listing.requests).toBeGreaterThanOrEqual(12 + 3); // two whole days of 600 files in pages of 100, and the folder walks
    expect(calls).toEqual(["edr/ (/)", "edr/manual/ (/)", "edr/2024/03/01/", "edr/2024/03/02/"]);
    // The undated files were just put: their LastModified is now, outside March 2024.
    expect(listing.candidates.filter((c) => c.by === "lastModified")).toEqual([]);
  });

  test("GIVEN keys without a date folder THEN LastModified decides (moto stamps the upload time)", async () => {
    const now = Date.now();
    const listing = await listCandidates(new S3Lister(client, bucket, 100), {
      keyPrefix: "edr/",
      suffix: ".json.gz",
      fromMs: now - 3_600_000,
      toMs: now + 60_000,
    });
    expect(
      listing.candidates
        .filter((c) => c.by === "lastModified")
        .map((c) => c.key)
        .sort(),
    ).toEqual([...undated].sort());
    expect(listing.candidates.filter((c) => c.by === "path")).toEqual([]); // no date folder of this hour exists
  });

  test("GIVEN a run interrupted after a COPY (and another mid-listing) THEN the reruns resume it to completion and no file is loaded twice", async () => {
    const snowflake = new FakeSnowflake({ progressTable: target.progressTable, bucket, keyPrefix: "edr/", rowsOf: () => 1 });
    snowflake.pipeLoaded(
      target.copy.table,
      inRange.slice(0, 60).map((k) => k.slice(4)),
    );
    const options: BackfillOptions = { ...range, maxFiles: 100, maxBytes: 1e12, dryRun: false, pipeQuietMs: 0 };
    let ids = 0;
    const failing = new S3Lister(client, bucket, 100);
    let pages = 0;
    const deps = (lister: { page: S3Lister["page"] }) => ({
      lister,
      sql: snowflake,
      now: Date.now,
      sleep: async () => undefined,
      newRunId: () => `moto-run-${++ids}`,
    });

    snowflake.crash = { statement: "copy", index: 4, when: "after" };
    await expect(runBackfill(target, options, deps(new S3Lister(client, bucket, 100)))).rejects.toThrow(SimulatedCrash);
    const interruptedLister = {
      page: (p: string, d: "/" | undefined, t: string | undefined) =>
        ++pages === 7 ? Promise.reject(new Error("S3 ListObjectsV2: connection reset (simulated)")) : failing.page(p, d, t),
    };
    await expect(runBackfill(target, options, deps(interruptedLister))).rejects.toThrow(/connection reset/);
    const report = await runBackfill(target, options, deps(new S3Lister(client, bucket, 100)));

    expect(report).toMatchObject({ resumed: true, runId: "moto-run-1", alreadyLoaded: { files: 60 + 400 } });
    const times = snowflake.timesCopied();
    expect([...times.values()].every((n) => n === 1)).toBe(true);
    expect([...times.keys()].sort()).toEqual(
      inRange
        .slice(60)
        .map((k) => k.slice(4))
        .sort(),
    );
    expect(snowflake.copies.every((c) => c.files.length <= 100)).toBe(true);
    expect(snowflake.progress.filter((r) => r.STATUS === "RUN_STARTED")).toHaveLength(1);
    expect(snowflake.progress.at(-1)).toMatchObject({ STATUS: "RUN_FINISHED", RUN_ID: "moto-run-1" });
  });

  test("lakehouse backfill end to end: moto's S3, the SQL API over HTTP with a key-pair JWT, a dry run and then the load", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyFile = join(dir, "rsa_key.p8");
    writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
    const snowflake = new FakeSnowflake({ progressTable: target.progressTable, bucket, keyPrefix: "edr/", rowsOf: () => 2, spelling: "stage" });
    snowflake.pipeLoaded(
      target.copy.table,
      inRange.slice(0, 100).map((k) => k.slice(4)),
    );
    const api = await startFakeSqlApi({
      account: "ACMEORG-SECLAKE_US",
      user: "RESPONDER",
      publicKey,
      answer: async (request) => {
        const binds: SqlBind[] = Object.keys(request.bindings ?? {})
          .sort((a, b) => Number(a) - Number(b))
          .map((k) => {
            const b = request.bindings![k];
            return b.value === null ? null : b.type === "FIXED" ? Number(b.value) : b.value;
          });
        const result = await snowflake.query(request.statement, binds, { queryTag: request.parameters?.query_tag });
        return { kind: "result", columns: result.columns, rows: result.rows.map((r) => result.columns.map((c) => r[c])) };
      },
    });
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      SNOWFLAKE_SQL_API_URL: api.url,
      SNOWFLAKE_USER: "responder",
      SNOWFLAKE_PRIVATE_KEY_FILE: keyFile,
    });
    const run = async (...extra: string[]) => {
      let stdout = "";
      let stderr = "";
      const args = [
        "backfill",
        "--config",
        configFile,
        "--env",
        "prod",
        "--tenant",
        "umbrella",
        "--source",
        "edr",
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-02",
        "--batch-files",
        "250",
        "--skip-recent-minutes",
        "0",
        ...extra,
      ];
      const code = await main(args, { write: (s: string) => ((stdout += s), true) } as never, { write: (s: string) => ((stderr += s), true) } as never);
      return { code, stdout, stderr };
    };
    try {
      const dry = await run("--dry-run");
      expect(dry.stderr).toBe("");
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/listed {5}1,200 files/);
      expect(dry.stdout).toMatch(/loaded {5}100 files already/);
      expect(dry.stdout).toMatch(/to load {4}1,100 files, .* in 5 batches/);
      expect(snowflake.counts.copy).toBe(0);

      const load = await run("--json");
      expect(load.code).toBe(0);
      const report = JSON.parse(load.stdout);
      expect(report).toMatchObject({
        snowflake: { account: "ACMEORG-SECLAKE_US", role: `${org.toUpperCase()}_PROD_BACKFILL`, warehouse: `${org.toUpperCase()}_PROD_BACKFILL_WH` },
        loaded: { batches: 5, files: 1100, rows: 2200 },
      });
      expect([...snowflake.timesCopied().values()].every((n) => n === 1)).toBe(true);
      expect(snowflake.timesCopied().size).toBe(1100);
      // Every request carried a key-pair JWT the server verified, the backfill role and warehouse, and the COPYs their tags.
      expect(api.tokens.length).toBe(api.requests.length);
      expect(api.requests.every((r) => r.role === `${org.toUpperCase()}_PROD_BACKFILL` && r.warehouse === `${org.toUpperCase()}_PROD_BACKFILL_WH`)).toBe(true);
      expect(api.requests.filter((r) => r.statement.startsWith("COPY INTO")).map((r) => r.parameters?.query_tag)).toEqual(
        [1, 2, 3, 4, 5].map((n) => `lakehouse-backfill:${report.runId}:${n}`),
      );
    } finally {
      process.env = saved;
      await api.close();
    }
  });
});
