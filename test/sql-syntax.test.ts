import { join } from "node:path";
import { Parser } from "node-sql-parser";
import { Testing } from "cdktf";
import { buildDirectExample } from "../examples/direct-modules/main";
import { ViewDefinition, backfillCopyStatement, copyStatement, copyTransformation, eventTimeExpression, parseViewDefinition, selectListProblem, textLiteral } from "../modules/snowflake/sql";
import { snowpipeCopyParts, snowpipeObjectNames } from "../modules/snowflake/snowpipe";
import { resolveConfig } from "../stacks/config/resolve";
import { pipeLoadOf } from "../stacks/source-pipeline";
import { runBackfill } from "../cli/backfill/engine";
import { backfillSqlSamples } from "../cli/backfill/sql-samples";
import { backfillTarget } from "../cli/backfill/target";
import { renderBound } from "../modules/snowflake/sql";
import { FakeSnowflake, MemoryLister, SimulatedCrash } from "./support/backfill-fakes";
import { buildLakehouse } from "../stacks/app";
import { loadConfigFile } from "../stacks/config/load";
import { SynthJson, resourcesOf } from "./support/synth";
import { restoreSqlSamples } from "../tools/restore-sql";

/**
 * Syntax checks of the SQL the modules emit, with a Snowflake-dialect parser (node-sql-parser,
 * database "snowflake"). That parser knows SELECT/CREATE VIEW with VARIANT paths but not COPY INTO
 * or `$1` staged columns: those are parsed by SQLFluff's Snowflake grammar in scripts/check-sql.py,
 * which .ci/run runs over every SQL string of every synthesized example.
 */
function allStackJson(): SynthJson[] {
  const app = Testing.app();
  const { platform, tenants } = buildLakehouse(app, loadConfigFile(join(__dirname, "..", "examples", "default", "lakehouse.yaml")));
  const direct = buildDirectExample(Testing.app());
  return [...platform, ...tenants, direct].map((s) => JSON.parse(Testing.synth(s)) as SynthJson);
}

const parser = new Parser();
const parse = (sql: string) => parser.astify(sql, { database: "snowflake" });

/**
 * node-sql-parser 5 throws its own ReferenceError ("column_symbol is not defined") on VARIANT paths
 * of three or more elements (`data:a.b.c`), which Snowflake and SQLFluff accept; for this parser
 * such paths are cut to their first two elements. The full strings are parsed by scripts/check-sql.py.
 */
const shallowPaths = (sql: string) => sql.replace(/(:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\]))(?:\.[A-Za-z_]\w*|\[\d+\])+/g, "$1");

