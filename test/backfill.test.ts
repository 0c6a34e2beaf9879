import { join } from "node:path";
import { BackfillDeps, BackfillOptions, BackfillTarget, runBackfill } from "../cli/backfill/engine";
import { listCandidates, StoredObject } from "../cli/backfill/listing";
import { estimate, keyOfLoaded, loadedQueryParts, planBatches } from "../cli/backfill/plan";
import { BackfillUsageError, iso, parseInstant, parseRange } from "../cli/backfill/range";
import { backfillTarget } from "../cli/backfill/target";
import { SnowflakeSqlError } from "../cli/snowflake-sql-api";
import { backfillCopyStatement, copyTransformation } from "../modules/snowflake/snowpipe/sql";
import { loadConfigFile } from "../stacks/config/load";
import { resolveConfig } from "../stacks/config/resolve";
import { FakeSnowflake, MemoryLister, SimulatedCrash } from "./support/backfill-fakes";

const lakehouse = resolveConfig(loadConfigFile(join(__dirname, "..", "examples", "default", "lakehouse.yaml")));
const T = (s: string) => Date.parse(s);
const NOW = T("2024-03-10T12:00:00Z");
const HOUR = 3_600_000;
const pad = (n: number) => String(n).padStart(2, "0");

/** Firehose-style objects `<prefix>YYYY/MM/DD/HH/<name>` for every hour from `from` (inclusive) to `to`, `perHour` each. */
function hourly(prefix: string, from: string, to: string, perHour = 2, size = 1000, suffix = ".json.gz"): StoredObject[] {
  const out: StoredObject[] = [];
  for (let t = T(from); t < T(to); t += HOUR) {
    const d = new Date(t);
    const folder = `${prefix}${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}/`;
    for (let i = 0; i < perHour; i++) out.push({ key: `${folder}part-${d.getUTCHours()}-${i}${suffix}`, size, lastModifiedMs: t + 5 * 60_000 });
  }
  return out;
}

const edr = backfillTarget(lakehouse, "prod", "umbrella", "edr");

describe("backfill range (--from / --to)", () => {
  test("a date is its whole UTC day; --to's date is included", () => {
    expect(parseRange("2024-03-01", "2024-03-03", NOW)).toEqual({ fromMs: T("2024-03-01T00:00:00Z"), toMs: T("2024-03-04T00:00:00Z") });
  });

  test("a date-time without an offset is UTC, with one it is converted; --to's instant is excluded", () => {
    expect(parseInstant("from", "2024-03-01T22:30")).toBe(T("2024-03-01T22:30:00Z"));
    expect(parseInstant("from", "2024-03-02T00:30+02:00")).toBe(T("2024-03-01T22:30:00Z"));
    expect(parseInstant("to", "2024-03-01 05:00:00.5-0130")).toBe(T("2024-03-01T06:30:00.500Z"));
    expect(parseInstant("to", "2024-03-01T05:00Z")).toBe(T("2024-03-01T05:00:00Z"));
    expect(iso(T("2024-03-01T05:00:00Z"))).toBe("2024-03-01T05:00:00.000+00:00");
  });

  test.each([
    ["from", "2024-13-01", /--from: '2024-13-01' is not a calendar date; write YYYY-MM-DD/],
    ["from", "2024-02-30", /--from: '2024-02-30' is not a calendar date/],
    ["to", "2024-03-01T24:00", /--to: '2024-03-01T24:00' is not a calendar date and time/],
    ["to", "yesterday", /--to: 'yesterday' is not a date or a date-time/],
    ["from", "2024-03-01T10:00+15:00", /has an offset \+15:00 that no time zone has/],
  ] as const)("--%s %s is refused, naming the option", (option, text, message) => {
    expect(() => parseInstant(option, text)).toThrow(message);
    expect(() => parseInstant(option, text)).toThrow(BackfillUsageError);
  });

  test("--to must come after --from, --from not in the future, both are required", () => {
    expect(() => parseRange("2024-03-02T00:00", "2024-03-02T00:00", NOW)).toThrow(/--to \(2024-03-02T00:00:00.000\+00:00, exclusive\) must be after --from/);
    expect(() => parseRange("2024-04-01", "2024-04-02", NOW)).toThrow(/--from \(2024-04-01T00:00:00.000\+00:00\) is in the future/);
    expect(() => parseRange(undefined, "2024-03-01", NOW)).toThrow(/backfill needs --from/);
    expect(() => parseRange("2024-03-01", undefined, NOW)).toThrow(/backfill needs --to/);
  });
});

