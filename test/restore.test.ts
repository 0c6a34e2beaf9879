import { main } from "../cli/lakehouse";
import { restoreBatchRoleArn, restoreStateKey, sourceRestoreNames } from "../cli/restore/backup";
import { planFromArguments } from "../cli/restore/command";
import { daysInRange, isRangeKey, parseDate, rangePrefixes } from "../cli/restore/range";
import {
  MAX_COPY_FILES,
  alreadyLoaded,
  alreadyLoadedQueries,
  copyResults,
  createTargetStatement,
  restoreCopyStatement,
  restoreTarget,
} from "../cli/restore/snowflake";
import type { SqlClient, SqlRow } from "../cli/snowflake-sql-api";
import {
  type ObjectState,
  type RestoreState,
  applyHead,
  batches,
  countPhases,
  identityConflict,
  keysIn,
  markRequested,
  mergeListing,
  newState,
  parseRestoreHeader,
  parseState,
  phaseOf,
} from "../cli/restore/state";
import { clientRequestToken, createJobInput, manifestCsv, tierProblem } from "../cli/restore/vault";
import { snowpipeCopyParts, snowpipeObjectNames } from "../modules/snowflake/snowpipe";
import { copyTransformation } from "../modules/snowflake/snowpipe/sql";
import { pipeLoadOf } from "../stacks/source-pipeline";
import { loadConfigFile } from "../stacks/config/load";
import { resolveConfig } from "../stacks/config/resolve";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ms = (d: string) => (parseDate(d) as { ms: number }).ms;

describe("restore range → prefixes", () => {
  test("one prefix per day, both ends included, across month, year and leap-day boundaries", () => {
    expect(rangePrefixes("okta/", ms("2023-12-30"), ms("2024-01-02"))).toEqual([
      "okta/2023/12/30/",
      "okta/2023/12/31/",
      "okta/2024/01/01/",
      "okta/2024/01/02/",
    ]);
    expect(daysInRange(ms("2024-02-28"), ms("2024-03-01"))).toEqual(["2024/02/28", "2024/02/29", "2024/03/01"]);
    expect(daysInRange(ms("2023-02-28"), ms("2023-03-01"))).toEqual(["2023/02/28", "2023/03/01"]);
    expect(rangePrefixes("a/b/", ms("2024-05-05"), ms("2024-05-05"))).toEqual(["a/b/2024/05/05/"]);
  });

  test("dates must be real calendar dates written YYYY-MM-DD", () => {
    expect(parseDate("2024-02-30")).toHaveProperty("problem");
    expect(parseDate("2023-02-29")).toHaveProperty("problem");
    expect(parseDate("2024-1-01")).toHaveProperty("problem");
    expect(parseDate("2024-01-01T00:00")).toHaveProperty("problem");
    expect(parseDate("2024-02-29")).toEqual({ ms: Date.UTC(2024, 1, 29) });
  });

  test("only keys of the source's hourly layout on a day of the range count", () => {
    const days = new Set(["2024/01/01"]);
    expect(isRangeKey("okta/2024/01/01/00/a.json.gz", "okta/", days)).toBe(true);
    expect(isRangeKey("okta/2024/01/01/23/sub/a.json.gz", "okta/", days)).toBe(true);
    expect(isRangeKey("okta/2024/01/02/00/a.json.gz", "okta/", days)).toBe(false);
    expect(isRangeKey("okta/2024/01/01/24/a.json.gz", "okta/", days)).toBe(false);
    expect(isRangeKey("okta/2024/01/01/a.json.gz", "okta/", days)).toBe(false);
    expect(isRangeKey("oktax/2024/01/01/00/a.json.gz", "okta/", days)).toBe(false);
    expect(isRangeKey("_restore-state/globex/okta/2024-01-01_2024-01-01.json", "okta/", days)).toBe(false);
  });
});