describe("SQL emitted by the modules", () => {
  const stacks = allStackJson();
  const views = stacks.flatMap((s) => resourcesOf(s, "snowflake_view")).map((v) => [`${v.schema}.${v.name}`, String(v.statement)]);

  test("there are views to check", () => expect(views.length).toBeGreaterThanOrEqual(6));

  test.each(views)("view %s parses as a Snowflake CREATE VIEW", (name, statement) => {
    const ast = parse(`CREATE VIEW ${name} AS ${shallowPaths(statement)}`);
    expect(JSON.stringify(ast)).toContain('"type":"create"');
  });

  test("the parser really rejects broken SQL (the check can fail)", () => {
    expect(() => parse("CREATE VIEW A.B AS SELECT a,, b FROM t")).toThrow();
    expect(() => parse("CREATE VIEW A.B AS SELECT (a FROM t")).toThrow();
  });

  test("the select-list guard agrees with the parser on what is one select list", () => {
    for (const list of ["a, b", "ARRAY_CONSTRUCT(data:ip) AS ips", "data:\"@timestamp\"::string AS ts"]) {
      expect(selectListProblem(list)).toBeUndefined();
      expect(() => parse(`SELECT ${list} FROM t`)).not.toThrow();
    }
  });

  /** The parser's reading of a statement: its one FROM table as [db, schema, table] parts, and whether anything else follows. */
  function parserFrom(statement: string) {
    const ast = parse(statement);
    const select = (Array.isArray(ast) ? ast[0] : ast) as { from: { db: string | null; schema?: string; table: string; as: string | null; join?: string }[]; where: unknown; _next?: unknown };
    const [first, ...others] = select.from;
    const parts = [first.db, first.schema, first.table].filter((x): x is string => typeof x === "string");
    // Two parts come back as db + table; the dialect has no schema without a db.
    return { from: parts.map((x) => x.toUpperCase()), onlyTable: others.length === 0 && first.as === null && select.where === null && select._next === undefined };
  }

  test.each([
    "SELECT parse_time as parse_time, data:id.time as time, ARRAY_CONSTRUCT(data:ipAddress) AS ip_indicators FROM LOGS_PROD.RAW.GSUITE_AUDIT",
    "select a, b from RAW.GSUITE_AUDIT",
    "SELECT data:x::string AS x FROM gsuite_audit",
  ])("a whole view statement is read as the parser reads it: %s", (statement) => {
    const view = parseViewDefinition(statement);
    expect(view).not.toHaveProperty("problem");
    expect(parserFrom(statement)).toEqual({ from: (view as ViewDefinition).from, onlyTable: true });
    // The select list taken out of it is one select list to the parser too.
    expect(() => parse(`SELECT ${(view as ViewDefinition).selectList} FROM t`)).not.toThrow();
  });

  test.each([
    "SELECT a FROM GSUITE_AUDIT JOIN USERS ON a = b",
    "SELECT a FROM GSUITE_AUDIT, USERS",
    "SELECT a FROM GSUITE_AUDIT g",
    "SELECT a FROM GSUITE_AUDIT WHERE a = 1",
    "SELECT a FROM GSUITE_AUDIT UNION SELECT a FROM USERS",
  ])("valid SQL that is more than one table is refused by the view reader: %s", (statement) => {
    expect(parserFrom(statement).onlyTable).toBe(false);
    expect(parseViewDefinition(statement)).toHaveProperty("problem");
  });

  test("COPY statements have the shape the pipe needs (full grammar check: scripts/check-sql.py)", () => {
    const copies = stacks.flatMap((s) => resourcesOf(s, "snowflake_pipe")).map((p) => String(p.copy_statement));
    expect(copies.length).toBeGreaterThanOrEqual(7);
    for (const copy of copies) {
      expect(copy).toMatch(/^COPY INTO [A-Z_]+\.[A-Z_]+\.[A-Z_]+ \(DATA, PARSE_TIME, EVENT_TIME, SOURCE_FILE, SOURCE_FILE_ROW\)\nFROM \(\n {2}SELECT \$1, METADATA\$START_SCAN_TIME, (?:TRY_TO_TIMESTAMP_TZ\(\$1:[^)]+::VARCHAR\)|TO_TIMESTAMP_TZ\(TRY_TO_NUMBER\(\$1:[^)]+::VARCHAR\), [03]\)), METADATA\$FILENAME, METADATA\$FILE_ROW_NUMBER\n {2}FROM @[A-Z_.]+_STAGE\n\)\nFILE_FORMAT = \(FORMAT_NAME = '[A-Z_.]+_(?:JSON|PARQUET)'\)\nON_ERROR = CONTINUE$/);
      // The inner SELECT parses too once staged-file names ($1, METADATA$…, @stage) are spelled as ordinary names.
      const inner = /FROM \(\n {2}(SELECT [\s\S]+?)\n\)/.exec(copy)![1].replace(/\$1/g, "c1").replace(/METADATA\$/g, "METADATA_").replace(/@/g, "");
      expect(() => parse(inner)).not.toThrow();
    }
  });

  test("the backfill's COPY is each pipe's own COPY, with only FILES and the load-metadata options added", () => {
    // The default example's stacks (the last one is the direct-modules example, not made from a config).
    const pipes = new Map(stacks.slice(0, -1).flatMap((s) => resourcesOf(s, "snowflake_pipe")).map((p) => [`${p.database}.${p.schema}.${p.name}`, String(p.copy_statement)]));
    const resolved = resolveConfig(loadConfigFile(join(__dirname, "..", "examples", "default", "lakehouse.yaml")));
    let compared = 0;
    for (const env of resolved.environments) {
      for (const tenant of env.tenants) {
        for (const source of tenant.sources) {
          const load = pipeLoadOf(env, tenant, source);
          const pipe = pipes.get(snowpipeObjectNames(load).pipe);
          expect(pipe).toBeDefined();
          const backfill = backfillCopyStatement(snowpipeCopyParts(load), ["2024/01/02/03/a.json.gz", "b's.json.gz"]);
          const [head, options] = [backfill.slice(0, backfill.indexOf("\nFILES = (")), backfill.slice(backfill.indexOf("\nFILES = ("))];
          expect(options).toBe(`\nFILES = ('2024/01/02/03/a.json.gz', 'b''s.json.gz')\n${pipe!.split("\n").slice(-2).join("\n")}\nFORCE = FALSE\nLOAD_UNCERTAIN_FILES = TRUE`);
          expect(`${head}\n${pipe!.split("\n").slice(-2).join("\n")}`).toBe(pipe);
          expect(pipe).toContain(copyTransformation(snowpipeCopyParts(load)).split("\n")[0]);
          compared++;
        }
      }
    }
    expect(compared).toBe(pipes.size);
    expect(compared).toBeGreaterThanOrEqual(12);
  });

  test("FILES names are Snowflake string literals: quotes doubled, backslashes escaped; at most 1,000 names", () => {
    expect(textLiteral("a'b\\c")).toBe("'a''b\\\\c'");
    const parts = { table: "D.S.T", stage: "D.S.ST", fileFormat: "D.S.F", eventTimeField: "ts", eventTimeFormat: "AUTO", onError: "CONTINUE" as const };
    expect(() => backfillCopyStatement(parts, [])).toThrow(/no files/);
    expect(() => backfillCopyStatement(parts, Array.from({ length: 1001 }, (_, i) => `f${i}`))).toThrow(/at most 1000/);
    expect(backfillCopyStatement(parts, Array.from({ length: 1000 }, (_, i) => `f${i}`))).toContain("'f999')");
  });

  test("lakehouse restore's statements, for every source it can restore, in the collection scripts/check-sql.py parses (restore-sql.json beside the stacks); its COPY is backfill's over the backup stage", () => {
    const config = join(__dirname, "..", "examples", "default", "lakehouse.yaml");
    const lakehouse = resolveConfig(loadConfigFile(config));
    const samples = restoreSqlSamples(config);
    const restorable = lakehouse.environments.flatMap((e) => e.tenants.filter((t) => t.backup !== undefined).flatMap((t) => t.sources.filter((x) => x.config.wrappedRecords === undefined)));
    const copies = samples.filter((s) => s.kind === "copy").map((s) => s.sql);
    expect(copies).toHaveLength(restorable.length);
    expect(copies.length).toBeGreaterThanOrEqual(7);
    const backfillCopies = new Map(backfillSqlSamples(lakehouse).filter((x) => x.kind === "copy").map((x) => [x.where, x.sql]));
    for (const s of samples.filter((x) => x.kind === "copy")) {
      // The same statement as backfill's for the source, but for the target table and the backup stage.
      const [, , , table] = /^COPY INTO (([A-Z_]+\.[A-Z_]+\.)([A-Z_]+))_RESTORED /.exec(s.sql) ?? [];
      expect(table).toBeDefined();
      const backfill = backfillCopies.get(s.where)!;
      expect(s.sql.replace(/^COPY INTO (\S+)_RESTORED /, "COPY INTO $1 ").replace(/_BACKUP_STAGE\n/, "_STAGE\n")).toBe(backfill);
      const inner = /FROM \(\n {2}(SELECT [\s\S]+?)\n\)/.exec(s.sql)![1].replace(/\$1/g, "c1").replace(/METADATA\$/g, "METADATA_").replace(/@/g, "");
      expect(() => parse(inner)).not.toThrow();
    }
    for (const s of samples.filter((x) => x.kind === "create")) expect(s.sql).toMatch(/^CREATE TABLE IF NOT EXISTS ([A-Z_]+\.[A-Z_]+\.[A-Z_]+)_RESTORED LIKE \1$/);
    const loaded = samples.filter((x) => x.kind === "loaded");
    expect(loaded).toHaveLength(restorable.length);
    for (const s of loaded) expect(() => parse(s.sql)).not.toThrow();
  });

  test("event-time expressions only ever use TRY_ conversion", () => {
    expect(eventTimeExpression("a.b", "AUTO")).toBe("TRY_TO_TIMESTAMP_TZ($1:a.b::VARCHAR)");
    const copy = copyStatement({ table: "D.S.T", stage: "D.S.ST", fileFormat: "D.S.F", eventTimeField: "ts", eventTimeFormat: "YYYY-MM-DD", onError: "CONTINUE" });
    expect(copy.match(/TO_TIMESTAMP/g)).toHaveLength(1);
    expect(copy).toContain("TRY_TO_TIMESTAMP_TZ($1:ts::VARCHAR, 'YYYY-MM-DD')");
  });

  test("epoch event times go through TRY_TO_NUMBER, so a non-number is NULL and never fails the load", () => {
    expect(eventTimeExpression('"@timestamp"', "EPOCH_MS")).toBe('TO_TIMESTAMP_TZ(TRY_TO_NUMBER($1:"@timestamp"::VARCHAR), 3)');
    expect(eventTimeExpression("ts", "EPOCH_S")).toBe("TO_TIMESTAMP_TZ(TRY_TO_NUMBER($1:ts::VARCHAR), 0)");
    expect(eventTimeExpression("eventTime", "AUTO", "r.VALUE")).toBe("TRY_TO_TIMESTAMP_TZ(r.VALUE:eventTime::VARCHAR)");
  });

  describe("SQL emitted by lakehouse backfill", () => {
    const lakehouse = resolveConfig(loadConfigFile(join(__dirname, "..", "examples", "default", "lakehouse.yaml")));
    const samples = backfillSqlSamples(lakehouse);

    /** A statement's shape: literals, numbers and repeated conditions or list items folded, so one sample stands for all its instances. */
    const shape = (sql: string) =>
      sql
        .replace(/'(?:[^'\\]|''|\\.)*'/g, "'?'")
        .replace(/\b\d+\b/g, "0")
        .replace(/'\?'(?:, '\?')+/g, "'?'")
        .replace(/(\(SOURCE_FILE >= '\?' AND SOURCE_FILE < '\?'\))(?:\n {2}OR \(SOURCE_FILE >= '\?' AND SOURCE_FILE < '\?'\))+/g, "$1");

    test("every source of the example has its COPY and already-loaded queries in the collection that scripts/check-sql.py parses", () => {
      const sources = lakehouse.environments.flatMap((e) => e.tenants.flatMap((t) => t.sources));
      expect(samples.filter((x) => x.kind === "copy")).toHaveLength(sources.length);
      expect(samples.filter((x) => x.kind === "loaded").length).toBe(2 * (sources.length + sources.filter((x) => x.config.wrappedRecords !== undefined).length));
      for (const kind of ["progress-insert", "progress-query", "running"]) expect(samples.some((x) => x.kind === kind)).toBe(true);
    });

    test("every statement the engine emits in a run, a crash and its resume has the shape of a statement in the collection", async () => {
      const target = backfillTarget(lakehouse, "prod", "globex", "cloudtrail");
      const objects = Array.from({ length: 30 }, (_, i) => ({ key: `cloudtrail/AWSLogs/1/CloudTrail/us-east-1/2024/03/0${1 + (i % 3)}/f-${i}.json.gz`, size: 10, lastModifiedMs: 0 }));
      objects.push({ key: "cloudtrail/loose-it's.json.gz", size: 1, lastModifiedMs: Date.UTC(2024, 2, 2) });
      const fake = new FakeSnowflake({ progressTable: target.progressTable, bucket: target.bucket, keyPrefix: target.keyPrefix, rowsOf: () => 1 });
      fake.crash = { statement: "copy", index: 2, when: "running" };
      const options = { fromMs: Date.UTC(2024, 2, 1), toMs: Date.UTC(2024, 2, 4), maxFiles: 10, maxBytes: 1e9, dryRun: false, runningPollMs: 0 };
      const deps = { lister: new MemoryLister(objects), sql: fake, now: () => Date.UTC(2024, 3, 1), sleep: async () => undefined, newRunId: () => "r" };
      await expect(runBackfill(target, options, deps)).rejects.toThrow(SimulatedCrash);
      await runBackfill(target, options, deps);
      const emitted = fake.statements.map((st) => (st.sql.startsWith("COPY INTO") ? st.sql : renderBound({ sql: st.sql, binds: st.binds as (string | number | null)[] })));
      const known = new Set(samples.map((x) => shape(x.sql)));
      const kinds = new Set(emitted.map((sql) => sql.split(/\s/)[0] + (!sql.startsWith("SELECT") ? "" : sql.includes("QUERY_HISTORY") ? " history" : sql.includes("SOURCE_FILE") ? " loaded" : "")));
      expect([...kinds].sort()).toEqual(["COPY", "INSERT", "SELECT", "SELECT history", "SELECT loaded"]);
      for (const sql of emitted) expect(known.has(shape(sql)) ? "known" : sql).toBe("known");
    });

    test("the queries and the progress INSERT parse as Snowflake SQL here too (COPY and the query-history table function: scripts/check-sql.py)", () => {
      for (const x of samples.filter((y) => y.kind === "loaded" || y.kind === "progress-insert" || y.kind === "progress-query")) expect(() => parse(x.sql)).not.toThrow();
      expect(() => parse("SELECT DISTINCT SOURCE_FILE FROM T WHERE (SOURCE_FILE >= 'a' AND)")).toThrow();
    });
  });
});
