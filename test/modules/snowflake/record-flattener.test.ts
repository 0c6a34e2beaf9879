import { PipelineOwnership } from "../../../modules/snowflake/pipeline-ownership";
import { RecordFlattener, landingTableOf } from "../../../modules/snowflake/record-flattener";
import { SemiStructuredTable } from "../../../modules/snowflake/semi-structured-table";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { LOG_TABLE_COLUMNS, eventTimeExpression } from "../../../modules/snowflake/snowpipe/sql";
import { onlyResource, resourcesOf, stampOf, synthJson, synthWithMetadata, testStack } from "../../support/synth";

function flattener(props: Partial<ConstructorParameters<typeof RecordFlattener>[2]> = {}) {
  const stack = testStack();
  const table = new SemiStructuredTable(stack, "Table", { database: "LOGS", schema: "GLOBEX", tableName: "CLOUDTRAIL" });
  const f = new RecordFlattener(stack, "Flattener", {
    database: "LOGS",
    schema: "GLOBEX",
    tableName: "CLOUDTRAIL",
    recordsPath: "Records",
    eventTimeField: "eventTime",
    waitFor: [table.table],
    ...props,
  });
  return { stack, f };
}

describe("RecordFlattener", () => {
  const { stack, f } = flattener();
  const json = synthJson(stack);
  const landing = resourcesOf(json, "snowflake_table").find((t) => t.name === "CLOUDTRAIL_FILES")!;
  const stream = onlyResource(json, "snowflake_stream_on_table");
  const task = onlyResource(json, "snowflake_task");

  test("names the landing table, stream and task after the per-event table", () => {
    expect([f.landingTableName, f.streamName, f.taskName]).toEqual([
      "LOGS.GLOBEX.CLOUDTRAIL_FILES",
      "LOGS.GLOBEX.CLOUDTRAIL_FILES_STREAM",
      "LOGS.GLOBEX.CLOUDTRAIL_FLATTENER",
    ]);
    expect(landingTableOf("OKTA")).toBe("OKTA_FILES");
  });

  test("the landing table has the log table's columns, change tracking for its stream, and short Time Travel", () => {
    // The pipe's COPY writes every column of a line, RAW_TEXT and PARSE_ERROR included; the task carries them over.
    expect((landing.column as { name: string }[]).map((c) => c.name)).toEqual([...LOG_TABLE_COLUMNS]);
    expect((landing.column as { name: string; type: string }[]).slice(5).map((c) => c.type)).toEqual(["VARCHAR(16777216)", "VARCHAR(16777216)"]);
    expect(landing.change_tracking).toBe(true);
    expect(landing.data_retention_time_in_days).toBe(1);
    expect(landing.cluster_by).toBeUndefined();
  });

  test("the stream is append-only on the landing table: the cleaner's deletes are not read as events", () => {
    expect(stream).toMatchObject({
      database: "LOGS",
      schema: "GLOBEX",
      name: "CLOUDTRAIL_FILES_STREAM",
      table: "LOGS.GLOBEX.CLOUDTRAIL_FILES",
      append_only: "true",
    });
  });

  test("the task runs serverless every minute, only when the stream has data, never overlapping, and inserts one row per event and each landed row without events whole", () => {
    expect(task).toMatchObject({
      name: "CLOUDTRAIL_FLATTENER",
      schedule: { using_cron: "* * * * * UTC" },
      when: "SYSTEM$STREAM_HAS_DATA('LOGS.GLOBEX.CLOUDTRAIL_FILES_STREAM')",
      allow_overlapping_execution: "false",
      started: true,
    });
    expect(task.warehouse).toBeUndefined();
    expect(String(task.sql_statement).split("\n")).toEqual([
      "INSERT INTO LOGS.GLOBEX.CLOUDTRAIL (DATA, PARSE_TIME, EVENT_TIME, SOURCE_FILE, SOURCE_FILE_ROW, RAW_TEXT, PARSE_ERROR)",
      `SELECT r.VALUE, f.PARSE_TIME, ${eventTimeExpression("eventTime", "AUTO", "r.VALUE", "f.PARSE_TIME")}, f.SOURCE_FILE, r.INDEX, NULL, NULL`,
      "FROM LOGS.GLOBEX.CLOUDTRAIL_FILES_STREAM f, LATERAL FLATTEN(INPUT => f.DATA:Records, MODE => 'ARRAY') r",
      "WHERE f.METADATA$ACTION = 'INSERT'",
      "UNION ALL",
      "SELECT f.DATA, f.PARSE_TIME, NULL, f.SOURCE_FILE, f.SOURCE_FILE_ROW, f.RAW_TEXT, COALESCE(f.PARSE_ERROR, 'no array at Records: the record is kept whole')",
      "FROM LOGS.GLOBEX.CLOUDTRAIL_FILES_STREAM f",
      "WHERE f.METADATA$ACTION = 'INSERT' AND NOT COALESCE(IS_ARRAY(f.DATA:Records), FALSE)",
    ]);
    // The event time is clamped against the file's load time, as the pipe's is against its scan time.
    expect(String(task.sql_statement)).toContain(
      "TRY_CAST(r.VALUE:eventTime::VARCHAR AS TIMESTAMP_TZ) BETWEEN '2000-01-01T00:00:00Z'::TIMESTAMP_TZ AND f.PARSE_TIME + INTERVAL '1 DAY'",
    );
  });

  test("every resource is stamped with the module and its version", () => {
    const meta = synthWithMetadata(stack);
    for (const type of ["snowflake_stream_on_table", "snowflake_task"])
      for (const r of resourcesOf(meta, type)) expect(stampOf(r)).toMatch(/^snowflake\/record-flattener@\d+\.\d+\.\d+$/);
    expect(stampOf(resourcesOf(meta, "snowflake_table").find((t) => t.name === "CLOUDTRAIL_FILES"))).toMatch(/^snowflake\/record-flattener@/);
    expect(String(landing.comment)).toMatch(/\[snowflake\/record-flattener@\d+\.\d+\.\d+\]$/);
  });

  test("epoch event times are read as numbers, converted only inside 2000..2100 (an out-of-range value cannot fail the task and stall the stream)", () => {
    const { stack: s } = flattener({ eventTimeField: '"@timestamp"', eventTimeFormat: "EPOCH_MS" });
    const n = 'TRY_TO_NUMBER(r.VALUE:"@timestamp"::VARCHAR)';
    expect(String(onlyResource(synthJson(s), "snowflake_task").sql_statement)).toContain(
      `TO_TIMESTAMP_TZ(IFF(${n} BETWEEN 946684800000 AND 4102444800000, ${n}, NULL), 3)`,
    );
  });

  test("the stream is handed over before the task that reads it", () => {
    const { stack: s, f: fl } = flattener();
    const ownership = new PipelineOwnership(s, "Ownership", { role: "ACME_GLOBEX_PIPELINE", operator: "ACME_LAKEHOUSE_DEPLOYER", objects: fl.ownedObjects });
    const handover = (name: string) => ownership.handovers.get(name)!;
    const streamAddress = `snowflake_grant_ownership.${handover("LOGS.GLOBEX.CLOUDTRAIL_FILES_STREAM").friendlyUniqueId}`;
    const taskHandover = resourcesOf(synthJson(s), "snowflake_grant_ownership").find((g) => (g.on as { object_type: string }).object_type === "TASK")!;
    expect(taskHandover.depends_on).toContain(streamAddress);
  });

  test("a stale stream recreated with OR REPLACE keeps its grants (copy_grants), and the landing table cannot be destroyed by a plan", () => {
    expect(stream.copy_grants).toBe(true);
    expect(landing.lifecycle).toEqual({ prevent_destroy: true });
  });

  test.each([
    [{ recordsPath: "Records; DROP TABLE x" }, /Flattener.*recordsPath: must be a JSON path/s],
    [{ eventTimeField: "" }, /eventTimeField: must be a JSON path/],
    [{ eventTimeFormat: "YYYY'" }, /eventTimeFormat: must be AUTO \(ISO-8601\), EPOCH_S or EPOCH_MS/],
    [{ eventTimeFormat: "YYYY-MM-DD" }, /eventTimeFormat: must be AUTO \(ISO-8601\), EPOCH_S or EPOCH_MS: a custom format/],
    [{ schedule: "every minute" }, /schedule: must be five cron fields/],
    [{ tableName: "cloud trail" }, /tableName/],
  ])("rejects %j naming the construct path and the prop", (bad, message) => {
    expect(() => flattener(bad as never)).toThrow(message);
    expect(() => flattener(bad as never)).toThrow(LakehouseValidationError);
  });
});