describe("backfill target from the config", () => {
  test("the pipe's COPY parts, the tables that say what is loaded, and the environment's backfill role, warehouse and progress table", () => {
    expect(edr).toMatchObject({
      bucket: "acme-prod-umbrella-111111111111-logs",
      keyPrefix: "edr/",
      loadedTables: ["ACME_LOGS_PROD.UMBRELLA.EDR"],
      progressTable: "ACME_LOGS_PROD.BACKFILL.PROGRESS",
      warehouse: { name: "ACME_PROD_BACKFILL_WH", size: "XSMALL", autoSuspendSeconds: 60 },
      snowflakeAccount: "ACMEORG-SECLAKE_EU",
      role: "ACME_PROD_BACKFILL",
      copy: {
        table: "ACME_LOGS_PROD.UMBRELLA.EDR",
        stage: "ACME_LOGS_PROD.UMBRELLA.EDR_STAGE",
        fileFormat: "ACME_LOGS_PROD.UMBRELLA.EDR_LINES",
        onError: "CONTINUE",
        format: "JSON",
      },
    });
    // A wrapped source loads its landing table; its per-event table also says what was loaded (the landing table's cleaner purges after 7 days).
    const cloudtrail = backfillTarget(lakehouse, "prod", "globex", "cloudtrail");
    expect(cloudtrail.copy.table).toBe("ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES");
    expect(cloudtrail.loadedTables).toEqual(["ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES", "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL"]);
    expect(cloudtrail.suffix).toBe(".json.gz");
    expect(copyTransformation(cloudtrail.copy)).toContain("'d'):Records[0].eventTime::VARCHAR AS TIMESTAMP_TZ)");
  });

  test.each([
    ["qa", "globex", "okta", /--env: no environment 'qa' in the config \(it has prod\)/],
    ["prod", "globx", "okta", /--tenant: no tenant 'globx' in environment prod \(it has globex, initech, umbrella, hooli\); did you mean globex\?/],
    ["prod", "globex", "oktaa", /--source: tenant globex has no source 'oktaa' \(it has .*okta.*\); did you mean okta\?/],
  ])("unknown names are usage errors naming the option: %s/%s/%s", (env, tenant, source, message) => {
    expect(() => backfillTarget(lakehouse, env, tenant, source)).toThrow(message);
    expect(() => backfillTarget(lakehouse, env, tenant, source)).toThrow(BackfillUsageError);
  });
});

