/**
 * Every kind of SQL statement `lakehouse backfill` emits, made by the same builders the engine uses
 * for every source of a config, with file names that test the quoting (a quote, a backslash, a
 * space, non-ASCII). scripts/check-sql.py parses them with SQLFluff's Snowflake grammar (as it does
 * the synthesized stacks' SQL) and scripts/test_sql_logic.py runs the already-loaded query and the
 * progress read-back on DuckDB; test/sql-syntax.test.ts checks that the engine emits no statement
 * of a kind missing here.
 */
import { BACKFILL_PROGRESS_COLUMNS } from "../../modules/snowflake/backfill-warehouse";
import { BackfillProgressEvent, BackfillRunKey, loadedFilesQuery, progressInsert, progressQuery, renderBound, runningQueriesQuery } from "./sql";
import { backfillCopyStatement } from "../../modules/snowflake/snowpipe/sql";
import { ResolvedLakehouse } from "../../stacks/config/resolve";
import { Candidate } from "./listing";
import { loadedQueryParts } from "./plan";
import { backfillTarget } from "./target";

export type SampleKind = "copy" | "progress-insert" | "progress-query" | "loaded" | "running";

export interface SqlSample {
  readonly kind: SampleKind;
  readonly where: string;
  readonly sql: string;
}

/** Names that must survive quoting into FILES and the already-loaded query. */
export const AWKWARD_NAMES = ["2024/03/01/00/part-0000.json.gz", "manual/it's here.json.gz", "manual/back\\slash ü.json.gz"] as const;

const DAY = 86_400_000;

function candidate(key: string, by: Candidate["by"]): Candidate {
  return { key, size: 1, lastModifiedMs: 0, by };
}

export function backfillSqlSamples(lakehouse: ResolvedLakehouse): SqlSample[] {
  const samples: SqlSample[] = [];
  for (const env of lakehouse.environments) {
    for (const tenant of env.tenants) {
      for (const source of tenant.sources) {
        const t = backfillTarget(lakehouse, env.name, tenant.id, source.name);
        const where = `${env.name}/${tenant.id}/${source.name}`;
        samples.push({ kind: "copy", where, sql: backfillCopyStatement(t.copy, AWKWARD_NAMES) });
        const listing = {
          candidates: [
            candidate(`${t.keyPrefix}${AWKWARD_NAMES[0]}`, "path"),
            ...AWKWARD_NAMES.slice(1).map((n) => candidate(`${t.keyPrefix}${n}`, "lastModified")),
          ],
          dateRoots: [t.keyPrefix],
          days: { firstMs: Date.UTC(2024, 2, 1), lastMs: Date.UTC(2024, 2, 1) + 2 * DAY },
          requests: 1,
        };
        const parts = loadedQueryParts(listing, t.keyPrefix);
        // As the engine asks: the date folders' ranges in one query, the files found by LastModified by name in others.
        for (const table of t.loadedTables) {
          samples.push({ kind: "loaded", where: `${where} ${table} (date folders)`, sql: renderBound(loadedFilesQuery(table, parts.ranges, [])) });
          samples.push({ kind: "loaded", where: `${where} ${table} (by name)`, sql: renderBound(loadedFilesQuery(table, [], parts.nameChunks[0])) });
        }
      }
    }
    const key: BackfillRunKey = {
      tenant: "globex",
      source: "okta",
      targetTable: `${env.databaseName}.GLOBEX.OKTA`,
      rangeFrom: "2024-03-01T00:00:00.000+00:00",
      rangeTo: "2024-03-04T00:00:00.000+00:00",
    };
    const events: Omit<BackfillProgressEvent, keyof BackfillRunKey>[] = [
      { runId: "r", batch: 0, status: "RUN_STARTED", message: "range …" },
      { runId: "r", batch: 1, status: "BATCH_STARTED", files: [...AWKWARD_NAMES], fileCount: 3, bytes: 123, queryTag: "lakehouse-backfill:r:1" },
      { runId: "r", batch: 1, status: "BATCH_LOADED", fileCount: 3, bytes: 123, rowsLoaded: 9, errors: 0, queryTag: "lakehouse-backfill:r:1" },
      {
        runId: "r",
        batch: 2,
        status: "BATCH_FAILED",
        fileCount: 3,
        bytes: 123,
        queryTag: "lakehouse-backfill:r:2",
        message: "Warehouse 'X' cannot be resumed",
      },
      { runId: "r", batch: 0, status: "RUN_FINISHED", fileCount: 3, bytes: 123, rowsLoaded: 9, errors: 0, message: "1 batches" },
    ];
    for (const e of events)
      samples.push({
        kind: "progress-insert",
        where: `${env.name} ${e.status}`,
        sql: renderBound(progressInsert(env.backfill.progressTable, { ...key, ...e })),
      });
    samples.push({ kind: "progress-query", where: env.name, sql: renderBound(progressQuery(env.backfill.progressTable, key)) });
    samples.push({
      kind: "running",
      where: env.name,
      sql: renderBound(runningQueriesQuery(env.databaseName, ["lakehouse-backfill:r:1", "lakehouse-backfill:r:2"])),
    });
  }
  return samples;
}

