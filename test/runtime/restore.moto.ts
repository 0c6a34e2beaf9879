import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  RestoreObjectCommand,
  type S3Client,
  type StorageClass,
} from "@aws-sdk/client-s3";
import { CreateJobCommand, DescribeJobCommand, type S3ControlClient } from "@aws-sdk/client-s3-control";
import { restoreCommand, s3ControlClient } from "../../cli/restore/command";
import type { RestorePlan } from "../../cli/restore/run";
import { manifestCsv, readState, StateConflictError, writeState } from "../../cli/restore/vault";
import { logDatabaseName } from "../../stacks/config/names";
import { loadConfigFile } from "../../stacks/config/load";
import { resolveConfig } from "../../stacks/config/resolve";
import { MemorySnowflake } from "./support/memory-snowflake";
import { requireS3Endpoint, s3Client } from "./support/s3-harness";

// Runs only through scripts/runtime-checks.sh (moto's S3 server). Without it every case fails, saying why.
let endpoint: string;

const savedEnv = { ...process.env };
beforeAll(async () => {
  endpoint = await requireS3Endpoint();
  // S3 Control clients are made by the command, from the usual credential chain.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" });
});

afterAll(() => {
  process.env = savedEnv;
});

/** moto's restore timing (its state manager): "immediate" (its default) or one step per object read. */
async function restoreProgression(transition: { progression: "immediate" } | { progression: "manual"; times: number }) {
  const res = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
    method: "POST",
    body: JSON.stringify({ model_name: "s3::keyrestore", transition }),
  });
  if (res.status !== 201) throw new Error(`moto did not take the transition: HTTP ${res.status}`);
}

afterEach(async () => {
  await restoreProgression({ progression: "immediate" });
});

interface Sent {
  readonly command: string;
  readonly key?: string;
  readonly prefix?: string;
  readonly input: Record<string, unknown>;
}

/**
 * A client of the moto server that logs each request moto answered, and fails the n-th request of a
 * command before sending it (the failure a crash or a network loss would be).
 */
function client(log: Sent[], fault?: { readonly command: string; readonly nth: number }): S3Client {
  const c = s3Client(endpoint);
  let seen = 0;
  c.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      if (fault && context.commandName === fault.command && ++seen === fault.nth) throw new Error(`injected failure before ${fault.command} #${fault.nth}`);
      const result = await next(args);
      log.push({ command: String(context.commandName), key: input.Key as string | undefined, prefix: input.Prefix as string | undefined, input });
      return result;
    },
    { step: "initialize", name: "recordForTest" },
  );
  return c;
}

let counter = 0;

interface Fixture {
  readonly org: string;
  readonly configFile: string;
  readonly vault: string;
  readonly logs: string;
  readonly database: string;
  readonly admin: S3Client;
  /** Records per file, by key. */
  readonly records: Map<string, number>;
}

