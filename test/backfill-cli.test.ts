import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backfillCommand } from "../cli/backfill/command";
import { StoredObject } from "../cli/backfill/listing";
import { main } from "../cli/lakehouse";
import { SnowflakeSqlError } from "../cli/snowflake-sql-api";
import { FakeSnowflake, MemoryLister } from "./support/backfill-fakes";

const CONFIG = join(__dirname, "..", "examples", "default", "lakehouse.yaml");
const NOW = Date.parse("2024-03-10T12:00:00Z");

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const saved = { ...process.env };
  // No Snowflake credentials from the machine running the tests.
  for (const k of Object.keys(process.env)) if (k.startsWith("SNOWFLAKE_")) delete process.env[k];
  Object.assign(process.env, env);
  try {
    const code = await main(args, { write: (s: string) => ((stdout += s), true) } as never, { write: (s: string) => ((stderr += s), true) } as never);
    return { code, stdout, stderr };
  } finally {
    process.env = saved;
  }
}

const base = ["backfill", "--config", CONFIG, "--env", "prod", "--tenant", "umbrella", "--source", "edr", "--from", "2024-03-01", "--to", "2024-03-02"];
const without = (option: string) => {
  const i = base.indexOf(option);
  return [...base.slice(0, i), ...base.slice(i + 2)];
};
const withValue = (option: string, value: string) => base.map((a, i) => (base[i - 1] === option ? value : a));

