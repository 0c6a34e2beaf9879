/** `lakehouse backfill`: the command line around the engine (cli/backfill/engine.ts). */
import { randomUUID } from "node:crypto";
import { loadConfigFile } from "../../stacks/config/load";
import { CONFIG_OPTION, chooseConfig } from "../config-file";
import { resolveConfig } from "../../stacks/config/resolve";
import { SNOWFLAKE_OPTIONS, SnowflakeSqlApi, SnowflakeSqlError, SqlClient, snowflakeConnection, snowflakeSettingsOf } from "../snowflake-sql-api";
import { BackfillDeps, runBackfill } from "./engine";
import { ObjectLister } from "./listing";
import { ProgressLine, ReportContext, reportJson, reportText } from "./output";
import { BackfillUsageError, INSTANT_HINT, parseRange } from "./range";
import { backfillTarget } from "./target";
import { OptionValues, Output, str } from "../command";

/** The command's entry in the CLI's COMMANDS (the same shape as its other commands). */
export const BACKFILL_COMMAND = {
  summary: "load a source's logs of a date range from its bucket prefix into its table, without delaying live ingest",
  details:
    "Lists only the date folders in range (LastModified for keys without one), leaves out the files the\n" +
    "table already has, and COPYs the rest with the pipe's own transformation in batches on the backfill\n" +
    "warehouse, recording each batch in <DB>.BACKFILL.PROGRESS: the same command again continues an\n" +
    "interrupted run. Dates are UTC; a date alone is its whole day. Snowflake: SNOWFLAKE_USER and\n" +
    "SNOWFLAKE_PRIVATE_KEY_FILE (or the options); S3: the AWS credential chain (AWS_ENDPOINT_URL_S3 for\n" +
    "an S3-compatible endpoint). Exit 1 if a batch failed or S3/Snowflake could not be reached (rerun to\n" +
    "continue), 2 for a usage error.",
  options: {
    config: CONFIG_OPTION,
    env: { type: "string", value: "name", help: "the environment (required)" },
    tenant: { type: "string", value: "id", help: "the tenant (required)" },
    source: { type: "string", value: "name", help: "the tenant's source (required)" },
    from: { type: "string", value: "date|datetime", help: "start of the range, inclusive: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM] (required)" },
    to: { type: "string", value: "date|datetime", help: "end of the range: a date is included whole, a date-time is excluded (required)" },
    "dry-run": { type: "boolean", help: "print the plan (files, bytes, batches, already loaded) and its estimated credits; load nothing" },
    "batch-files": { type: "string", value: "n", help: "files per COPY, 1-1000 (default 1000, FILES' limit)" },
    "batch-mb": { type: "string", value: "n", help: "megabytes (as listed in S3) per COPY (default 4000)" },
    "skip-recent-minutes": {
      type: "string",
      value: "n",
      help: "files modified in the last n minutes are left to the pipe (default 30; 0 when the pipe is stopped)",
    },
    json: { type: "boolean", help: "print the report as JSON on stdout, and no progress" },
    ...SNOWFLAKE_OPTIONS,
    role: { type: "string", value: "role", help: "Snowflake role (default: $SNOWFLAKE_ROLE, else the environment's BACKFILL role)" },
  },
} as const;

/** What the command uses from outside; tests replace them. */
export interface BackfillEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
  readonly lister?: (bucket: string, region: string) => ObjectLister;
  readonly sql?: SqlClient;
}

const usage = (message: string) => `lakehouse: ${message}\nRun 'lakehouse backfill --help' for its options.\n`;

function wholeNumber(option: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new BackfillUsageError(`--${option} must be a whole number from ${min} to ${max}, not '${text}'`);
  return Number(text);
}

