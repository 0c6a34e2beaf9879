import { LakehouseValidationError } from "../../../modules/core/errors";
import { SemiStructuredTable, SemiStructuredTableProps } from "../../../modules/snowflake/semi-structured-table";
import { LOG_TABLE_COLUMNS } from "../../../modules/snowflake/snowpipe/sql";
import { onlyResource, resourcesOf, synthJson, testStack } from "../../support/synth";

describe("SemiStructuredTable", () => {
  const base: SemiStructuredTableProps = { database: "LOGS_PROD", schema: "GLOBEX", tableName: "GSUITE_AUDIT" };

  test("DATA VARIANT, PARSE_TIME load time, EVENT_TIME, source file; clustered by event day; time travel kept", () => {
    const stack = testStack();
    new SemiStructuredTable(stack, "Table", base);
    const t = onlyResource(synthJson(stack), "snowflake_table") as Record<string, unknown> & { column: Record<string, unknown>[] };
    expect(t).toMatchObject({
      database: "LOGS_PROD",
      schema: "GLOBEX",
      name: "GSUITE_AUDIT",
      cluster_by: ["TO_DATE(EVENT_TIME)"],
      data_retention_time_in_days: 7,
    });
    expect(t.column.map((c) => [c.name, c.type])).toEqual([
      ["DATA", "VARIANT"],
      ["PARSE_TIME", "TIMESTAMP_LTZ(9)"],
      ["EVENT_TIME", "TIMESTAMP_TZ(9)"],
      ["SOURCE_FILE", "VARCHAR(16777216)"],
      ["SOURCE_FILE_ROW", "NUMBER(38,0)"],
      ["RAW_TEXT", "VARCHAR(16777216)"],
      ["PARSE_ERROR", "VARCHAR(16777216)"],
    ]);
    expect(t.column[1]).toMatchObject({ nullable: false, default: { expression: "CURRENT_TIMESTAMP()" } });
    // A plan that would replace the log table (a new table name, a replacing change) fails instead.
    expect(t.lifecycle).toEqual({ prevent_destroy: true });
    // The columns 0.5.0 adds come last and have no default: the provider adds them to an existing table in place
    // (ALTER TABLE … ADD COLUMN); an expression default could not be added (provider issue #3095).
    expect(t.column.slice(5)).toEqual([expect.objectContaining({ nullable: true }), expect.objectContaining({ nullable: true })]);
    expect(t.column.slice(5).every((c) => c.default === undefined)).toBe(true);
    expect(t.column.map((c) => c.name)).toEqual([...LOG_TABLE_COLUMNS]);
    expect(t.comment).toBe("[snowflake/semi-structured-table@0.2.0]");
  });

  test("views select the given list from the table, including indicator arrays", () => {
    const stack = testStack();
    const table = new SemiStructuredTable(stack, "Table", {
      ...base,
      views: { GSUITE_AUDIT_VIEW: "event_time, data:actor.email::string AS actor_email, ARRAY_CONSTRUCT(data:ipAddress) AS ip_indicators" },
      secureViews: true,
    });
    const v = onlyResource(synthJson(stack), "snowflake_view");
    expect(v).toMatchObject({ name: "GSUITE_AUDIT_VIEW", is_secure: "true", database: "LOGS_PROD", schema: "GLOBEX" });
    expect(v.statement).toBe(
      "SELECT\n  event_time, data:actor.email::string AS actor_email, ARRAY_CONSTRUCT(data:ipAddress) AS ip_indicators\nFROM LOGS_PROD.GLOBEX.GSUITE_AUDIT",
    );
    expect((v.depends_on as string[])[0]).toMatch(/^snowflake_table\./);
    // A statement change is a CREATE OR REPLACE: without COPY GRANTS the readers' SELECT would be gone.
    expect(v.copy_grants).toBe(true);
    expect(table.viewNames).toEqual(["LOGS_PROD.GLOBEX.GSUITE_AUDIT_VIEW"]);
  });

  const SEED_VIEW_LIST =
    "parse_time as parse_time, event_time as event_time, data:kind as kind, data:id.time as time, ARRAY_CONSTRUCT(data:ipAddress) AS ip_indicators";

  test.each([
    ["the fully qualified name, as seed 002 writes it", `SELECT ${SEED_VIEW_LIST} FROM LOGS_PROD.GLOBEX.GSUITE_AUDIT`],
    ["schema.table", `SELECT ${SEED_VIEW_LIST} FROM GLOBEX.GSUITE_AUDIT`],
    ["the bare table name, lower case, over several lines", `\n  select ${SEED_VIEW_LIST}\n  from gsuite_audit\n`],
    ["quoted parts", `SELECT ${SEED_VIEW_LIST} FROM "LOGS_PROD"."GLOBEX"."GSUITE_AUDIT"`],
  ])("a whole SELECT … FROM this table (%s) gives the same view as its select list", (_form, statement) => {
    const view = (text: string) => {
      const stack = testStack();
      new SemiStructuredTable(stack, "Table", { ...base, views: { GSUITE_AUDIT_VIEW: text } });
      return onlyResource(synthJson(stack), "snowflake_view").statement;
    };
    expect(view(statement)).toBe(view(SEED_VIEW_LIST));
    expect(view(statement)).toBe(`SELECT\n  ${SEED_VIEW_LIST}\nFROM LOGS_PROD.GLOBEX.GSUITE_AUDIT`);
  });

  test("a JSON path element named from is not a FROM clause", () => {
    const stack = testStack();
    new SemiStructuredTable(stack, "Table", { ...base, views: { V: "SELECT data:from::string AS sender, data:a.from AS f FROM GSUITE_AUDIT" } });
    expect(onlyResource(synthJson(stack), "snowflake_view").statement).toBe(
      "SELECT\n  data:from::string AS sender, data:a.from AS f\nFROM LOGS_PROD.GLOBEX.GSUITE_AUDIT",
    );
  });

  test.each([
    ["another table", "SELECT a FROM OTHER_TABLE", /views\.V: selects FROM OTHER_TABLE, not from its own table LOGS_PROD\.GLOBEX\.GSUITE_AUDIT/],
    ["another schema", "SELECT a FROM INITECH.GSUITE_AUDIT", /views\.V: selects FROM INITECH\.GSUITE_AUDIT, not from its own table/],
    [
      "another database",
      "SELECT a FROM LOGS_DEV.GLOBEX.GSUITE_AUDIT",
      /views\.V: selects FROM LOGS_DEV\.GLOBEX\.GSUITE_AUDIT, not from its own table LOGS_PROD\.GLOBEX\.GSUITE_AUDIT/,
    ],
    [
      "a join",
      "SELECT a FROM GSUITE_AUDIT JOIN USERS ON a = b",
      /views\.V: may only select FROM its own table, with nothing after it .*got FROM GSUITE_AUDIT JOIN USERS ON a = b/,
    ],
    ["a second table", "SELECT a FROM GSUITE_AUDIT, USERS", /views\.V: may only select FROM its own table/],
    ["an alias", "SELECT t.a FROM GSUITE_AUDIT t", /views\.V: may only select FROM its own table/],
    ["a WHERE", "SELECT a FROM GSUITE_AUDIT WHERE a = 1", /views\.V: may only select FROM its own table/],
    ["a UNION", "SELECT a FROM GSUITE_AUDIT UNION SELECT a FROM OTHER", /views\.V: has more than one FROM/],
    ["two statements", "SELECT a FROM GSUITE_AUDIT; DROP TABLE GSUITE_AUDIT", /views\.V: must not contain ';'/],
    ["an empty select list", "SELECT FROM GSUITE_AUDIT", /views\.V: selects nothing/],
    ["a FROM with no table", "SELECT a FROM", /views\.V: may only select FROM its own table/],
  ])("a whole statement selecting from %s is rejected, naming the view", (_what, statement, message) => {
    expect(() => new SemiStructuredTable(testStack(), "T", { ...base, views: { V: statement } })).toThrow(LakehouseValidationError);
    expect(() => new SemiStructuredTable(testStack(), "T", { ...base, views: { V: statement } })).toThrow(message);
  });

  test("search optimization per VARIANT path, with a revert that drops it", () => {
    const stack = testStack();
    new SemiStructuredTable(stack, "Table", { ...base, searchOptimizationPaths: ["actor.email", '"@timestamp"'] });
    const ex = resourcesOf(synthJson(stack), "snowflake_execute");
    expect(ex.map((e) => e.execute).sort()).toEqual([
      'ALTER TABLE LOGS_PROD.GLOBEX.GSUITE_AUDIT ADD SEARCH OPTIMIZATION ON EQUALITY(DATA:"@timestamp")',
      "ALTER TABLE LOGS_PROD.GLOBEX.GSUITE_AUDIT ADD SEARCH OPTIMIZATION ON EQUALITY(DATA:actor.email)",
    ]);
    expect(ex.find((e) => String(e.execute).includes("actor.email"))!.revert).toBe(
      "ALTER TABLE LOGS_PROD.GLOBEX.GSUITE_AUDIT DROP SEARCH OPTIMIZATION ON EQUALITY(DATA:actor.email)",
    );
  });

  test("custom clustering keys and retention", () => {
    const stack = testStack();
    new SemiStructuredTable(stack, "Table", { ...base, clusterBy: ["TO_DATE(EVENT_TIME)", "data:kind::string"], dataRetentionDays: 30 });
    expect(onlyResource(synthJson(stack), "snowflake_table")).toMatchObject({
      cluster_by: ["TO_DATE(EVENT_TIME)", "data:kind::string"],
      data_retention_time_in_days: 30,
    });
  });

  test.each([
    [{ tableName: "gsuite" }, /tableName: must be an upper-case Snowflake identifier/],
    [{ views: { V: "a; DROP TABLE x" } }, /views.V: must not contain ';'/],
    [{ views: { V: "SELECT a" } }, /views.V: starts with SELECT but has no FROM/],
    [{ views: { V: "ARRAY_CONSTRUCT(a" } }, /views.V: has unbalanced parentheses/],
    [{ views: { V: "'abc" } }, /views.V: has an unclosed '/],
    [{ views: { V: "a -- comment" } }, /views.V: must not contain comments/],
    [{ views: { v: "a" } }, /views.v/],
    [{ searchOptimizationPaths: ["actor email"] }, /searchOptimizationPaths\[0\]: must be a JSON path/],
    [{ dataRetentionDays: 91 }, /dataRetentionDays/],
    [{ clusterBy: [] }, /clusterBy/],
  ] as [Partial<SemiStructuredTableProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new SemiStructuredTable(testStack(), "T", { ...base, ...props })).toThrow(LakehouseValidationError);
    expect(() => new SemiStructuredTable(testStack(), "T", { ...base, ...props })).toThrow(message);
  });
});