describe("lakehouse backfill: the command line", () => {
  // Without --config (and no ./lakehouse.yaml): test/cli.test.ts, as for every command.
  test.each(["--env", "--tenant", "--source", "--from", "--to"])("without %s: exit 2, naming it", async (option) => {
    const r = await run(without(option));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`lakehouse: backfill needs ${option} <`);
    expect(r.stderr).toContain("Run 'lakehouse backfill --help' for its options.");
    expect(r.stdout).toBe("");
  });

  test.each([
    ["--from", "2024-02-30", /--from: '2024-02-30' is not a calendar date/],
    ["--to", "soon", /--to: 'soon' is not a date or a date-time/],
    ["--to", "2024-02-01", /--to \(2024-02-02T00:00:00.000\+00:00, exclusive\) must be after --from/],
    ["--env", "qa", /--env: no environment 'qa' in the config \(it has prod\)/],
    ["--tenant", "umbrela", /--tenant: no tenant 'umbrela' in environment prod .*did you mean umbrella\?/],
    ["--source", "edrr", /--source: tenant umbrella has no source 'edrr' .*did you mean edr\?/],
  ])("%s %s: exit 2 with a clean error naming the option", async (option, value, message) => {
    const r = await run(withValue(option, value));
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  test.each([
    ["--batch-files", "1001"],
    ["--batch-files", "0"],
    ["--batch-mb", "lots"],
  ])("%s %s: exit 2", async (option, value) => {
    const r = await run([...base, option, value]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${option} must be a whole number from`);
  });

  test("a load without Snowflake credentials: exit 2 naming what is missing, and that a dry run can plan without", async () => {
    const r = await run(base);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "backfill needs the user (--snowflake-user or SNOWFLAKE_USER) and the private key (--private-key-file, SNOWFLAKE_PRIVATE_KEY_FILE or SNOWFLAKE_PRIVATE_KEY) to load (a --dry-run can plan without them)",
    );
  });

  test("a key file that cannot be read, or is not a key: exit 2 naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bf-key-"));
    writeFileSync(join(dir, "bad.p8"), "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n");
    const missing = await run([...base, "--snowflake-user", "u", "--private-key-file", join(dir, "none.p8")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the private key file .*none\.p8: ENOENT/);
    const bad = await run([...base, "--snowflake-user", "u", "--private-key-file", join(dir, "bad.p8")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the private key file .*bad\.p8 is not a usable RSA private key/);
  });

  test("an unknown option names the nearest, as for every command", async () => {
    const r = await run([...base, "--dryrun"]);
    expect(r).toMatchObject({ code: 2 });
    expect(r.stderr).toContain("backfill: unknown option --dryrun; did you mean --dry-run?");
  });
});

describe("lakehouse backfill: output", () => {
  const hours = Array.from({ length: 48 }, (_, h) => h);
  const objects: StoredObject[] = hours.flatMap((h) => {
    const t = Date.parse("2024-03-01T00:00:00Z") + h * 3_600_000;
    const d = new Date(t);
    const folder = `edr/2024/03/${String(d.getUTCDate()).padStart(2, "0")}/${String(d.getUTCHours()).padStart(2, "0")}/`;
    return [0, 1].map((i) => ({ key: `${folder}f${i}.json.gz`, size: 2_000_000, lastModifiedMs: t + 300_000 }));
  });

  async function command(args: string[], tty: boolean) {
    let stdout = "";
    let stderr = "";
    const snowflake = new FakeSnowflake({ progressTable: "ACME_LOGS_PROD.BACKFILL.PROGRESS", bucket: "b", keyPrefix: "edr/", rowsOf: () => 10 });
    snowflake.pipeLoaded(
      "ACME_LOGS_PROD.UMBRELLA.EDR",
      objects.slice(0, 6).map((o) => o.key.slice(4)),
    );
    const values = Object.fromEntries(
      args.reduce<[string, string | boolean][]>((acc, a, i) => {
        if (a.startsWith("--")) acc.push([a.slice(2), args[i + 1] && !args[i + 1].startsWith("--") ? args[i + 1] : true]);
        return acc;
      }, []),
    );
    const code = await backfillCommand(
      values,
      { write: (s: string) => ((stdout += s), true) } as never,
      { isTTY: tty, write: (s: string) => ((stderr += s), true) } as never,
      {
        env: {},
        now: () => NOW,
        lister: () => new MemoryLister(objects),
        sql: snowflake,
      },
    );
    return { code, stdout, stderr, snowflake };
  }
  const args = [
    "--config",
    CONFIG,
    "--env",
    "prod",
    "--tenant",
    "umbrella",
    "--source",
    "edr",
    "--from",
    "2024-03-01",
    "--to",
    "2024-03-01",
    "--batch-files",
    "10",
  ];

  test("--dry-run prints the plan: files, bytes, batches, already loaded, estimated credits with its assumption; nothing loaded", async () => {
    const r = await command([...args, "--dry-run"], false);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "backfill plan (dry run, nothing loaded): umbrella/edr in prod, 2024-03-01T00:00:00.000+00:00 to 2024-03-02T00:00:00.000+00:00 (end excluded)",
    );
    expect(r.stdout).toMatch(/listed {5}48 files, 96\.0 MB \(48 by date folder, 0 by LastModified/);
    expect(r.stdout).toMatch(/loaded {5}6 files already \(12\.0 MB\)/);
    expect(r.stdout).toMatch(/to load {4}42 files, 84\.0 MB in 5 batches \(at most 10 files and 4\.0 GB each\)/);
    expect(r.stdout).toMatch(
      /estimate {3}\d+ minutes, 0\.\d\d credits on XSMALL \(assumes 20 GB\/hour: 20 GB\/hour per XSMALL, doubling per size, not measured/,
    );
    expect(r.stdout).toContain("as         role ACME_PROD_BACKFILL on warehouse ACME_PROD_BACKFILL_WH in ACMEORG-SECLAKE_EU");
    expect(r.snowflake.counts.copy + r.snowflake.counts.progress).toBe(0);
    expect(r.stderr).toBe("");
  });

  test("a run on a terminal shows a progress bar on stderr, cleared before the final report (files, bytes, rows, errors, duration) on stdout", async () => {
    const r = await command(args, true);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`\\r\\x1b\\[Kbackfill: \\[#{24}\\] 5/5 batches, 42/42 files, 84\\.0 MB/84\\.0 MB, 420 rows, `));
    expect(r.stderr).toMatch(new RegExp(`\\r\\x1b\\[Kbackfill: \\[#{5}-{19}\\] 1/5 batches, 10/42 files`));
    expect(r.stderr.endsWith("\r\x1b[K")).toBe(true);
    expect(r.stdout).toMatch(/^backfill finished: umbrella\/edr in prod, .*, run [0-9a-f-]{36}\n/);
    expect(r.stdout).toMatch(/done {7}42 files, 84\.0 MB, 420 rows in 5 batches; 0 row errors, 0 files failed/);
    expect(r.stdout).toMatch(/took {7}0\.0s/);
  });

  test("off a terminal, and with --json, no progress; --json is the report for machines", async () => {
    expect((await command(args, false)).stderr).toBe("");
    const r = await command([...args, "--json"], true);
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      environment: "prod",
      tenant: "umbrella",
      source: "edr",
      dryRun: false,
      resumed: false,
      alreadyLoaded: { files: 6, bytes: 12_000_000 },
      plan: { files: 42, batches: 5 },
      loaded: { batches: 5, files: 42, bytes: 84_000_000, rows: 420, errors: 0, failedFiles: 0 },
      batchLimits: { files: 10, bytes: 4e9 },
    });
    expect(report.estimateAssumption).toContain("20 GB/hour of gzip NDJSON per XSMALL");
  });
});

describe("lakehouse backfill: failures", () => {
  const args = { config: CONFIG, env: "prod", tenant: "umbrella", source: "edr", from: "2024-03-01", to: "2024-03-01" };
  const capture = () => {
    const text = { out: "", err: "" };
    return { text, out: { write: (s: string) => ((text.out += s), true) } as never, err: { write: (s: string) => ((text.err += s), true) } as never };
  };

  test("Snowflake refusing a statement, or S3 failing: exit 1, one line, and how to go on", async () => {
    const c = capture();
    const refusing = {
      query: async () =>
        Promise.reject(
          new SnowflakeSqlError(
            "statement SELECT RUN_ID…: Object 'ACME_LOGS_PROD.BACKFILL.PROGRESS' does not exist or not authorized. (SQL state 42S02, code 002003)",
            422,
            "002003",
            "42S02",
          ),
        ),
    };
    expect(await backfillCommand(args, c.out, c.err, { env: {}, now: () => NOW, lister: () => new MemoryLister([]), sql: refusing })).toBe(1);
    expect(c.text.err).toBe(
      "lakehouse: backfill: statement SELECT RUN_ID…: Object 'ACME_LOGS_PROD.BACKFILL.PROGRESS' does not exist or not authorized. (SQL state 42S02, code 002003)\nNothing is lost: run the same command again to continue where it stopped.\n",
    );
    const s3 = capture();
    const failing = new MemoryLister([]);
    failing.failOnPage = 1;
    expect(await backfillCommand({ ...args, "dry-run": true }, s3.out, s3.err, { env: {}, now: () => NOW, lister: () => failing })).toBe(1);
    expect(s3.text.err).toMatch(/^lakehouse: backfill: S3 ListObjectsV2 s3:\/\/test\/edr\/ failed: simulated interruption\n/);
  });

  test("a batch Snowflake refuses: the report says where it stopped, exit 1", async () => {
    const c = capture();
    const objects = [{ key: "edr/2024/03/01/00/a.json.gz", size: 10, lastModifiedMs: Date.parse("2024-03-01T00:05:00Z") }];
    const fake = new FakeSnowflake({ progressTable: "ACME_LOGS_PROD.BACKFILL.PROGRESS", bucket: "b", keyPrefix: "edr/", rowsOf: () => 1 });
    fake.failNextCopy = new SnowflakeSqlError(
      "Warehouse 'ACME_PROD_BACKFILL_WH' cannot be resumed because resource monitor 'ACME_PROD_BACKFILL_WH_MONITOR' has exceeded its quota.",
      422,
      "000606",
    );
    expect(await backfillCommand(args, c.out, c.err, { env: {}, now: () => NOW, lister: () => new MemoryLister(objects), sql: fake })).toBe(1);
    expect(c.text.out).toMatch(/^backfill stopped: /);
    expect(c.text.out).toContain("stopped    batch 1 (1 files): Warehouse 'ACME_PROD_BACKFILL_WH' cannot be resumed because resource monitor");
    expect(c.text.out).toContain("the progress is in ACME_LOGS_PROD.BACKFILL.PROGRESS: run the same command again to continue");
  });
});