describe("restore names", () => {
  const lakehouse = resolveConfig(loadConfigFile(join(__dirname, "..", "examples", "default", "lakehouse.yaml")));
  const env = lakehouse.environments[0];
  const globex = env.tenants.find((t) => t.id === "globex")!;
  const okta = globex.sources.find((s) => s.name === "okta")!;

  test("the vault is the resolved config's (tenant.backup); the batch job's role is the tenant's <prefix>-restore-batch", () => {
    const usage = (m: string) => new Error(m);
    const base = {
      config: join(__dirname, "..", "examples", "default", "lakehouse.yaml"),
      env: "prod",
      tenant: "globex",
      source: "okta",
      from: "2024-01-01",
      to: "2024-01-02",
    };
    const { plan } = planFromArguments(base, usage);
    expect(plan.identity.vaultBucket).toBe(globex.backup!.vaultBucketName);
    expect(plan.restoreReady).toBe(globex.backup!.restoreReady);
    expect(plan.batch.roleArn).toBe(`arn:aws:iam::${env.accountId}:role/${globex.awsRolePrefix}-restore-batch`);
    expect(restoreBatchRoleArn(globex)).toBe(plan.batch.roleArn);
    const initech = env.tenants.find((t) => t.id === "initech")!;
    expect(planFromArguments({ ...base, tenant: "initech", source: initech.sources[0].name }, usage).plan.restoreReady).toBe(true);
  });

  test("state key; stage, file format and COPY parts are the pipe's (snowpipeObjectNames, pipeLoadOf) with the backup stage; default target", () => {
    expect(restoreStateKey("globex", "okta", "2024-01-01", "2024-01-31")).toBe("_restore-state/globex/okta/2024-01-01_2024-01-31.json");
    const names = sourceRestoreNames(env, globex, okta);
    expect(names).toEqual({
      database: "ACME_LOGS_PROD",
      schema: "GLOBEX",
      table: "OKTA",
      copy: {
        table: "ACME_LOGS_PROD.GLOBEX.OKTA",
        stage: "ACME_LOGS_PROD.GLOBEX.OKTA_BACKUP_STAGE",
        fileFormat: "ACME_LOGS_PROD.GLOBEX.OKTA_LINES",
        eventTimeField: okta.config.eventTimeField,
        eventTimeFormat: okta.eventTimeFormat,
        onError: "CONTINUE",
        format: "JSON",
      },
    });
    const load = pipeLoadOf(env, globex, okta);
    expect(names.copy).toEqual({ ...snowpipeCopyParts(load), stage: snowpipeObjectNames(load).backupStage });
    expect(restoreTarget(names, undefined)).toEqual({ target: "ACME_LOGS_PROD.GLOBEX.OKTA_RESTORED" });
    const parquet = env.tenants.flatMap((t) => t.sources.map((s) => ({ t, s }))).find(({ s }) => s.config.fileFormat === "parquet");
    if (parquet) expect(sourceRestoreNames(env, parquet.t, parquet.s).copy.fileFormat).toMatch(/_PARQUET$/);
  });

  test("--into: a schema, SCHEMA.TABLE or DB.SCHEMA.TABLE; anything else is a problem", () => {
    const names = sourceRestoreNames(env, globex, okta);
    expect(restoreTarget(names, "forensics")).toEqual({ target: "ACME_LOGS_PROD.FORENSICS.OKTA_RESTORED" });
    expect(restoreTarget(names, "forensics.case_42")).toEqual({ target: "ACME_LOGS_PROD.FORENSICS.CASE_42" });
    expect(restoreTarget(names, "other_db.forensics.case_42")).toEqual({ target: "OTHER_DB.FORENSICS.CASE_42" });
    for (const bad of ["a.b.c.d", "1abc", "a;drop table x", "a..b", "", "a b", '"Quoted"']) expect(restoreTarget(names, bad)).toHaveProperty("problem");
  });
});

function object(partial: Partial<ObjectState> = {}): ObjectState {
  return { storageClass: "DEEP_ARCHIVE", size: 10, archived: true, requests: 0, ...partial };
}

