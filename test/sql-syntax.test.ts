import { join } from "node:path";
import { Parser } from "node-sql-parser";
import { flattenStatement } from "../modules/snowflake/record-flattener/sql";
import { ViewDefinition, parseViewDefinition, selectListProblem } from "../modules/snowflake/semi-structured-table/sql";
import {
  CopyStatementParts,
  EVENT_TIME_FLOOR,
  LOG_TABLE_COLUMNS,
  backfillCopyStatement,
  copyStatement,
  copyTransformation,
  eventTimeExpression,
  loadColumns,
} from "../modules/snowflake/snowpipe/sql";
import { textLiteral } from "../modules/snowflake/sql";
import { snowpipeCopyParts, snowpipeObjectNames } from "../modules/snowflake/snowpipe";
import { resolveConfig } from "../stacks/config/resolve";
import { pipeLoadOf } from "../stacks/source-pipeline";
import { runBackfill } from "../cli/backfill/engine";
import { backfillSqlSamples } from "../cli/backfill/sql-samples";
import { backfillTarget } from "../cli/backfill/target";
import { renderBound } from "../cli/backfill/sql";
import { FakeSnowflake, MemoryLister, SimulatedCrash } from "./support/backfill-fakes";
import { loadConfigFile } from "../stacks/config/load";
import { exampleStacks } from "./support/examples";
import { SynthJson, resourcesOf } from "./support/synth";
import { restoreSqlSamples } from "../tools/restore-sql";

/**
 * Syntax checks of the SQL the modules emit, with a Snowflake-dialect parser (node-sql-parser,
 * database "snowflake"). That parser knows SELECT/CREATE VIEW with VARIANT paths but not COPY INTO
 * or `$1` staged columns: those are parsed by SQLFluff's Snowflake grammar in scripts/check-sql.py,
 * which .ci/run runs over every SQL string of every synthesized example.
 */
function allStackJson(): SynthJson[] {
  // As each example's entry point synthesizes it, once per worker (test/support/examples.ts); the direct-modules example is one stack, last.
  return [...Object.values(exampleStacks<SynthJson>("default")), ...Object.values(exampleStacks<SynthJson>("direct-modules"))];
}

const parser = new Parser();
const parse = (sql: string) => parser.astify(sql, { database: "snowflake" });

/**
 * node-sql-parser 5 throws its own ReferenceError ("column_symbol is not defined") on VARIANT paths
 * of three or more elements (`data:a.b.c`), which Snowflake and SQLFluff accept; for this parser
 * such paths are cut to their first two elements. The full strings are parsed by scripts/check-sql.py.
 */