/** A config with one backed-up tenant (restore-ready unless told), its log bucket and vault, and the vault's objects. */
async function fixture(
  objects: readonly { readonly key: string; readonly storageClass: StorageClass; readonly records?: number }[],
  options: { readonly restoreReady?: boolean } = {},
): Promise<Fixture> {
  const org = `rt${process.pid % 100000}x${++counter}`;
  const dir = mkdtempSync(join(tmpdir(), "restore-moto-"));
  const configFile = join(dir, "lakehouse.yaml");
  writeFileSync(
    configFile,
    [
      `organization: ${org}`,
      "environments:",
      "  - name: prod",
      '    awsAccountId: "123456789012"',
      "    backend: { kind: local }",
      "    snowflakeAccounts: [{ region: us-east-1, organization: O, account: A }]",
      '    backup: { adminRoleArns: ["arn:aws:iam::123456789012:role/deployer"] }',
      "tenants:",
      "  - id: globex",
      "    region: us-east-1",
      `    backup: { restoreReady: ${options.restoreReady ?? true} }`,
      // Without operators the tenant has no restore role (issue 16, item 6): restore needs one to assume.
      '    access: { operators: ["arn:aws:iam::123456789012:role/soc-oncall"] }',
      "    sources:",
      '      - { name: okta, type: okta, delivery: { options: { orgUrl: "https://globex.okta.com" } } }',
      "      - { name: other, delivery: { kind: puller }, eventTimeField: ts }",
      "",
    ].join("\n"),
  );
  const tenant = resolveConfig(loadConfigFile(configFile)).environments[0].tenants[0];
  // The buckets are the resolved config's: the vault from tenant.backup.
  const vault = tenant.backup!.vaultBucketName;
  const logs = tenant.bucketName;
  const admin = s3Client(endpoint);
  // The vault as the contract has it: versioned and object-locked; the tenant bucket versioned (moto turns versioning on with the lock).
  await admin.send(new CreateBucketCommand({ Bucket: vault, ObjectLockEnabledForBucket: true }));
  await admin.send(new CreateBucketCommand({ Bucket: logs, ObjectLockEnabledForBucket: true }));
  const records = new Map<string, number>();
  for (const [i, o] of objects.entries()) {
    const n = o.records ?? 2 + (i % 3);
    const body =
      Array.from({ length: n }, (_, r) => JSON.stringify({ uuid: `${o.key}#${r}`, published: "2024-01-01T00:00:00Z", eventType: "user.session.start" })).join(
        "\n",
      ) + "\n";
    await admin.send(new PutObjectCommand({ Bucket: vault, Key: o.key, Body: gzipSync(body), StorageClass: o.storageClass }));
    records.set(o.key, n);
  }
  return { org, configFile, vault, logs, database: logDatabaseName(org, "prod"), admin, records };
}

function snowflake(f: Fixture, s3: S3Client, fileName: "relative" | "key" = "relative"): MemorySnowflake {
  const sf = new MemorySnowflake(s3, new Map([[`${f.database}.GLOBEX.OKTA_BACKUP_STAGE`, { bucket: f.vault, prefix: "okta/" }]]), fileName);
  sf.tables.set(`${f.database}.GLOBEX.OKTA`, []); // the live table, which CREATE … LIKE copies
  return sf;
}

const args = (f: Fixture, extra: Record<string, string | boolean> = {}) => ({
  config: f.configFile,
  env: "prod",
  tenant: "globex",
  source: "okta",
  from: "2024-01-01",
  to: "2024-01-03",
  ...extra,
});

async function restore(values: Record<string, string | boolean>, deps: Parameters<typeof restoreCommand>[4]) {
  let stdout = "";
  let stderr = "";
  const code = await restoreCommand(
    values,
    { write: (s: string) => (stdout += s) },
    { write: (s: string) => (stderr += s) },
    (m) => new Error(`usage: ${m}`),
    deps,
  );
  return { code, stdout, stderr };
}

