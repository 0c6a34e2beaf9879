import { join } from "node:path";
import { Parser } from "node-sql-parser";
import { Testing } from "cdktf";
import { buildDirectExample } from "../examples/direct-modules/main";
import { ViewDefinition, copyStatement, eventTimeExpression, parseViewDefinition, selectListProblem } from "../modules/snowflake/sql";
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

  test("lakehouse restore's statements, for every source it can restore (full grammar check: scripts/check-sql.py over dist/tools/restore-sql.js)", () => {
    const samples = restoreSqlSamples(join(__dirname, "..", "examples", "default", "lakehouse.yaml"));
    const copies = samples.filter((s) => s.where.endsWith(" copy")).map((s) => s.sql);
    expect(copies.length).toBeGreaterThanOrEqual(7);
    for (const copy of copies) {
      expect(copy).toMatch(/^COPY INTO [A-Z_]+\.[A-Z_]+\.[A-Z_]+_RESTORED \(DATA, PARSE_TIME, EVENT_TIME, SOURCE_FILE, SOURCE_FILE_ROW\)\nFROM \(\n {2}SELECT \$1, METADATA\$START_SCAN_TIME, (?:TRY_TO_TIMESTAMP_TZ\(\$1:[^)]+::VARCHAR\)|TO_TIMESTAMP_TZ\(TRY_TO_NUMBER\(\$1:[^)]+::VARCHAR\), [03]\)), METADATA\$FILENAME, METADATA\$FILE_ROW_NUMBER\n {2}FROM @[A-Z_.]+_BACKUP\n\)\nFILES = \('2024\/01\/01\/00\/a\.json\.gz', '2024\/01\/01\/01\/o''brien\.json\.gz'\)\nFILE_FORMAT = \(FORMAT_NAME = '[A-Z_.]+_(?:JSON|PARQUET)'\)\nON_ERROR = CONTINUE$/);
      const inner = /FROM \(\n {2}(SELECT [\s\S]+?)\n\)/.exec(copy)![1].replace(/\$1/g, "c1").replace(/METADATA\$/g, "METADATA_").replace(/@/g, "");
      expect(() => parse(inner)).not.toThrow();
    }
    for (const s of samples.filter((x) => x.where.endsWith(" create"))) expect(s.sql).toMatch(/^CREATE TABLE IF NOT EXISTS ([A-Z_]+\.[A-Z_]+\.[A-Z_]+)_RESTORED LIKE \1$/);
    // The look-up parses once its FLATTEN of the bound JSON array is spelled as a table.
    for (const s of samples.filter((x) => x.where.includes("already-loaded"))) {
      expect(() => parse(s.sql.replace(/TABLE\(FLATTEN\(INPUT => PARSE_JSON\('[^']*'\)\)\)/, "NAMES").replace("VALUE::VARCHAR", "VALUE"))).not.toThrow();
    }
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
});