/**
 * Two scenarios for the SQL-on-data checks (scripts/test_sql_logic.py), with what the engine
 * expects of them: the progress read-back returns the latest run of the same key only; the
 * already-loaded query returns exactly the loaded names in range, in either spelling.
 */
export function backfillLogicScenarios(lakehouse: ResolvedLakehouse) {
  const env = lakehouse.environments[0];
  const table = env.backfill.progressTable;
  const key: BackfillRunKey = {
    tenant: "globex",
    source: "okta",
    targetTable: `${env.databaseName}.GLOBEX.OKTA`,
    rangeFrom: "2024-03-01T00:00:00.000+00:00",
    rangeTo: "2024-03-04T00:00:00.000+00:00",
  };
  const other: BackfillRunKey = { ...key, rangeTo: "2024-03-05T00:00:00.000+00:00" };
  const insert = (k: BackfillRunKey, e: Omit<BackfillProgressEvent, keyof BackfillRunKey>) => renderBound(progressInsert(table, { ...k, ...e }));
  const progress = {
    table,
    columns: BACKFILL_PROGRESS_COLUMNS.map((c) => ({
      name: c.name,
      type: c.type,
      nullable: c.nullable,
      default: "default" in c ? c.default.expression : undefined,
    })),
    inserts: [
      insert(key, { runId: "run-a", batch: 0, status: "RUN_STARTED" }),
      insert(key, { runId: "run-a", batch: 0, status: "RUN_FINISHED" }),
      insert(other, { runId: "run-c", batch: 0, status: "RUN_STARTED" }),
      insert(key, { runId: "run-b", batch: 0, status: "RUN_STARTED" }),
      insert(key, {
        runId: "run-b",
        batch: 1,
        status: "BATCH_STARTED",
        files: [...AWKWARD_NAMES],
        fileCount: 3,
        bytes: 30,
        queryTag: "lakehouse-backfill:run-b:1",
      }),
      insert(key, { runId: "run-b", batch: 1, status: "BATCH_LOADED", rowsLoaded: 7, errors: 1 }),
      insert(other, { runId: "run-c", batch: 1, status: "BATCH_STARTED", files: ["x"] }),
    ],
    query: renderBound(progressQuery(table, key)),
    expect: [
      ["run-b", 0, "RUN_STARTED"],
      ["run-b", 1, "BATCH_STARTED"],
      ["run-b", 1, "BATCH_LOADED"],
    ],
    expectFiles: [...AWKWARD_NAMES],
  };
  const prefix = "okta/";
  const listing = {
    candidates: [
      candidate(`${prefix}2024/03/02/10/in.json.gz`, "path"),
      candidate(`${prefix}${AWKWARD_NAMES[1]}`, "lastModified"),
      candidate(`${prefix}${AWKWARD_NAMES[2]}`, "lastModified"),
    ],
    dateRoots: [prefix],
    days: { firstMs: Date.UTC(2024, 2, 1), lastMs: Date.UTC(2024, 2, 3) },
    requests: 1,
  };
  const parts = loadedQueryParts(listing, prefix);
  const logTable = `${env.databaseName}.GLOBEX.OKTA`;
  const loaded = {
    table: logTable,
    rows: [
      `${prefix}2024/03/01/00/first.json.gz`, // first listed day, bucket spelling
      "2024/03/03/23/last.json.gz", // last listed day, stage spelling
      `${prefix}2024/02/29/23/before.json.gz`,
      "2024/03/04/00/after.json.gz",
      `${prefix}${AWKWARD_NAMES[1]}`,
      AWKWARD_NAMES[2],
      `${prefix}manual/not-asked.json.gz`,
      "other/2024/03/02/00/x.json.gz",
    ],
    queries: [renderBound(loadedFilesQuery(logTable, parts.ranges, [])), renderBound(loadedFilesQuery(logTable, [], parts.nameChunks[0]))],
    expect: [`${prefix}2024/03/01/00/first.json.gz`, "2024/03/03/23/last.json.gz", `${prefix}${AWKWARD_NAMES[1]}`, AWKWARD_NAMES[2]].sort(),
  };
  return { progress, loaded };
}