describe("backfill listing: date folders and LastModified", () => {
  const objects = [
    ...hourly("edr/", "2023-12-31T00:00Z", "2024-01-01T00:00Z"), // another year: never listed
    ...hourly("edr/", "2024-02-28T00:00Z", "2024-03-06T00:00Z"),
    { key: "edr/manual/export-1.json.gz", size: 50, lastModifiedMs: T("2024-03-02T10:00Z") },
    { key: "edr/manual/export-2.json.gz", size: 50, lastModifiedMs: T("2024-02-01T10:00Z") },
    { key: "edr/loose.json.gz", size: 70, lastModifiedMs: T("2024-03-01T23:00Z") },
    { key: "edr/loose-old.json.gz", size: 70, lastModifiedMs: T("2024-03-01T22:00Z") },
    { key: "edr/2024/03/02/07/notes.txt", size: 10, lastModifiedMs: T("2024-03-02T07:10Z") },
    { key: "other/2024/03/02/07/x.json.gz", size: 10, lastModifiedMs: T("2024-03-02T07:10Z") },
  ];
  const range = { fromMs: T("2024-03-01T22:30Z"), toMs: T("2024-03-03T01:00Z") };

  test("GIVEN hour folders THEN the hours overlapping the range at its edges and the whole days between are in, nothing else is even listed", async () => {
    const lister = new MemoryLister(objects);
    const listing = await listCandidates(lister, { keyPrefix: "edr/", ...range });
    const byPath = listing.candidates.filter((c) => c.by === "path").map((c) => c.key);
    const hours = [...new Set(byPath.map((k) => k.split("/").slice(1, 5).join("/")))].sort();
    expect(hours[0]).toBe("2024/03/01/22");
    expect(hours.at(-1)).toBe("2024/03/03/00");
    expect(hours).toHaveLength(2 + 24 + 1);
    expect(byPath).toContain("edr/2024/03/02/07/notes.txt"); // no suffix filter for this source
    // Listed: the prefix and its non-date folder, the edge days by hour, the middle day whole.
    expect(lister.listed).toEqual([
      "edr/ (/)",
      "edr/manual/ (/)",
      "edr/2024/03/01/ (/)",
      "edr/2024/03/01/22/",
      "edr/2024/03/01/23/",
      "edr/2024/03/02/",
      "edr/2024/03/03/ (/)",
      "edr/2024/03/03/00/",
    ]);
    expect(listing.dateRoots).toEqual(["edr/"]);
  });

  test("GIVEN keys without a date folder THEN LastModified decides, on the same half-open range", async () => {
    const listing = await listCandidates(new MemoryLister(objects), { keyPrefix: "edr/", ...range });
    expect(
      listing.candidates
        .filter((c) => c.by === "lastModified")
        .map((c) => c.key)
        .sort(),
    ).toEqual(["edr/loose.json.gz", "edr/manual/export-1.json.gz"]);
  });

  test("GIVEN the pipe's suffix THEN only those objects, as the pipe's notification filters them", async () => {
    const listing = await listCandidates(new MemoryLister(objects), { keyPrefix: "edr/", suffix: ".json.gz", ...range });
    expect(listing.candidates.some((c) => c.key.endsWith(".txt"))).toBe(false);
    expect(listing.candidates).toHaveLength(27 * 2 + 2);
  });

  test("GIVEN a range given with an offset THEN the same files as its UTC spelling (timezone)", async () => {
    const utc = await listCandidates(new MemoryLister(objects), { keyPrefix: "edr/", ...range });
    const offset = await listCandidates(new MemoryLister(objects), {
      keyPrefix: "edr/",
      fromMs: parseInstant("from", "2024-03-02T00:30+02:00"),
      toMs: parseInstant("to", "2024-03-02T20:00-05:00"),
    });
    expect(offset.candidates.map((c) => c.key)).toEqual(utc.candidates.map((c) => c.key));
  });

  test("GIVEN --to on an hour boundary THEN that hour is out; one millisecond later it is in", async () => {
    const keys = async (toMs: number) =>
      (await listCandidates(new MemoryLister(objects), { keyPrefix: "edr/", fromMs: T("2024-03-02T05:00Z"), toMs })).candidates
        .filter((c) => c.by === "path")
        .map((c) => c.key.slice(4, 17));
    expect(new Set(await keys(T("2024-03-02T07:00Z")))).toEqual(new Set(["2024/03/02/05", "2024/03/02/06"]));
    expect(new Set(await keys(T("2024-03-02T07:00:00.001Z")))).toEqual(new Set(["2024/03/02/05", "2024/03/02/06", "2024/03/02/07"]));
  });

  test("GIVEN a date path deeper in the key (CloudTrail) and day folders only THEN it is found, and an edge day is in whole", async () => {
    const root = "cloudtrail/AWSLogs/111111111111/CloudTrail/us-east-1/";
    const trail = [
      ...["2024/03/01", "2024/03/02", "2024/03/03", "2024/03/04"].flatMap((d) =>
        [0, 1].map((i) => ({
          key: `${root}${d}/111111111111_CloudTrail_us-east-1_${d.replace(/\//g, "")}T0${i}00Z_a.json.gz`,
          size: 100,
          lastModifiedMs: T(`${d.replace(/\//g, "-")}T0${i}:05Z`),
        })),
      ),
      { key: "cloudtrail/AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2024/03/02/digest.json.gz", size: 5, lastModifiedMs: T("2024-03-02T01:00Z") },
    ];
    const listing = await listCandidates(new MemoryLister(trail), {
      keyPrefix: "cloudtrail/",
      suffix: ".json.gz",
      fromMs: T("2024-03-02T12:00Z"),
      toMs: T("2024-03-03T06:00Z"),
    });
    expect([...listing.dateRoots].sort()).toEqual(["cloudtrail/AWSLogs/111111111111/CloudTrail-Digest/us-east-1/", root]);
    expect(listing.candidates.map((c) => c.key.replace(/^.*us-east-1\//, "")).sort()).toEqual([
      "2024/03/02/111111111111_CloudTrail_us-east-1_20240302T0000Z_a.json.gz",
      "2024/03/02/111111111111_CloudTrail_us-east-1_20240302T0100Z_a.json.gz",
      "2024/03/02/digest.json.gz",
      "2024/03/03/111111111111_CloudTrail_us-east-1_20240303T0000Z_a.json.gz",
      "2024/03/03/111111111111_CloudTrail_us-east-1_20240303T0100Z_a.json.gz",
    ]);
  });

  test("GIVEN pages of 7 entries THEN the same candidates as one page", async () => {
    const one = await listCandidates(new MemoryLister(objects), { keyPrefix: "edr/", ...range });
    const small = new MemoryLister(objects, 7);
    const paged = await listCandidates(small, { keyPrefix: "edr/", ...range });
    expect(paged.candidates.map((c) => c.key)).toEqual(one.candidates.map((c) => c.key));
    expect(paged.requests).toBeGreaterThan(one.requests + 5);
  });

  test("the already-loaded query covers each date root's listed days (both spellings of SOURCE_FILE) and the LastModified files by name", async () => {
    const listing = await listCandidates(new MemoryLister(objects), { keyPrefix: "edr/", ...range });
    const parts = loadedQueryParts(listing, "edr/");
    expect(parts.ranges).toEqual([
      { from: "edr/2024/03/01/", to: "edr/2024/03/04/" },
      { from: "2024/03/01/", to: "2024/03/04/" },
    ]);
    expect(parts.nameChunks).toEqual([["edr/loose.json.gz", "loose.json.gz", "edr/manual/export-1.json.gz", "manual/export-1.json.gz"]]);
    expect(keyOfLoaded("2024/03/02/07/x", "edr/")).toBe("edr/2024/03/02/07/x");
    expect(keyOfLoaded("edr/2024/03/02/07/x", "edr/")).toBe("edr/2024/03/02/07/x");
  });
});

describe("backfill batches", () => {
  const files = (n: number, size: (i: number) => number) =>
    Array.from({ length: n }, (_, i) => ({ key: `edr/f-${String(i).padStart(5, "0")}`, size: size(i), lastModifiedMs: 0, by: "path" as const }));

  test("at most 1,000 files (FILES' limit) and the byte budget per batch, in key order; a file bigger than the budget goes alone", () => {
    expect(
      planBatches(
        files(2500, () => 1),
        1000,
        1e12,
      ).map((b) => b.files.length),
    ).toEqual([1000, 1000, 500]);
    expect(
      planBatches(
        files(10, () => 100),
        1000,
        350,
      ).map((b) => [b.files.length, b.bytes]),
    ).toEqual([
      [3, 300],
      [3, 300],
      [3, 300],
      [1, 100],
    ]);
    expect(
      planBatches(
        files(3, (i) => (i === 1 ? 1000 : 10)),
        1000,
        100,
      ).map((b) => b.files.map((f) => f.key.slice(-1))),
    ).toEqual([["0"], ["1"], ["2"]]);
    const shuffled = files(5, () => 1).reverse();
    expect(planBatches(shuffled, 2, 100).flatMap((b) => b.files.map((f) => f.key))).toEqual(files(5, () => 1).map((f) => f.key));
    expect(() => planBatches([], 1001, 1)).toThrow(/maxFiles must be 1-1000/);
  });

  test("the estimate: credits scale with bytes, not with size (twice the rate at twice the credits), plus the idle minute", () => {
    const xs = estimate(40e9, "XSMALL", 60);
    const m = estimate(40e9, "MEDIUM", 60);
    expect(xs).toMatchObject({ gbPerHour: 20, hours: 2 });
    expect(xs.credits).toBeCloseTo(2 + 1 / 60, 6);
    expect(m).toMatchObject({ gbPerHour: 80, hours: 0.5 });
    expect(m.credits).toBeCloseTo(2 + 4 / 60, 6);
    expect(estimate(0, "SMALL", 60).credits).toBe(0);
  });
});

describe("backfill runs (in-memory Snowflake, in-memory bucket)", () => {
  const objects = hourly("edr/", "2024-03-01T00:00Z", "2024-03-03T00:00Z", 30, 1000); // 1,440 files
  const options: BackfillOptions = {
    fromMs: T("2024-03-01T00:00Z"),
    toMs: T("2024-03-03T00:00Z"),
    maxFiles: 200,
    maxBytes: 1e12,
    dryRun: false,
    runningPollMs: 1,
  };
  let ids = 0;
  const rowsOf = (name: string) => (name.includes("part-3-0") ? 0 : 3); // hour 3's first file of each day is empty
  const setup = (spelling: "bucket" | "stage" = "bucket", target: BackfillTarget = edr) => {
    const snowflake = new FakeSnowflake({ progressTable: target.progressTable, bucket: target.bucket, keyPrefix: target.keyPrefix, rowsOf, spelling });
    const lister = new MemoryLister(objects, 250);
    const deps: BackfillDeps = { lister, sql: snowflake, now: () => NOW, sleep: async () => undefined, newRunId: () => `run-${++ids}` };
    return { snowflake, lister, deps };
  };
  const expectEachFileOnce = (snowflake: FakeSnowflake, total = objects.length) => {
    const times = snowflake.timesCopied();
    expect([...times.values()].every((n) => n === 1)).toBe(true);
    expect(times.size).toBe(total);
  };

  test("GIVEN files the pipe loaded (SOURCE_FILE from the bucket root) THEN they are left out and the rest is loaded in batches through the pipe's COPY", async () => {
    const { snowflake, deps } = setup();
    const pipeFiles = objects.slice(0, 100).map((o) => o.key.slice(4));
    snowflake.pipeLoaded(edr.copy.table, pipeFiles);
    const report = await runBackfill(edr, options, deps);
    // One of the pipe's 100 files is empty: no row, so no SOURCE_FILE says it was loaded; loading it again adds nothing.
    expect(report.alreadyLoaded).toEqual({ files: 99, bytes: 99_000 });
    expect(report.plan).toMatchObject({ files: 1341, batches: 7 });
    expect(report.loaded).toMatchObject({ batches: 7, files: 1341, bytes: 1_341_000, rows: (1341 - 2) * 3, errors: 0, failedFiles: 0, skippedBySnowflake: 0 });
    expect(snowflake.copies.every((c) => c.files.length <= 200 && c.table === "ACME_LOGS_PROD.UMBRELLA.EDR")).toBe(true);
    expect([...snowflake.timesCopied().keys()].filter((f) => pipeFiles.includes(f))).toEqual(["2024/03/01/03/part-3-0.json.gz"]);
    const copy = snowflake.statements.find((s) => s.sql.startsWith("COPY INTO"))!.sql;
    expect(copy).toBe(backfillCopyStatement(edr.copy, snowflake.copies[0].files));
    expect(snowflake.progress.map((r) => r.STATUS)).toEqual([
      "RUN_STARTED",
      ...Array.from({ length: 7 }, () => ["BATCH_STARTED", "BATCH_LOADED"]).flat(),
      "RUN_FINISHED",
    ]);
    expect(
      snowflake.progress.every(
        (r) => r.RUN_ID === report.runId && r.RANGE_FROM === "2024-03-01T00:00:00.000+00:00" && r.RANGE_TO === "2024-03-03T00:00:00.000+00:00",
      ),
    ).toBe(true);
    expect(JSON.parse(snowflake.progress[1].FILES!)).toEqual(snowflake.copies[0].files);
    expect(snowflake.progress[1].QUERY_TAG).toBe(`lakehouse-backfill:${report.runId}:1`);
  });

  test("GIVEN SOURCE_FILE spelled relative to the stage THEN the same files are known as loaded", async () => {
    const { snowflake, deps } = setup("stage");
    snowflake.pipeLoaded(
      edr.copy.table,
      objects.slice(0, 100).map((o) => o.key.slice(4)),
    );
    const report = await runBackfill(edr, options, deps);
    expect(report.alreadyLoaded?.files).toBe(99);
    expect(report.loaded.files).toBe(1341);
  });

  test("the already-loaded query is restricted to the range: a loaded file outside it is not even returned", async () => {
    const { snowflake, deps } = setup();
    snowflake.pipeLoaded(edr.copy.table, ["2024/02/20/00/old.json.gz", "2024/03/04/00/later.json.gz", "2024/03/01/05/part-5-0.json.gz"]);
    await runBackfill(edr, { ...options, dryRun: true }, deps);
    const q = snowflake.statements.find((s) => s.sql.startsWith("SELECT DISTINCT SOURCE_FILE"))!;
    expect(q.binds).toEqual(["edr/2024/03/01/", "edr/2024/03/03/", "2024/03/01/", "2024/03/03/"]);
  });

  test("GIVEN a wrapped source whose landing rows were purged THEN its per-event table still says which files are loaded", async () => {
    const cloudtrail = { ...backfillTarget(lakehouse, "prod", "globex", "cloudtrail"), keyPrefix: "edr/", suffix: undefined };
    const { snowflake, deps } = setup("bucket", cloudtrail);
    snowflake.pipeLoaded(
      "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL",
      objects.slice(0, 40).map((o) => o.key.slice(4)),
    );
    snowflake.pipeLoaded(
      "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES",
      objects.slice(30, 50).map((o) => o.key.slice(4)),
    );
    const report = await runBackfill(cloudtrail, options, deps);
    expect(report.alreadyLoaded?.files).toBe(50);
    expect(snowflake.copies.every((c) => c.table === "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES")).toBe(true);
  });

  test("GIVEN a dry run THEN the plan and its estimate, and nothing written: no progress row, no COPY", async () => {
    const { snowflake, deps } = setup();
    snowflake.pipeLoaded(
      edr.copy.table,
      objects.slice(0, 10).map((o) => o.key.slice(4)),
    );
    const report = await runBackfill(edr, { ...options, dryRun: true }, deps);
    expect(report).toMatchObject({ dryRun: true, runId: undefined, alreadyLoaded: { files: 10 }, plan: { files: 1430, bytes: 1_430_000, batches: 8 } });
    expect(report.plan.estimate).toMatchObject({ size: "XSMALL", gbPerHour: 20 });
    expect(snowflake.counts.progress + snowflake.counts.copy).toBe(0);
    expect(snowflake.progress).toEqual([]);
  });

  test("GIVEN no Snowflake THEN a dry run plans from S3 alone and says already-loaded files are not known", async () => {
    const { deps } = setup();
    const report = await runBackfill(edr, { ...options, dryRun: true }, { ...deps, sql: undefined });
    expect(report.alreadyLoaded).toBeNull();
    expect(report.plan.files).toBe(1440);
    expect(report.warnings.join("\n")).toMatch(/Snowflake was not asked .*already loaded are not known/);
  });

  test("GIVEN an interruption mid-listing THEN the rerun continues the same run and loads every file once", async () => {
    const { snowflake, lister, deps } = setup();
    lister.failOnPage = 4;
    await expect(runBackfill(edr, options, deps)).rejects.toThrow(/simulated interruption/);
    expect(snowflake.counts.copy).toBe(0);
    const report = await runBackfill(edr, options, deps);
    expect(report.resumed).toBe(true);
    expect(report.runId).toBe(snowflake.progress[0].RUN_ID);
    expect(snowflake.progress.filter((r) => r.STATUS === "RUN_STARTED")).toHaveLength(1);
    expectEachFileOnce(snowflake);
  });

  test.each([
    ["before a BATCH_STARTED row is written", { statement: "progress", index: 4, when: "before" }],
    ["before a COPY reaches Snowflake", { statement: "copy", index: 3, when: "before" }],
    ["after a COPY committed, before its BATCH_LOADED row (the client died reading the answer)", { statement: "copy", index: 3, when: "after" }],
    ["after a BATCH_LOADED row", { statement: "progress", index: 5, when: "after" }],
  ] as const)("GIVEN a crash %s THEN the rerun resumes the run and no file is loaded twice", async (_what, crash) => {
    const { snowflake, deps } = setup();
    snowflake.crash = crash;
    await expect(runBackfill(edr, options, deps)).rejects.toThrow(SimulatedCrash);
    const copiedBefore = snowflake.copies.length;
    const report = await runBackfill(edr, options, deps);
    expect(report.resumed).toBe(true);
    expectEachFileOnce(snowflake);
    expect(snowflake.copies.length).toBe(8);
    expect(report.loaded.batches).toBe(8 - copiedBefore);
    expect(snowflake.progress.at(-1)!.STATUS).toBe("RUN_FINISHED");
    // Batch numbers go on from where the run stopped.
    const started = snowflake.progress.filter((r) => r.STATUS === "BATCH_STARTED").map((r) => Number(r.BATCH));
    expect(started).toEqual([...new Set(started)].sort((a, b) => a - b));
  });

  test("GIVEN a crash while a COPY runs on in Snowflake THEN the rerun waits for it (by its QUERY_TAG) before checking, and loads nothing twice", async () => {
    const { snowflake, deps } = setup();
    snowflake.crash = { statement: "copy", index: 2, when: "running" };
    const events: string[] = [];
    await expect(runBackfill(edr, options, deps)).rejects.toThrow(/while COPY #2 runs on/);
    expect(snowflake.copies).toHaveLength(1);
    const report = await runBackfill(edr, options, { ...deps, onEvent: (e) => events.push(e.kind) });
    expect(events).toContain("waiting");
    expect(snowflake.counts.history).toBe(3);
    expectEachFileOnce(snowflake);
    expect(report.alreadyLoaded?.files).toBe(400 - 1); // batches 1 and 2 (the empty file among them has no SOURCE_FILE)
  });

  test("GIVEN empty files loaded in an earlier part of the run THEN the resumed run does not try them again", async () => {
    const { snowflake, deps } = setup();
    snowflake.crash = { statement: "copy", index: 8, when: "before" };
    await expect(runBackfill(edr, options, deps)).rejects.toThrow(SimulatedCrash);
    const report = await runBackfill(edr, options, deps);
    expect(report.doneEarlierInRun).toBe(2);
    expectEachFileOnce(snowflake);
  });

  test("GIVEN a finished run THEN running it again starts a new run that finds everything loaded", async () => {
    const { snowflake, deps } = setup();
    const first = await runBackfill(edr, options, deps);
    const second = await runBackfill(edr, options, deps);
    expect(second.resumed).toBe(false);
    expect(second.runId).not.toBe(first.runId);
    expect(second.alreadyLoaded?.files).toBe(1440 - 2);
    // The two empty files are tried again (nothing says they were loaded) and load nothing: no row twice.
    expect(second.plan.files).toBe(2);
    expect(second.loaded.rows).toBe(0);
    expect(snowflake.tables.get(edr.copy.table)!.length).toBe((1440 - 2) * 3);
  });

  test("GIVEN a COPY Snowflake refuses THEN BATCH_FAILED is recorded, the run stops with the reason, and a rerun loads the rest", async () => {
    const { snowflake, deps } = setup();
    snowflake.crash = undefined;
    const failing = new FakeSnowflakeFailing(snowflake, 3);
    const report = await runBackfill(edr, options, { ...deps, sql: failing });
    expect(report.failure).toMatch(/batch 3 \(200 files\): Warehouse 'ACME_PROD_BACKFILL_WH' cannot be resumed because resource monitor/);
    expect(snowflake.progress.at(-1)).toMatchObject({ STATUS: "BATCH_FAILED", BATCH: "3" });
    const rerun = await runBackfill(edr, options, deps);
    expect(rerun.resumed).toBe(true);
    expectEachFileOnce(snowflake);
  });

  test("GIVEN files modified in the last 30 minutes THEN they are left to the pipe; GIVEN a range older than the table's retention THEN no purge warning (rows stay their retention from the backfill's load)", async () => {
    const fresh = [...objects, { key: "edr/2024/03/02/23/fresh.json.gz", size: 1, lastModifiedMs: NOW - 60_000 }];
    const { snowflake } = setup();
    const report = await runBackfill(
      edr,
      { ...options, dryRun: true },
      { sql: snowflake, lister: new MemoryLister(fresh), now: () => NOW, sleep: async () => undefined, newRunId: () => "x" },
    );
    expect(report.leftToPipe).toBe(1);
    expect(report.warnings.join("\n")).toMatch(/1 file\(s\) modified in the last 30 minutes are left to the pipe/);
    const old = await runBackfill(
      edr,
      { ...options, dryRun: true },
      { sql: snowflake, lister: new MemoryLister(objects), now: () => T("2025-06-01T00:00Z"), sleep: async () => undefined, newRunId: () => "y" },
    );
    // 0.4.0 warned that a cleaner purging by event time would delete these rows at its next run; cleaners purge by load time now.
    expect(old.warnings.join("\n")).not.toMatch(/purge/);
  });
});

/** Passes everything to the fake but refuses the n-th COPY as Snowflake does (422). */
class FakeSnowflakeFailing {
  private copies = 0;
  constructor(
    private readonly inner: FakeSnowflake,
    private readonly failAt: number,
  ) {}
  query(...args: Parameters<FakeSnowflake["query"]>) {
    if (args[0].startsWith("COPY INTO") && ++this.copies === this.failAt) {
      return Promise.reject(
        new SnowflakeSqlError(
          "Warehouse 'ACME_PROD_BACKFILL_WH' cannot be resumed because resource monitor 'ACME_PROD_BACKFILL_WH_MONITOR' has exceeded its quota.",
          422,
          "000606",
          "57P03",
        ),
      );
    }
    return this.inner.query(...args);
  }
}