function state(objects: Record<string, ObjectState>): RestoreState {
  const s = newState(
    {
      environment: "prod",
      tenant: "globex",
      source: "okta",
      from: "2024-01-01",
      to: "2024-01-02",
      vaultBucket: "v",
      keyPrefix: "okta/",
      target: "D.S.T",
      tier: "Bulk",
      days: 7,
    },
    "2024-06-01T00:00:00.000Z",
  );
  s.objects = objects;
  return s;
}

describe("restore state transitions", () => {
  test("x-amz-restore as S3 writes it (and moto)", () => {
    expect(parseRestoreHeader(undefined)).toEqual({ kind: "none" });
    expect(parseRestoreHeader('ongoing-request="true"')).toEqual({ kind: "ongoing" });
    expect(parseRestoreHeader('ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"')).toEqual({
      kind: "restored",
      expiry: "2012-12-21T00:00:00.000Z",
    });
    expect(() => parseRestoreHeader("garbage")).toThrow(/unexpected x-amz-restore/);
  });

  test("a listing adds new objects and leaves known ones (and their progress) alone; archive classes need a restore", () => {
    const s = state({ "okta/2024/01/01/00/a": object({ requests: 1, restore: "ongoing" }) });
    const { added } = mergeListing(s, [
      { key: "okta/2024/01/01/00/a", size: 99, storageClass: "DEEP_ARCHIVE" },
      { key: "okta/2024/01/01/00/b", size: 5, storageClass: "GLACIER" },
      { key: "okta/2024/01/01/00/c", size: 5, storageClass: "GLACIER_IR" },
      { key: "okta/2024/01/01/00/d", size: 5, storageClass: "STANDARD" },
    ]);
    expect(added).toBe(3);
    expect(s.objects["okta/2024/01/01/00/a"]).toMatchObject({ size: 10, requests: 1, restore: "ongoing" });
    expect([..."bcd"].map((k) => s.objects[`okta/2024/01/01/00/${k}`].archived)).toEqual([true, false, false]);
    expect(keysIn(s, "ready")).toEqual(["okta/2024/01/01/00/c", "okta/2024/01/01/00/d"]);
    expect(keysIn(s, "restoring")).toEqual(["okta/2024/01/01/00/a"]);
    expect(keysIn(s, "to-request")).toEqual(["okta/2024/01/01/00/b"]);
  });

  test("restored → ready; a restored copy gone before loading goes back to to-request", () => {
    const o = object({ requests: 1, requestedVia: "object" });
    applyHead(o, { kind: "ongoing" }, "t1");
    expect(phaseOf(o, [])).toBe("restoring");
    applyHead(o, { kind: "restored", expiry: "2024-06-08T00:00:00.000Z" }, "t2");
    expect(phaseOf(o, [])).toBe("ready");
    expect(o).toMatchObject({ restoredAt: "t2", restoreExpiry: "2024-06-08T00:00:00.000Z" });
    applyHead(o, { kind: "restored" }, "t3");
    expect(o.restoredAt).toBe("t2"); // first seen, kept
    applyHead(o, { kind: "none" }, "t4");
    expect(phaseOf(o, [])).toBe("to-request");
    expect(o.restoredAt).toBeUndefined();
  });

  test("loaded and failed loads are final; an object in an unfinished batch job is queued, in a finished one it is requested again", () => {
    expect(phaseOf(object({ loadedAt: "t", restore: "restored" }), [])).toBe("loaded");
    expect(phaseOf(object({ loadedAt: "t", loadError: "PARTIALLY_LOADED: x" }), [])).toBe("loaded");
    expect(phaseOf(object({ loadError: "LOAD_FAILED: x", restore: "restored" }), [])).toBe("load-failed");
    const job = { index: 0, manifestKey: "m", manifestEtag: "e", clientRequestToken: "t", keys: 1, preparedAt: "t" };
    const queued = object({ requests: 1, requestedVia: 0, restore: "none" });
    expect(phaseOf(queued, [job])).toBe("batch-queued"); // CreateJob not through yet
    expect(phaseOf(queued, [{ ...job, jobId: "j", status: "Active" }])).toBe("batch-queued");
    expect(phaseOf(queued, [{ ...job, jobId: "j", status: "Complete" }])).toBe("to-request");
    expect(phaseOf({ ...queued, restore: "ongoing" }, [{ ...job, jobId: "j", status: "Complete" }])).toBe("restoring");
  });

  test("requests are counted per object, so a second request of one object shows", () => {
    const s = state({ a: object(), b: object() });
    markRequested(s, ["a"], "object", "t1");
    markRequested(s, ["a", "b"], 0, "t2");
    expect(s.objects.a).toMatchObject({ requests: 2, requestedVia: 0, requestedAt: "t2" });
    expect(s.objects.b).toMatchObject({ requests: 1 });
  });

  test("counts add up to the total", () => {
    const s = state({
      a: object({ loadedAt: "t" }),
      b: object({ restore: "restored" }),
      c: object({ restore: "ongoing" }),
      d: object(),
      e: object({ archived: false, storageClass: "GLACIER_IR", size: 1 }),
    });
    const c = countPhases(s);
    expect(c).toMatchObject({ total: 5, loaded: 1, ready: 2, restoring: 1, "to-request": 1, "batch-queued": 0, "load-failed": 0, bytes: 41 });
  });

  test("a saved state reads back; a broken one is an error naming the place and the field", () => {
    const s = state({ a: object({ requests: 1 }) });
    expect(parseState(JSON.stringify(s), "s3://b/k")).toEqual(s);
    expect(() => parseState("{", "s3://b/k")).toThrow(/s3:\/\/b\/k: not JSON/);
    expect(() => parseState(JSON.stringify({ ...s, objects: { a: { size: -1 } } }), "s3://b/k")).toThrow(/s3:\/\/b\/k: not a restore state: objects\.a\./);
    expect(() => parseState(JSON.stringify({ ...s, version: 2 }), "s3://b/k")).toThrow(/version/);
  });

  test("a rerun into another target is refused; tier and days may change", () => {
    const s = state({});
    const id = {
      environment: "prod",
      tenant: "globex",
      source: "okta",
      from: "2024-01-01",
      to: "2024-01-02",
      vaultBucket: "v",
      keyPrefix: "okta/",
      target: "D.S.T",
      tier: "Standard" as const,
      days: 3,
    };
    expect(identityConflict(s, id)).toBeUndefined();
    expect(identityConflict(s, { ...id, target: "D.S.OTHER" })).toMatchObject({ option: "--into" });
    expect(identityConflict(s, { ...id, keyPrefix: "okta2/" })).toMatchObject({ option: "--source" });
  });

  test("batches of at most the size, in order, none empty", () => {
    const items = Array.from({ length: 2500 }, (_, i) => i);
    const b = batches(items, MAX_COPY_FILES);
    expect(b.map((x) => x.length)).toEqual([1000, 1000, 500]);
    expect(b.flat()).toEqual(items);
    expect(batches([], 10)).toEqual([]);
    expect(() => batches(items, 0)).toThrow();
  });
});