const STATE_KEY = "_restore-state/globex/okta/2024-01-01_2024-01-03.json";
const sentOf = (log: readonly Sent[], command: string) => log.filter((s) => s.command === command);
const rel = (key: string) => key.replace(/^okta\//, "");

describe("lakehouse restore against moto's S3", () => {
  test("moto's behaviour that the tests rely on: archived reads refused until restored, x-amz-restore in HeadObject, GLACIER_IR readable", async () => {
    const f = await fixture([
      { key: "okta/2024/01/01/00/a.json.gz", storageClass: "DEEP_ARCHIVE" },
      { key: "okta/2024/01/01/00/b.json.gz", storageClass: "GLACIER_IR" },
    ]);
    await expect(f.admin.send(new GetObjectCommand({ Bucket: f.vault, Key: "okta/2024/01/01/00/a.json.gz" }))).rejects.toMatchObject({
      name: "InvalidObjectState",
    });
    expect((await f.admin.send(new HeadObjectCommand({ Bucket: f.vault, Key: "okta/2024/01/01/00/a.json.gz" }))).Restore).toBeUndefined();
    await expect(f.admin.send(new GetObjectCommand({ Bucket: f.vault, Key: "okta/2024/01/01/00/b.json.gz" }))).resolves.toBeDefined();
    await expect(
      f.admin.send(new RestoreObjectCommand({ Bucket: f.vault, Key: "okta/2024/01/01/00/b.json.gz", RestoreRequest: { Days: 1 } })),
    ).rejects.toMatchObject({ name: "InvalidObjectState" });
    await restoreProgression({ progression: "manual", times: 1 });
    const first = await f.admin.send(
      new RestoreObjectCommand({ Bucket: f.vault, Key: "okta/2024/01/01/00/a.json.gz", RestoreRequest: { Days: 7, GlacierJobParameters: { Tier: "Bulk" } } }),
    );
    expect(first.$metadata.httpStatusCode).toBe(202);
    expect((await f.admin.send(new HeadObjectCommand({ Bucket: f.vault, Key: "okta/2024/01/01/00/a.json.gz" }))).Restore).toBe('ongoing-request="true"');
    expect((await f.admin.send(new HeadObjectCommand({ Bucket: f.vault, Key: "okta/2024/01/01/00/a.json.gz" }))).Restore).toMatch(
      /^ongoing-request="false", expiry-date="[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"$/,
    );
    await expect(f.admin.send(new GetObjectCommand({ Bucket: f.vault, Key: "okta/2024/01/01/00/a.json.gz" }))).resolves.toBeDefined();
  });

  test("GIVEN a run that dies after some restore requests and one that dies right after a COPY committed WHEN the same command runs again from nothing but the S3 state THEN every file is restored and loaded, none requested or loaded twice", async () => {
    const inRange = [
      { key: "okta/2024/01/01/00/a1.json.gz", storageClass: "DEEP_ARCHIVE" as const },
      { key: "okta/2024/01/01/05/a2.json.gz", storageClass: "DEEP_ARCHIVE" as const },
      { key: "okta/2024/01/02/00/b1.json.gz", storageClass: "DEEP_ARCHIVE" as const },
      { key: "okta/2024/01/02/13/b2.json.gz", storageClass: "GLACIER_IR" as const },
      { key: "okta/2024/01/02/23/b3.json.gz", storageClass: "GLACIER" as const },
      { key: "okta/2024/01/03/00/c1.json.gz", storageClass: "DEEP_ARCHIVE" as const },
      { key: "okta/2024/01/03/01/c2.json.gz", storageClass: "DEEP_ARCHIVE" as const },
      { key: "okta/2024/01/03/02/c3.json.gz", storageClass: "GLACIER_IR" as const },
      { key: "okta/2024/01/03/23/c4.json.gz", storageClass: "DEEP_ARCHIVE" as const },
    ];
    const outside = [
      { key: "okta/2024/01/04/00/d1.json.gz", storageClass: "DEEP_ARCHIVE" as const },
      { key: "okta/2023/12/31/23/z1.json.gz", storageClass: "DEEP_ARCHIVE" as const },
      { key: "other/2024/01/02/00/o1.json.gz", storageClass: "DEEP_ARCHIVE" as const },
    ];
    const f = await fixture([...inRange, ...outside]);
    const archived = inRange.filter((o) => o.storageClass !== "GLACIER_IR").map((o) => o.key);
    const log: Sent[] = [];
    const sf = snowflake(f, f.admin);
    const adjustPlan = (p: RestorePlan): RestorePlan => ({ ...p, copyBatchSize: 3, concurrency: 2 });

    // Run 1: the 4th RestoreObject never leaves (the process "dies" there).
    const r1 = await restore(args(f), { s3: client(log, { command: "RestoreObjectCommand", nth: 4 }), sql: sf, adjustPlan });
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/RestoreObject s3:\/\/.+ failed: .*injected failure/);
    expect(sentOf(log, "RestoreObjectCommand").length).toBe(3);
    expect(sf.copies).toEqual([]);

    // Run 2, a fresh process: the connection drops right after the first COPY committed.
    sf.failAfterCopy = 1;
    const r2 = await restore(args(f), { s3: client(log), sql: sf, adjustPlan });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/loading 3 files into .*OKTA_RESTORED failed: connection reset by peer/);
    expect(sf.copies.length).toBe(1);

    // Run 3: goes on from the S3 state alone and finishes.
    sf.failAfterCopy = undefined;
    const r3 = await restore(args(f), { s3: client(log), sql: sf, adjustPlan });
    expect(r3.stderr).toBe("");
    expect(r3.code).toBe(0);
    expect(r3.stdout).toMatch(new RegExp(`complete: 9 objects loaded into ${f.database}\\.GLOBEX\\.OKTA_RESTORED`));
    expect(r3.stdout).toMatch(/already in the target 3\b/);

    // Run 4: nothing left to do, nothing sent.
    const before = { restores: sentOf(log, "RestoreObjectCommand").length, copies: sf.copies.length };
    const r4 = await restore(args(f), { s3: client(log), sql: sf, adjustPlan });
    expect(r4.code).toBe(0);
    expect(r4.stdout).toMatch(/complete: 9 objects loaded/);
    expect({ restores: sentOf(log, "RestoreObjectCommand").length, copies: sf.copies.length }).toEqual(before);

    // Each archived object of the range was requested exactly once; nothing else was.
    const requested = sentOf(log, "RestoreObjectCommand").map((s) => s.key!);
    expect([...requested].sort()).toEqual([...archived].sort());
    expect(
      sentOf(log, "RestoreObjectCommand").every(
        (s) => JSON.stringify(s.input.RestoreRequest) === JSON.stringify({ Days: 7, GlacierJobParameters: { Tier: "Bulk" } }),
      ),
    ).toBe(true);
    // Only the range's day prefixes were listed.
    expect(new Set(sentOf(log, "ListObjectsV2Command").map((s) => s.prefix))).toEqual(new Set(["okta/2024/01/01/", "okta/2024/01/02/", "okta/2024/01/03/"]));
    // No file in two COPY statements, at most 3 per COPY, all nine loaded once.
    const copied = sf.copies.flatMap((c) => c.files);
    expect(new Set(copied).size).toBe(copied.length);
    expect(sf.copies.every((c) => c.files.length <= 3)).toBe(true);
    expect([...copied].sort()).toEqual(inRange.map((o) => rel(o.key)).sort());
    const rows = sf.tables.get(`${f.database}.GLOBEX.OKTA_RESTORED`)!;
    expect(rows.length).toBe(inRange.reduce((n, o) => n + f.records.get(o.key)!, 0));
    expect(new Set(rows.map((r) => `${r.SOURCE_FILE}#${r.SOURCE_FILE_ROW}`)).size).toBe(rows.length);
    expect(sf.tables.get(`${f.database}.GLOBEX.OKTA`)).toEqual([]);

    // The state in the tenant bucket says the same.
    const saved = (await readState(f.admin, f.logs, STATE_KEY))!.state;
    expect(Object.keys(saved.objects).sort()).toEqual(inRange.map((o) => o.key).sort());
    for (const o of inRange) {
      expect(saved.objects[o.key]).toMatchObject({ requests: o.storageClass === "GLACIER_IR" ? 0 : 1, loadedAt: expect.any(String) });
    }
    expect(Object.values(saved.objects).filter((o) => o.loadedBy === "already-loaded").length).toBe(3);
    expect(saved.runs).toBe(4);
  });

  test("GIVEN restores that take time WHEN the command runs THEN it loads what is readable, says what is pending and exits 0, and a later run finishes", async () => {
    await restoreProgression({ progression: "manual", times: 1 });
    const f = await fixture([
      { key: "okta/2024/01/01/00/a.json.gz", storageClass: "DEEP_ARCHIVE" },
      { key: "okta/2024/01/02/00/b.json.gz", storageClass: "DEEP_ARCHIVE" },
      { key: "okta/2024/01/03/00/c.json.gz", storageClass: "GLACIER" },
      { key: "okta/2024/01/03/01/d.json.gz", storageClass: "GLACIER_IR" },
    ]);
    const log: Sent[] = [];
    const sf = snowflake(f, f.admin);
    const r1 = await restore(args(f, { tier: "standard", days: "2" }), { s3: client(log), sql: sf });
    expect(r1.code).toBe(0);
    expect(r1.stdout).toMatch(/pending: 3 objects are still being restored \(Standard: /);
    expect(sf.copies.map((c) => c.files)).toEqual([["2024/01/03/01/d.json.gz"]]);
    expect(sentOf(log, "RestoreObjectCommand").map((s) => s.input.RestoreRequest)).toEqual(
      Array(3).fill({ Days: 2, GlacierJobParameters: { Tier: "Standard" } }),
    );

    // moto: the first read after the request shows it under way.
    const r2 = await restore(args(f, { tier: "standard", days: "2", json: true }), { s3: client(log), sql: sf });
    expect(r2.code).toBe(0);
    const j2 = JSON.parse(r2.stdout);
    expect(j2).toMatchObject({ outcome: "pending", requested: 0, copied: 0, counts: { total: 4, loaded: 1, restoring: 3 } });

    const r3 = await restore(args(f, { tier: "standard", days: "2" }), { s3: client(log), sql: sf });
    expect(r3.code).toBe(0);
    expect(r3.stdout).toMatch(/complete: 4 objects loaded/);
    expect(sentOf(log, "RestoreObjectCommand").length).toBe(3);
    expect(sf.copies.flatMap((c) => c.files).sort()).toEqual([
      "2024/01/01/00/a.json.gz",
      "2024/01/02/00/b.json.gz",
      "2024/01/03/00/c.json.gz",
      "2024/01/03/01/d.json.gz",
    ]);
  });

  test("GIVEN --wait WHEN restores take time THEN it polls at --poll-seconds until every file is loaded", async () => {
    await restoreProgression({ progression: "manual", times: 1 });
    const f = await fixture([
      { key: "okta/2024/01/01/00/a.json.gz", storageClass: "DEEP_ARCHIVE" },
      { key: "okta/2024/01/02/00/b.json.gz", storageClass: "DEEP_ARCHIVE" },
    ]);
    const sleeps: number[] = [];
    const sf = snowflake(f, f.admin);
    const r = await restore(args(f, { wait: true, "poll-seconds": "5" }), {
      s3: client([]),
      sql: sf,
      sleep: async (ms) => {
        // A --wait that never finishes would poll forever: the test gives up after a few passes.
        if (sleeps.push(ms) > 5) throw new Error("still polling after 5 passes");
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/complete: 2 objects loaded/);
    expect(sleeps).toEqual([5000, 5000]);
    expect(r.stderr.trim().split("\n")).toEqual([
      "restore: 0/2 loaded, 0 readable, 2 restoring, 0 in batch jobs, 0 to request; next pass in 5s",
      "restore: 0/2 loaded, 0 readable, 2 restoring, 0 in batch jobs, 0 to request; next pass in 5s",
    ]);
  });

  test("GIVEN --into the live table, which already holds two of the files (METADATA$FILENAME as the whole key) WHEN restored THEN only the others are copied", async () => {
    const keys = ["okta/2024/01/01/00/a.json.gz", "okta/2024/01/01/01/b.json.gz", "okta/2024/01/02/00/c.json.gz", "okta/2024/01/03/00/d.json.gz"];
    const f = await fixture(keys.map((key) => ({ key, storageClass: "DEEP_ARCHIVE" as const })));
    const sf = snowflake(f, f.admin, "key");
    sf.tables
      .get(`${f.database}.GLOBEX.OKTA`)!
      .push({ DATA: {}, SOURCE_FILE: keys[0], SOURCE_FILE_ROW: 1 }, { DATA: {}, SOURCE_FILE: keys[2], SOURCE_FILE_ROW: 1 });
    const log: Sent[] = [];
    await expect(restore(args(f, { into: "globex.okta", tier: "expedited" }), { s3: client(log), sql: sf })).rejects.toThrow(
      /usage: restore --tier: Deep Archive objects cannot be restored with the Expedited tier/,
    );
    expect(sentOf(log, "RestoreObjectCommand")).toEqual([]);
    const r1 = await restore(args(f, { into: "globex.okta" }), { s3: client(log), sql: sf });
    expect(r1.stdout).toMatch(/pending: 4 objects/);
    const r2 = await restore(args(f, { into: "globex.okta" }), { s3: client(log), sql: sf });
    expect(r2.code).toBe(0);
    expect(r2.stdout).toMatch(/copied 2, already in the target 2/);
    expect(sf.copies.flatMap((c) => c.files).sort()).toEqual([rel(keys[1]), rel(keys[3])]);
    expect(sf.statements).toContain(`CREATE TABLE IF NOT EXISTS ${f.database}.GLOBEX.OKTA LIKE ${f.database}.GLOBEX.OKTA`);
    // The saved target is binding: another --into on the same range is refused, naming the option.
    await expect(restore(args(f), { s3: client(log), sql: sf })).rejects.toThrow(/usage: restore --into: this restore loads into .*GLOBEX\.OKTA/);
  });

  test("GIVEN more objects to request than the batch threshold WHEN restored THEN a CSV manifest goes to the tenant bucket and CreateJob is asked (moto has no S3 Batch Operations: it answers 404), and a rerun asks again with the same idempotency token, without a second manifest or any RestoreObject", async () => {
    const keys = ["okta/2024/01/01/00/a.json.gz", "okta/2024/01/01/01/b b.json.gz", "okta/2024/01/02/00/c.json.gz", "okta/2024/01/03/00/d.json.gz"];
    const f = await fixture(keys.map((key) => ({ key, storageClass: "DEEP_ARCHIVE" as const })));
    const log: Sent[] = [];
    const jobs: Record<string, unknown>[] = [];
    const control = (): S3ControlClient => {
      const c = s3ControlClient("us-east-1", endpoint);
      c.middlewareStack.add(
        (next, context) => async (a) => {
          if (context.commandName === "CreateJobCommand") jobs.push(a.input as Record<string, unknown>);
          return next(a);
        },
        { step: "initialize", name: "recordJobs" },
      );
      return c;
    };
    const adjustPlan = (p: RestorePlan): RestorePlan => ({ ...p, batch: { ...p.batch, threshold: 2 } });
    const sf = snowflake(f, f.admin);
    const r1 = await restore(args(f), { s3: client(log), s3control: control, sql: sf, adjustPlan });
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/S3 Batch Operations CreateJob .* failed: .*HTTP 404/);
    const manifestKey = "_restore-state/globex/okta/2024-01-01_2024-01-03/batch-0.csv";
    const manifest = await f.admin.send(new GetObjectCommand({ Bucket: f.logs, Key: manifestKey }));
    expect(await manifest.Body!.transformToString()).toBe(manifestCsv(f.vault, [...keys].sort()));
    expect(jobs.length).toBe(1);
    expect(jobs[0]).toMatchObject({
      AccountId: "123456789012",
      RoleArn: `arn:aws:iam::123456789012:role/${f.org}-prod-globex-restore-batch`,
      Operation: { S3InitiateRestoreObject: { ExpirationInDays: 7, GlacierJobTier: "BULK" } },
      Manifest: { Location: { ObjectArn: `arn:aws:s3:::${f.logs}/${manifestKey}`, ETag: manifest.ETag!.replace(/"/g, "") } },
    });
    const saved = (await readState(f.admin, f.logs, STATE_KEY))!.state;
    expect(saved.batchJobs).toEqual([expect.objectContaining({ index: 0, manifestKey, keys: 4 })]);
    expect(saved.batchJobs[0].jobId).toBeUndefined();
    expect(Object.values(saved.objects).every((o) => o.requests === 1 && o.requestedVia === 0)).toBe(true);

    const r2 = await restore(args(f), { s3: client(log), s3control: control, sql: sf, adjustPlan });
    expect(r2.code).toBe(1);
    expect(jobs.length).toBe(2);
    expect(jobs[1].ClientRequestToken).toBe(jobs[0].ClientRequestToken);
    expect(jobs[1].Manifest).toEqual(jobs[0].Manifest);
    expect(sentOf(log, "PutObjectCommand").filter((s) => s.key?.endsWith(".csv")).length).toBe(1);
    expect(sentOf(log, "RestoreObjectCommand")).toEqual([]);
    expect(sf.copies).toEqual([]);
  });

  test("GIVEN a batch job (S3 Control answered by a stand-in, since moto has none) WHEN it runs, restores some objects and finishes THEN restore waits for it, loads what it restored and requests the rest one by one", async () => {
    const keys = ["okta/2024/01/01/00/a.json.gz", "okta/2024/01/02/00/b.json.gz", "okta/2024/01/03/00/c.json.gz"];
    const f = await fixture(keys.map((key) => ({ key, storageClass: "DEEP_ARCHIVE" as const })));
    const calls: string[] = [];
    let status = "Active";
    // Stands in for S3 Batch Operations' API only: the job's work (restoring objects) is done below by the test, on moto.
    const control = {
      async send(command: unknown) {
        if (command instanceof CreateJobCommand) return (calls.push(`create ${command.input.ClientRequestToken}`), { JobId: "job-1" });
        if (command instanceof DescribeJobCommand)
          return (calls.push(`describe ${command.input.JobId}`), { Job: { JobId: command.input.JobId, Status: status } });
        throw new Error("unexpected S3 Control call");
      },
    } as unknown as S3ControlClient;
    const log: Sent[] = [];
    const sf = snowflake(f, f.admin);
    const deps = { s3control: () => control, sql: sf, adjustPlan: (p: RestorePlan): RestorePlan => ({ ...p, batch: { ...p.batch, threshold: 2 } }) };

    const r1 = await restore(args(f), { s3: client(log), ...deps });
    expect(r1.code).toBe(0);
    expect(r1.stdout).toMatch(/batch job 0: job-1, 3 objects/);
    expect(r1.stdout).toMatch(/pending: 3 objects/);
    // The job restores two of the three.
    for (const key of keys.slice(0, 2))
      await f.admin.send(new RestoreObjectCommand({ Bucket: f.vault, Key: key, RestoreRequest: { Days: 7, GlacierJobParameters: { Tier: "Bulk" } } }));
    const r2 = await restore(args(f), { s3: client(log), ...deps });
    expect(r2.stdout).toMatch(/batch job 0: job-1 \(Active\)/);
    expect(r2.stdout).toMatch(/copied 2/);
    expect(r2.stdout).toMatch(/1 in batch jobs, 0 to request/);
    // It finishes without restoring the third (a failed task): that one is requested on its own.
    status = "Complete";
    const r3 = await restore(args(f), { s3: client(log), ...deps });
    expect(r3.stdout).toMatch(/restore requested for 1\b/);
    const r4 = await restore(args(f), { s3: client(log), ...deps });
    expect(r4.code).toBe(0);
    expect(r4.stdout).toMatch(/complete: 3 objects loaded/);
    expect(calls).toEqual([expect.stringMatching(/^create [0-9a-f]{64}$/), "describe job-1", "describe job-1"]);
    expect(sentOf(log, "RestoreObjectCommand").map((s) => s.key)).toEqual([keys[2]]);
    expect(sf.copies.flatMap((c) => c.files).sort()).toEqual(keys.map(rel));
    const saved = (await readState(f.admin, f.logs, STATE_KEY))!.state;
    expect(saved.objects[keys[2]]).toMatchObject({ requests: 2, requestedVia: "object" });
  });

  test("two runs of one restore cannot overwrite each other's state: the second write of a stale copy is refused", async () => {
    const f = await fixture([{ key: "okta/2024/01/01/00/a.json.gz", storageClass: "GLACIER_IR" }]);
    const sf = snowflake(f, f.admin);
    expect((await restore(args(f), { s3: client([]), sql: sf })).code).toBe(0);
    const a = (await readState(f.admin, f.logs, STATE_KEY))!;
    const b = (await readState(f.admin, f.logs, STATE_KEY))!;
    await writeState(f.admin, f.logs, STATE_KEY, { ...a.state, runs: a.state.runs + 1 }, a.etag);
    await expect(writeState(f.admin, f.logs, STATE_KEY, { ...b.state, runs: b.state.runs + 1 }, b.etag)).rejects.toBeInstanceOf(StateConflictError);
    await expect(writeState(f.admin, f.logs, STATE_KEY, b.state, undefined)).rejects.toBeInstanceOf(StateConflictError);
  });

  test("--dry-run reads the vault and says what it would do, and writes, requests and loads nothing", async () => {
    const f = await fixture([
      { key: "okta/2024/01/01/00/a.json.gz", storageClass: "DEEP_ARCHIVE" },
      { key: "okta/2024/01/01/01/b.json.gz", storageClass: "GLACIER_IR" },
    ]);
    const log: Sent[] = [];
    const sf = snowflake(f, f.admin);
    const r = await restore(args(f, { "dry-run": true }), { s3: client(log), sql: sf });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/would request: 1; would load: 1/);
    expect(r.stdout).toMatch(/sql: COPY INTO .*OKTA_RESTORED/);
    expect(r.stdout).toMatch(/FILES = \('2024\/01\/01\/01\/b\.json\.gz'\)/);
    expect(log.map((s) => s.command).filter((c) => !["GetObjectCommand", "ListObjectsV2Command", "HeadObjectCommand"].includes(c))).toEqual([]);
    expect(sf.statements).toEqual([]);
    expect(await readState(f.admin, f.logs, STATE_KEY)).toBeUndefined();
  });

  test("GIVEN a tenant whose backup is not restore-ready WHEN restored THEN restores are requested and tracked, and loading stops saying the backup stages do not exist and how to turn backup.restoreReady on", async () => {
    const f = await fixture(
      [
        { key: "okta/2024/01/01/00/a.json.gz", storageClass: "DEEP_ARCHIVE" },
        { key: "okta/2024/01/01/01/b.json.gz", storageClass: "GLACIER_IR" },
      ],
      { restoreReady: false },
    );
    const log: Sent[] = [];
    const sf = snowflake(f, f.admin);
    const r = await restore(args(f), { s3: client(log), sql: sf });
    expect(sentOf(log, "RestoreObjectCommand").map((s) => s.key)).toEqual(["okta/2024/01/01/00/a.json.gz"]);
    expect(r.stdout).toMatch(
      /failed: tenant globex's backup is not restore-ready, so its backup stages \(.*\.GLOBEX\.OKTA_BACKUP_STAGE and the other sources'\) do not exist: set backup: \{ restoreReady: true \} on the tenant/,
    );
    expect(r.code).toBe(1);
    expect(sf.statements).toEqual([]);
    expect((await readState(f.admin, f.logs, STATE_KEY))!.state.objects["okta/2024/01/01/00/a.json.gz"]).toMatchObject({ requests: 1 });
  });
});