const shallowPaths = (sql: string) => sql.replace(/(:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\]))(?:\.[A-Za-z_]\w*|\[\d+\])+/g, "$1");
/** The same parser takes a path on a function's result (`PARSE_JSON(…):id.time`) only one element deep: cut there, for it alone. */
const firstElementPaths = (sql: string) => sql.replace(/(\):(?:[A-Za-z_]\w*|"[^"]+"))(?:\.[A-Za-z_]\w*|\.?"[^"]+"|\[\d+\])+/g, "$1");

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
    for (const list of ["a, b", "ARRAY_CONSTRUCT(data:ip) AS ips", 'data:"@timestamp"::string AS ts']) {
      expect(selectListProblem(list)).toBeUndefined();
      expect(() => parse(`SELECT ${list} FROM t`)).not.toThrow();
    }
  });

  /** The parser's reading of a statement: its one FROM table as [db, schema, table] parts, and whether anything else follows. */
  function parserFrom(statement: string) {
    const ast = parse(statement);
    const select = (Array.isArray(ast) ? ast[0] : ast) as {
      from: { db: string | null; schema?: string; table: string; as: string | null; join?: string }[];
      where: unknown;
      _next?: unknown;
    };
    const [first, ...others] = select.from;
    const parts = [first.db, first.schema, first.table].filter((x): x is string => typeof x === "string");
    // Two parts come back as db + table; the dialect has no schema without a db.
    return {
      from: parts.map((x) => x.toUpperCase()),
      onlyTable: others.length === 0 && first.as === null && select.where === null && select._next === undefined,
    };
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
      const shape =
        /^COPY INTO [A-Z_]+\.[A-Z_]+\.[A-Z_]+ \(([A-Z_, ]+)\)\nFROM \(\n {2}SELECT\n((?: {4}.+\n)+) {2}FROM @[A-Z_.]+_STAGE\n\)\nFILE_FORMAT = \(FORMAT_NAME = '[A-Z_.]+_(LINES|PARQUET)'\)\nON_ERROR = CONTINUE$/.exec(
          copy,
        );
      expect(shape).not.toBeNull();
      const [, columns, list, format] = shape!;
      // Lines write every column (RAW_TEXT, PARSE_ERROR for a line that is not a record); Parquet rows the first five.
      expect(columns.split(", ")).toEqual([...loadColumns(format === "LINES" ? "JSON" : "PARQUET")]);
      expect(list.trimEnd().split(",\n")).toHaveLength(columns.split(", ").length);
      // The inner SELECT parses too once staged-file names ($1, METADATA$…, @stage) are spelled as ordinary names.
      const inner = /FROM \(\n {2}(SELECT[\s\S]+?)\n\)/
        .exec(copy)![1]
        .replace(/\$1/g, "c1")
        .replace(/METADATA\$/g, "METADATA_")
        .replace(/@/g, "");
      expect(() => parse(firstElementPaths(shallowPaths(inner)))).not.toThrow();
    }
  });

  test("the backfill's COPY is each pipe's own COPY, with only FILES and the load-metadata options added", () => {
    // The default example's stacks (the last one is the direct-modules example, not made from a config).
    const pipes = new Map(
      stacks
        .slice(0, -1)
        .flatMap((s) => resourcesOf(s, "snowflake_pipe"))
        .map((p) => [`${p.database}.${p.schema}.${p.name}`, String(p.copy_statement)]),
    );
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
          expect(options).toBe(
            `\nFILES = ('2024/01/02/03/a.json.gz', 'b''s.json.gz')\n${pipe!.split("\n").slice(-2).join("\n")}\nFORCE = FALSE\nLOAD_UNCERTAIN_FILES = TRUE`,
          );
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
    const parts: CopyStatementParts = {
      table: "D.S.T",
      stage: "D.S.ST",
      fileFormat: "D.S.F",
      eventTimeField: "ts",
      eventTimeFormat: "AUTO",
      onError: "CONTINUE",
    };
    expect(() => backfillCopyStatement(parts, [])).toThrow(/no files/);
    expect(() =>
      backfillCopyStatement(
        parts,
        Array.from({ length: 1001 }, (_, i) => `f${i}`),
      ),
    ).toThrow(/at most 1000/);
    expect(
      backfillCopyStatement(
        parts,
        Array.from({ length: 1000 }, (_, i) => `f${i}`),
      ),
    ).toContain("'f999')");
  });

  test("lakehouse restore's statements, for every source it can restore, in the collection scripts/check-sql.py parses (restore-sql.json beside the stacks); its COPY is backfill's over the backup stage", () => {
    const config = join(__dirname, "..", "examples", "default", "lakehouse.yaml");
    const lakehouse = resolveConfig(loadConfigFile(config));
    const samples = restoreSqlSamples(config);
    const restorable = lakehouse.environments.flatMap((e) =>
      e.tenants.filter((t) => t.backup !== undefined).flatMap((t) => t.sources.filter((x) => x.config.wrappedRecords === undefined)),
    );
    const copies = samples.filter((s) => s.kind === "copy").map((s) => s.sql);
    expect(copies).toHaveLength(restorable.length);
    expect(copies.length).toBeGreaterThanOrEqual(7);
    const backfillCopies = new Map(
      backfillSqlSamples(lakehouse)
        .filter((x) => x.kind === "copy")
        .map((x) => [x.where, x.sql]),
    );
    for (const s of samples.filter((x) => x.kind === "copy")) {
      // The same statement as backfill's for the source, but for the target table and the backup stage.
      const [, , , table] = /^COPY INTO (([A-Z_]+\.[A-Z_]+\.)([A-Z_]+))_RESTORED /.exec(s.sql) ?? [];
      expect(table).toBeDefined();
      const backfill = backfillCopies.get(s.where)!;
      expect(s.sql.replace(/^COPY INTO (\S+)_RESTORED /, "COPY INTO $1 ").replace(/_BACKUP_STAGE\n/, "_STAGE\n")).toBe(backfill);
      const inner = /FROM \(\n {2}(SELECT[\s\S]+?)\n\)/
        .exec(s.sql)![1]
        .replace(/\$1/g, "c1")
        .replace(/METADATA\$/g, "METADATA_")
        .replace(/@/g, "");
      expect(() => parse(firstElementPaths(shallowPaths(inner)))).not.toThrow();
    }
    for (const s of samples.filter((x) => x.kind === "create"))
      expect(s.sql).toMatch(/^CREATE TABLE IF NOT EXISTS ([A-Z_]+\.[A-Z_]+\.[A-Z_]+)_RESTORED LIKE \1$/);
    const loaded = samples.filter((x) => x.kind === "loaded");
    expect(loaded).toHaveLength(restorable.length);
    for (const s of loaded) expect(() => parse(s.sql)).not.toThrow();
  });

  test("an AUTO event time is TRY_CAST of the text, NULL outside 2000-01-01 .. a day after the load", () => {
    const claimed = "TRY_CAST(r.VALUE:a.b::VARCHAR AS TIMESTAMP_TZ)";
    expect(eventTimeExpression("a.b", "AUTO", "r.VALUE", "f.PARSE_TIME")).toBe(
      `IFF(${claimed} BETWEEN '${EVENT_TIME_FLOOR}'::TIMESTAMP_TZ AND f.PARSE_TIME + INTERVAL '1 DAY', ${claimed}, NULL)`,
    );
    expect(EVENT_TIME_FLOOR).toBe("2000-01-01T00:00:00Z");
  });

  test("an epoch event time reaches TO_TIMESTAMP_TZ only as a number inside 2000..2100, so no value can fail the load", () => {
    const ms = eventTimeExpression('"@timestamp"', "EPOCH_MS", "$1", "METADATA$START_SCAN_TIME");
    const n = 'TRY_TO_NUMBER($1:"@timestamp"::VARCHAR)';
    expect(ms).toContain(`TO_TIMESTAMP_TZ(IFF(${n} BETWEEN 946684800000 AND 4102444800000, ${n}, NULL), 3)`);
    expect(eventTimeExpression("ts", "EPOCH_S", "$1", "METADATA$START_SCAN_TIME")).toContain(
      "TO_TIMESTAMP_TZ(IFF(TRY_TO_NUMBER($1:ts::VARCHAR) BETWEEN 946684800 AND 4102444800, TRY_TO_NUMBER($1:ts::VARCHAR), NULL), 0)",
    );
    // Every TO_TIMESTAMP_TZ of the expression is of that guarded number.
    expect(ms.match(/TO_TIMESTAMP_TZ\(/g)).toHaveLength(ms.match(/TO_TIMESTAMP_TZ\(IFF\(TRY_TO_NUMBER\(/g)!.length);
  });

  /**
   * Snowflake's list of the functions supported in COPY transformations, "Transforming data during a
   * load", Supported functions: https://docs.snowflake.com/en/user-guide/data-load-transform#supported-functions
   * (as published; operators such as ::, :, ||, BETWEEN, AND, +, <= are not functions). TRY_PARSE_JSON
   * and TRY_TO_TIMESTAMP_* are not on it.
   */
  const COPY_SUPPORTED_FUNCTIONS = new Set(
    (
      "ARRAY_CONSTRUCT ARRAY_SIZE ASCII CASE CAST CEIL CHECK_JSON CHECK_XML CHR CHAR CONCAT CONVERT_TIMEZONE ENDSWITH EQUAL_NULL FLOOR GET GET_PATH " +
      "HEX_DECODE_STRING HEX_ENCODE IFF IFNULL ILIKE IN IS_ARRAY IS_BOOLEAN IS_DECIMAL IS_INTEGER IS_NULL_VALUE IS_OBJECT IS_TIME IS_TIMESTAMP_LTZ " +
      "IS_TIMESTAMP_NTZ IS_TIMESTAMP_TZ LENGTH LEN LIKE LPAD LTRIM MD5 MD5_HEX NULLIF NVL NVL2 OBJECT_CONSTRUCT PARSE_IP PARSE_JSON PARSE_URL PARSE_XML " +
      "RANDOM REGEXP_REPLACE REGEXP_SUBSTR REPLACE REVERSE RPAD RTRIM SPLIT SPLIT_PART STARTSWITH SUBSTR SUBSTRING TO_ARRAY TO_BINARY TO_BOOLEAN TO_CHAR " +
      "TO_VARCHAR TO_DATE DATE TO_DECFLOAT TO_DECIMAL TO_NUMBER TO_NUMERIC TO_DOUBLE TO_OBJECT TO_TIME TIME TO_TIMESTAMP TO_TIMESTAMP_LTZ TO_TIMESTAMP_NTZ " +
      "TO_TIMESTAMP_TZ TO_VARIANT TRIM TRY_CAST TRY_HEX_DECODE_STRING TRY_TO_BINARY TRY_TO_BOOLEAN TRY_TO_DATE TRY_TO_DECFLOAT TRY_TO_DECIMAL " +
      "TRY_TO_NUMBER TRY_TO_NUMERIC TRY_TO_DOUBLE TRY_TO_TIME UNICODE UUID_STRING XMLGET"
    ).split(" "),
  );
  /** The names called in a COPY's SELECT list (a word before "("), besides SQL's own words. */
  const functionsCalled = (copy: string) => {
    const select = /FROM \(\n {2}SELECT([\s\S]+?)\n {2}FROM @/.exec(copy)![1].replace(/'(?:[^']|'')*'/g, "''");
    return new Set([...select.matchAll(/\b([A-Z_][A-Z0-9_$]*)\s*\(/g)].map((m) => m[1]));
  };

  test("every function the COPY of every catalog source, backfill and restore calls is on Snowflake's COPY-supported list", () => {
    const resolved = resolveConfig(loadConfigFile(join(__dirname, "..", "examples", "default", "lakehouse.yaml")));
    const copies = [
      ...stacks.flatMap((s) => resourcesOf(s, "snowflake_pipe")).map((p) => String(p.copy_statement)),
      ...backfillSqlSamples(resolved)
        .filter((x) => x.kind === "copy")
        .map((x) => x.sql),
      ...restoreSqlSamples(join(__dirname, "..", "examples", "default", "lakehouse.yaml"))
        .filter((x) => x.kind === "copy")
        .map((x) => x.sql),
    ];
    const called = new Set(copies.flatMap((c) => [...functionsCalled(c)]));
    expect([...called].filter((f) => !COPY_SUPPORTED_FUNCTIONS.has(f))).toEqual([]);
    expect([...called].sort()).toEqual([
      "CHECK_JSON",
      "IFF",
      "LENGTH",
      "NVL",
      "PARSE_JSON",
      "SUBSTR",
      "TO_TIMESTAMP_TZ",
      "TO_VARCHAR",
      "TRY_CAST",
      "TRY_TO_NUMBER",
    ]);
    // The check can fail: the 0.4.0 event time would not pass it.
    expect(functionsCalled("FROM (\n  SELECT TRY_TO_TIMESTAMP_TZ($1:t::VARCHAR)\n  FROM @S")).toEqual(new Set(["TRY_TO_TIMESTAMP_TZ"]));
    expect(COPY_SUPPORTED_FUNCTIONS.has("TRY_TO_TIMESTAMP_TZ") || COPY_SUPPORTED_FUNCTIONS.has("TRY_PARSE_JSON")).toBe(false);
  });

  test("a JSON-array or Parquet load writes the record the file format parsed; lines write every column", () => {
    const base: CopyStatementParts = {
      table: "D.S.T",
      stage: "D.S.ST",
      fileFormat: "D.S.F",
      eventTimeField: "ts",
      eventTimeFormat: "AUTO",
      onError: "CONTINUE",
    };
    for (const format of ["PARQUET", "JSON_ARRAY"] as const) {
      const copy = copyStatement({ ...base, format });
      expect(copy).toMatch(/^COPY INTO D\.S\.T \(DATA, PARSE_TIME, EVENT_TIME, SOURCE_FILE, SOURCE_FILE_ROW\)\nFROM \(\n {2}SELECT\n {4}\$1,\n/);
      expect(copy).not.toContain("PARSE_JSON");
    }
    expect(copyStatement(base)).toMatch(new RegExp(`^COPY INTO D\\.S\\.T \\(${LOG_TABLE_COLUMNS.join(", ")}\\)\\n`));
  });

  test("the flattener carries a landed row without an events array over whole, so nothing lives only in the landing table", () => {
    const sql = flattenStatement({
      table: "D.S.T",
      stream: "D.S.T_FILES_STREAM",
      recordsPath: "Records",
      eventTimeField: "eventTime",
      eventTimeFormat: "AUTO",
    });
    expect(sql).toContain("FROM D.S.T_FILES_STREAM f, LATERAL FLATTEN(INPUT => f.DATA:Records, MODE => 'ARRAY') r");
    expect(sql).toContain(
      "UNION ALL\nSELECT f.DATA, f.PARSE_TIME, NULL, f.SOURCE_FILE, f.SOURCE_FILE_ROW, f.RAW_TEXT, COALESCE(f.PARSE_ERROR, 'no array at Records: the record is kept whole')",
    );
    expect(sql).toContain("WHERE f.METADATA$ACTION = 'INSERT' AND NOT COALESCE(IS_ARRAY(f.DATA:Records), FALSE)");
    expect(() => parse(shallowPaths(sql.replace(/METADATA\$/g, "METADATA_").replace(/, LATERAL FLATTEN\([^)]*\) r/, ", r")))).not.toThrow();
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
      expect(samples.filter((x) => x.kind === "loaded").length).toBe(
        2 * (sources.length + sources.filter((x) => x.config.wrappedRecords !== undefined).length),
      );
      for (const kind of ["progress-insert", "progress-query", "running"]) expect(samples.some((x) => x.kind === kind)).toBe(true);
    });

    test("every statement the engine emits in a run, a crash and its resume has the shape of a statement in the collection", async () => {
      const target = backfillTarget(lakehouse, "prod", "globex", "cloudtrail");
      const objects = Array.from({ length: 30 }, (_, i) => ({
        key: `cloudtrail/AWSLogs/1/CloudTrail/us-east-1/2024/03/0${1 + (i % 3)}/f-${i}.json.gz`,
        size: 10,
        lastModifiedMs: 0,
      }));
      objects.push({ key: "cloudtrail/loose-it's.json.gz", size: 1, lastModifiedMs: Date.UTC(2024, 2, 2) });
      const fake = new FakeSnowflake({ progressTable: target.progressTable, bucket: target.bucket, keyPrefix: target.keyPrefix, rowsOf: () => 1 });
      fake.crash = { statement: "copy", index: 2, when: "running" };
      const options = { fromMs: Date.UTC(2024, 2, 1), toMs: Date.UTC(2024, 2, 4), maxFiles: 10, maxBytes: 1e9, dryRun: false, runningPollMs: 0 };
      const deps = { lister: new MemoryLister(objects), sql: fake, now: () => Date.UTC(2024, 3, 1), sleep: async () => undefined, newRunId: () => "r" };
      await expect(runBackfill(target, options, deps)).rejects.toThrow(SimulatedCrash);
      await runBackfill(target, options, deps);
      const emitted = fake.statements.map((st) =>
        st.sql.startsWith("COPY INTO") ? st.sql : renderBound({ sql: st.sql, binds: st.binds as (string | number | null)[] }),
      );
      const known = new Set(samples.map((x) => shape(x.sql)));
      const kinds = new Set(
        emitted.map(
          (sql) =>
            sql.split(/\s/)[0] + (!sql.startsWith("SELECT") ? "" : sql.includes("QUERY_HISTORY") ? " history" : sql.includes("SOURCE_FILE") ? " loaded" : ""),
        ),
      );
      expect([...kinds].sort()).toEqual(["COPY", "INSERT", "SELECT", "SELECT history", "SELECT loaded"]);
      for (const sql of emitted) expect(known.has(shape(sql)) ? "known" : sql).toBe("known");
    });

    test("the queries and the progress INSERT parse as Snowflake SQL here too (COPY and the query-history table function: scripts/check-sql.py)", () => {
      for (const x of samples.filter((y) => y.kind === "loaded" || y.kind === "progress-insert" || y.kind === "progress-query"))
        expect(() => parse(x.sql)).not.toThrow();
      expect(() => parse("SELECT DISTINCT SOURCE_FILE FROM T WHERE (SOURCE_FILE >= 'a' AND)")).toThrow();
    });
  });
});