describe("restore SQL and de-duplication", () => {
  const names = {
    database: "ACME_LOGS_PROD",
    schema: "GLOBEX",
    table: "OKTA",
    copy: {
      table: "ACME_LOGS_PROD.GLOBEX.OKTA",
      stage: "ACME_LOGS_PROD.GLOBEX.OKTA_BACKUP_STAGE",
      fileFormat: "ACME_LOGS_PROD.GLOBEX.OKTA_LINES",
      eventTimeField: "published",
      eventTimeFormat: "AUTO" as const,
      onError: "CONTINUE" as const,
    },
  };

  test("COPY: backfill's COPY (the pipe's transformation) into the target over the backup stage, names quoted", () => {
    const sql = restoreCopyStatement("ACME_LOGS_PROD.GLOBEX.OKTA_RESTORED", names, ["2024/01/01/00/a.json.gz", "2024/01/01/01/o'brien\\x.json.gz"]);
    // The pipe's own transformation (copyTransformation: every line kept, parsed or as text), over the backup stage.
    const transformation = copyTransformation(names.copy)
      .split("\n")
      .map((l) => `  ${l}`);
    expect(transformation[transformation.length - 1]).toBe("  FROM @ACME_LOGS_PROD.GLOBEX.OKTA_BACKUP_STAGE");
    expect(sql).toBe(
      [
        "COPY INTO ACME_LOGS_PROD.GLOBEX.OKTA_RESTORED (DATA, PARSE_TIME, EVENT_TIME, SOURCE_FILE, SOURCE_FILE_ROW, RAW_TEXT, PARSE_ERROR)",
        "FROM (",
        ...transformation,
        ")",
        "FILES = ('2024/01/01/00/a.json.gz', '2024/01/01/01/o''brien\\\\x.json.gz')",
        "FILE_FORMAT = (FORMAT_NAME = 'ACME_LOGS_PROD.GLOBEX.OKTA_LINES')",
        "ON_ERROR = CONTINUE",
        "FORCE = FALSE",
        "LOAD_UNCERTAIN_FILES = TRUE",
      ].join("\n"),
    );
    expect(sql).toContain("TRY_CAST(PARSE_JSON(IFF(LENGTH(NVL($1, '\\\\N')) <= 67108864");
    expect(() => restoreCopyStatement("T", names, [])).toThrow(/no files/);
    expect(() =>
      restoreCopyStatement(
        "T",
        names,
        Array.from({ length: 1001 }, (_, i) => `${i}`),
      ),
    ).toThrow(/at most 1000/);
    expect(createTargetStatement("ACME_LOGS_PROD.GLOBEX.OKTA_RESTORED", names)).toBe(
      "CREATE TABLE IF NOT EXISTS ACME_LOGS_PROD.GLOBEX.OKTA_RESTORED LIKE ACME_LOGS_PROD.GLOBEX.OKTA",
    );
  });

  test("already loaded: backfill's query, each file in both spellings, chunked; what the table holds maps back to keys", async () => {
    const asked: { sql: string; binds: unknown[] }[] = [];
    const client: SqlClient = {
      async query(sql, binds) {
        asked.push({ sql, binds: [...(binds ?? [])] });
        const rows = asked.length === 1 ? [{ SOURCE_FILE: "2024/01/01/00/a" }, { SOURCE_FILE: "okta/2024/01/01/00/c" }, { SOURCE_FILE: "unrelated" }] : [];
        return { columns: ["SOURCE_FILE"], rows };
      },
    };
    const files = ["a", "b", "c"].map((x) => ({ key: `okta/2024/01/01/00/${x}`, name: `2024/01/01/00/${x}` }));
    const found = await alreadyLoaded(client, "T", "okta/", files);
    expect([...found].sort()).toEqual(["okta/2024/01/01/00/a", "okta/2024/01/01/00/c"]);
    expect(asked).toEqual([
      { sql: "SELECT DISTINCT SOURCE_FILE\nFROM T\nWHERE SOURCE_FILE IN (?, ?, ?, ?, ?, ?)", binds: files.flatMap((f) => [f.name, f.key]) },
    ]);
    const many = Array.from({ length: 1000 }, (_, i) => ({ key: `okta/${i}`, name: `${i}` }));
    expect(alreadyLoadedQueries("T", many).map((q) => q.binds.length)).toEqual([1000, 1000]);
  });

  test("COPY's answer per file: loaded, partly loaded, failed; unmentioned files are left to the table", () => {
    const rows: SqlRow[] = [
      { file: "s3://vault/okta/2024/01/01/00/a", status: "LOADED", rows_loaded: "3" },
      { file: "okta/2024/01/01/00/b", status: "PARTIALLY_LOADED", rows_loaded: "1", first_error: "bad json" },
      { FILE: "2024/01/01/00/c", STATUS: "LOAD_FAILED", ROWS_LOADED: "0", FIRST_ERROR: "oops" },
    ];
    const r = copyResults(rows, ["2024/01/01/00/a", "2024/01/01/00/b", "2024/01/01/00/c", "2024/01/01/00/d"]);
    expect(r.get("2024/01/01/00/a")).toEqual({ loaded: true, rows: 3 });
    expect(r.get("2024/01/01/00/b")).toEqual({ loaded: true, rows: 1, error: "PARTIALLY_LOADED: bad json" });
    expect(r.get("2024/01/01/00/c")).toEqual({ loaded: false, error: "LOAD_FAILED: oops" });
    expect(r.has("2024/01/01/00/d")).toBe(false);
    // a name matches a row's file only whole or after a '/'
    expect(copyResults([{ file: "s3://vault/okta/2024/01/01/00/xa", status: "LOADED" }], ["2024/01/01/00/a"]).size).toBe(0);
  });
});