/** Runs the command; resolves to its exit code. Config errors are thrown to the CLI (exit 1, as for synth). */
export async function backfillCommand(
  values: OptionValues,
  out: Output,
  err: Output,
  outside: BackfillEnvironment = { env: process.env, now: Date.now },
): Promise<number> {
  const started = outside.now();
  let progress: ProgressLine | undefined;
  try {
    for (const name of ["env", "tenant", "source", "from", "to"] as const) {
      if (str(values[name]) === undefined)
        throw new BackfillUsageError(
          `backfill needs --${name} <${BACKFILL_COMMAND.options[name].value}>${name === "from" || name === "to" ? ` (${INSTANT_HINT})` : ""}`,
        );
    }
    const range = parseRange(str(values.from), str(values.to), outside.now());
    const maxFiles = wholeNumber("batch-files", str(values["batch-files"]), 1000, 1, 1000);
    const maxBytes = wholeNumber("batch-mb", str(values["batch-mb"]), 4000, 1, 10_000_000) * 1e6;
    const pipeQuietMs = wholeNumber("skip-recent-minutes", str(values["skip-recent-minutes"]), 30, 0, 10_080) * 60_000;
    const dryRun = values["dry-run"] === true;
    const json = values.json === true;

    const configFile = chooseConfig(values, "backfill", { offersExample: false }).file;
    const lakehouse = resolveConfig(loadConfigFile(configFile));
    const target = backfillTarget(lakehouse, str(values.env)!, str(values.tenant)!, str(values.source)!);

    let sql = outside.sql;
    let context: Omit<ReportContext, "maxFiles" | "maxBytes" | "env" | "target"> = {};
    if (!sql) {
      let connection: ReturnType<typeof snowflakeConnection>;
      try {
        connection = snowflakeConnection(
          snowflakeSettingsOf(values),
          { account: target.snowflakeAccount, role: target.role, warehouse: target.warehouse.name, database: target.database },
          outside.env,
        );
      } catch (e) {
        // An unreadable or unusable key file is a mistake on the command line (or in its variables).
        throw new BackfillUsageError((e as Error).message);
      }
      if ("missing" in connection) {
        if (!dryRun) throw new BackfillUsageError(`backfill needs ${connection.missing.join(" and ")} to load (a --dry-run can plan without them)`);
        context = { noSnowflake: `no user and key given (${connection.missing.map((m) => m.replace(/^the (.+?) \(.*$/, "$1")).join(", ")} missing)` };
      } else {
        sql = new SnowflakeSqlApi(connection, { userAgent: "security-lakehouse backfill" });
        context = { account: connection.account, role: connection.role, warehouse: connection.warehouse };
      }
    } else {
      context = { account: target.snowflakeAccount, role: str(values.role) ?? target.role, warehouse: str(values.warehouse) ?? target.warehouse.name };
    }
    const full: ReportContext = { ...context, env: str(values.env)!, target, maxFiles, maxBytes };

    const endpoint = outside.env.AWS_ENDPOINT_URL_S3 || outside.env.AWS_ENDPOINT_URL || undefined;
    let lister = outside.lister?.(target.bucket, target.region);
    if (!lister) {
      // Loaded here, not with the CLI: the AWS SDK costs every other command its start-up time.
      const [{ S3Client }, { S3Lister }] = await Promise.all([import("@aws-sdk/client-s3"), import("./s3-lister")]);
      lister = new S3Lister(new S3Client({ region: target.region, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) }), target.bucket);
    }
    // Progress rewrites one line of stderr in place: only on a terminal, never with --json.
    if (err.isTTY === true && !json)
      progress = new ProgressLine(
        (t) => err.write(t),
        () => (outside.now() - started) / 1000,
      );
    const deps: BackfillDeps = {
      lister,
      sql,
      now: outside.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      newRunId: randomUUID,
      onEvent: progress ? (e) => progress!.onEvent(e) : undefined,
    };
    const report = await runBackfill(target, { ...range, maxFiles, maxBytes, dryRun, pipeQuietMs }, deps);
    progress?.clear();
    if (!json && full.warehouse && full.warehouse !== target.warehouse.name) {
      err.write(
        `lakehouse: note: warehouse ${full.warehouse} is not the backfill warehouse ${target.warehouse.name}: the COPY shares it with whatever else runs there\n`,
      );
    }
    out.write(json ? reportJson(report, full) : reportText(report, full));
    return report.failure ? 1 : 0;
  } catch (e) {
    progress?.clear();
    if (e instanceof BackfillUsageError) {
      err.write(usage(e.message));
      return 2;
    }
    // S3 and Snowflake failures: one line, and how to go on (the progress table has what was done).
    if (e instanceof SnowflakeSqlError || (e instanceof Error && /^(S3 |statements of the interrupted run)/.test(e.message))) {
      err.write(`lakehouse: backfill: ${e.message}\nNothing is lost: run the same command again to continue where it stopped.\n`);
      return 1;
    }
    throw e;
  }
}