describe("restore batch job request", () => {
  test("manifest: Bucket,Key per line, keys URL-encoded with '/' kept", () => {
    expect(manifestCsv("vault", ["okta/2024/01/01/00/a b+c.json", "okta/x,y"])).toBe("vault,okta/2024/01/01/00/a%20b%2Bc.json\nvault,okta/x%2Cy\n");
  });

  test("CreateJob: S3InitiateRestoreObject with the tier and days, the manifest by ARN and ETag, failed-task report, idempotency token", () => {
    const token = clientRequestToken("_restore-state/g/o/a_b.json", 0, '"etag1"');
    expect(token).toHaveLength(64);
    expect(clientRequestToken("_restore-state/g/o/a_b.json", 0, '"etag1"')).toBe(token);
    expect(clientRequestToken("_restore-state/g/o/a_b.json", 1, '"etag1"')).not.toBe(token);
    const input = createJobInput({
      accountId: "111111111111",
      roleArn: "arn:aws:iam::111111111111:role/r",
      stateBucket: "logs",
      manifestKey: "_restore-state/m.csv",
      manifestEtag: '"etag1"',
      reportPrefix: "_restore-state/r",
      tier: "Bulk",
      days: 7,
      clientRequestToken: token,
      description: "d",
    });
    expect(input).toMatchObject({
      AccountId: "111111111111",
      ConfirmationRequired: false,
      Operation: { S3InitiateRestoreObject: { ExpirationInDays: 7, GlacierJobTier: "BULK" } },
      Manifest: {
        Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
        Location: { ObjectArn: "arn:aws:s3:::logs/_restore-state/m.csv", ETag: "etag1" },
      },
      Report: { Enabled: true, Bucket: "arn:aws:s3:::logs", Prefix: "_restore-state/r", ReportScope: "FailedTasksOnly" },
      ClientRequestToken: token,
    });
    expect(
      createJobInput({
        accountId: "1",
        roleArn: "r",
        stateBucket: "b",
        manifestKey: "k",
        manifestEtag: "e",
        reportPrefix: "p",
        tier: "Standard",
        days: 1,
        clientRequestToken: "t",
        description: "d",
      }).Operation.S3InitiateRestoreObject.GlacierJobTier,
    ).toBe("STANDARD");
  });

  test("Deep Archive has no Expedited tier", () => {
    expect(tierProblem("DEEP_ARCHIVE", "Expedited")).toMatch(/Expedited/);
    expect(tierProblem("GLACIER", "Expedited")).toBeUndefined();
    expect(tierProblem("DEEP_ARCHIVE", "Bulk")).toBeUndefined();
  });
});

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { write: (s: string) => ((stdout += s), true) } as never, { write: (s: string) => ((stderr += s), true) } as never);
  return { code, stdout, stderr };
}

describe("lakehouse restore (command line)", () => {
  const config = join(__dirname, "..", "examples", "default", "lakehouse.yaml");
  const ok = ["restore", "--config", config, "--env", "prod", "--tenant", "globex", "--source", "okta", "--from", "2024-01-01", "--to", "2024-01-02"];
  const replace = (option: string, value: string) => ok.map((a, i) => (ok[i - 1] === option ? value : a));
  const without = (option: string) => ok.filter((a, i) => a !== option && ok[i - 1] !== option);

  test("restore --help exits 0 and lists every option", async () => {
    const r = await cli(["restore", "--help"]);
    expect(r.code).toBe(0);
    for (const o of [
      "--config <file>",
      "--env <name>",
      "--tenant <id>",
      "--source <name>",
      "--from <YYYY-MM-DD>",
      "--to <YYYY-MM-DD>",
      "--tier <bulk|standard|expedited>",
      "--into <schema or table>",
      "--days <n>",
      "--dry-run",
      "--json",
      "--wait",
    ]) {
      expect(r.stdout).toContain(o);
    }
    expect((await cli(["--help"])).stdout).toMatch(/^ {2}restore +\S/m);
  });

  test("a tenant without backup (backup.enabled: false) is a usage error naming --tenant", async () => {
    const dir = mkdtempSync(join(tmpdir(), "restore-nobackup-"));
    const text = readFileSync(config, "utf8").replace(
      "  - id: umbrella\n",
      '  - id: umbrella\n    backup: { enabled: false, disabledReason: "a test of restore without a vault" }\n',
    );
    expect(text).toContain("backup: { enabled: false,");
    writeFileSync(join(dir, "lakehouse.yaml"), text);
    const r = await cli([
      "restore",
      "--config",
      join(dir, "lakehouse.yaml"),
      "--env",
      "prod",
      "--tenant",
      "umbrella",
      "--source",
      "gsuite_audit",
      "--from",
      "2024-01-01",
      "--to",
      "2024-01-02",
    ]);
    expect(r.stderr).toMatch(/restore --tenant umbrella: has no backup vault in environment prod/);
    expect(r.code).toBe(2);
  });

  test.each([
    ["missing --config (and no ./lakehouse.yaml)", without("--config"), /restore: no config: give --config <file>, or run it where your lakehouse.yaml is/],
    ["missing --tenant", without("--tenant"), /restore needs --tenant <id>/],
    ["missing --to", without("--to"), /restore needs --to <YYYY-MM-DD>/],
    ["bad --from", replace("--from", "2024-13-01"), /restore --from is not a calendar date: '2024-13-01'/],
    ["bad --to", replace("--to", "yesterday"), /restore --to must be a date YYYY-MM-DD, not 'yesterday'/],
    ["--from after --to", replace("--from", "2024-02-01"), /restore --from 2024-02-01 is after --to 2024-01-02/],
    ["bad --tier", [...ok, "--tier", "glacial"], /restore --tier must be bulk, standard or expedited, not 'glacial'/],
    ["bad --days", [...ok, "--days", "0"], /restore --days must be a whole number from 1 to 365, not '0'/],
    ["bad --poll-seconds", [...ok, "--poll-seconds", "1.5"], /restore --poll-seconds must be a whole number/],
    ["bad --into", [...ok, "--into", "a;b"], /restore --into must be a schema, SCHEMA.TABLE or DATABASE.SCHEMA.TABLE/],
    ["unknown --env", replace("--env", "staging"), /restore --env staging: no such environment/],
    ["unknown --tenant", replace("--tenant", "globx"), /restore --tenant globx: no such tenant in environment prod; did you mean globex\?/],
    ["unknown --source", replace("--source", "oktaa"), /restore --source oktaa: tenant globex has no such source; did you mean okta\?/],
    ["a wrapped source", replace("--source", "cloudtrail"), /restore --source cloudtrail: its files wrap their events \(Records\)/],
    [
      "an unreadable --private-key-file",
      [...ok, "--snowflake-user", "restorer", "--private-key-file", "/nonexistent/key.p8"],
      /restore: cannot read the private key file \/nonexistent\/key\.p8: ENOENT/,
    ],
    ["--dry-run with --wait", [...ok, "--dry-run", "--wait"], /--dry-run and --wait do not go together/],
    ["a typo in an option", [...ok, "--tenatn", "x"], /restore: unknown option --tenatn; did you mean --tenant\?/],
  ])("%s is a usage error (exit 2) naming the option, before anything is read from AWS", async (_name, args, message) => {
    const r = await cli(args as string[]);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
  });
});
