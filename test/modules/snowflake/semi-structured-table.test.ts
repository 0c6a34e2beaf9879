import { TerraformOutput } from "cdktf";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { SemiStructuredTable, SemiStructuredTableProps } from "../../../modules/snowflake/semi-structured-table";
import { Snowpipe, SnowpipeProps } from "../../../modules/snowflake/snowpipe";
import { StorageIntegration, StorageIntegrationProps } from "../../../modules/snowflake/storage-integration";
import { LOG_TABLE_COLUMNS } from "../../../modules/snowflake/snowpipe/sql";
import { onlyResource, resourcesOf, synthJson, testStack } from "../../support/synth";

describe("StorageIntegration", () => {
  const base: StorageIntegrationProps = {
    name: "ACME_PROD_GLOBEX_OKTA_S3",
    roleArn: "arn:aws:iam::111111111111:role/acme-prod-globex-okta-snowflake",
    allowedLocations: ["s3://acme-prod-globex-logs/okta/"],
  };

  test("an enabled S3 external-stage integration limited to its locations, with the external id Snowflake generates", () => {
    const stack = testStack();
    const integration = new StorageIntegration(stack, "Integration", { ...base, comment: "okta" });
    new TerraformOutput(stack, "external_id", { value: integration.externalId });
    const json = synthJson(stack) as ReturnType<typeof synthJson> & { output: Record<string, { value: string }> };
    const r = onlyResource(json, "snowflake_storage_integration");
    expect(r).toMatchObject({
      name: "ACME_PROD_GLOBEX_OKTA_S3",
      type: "EXTERNAL_STAGE",
      enabled: true,
      storage_provider: "S3",
      storage_aws_role_arn: base.roleArn,
      storage_allowed_locations: ["s3://acme-prod-globex-logs/okta/"],
      comment: "okta [snowflake/storage-integration@0.2.0]",
    });
    expect(r.storage_blocked_locations).toBeUndefined();
    // Not set: Snowflake generates it; the role's trust reads it back from DESCRIBE INTEGRATION.
    expect(r).not.toHaveProperty("storage_aws_external_id");
    expect(json.output.external_id.value).toMatch(/^\$\{snowflake_storage_integration\.Integration_[0-9A-F]+\.describe_output\[0\]\.storage_aws_external_id\[0\]\.value\}$/);
    expect(integration.replacementTrigger).toMatch(/^snowflake_storage_integration\.Integration_[0-9A-F]+\.id$/);
  });

  test.each([
    [{ name: "lower" }, /name: must be an upper-case Snowflake identifier/],
    [{ allowedLocations: [] }, /allowedLocations: at least one location/],
    [{ allowedLocations: ["s3://bucket/*"] }, /allowedLocations\[0\]: must be s3:\/\/bucket\/prefix\//],
    [{ roleArn: "arn:aws:iam::1:role/x" }, /roleArn: must be an IAM role ARN/],
  ] as [Partial<StorageIntegrationProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new StorageIntegration(testStack(), "I", { ...base, ...props })).toThrow(LakehouseValidationError);
    expect(() => new StorageIntegration(testStack(), "I", { ...base, ...props })).toThrow(message);
  });
});

describe("SemiStructuredTable", () => {
  const base: SemiStructuredTableProps = { database: "LOGS_PROD", schema: "GLOBEX", tableName: "GSUITE_AUDIT" };

  test("DATA VARIANT, PARSE_TIME load time, EVENT_TIME, source file; clustered by event day; time travel kept", () => {
    const stack = testStack();
    new SemiStructuredTable(stack, "Table", base);
    const t = onlyResource(synthJson(stack), "snowflake_table") as Record<string, unknown> & { column: Record<string, unknown>[] };
    expect(t).toMatchObject({ database: "LOGS_PROD", schema: "GLOBEX", name: "GSUITE_AUDIT", cluster_by: ["TO_DATE(EVENT_TIME)"], data_retention_time_in_days: 7 });
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
    expect(v.statement).toBe("SELECT\n  event_time, data:actor.email::string AS actor_email, ARRAY_CONSTRUCT(data:ipAddress) AS ip_indicators\nFROM LOGS_PROD.GLOBEX.GSUITE_AUDIT");
    expect((v.depends_on as string[])[0]).toMatch(/^snowflake_table\./);
    // A statement change is a CREATE OR REPLACE: without COPY GRANTS the readers' SELECT would be gone.
    expect(v.copy_grants).toBe(true);
    expect(table.viewNames).toEqual(["LOGS_PROD.GLOBEX.GSUITE_AUDIT_VIEW"]);
  });

  const SEED_VIEW_LIST = "parse_time as parse_time, event_time as event_time, data:kind as kind, data:id.time as time, ARRAY_CONSTRUCT(data:ipAddress) AS ip_indicators";

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
    expect(onlyResource(synthJson(stack), "snowflake_view").statement).toBe("SELECT\n  data:from::string AS sender, data:a.from AS f\nFROM LOGS_PROD.GLOBEX.GSUITE_AUDIT");
  });

  test.each([
    ["another table", "SELECT a FROM OTHER_TABLE", /views\.V: selects FROM OTHER_TABLE, not from its own table LOGS_PROD\.GLOBEX\.GSUITE_AUDIT/],
    ["another schema", "SELECT a FROM INITECH.GSUITE_AUDIT", /views\.V: selects FROM INITECH\.GSUITE_AUDIT, not from its own table/],
    ["another database", "SELECT a FROM LOGS_DEV.GLOBEX.GSUITE_AUDIT", /views\.V: selects FROM LOGS_DEV\.GLOBEX\.GSUITE_AUDIT, not from its own table LOGS_PROD\.GLOBEX\.GSUITE_AUDIT/],
    ["a join", "SELECT a FROM GSUITE_AUDIT JOIN USERS ON a = b", /views\.V: may only select FROM its own table, with nothing after it .*got FROM GSUITE_AUDIT JOIN USERS ON a = b/],
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
    expect(ex.find((e) => String(e.execute).includes("actor.email"))!.revert).toBe("ALTER TABLE LOGS_PROD.GLOBEX.GSUITE_AUDIT DROP SEARCH OPTIMIZATION ON EQUALITY(DATA:actor.email)");
  });

  test("custom clustering keys and retention", () => {
    const stack = testStack();
    new SemiStructuredTable(stack, "Table", { ...base, clusterBy: ["TO_DATE(EVENT_TIME)", "data:kind::string"], dataRetentionDays: 30 });
    expect(onlyResource(synthJson(stack), "snowflake_table")).toMatchObject({ cluster_by: ["TO_DATE(EVENT_TIME)", "data:kind::string"], data_retention_time_in_days: 30 });
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

describe("Snowpipe", () => {
  const base: SnowpipeProps = {
    database: "LOGS_PROD",
    schema: "GLOBEX",
    tableName: "GSUITE_AUDIT",
    bucketName: "acme-prod-globex-logs",
    keyPrefix: "gsuite_audit/",
    storageIntegrationName: "ACME_PROD_GLOBEX_GSUITE_AUDIT_S3",
    storageIntegrationReplacementTrigger: "snowflake_storage_integration.I.id",
    eventTimeField: "id.time",
  };

  test("a backup stage on the same prefix of the vault, with the pipe's integration and file format, handed over with the rest; no pipe reads it", () => {
    const stack = testStack();
    const pipe = new Snowpipe(stack, "Pipe", { ...base, backupBucketName: "acme-prod-globex-backup" });
    const stages = resourcesOf(synthJson(stack), "snowflake_stage");
    const backup = stages.find((st) => st.name === "GSUITE_AUDIT_BACKUP_STAGE")!;
    expect(backup).toMatchObject({ url: "s3://acme-prod-globex-backup/gsuite_audit/", storage_integration: "ACME_PROD_GLOBEX_GSUITE_AUDIT_S3", file_format: "FORMAT_NAME = LOGS_PROD.GLOBEX.GSUITE_AUDIT_LINES" });
    expect(backup.lifecycle).toEqual({ replace_triggered_by: ["snowflake_storage_integration.I.id"] });
    expect(pipe.backupStageName).toBe("LOGS_PROD.GLOBEX.GSUITE_AUDIT_BACKUP_STAGE");
    expect(pipe.ownedObjects.map((o) => `${o.type} ${o.name}`)).toContain("STAGE LOGS_PROD.GLOBEX.GSUITE_AUDIT_BACKUP_STAGE");
    expect(pipe.copyStatement).toContain("FROM @LOGS_PROD.GLOBEX.GSUITE_AUDIT_STAGE");
    // Without a vault, one stage; the vault cannot be the bucket the pipe loads.
    const plain = testStack();
    new Snowpipe(plain, "Pipe", base);
    expect(resourcesOf(synthJson(plain), "snowflake_stage")).toHaveLength(1);
    expect(() => new Snowpipe(testStack(), "Bad", { ...base, backupBucketName: base.bucketName })).toThrow(/backupBucketName: must be the backup vault/);
  });

  test("Parquet files get a PARQUET file format with only Parquet options, and the same COPY over $1", () => {
    const stack = testStack();
    const pipe = new Snowpipe(stack, "Pipe", { ...base, tableName: "VPC_FLOW", keyPrefix: "vpc_flow/", fileFormat: "PARQUET", eventTimeField: '"start"', eventTimeFormat: "EPOCH_S" });
    const json = synthJson(stack);
    const format = onlyResource(json, "snowflake_file_format");
    expect(format).toMatchObject({ name: "VPC_FLOW_PARQUET", format_type: "PARQUET", compression: "AUTO", binary_as_text: true, trim_space: false });
    for (const jsonOnly of ["strip_outer_array", "strip_null_values", "allow_duplicate", "enable_octal", "ignore_utf8_errors", "date_format"]) expect(format[jsonOnly]).toBeUndefined();
    expect(onlyResource(json, "snowflake_stage").file_format).toBe("FORMAT_NAME = LOGS_PROD.GLOBEX.VPC_FLOW_PARQUET");
    // The row object itself: a Parquet file is parsed by its format, so there is no line to keep as text.
    expect(pipe.copyStatement).toMatch(/^COPY INTO LOGS_PROD\.GLOBEX\.VPC_FLOW \(DATA, PARSE_TIME, EVENT_TIME, SOURCE_FILE, SOURCE_FILE_ROW\)\nFROM \(\n {2}SELECT\n {4}\$1,\n {4}METADATA\$START_SCAN_TIME,\n/);
    expect(pipe.copyStatement).toContain('TO_TIMESTAMP_TZ(IFF(TRY_TO_NUMBER($1:"start"::VARCHAR) BETWEEN 946684800 AND 4102444800, TRY_TO_NUMBER($1:"start"::VARCHAR), NULL), 0)');
    expect(() => new Snowpipe(testStack(), "Bad", { ...base, fileFormat: "PARQUET", stripOuterArray: true })).toThrow(/Bad.*stripOuterArray: stripOuterArray is for JSON files/s);
  });

  test("namePrefix keeps the source's names for a pipe that loads a landing table", () => {
    const stack = testStack();
    const pipe = new Snowpipe(stack, "Pipe", { ...base, tableName: "CLOUDTRAIL_FILES", namePrefix: "CLOUDTRAIL", keyPrefix: "cloudtrail/" });
    expect([pipe.pipeName, pipe.stageName]).toEqual(["LOGS_PROD.GLOBEX.CLOUDTRAIL_PIPE", "LOGS_PROD.GLOBEX.CLOUDTRAIL_STAGE"]);
    expect(pipe.copyStatement).toMatch(/^COPY INTO LOGS_PROD\.GLOBEX\.CLOUDTRAIL_FILES \(/);
    expect(onlyResource(synthJson(stack), "snowflake_file_format").name).toBe("CLOUDTRAIL_LINES");
  });

  test("JSON lines are read by a one-column CSV format (no delimiter, escape or quotes; every boolean stated), stage on the integration by FORMAT_NAME, auto-ingest pipe", () => {
    const stack = testStack();
    const pipe = new Snowpipe(stack, "Pipe", base);
    const json = synthJson(stack);
    const format = onlyResource(json, "snowflake_file_format");
    expect(format).toEqual(
      expect.objectContaining({
        name: "GSUITE_AUDIT_LINES",
        format_type: "CSV",
        compression: "AUTO",
        field_delimiter: "NONE",
        escape_unenclosed_field: "NONE",
        field_optionally_enclosed_by: "NONE",
        skip_blank_lines: true,
        parse_header: false,
        trim_space: false,
        error_on_column_count_mismatch: false,
        empty_field_as_null: false,
        replace_invalid_characters: true,
        skip_byte_order_mark: true,
      }),
    );
    // No record delimiter stated (Snowflake's new line, \r\n included), no skipped header, no JSON options.
    for (const absent of ["record_delimiter", "skip_header", "escape", "null_if", "strip_outer_array", "allow_duplicate"]) expect(format[absent]).toBeUndefined();
    const stage = onlyResource(json, "snowflake_stage");
    expect(stage).toMatchObject({
      name: "GSUITE_AUDIT_STAGE",
      url: "s3://acme-prod-globex-logs/gsuite_audit/",
      storage_integration: "ACME_PROD_GLOBEX_GSUITE_AUDIT_S3",
      file_format: "FORMAT_NAME = LOGS_PROD.GLOBEX.GSUITE_AUDIT_LINES",
      lifecycle: { replace_triggered_by: ["snowflake_storage_integration.I.id"] },
    });
    const p = onlyResource(json, "snowflake_pipe");
    expect(p).toMatchObject({ name: "GSUITE_AUDIT_PIPE", auto_ingest: true });
    expect(pipe.pipeName).toBe("LOGS_PROD.GLOBEX.GSUITE_AUDIT_PIPE");
    expect(pipe.notificationChannel).toMatch(/TfToken/);
  });

  test("the pipe is replaced with its stage's identity, url and integration", () => {
    const stack = testStack();
    new Snowpipe(stack, "Pipe", base);
    const p = onlyResource(synthJson(stack), "snowflake_pipe") as { lifecycle: { replace_triggered_by: string[] } };
    expect(p.lifecycle.replace_triggered_by.map((r) => r.replace(/Pipe_Stage_[0-9A-F]+/, "S"))).toEqual(["snowflake_stage.S.id", "snowflake_stage.S.url", "snowflake_stage.S.storage_integration"]);
  });

  test("COPY reads each line as text and keeps it: parsed into DATA when CHECK_JSON accepts it, else RAW_TEXT and PARSE_ERROR; load time from scan metadata; the file and line it came from", () => {
    const stack = testStack();
    const pipe = new Snowpipe(stack, "Pipe", base);
    const line = "NVL($1, '\\\\N')";
    const parses = `LENGTH(${line}) <= 67108864 AND CHECK_JSON(${line}) IS NULL`;
    const parsed = `PARSE_JSON(IFF(${parses}, ${line}, NULL), 'd')`;
    const claimed = `TRY_CAST(${parsed}:id.time::VARCHAR AS TIMESTAMP_TZ)`;
    expect(pipe.copyStatement).toBe(
      [
        "COPY INTO LOGS_PROD.GLOBEX.GSUITE_AUDIT (DATA, PARSE_TIME, EVENT_TIME, SOURCE_FILE, SOURCE_FILE_ROW, RAW_TEXT, PARSE_ERROR)",
        "FROM (",
        "  SELECT",
        `    ${parsed},`,
        "    METADATA$START_SCAN_TIME,",
        `    IFF(${claimed} BETWEEN '2000-01-01T00:00:00Z'::TIMESTAMP_TZ AND METADATA$START_SCAN_TIME + INTERVAL '1 DAY', ${claimed}, NULL),`,
        "    METADATA$FILENAME,",
        "    METADATA$FILE_ROW_NUMBER,",
        `    IFF(${parses}, NULL, SUBSTR(${line}, 1, 16777216)),`,
        `    IFF(LENGTH(${line}) > 67108864, 'record of ' || TO_VARCHAR(LENGTH(${line})) || ' characters is over the 67108864 a load parses', CHECK_JSON(${line})) || IFF(LENGTH(${line}) > 16777216, ': RAW_TEXT keeps its first 16777216 characters', '')`,
        "  FROM @LOGS_PROD.GLOBEX.GSUITE_AUDIT_STAGE",
        ")",
        "FILE_FORMAT = (FORMAT_NAME = 'LOGS_PROD.GLOBEX.GSUITE_AUDIT_LINES')",
        "ON_ERROR = CONTINUE",
      ].join("\n"),
    );
    expect(onlyResource(synthJson(stack), "snowflake_pipe").copy_statement).toBe(pipe.copyStatement);
    expect(pipe.copyStatement).not.toMatch(/CURRENT_TIMESTAMP|TRY_TO_TIMESTAMP|TRY_PARSE_JSON/);
  });

  test("a custom event-time format is refused: a COPY could only read it with TRY_TO_TIMESTAMP_TZ, which is not on Snowflake's list", () => {
    const props = { ...base, eventTimeField: '"@timestamp"', eventTimeFormat: "YYYY-MM-DD HH24:MI:SS.FF3" as never };
    expect(() => new Snowpipe(testStack(), "Pipe", props)).toThrow(/Pipe.*eventTimeFormat: must be AUTO \(ISO-8601\), EPOCH_S or EPOCH_MS: a custom format would need TRY_TO_TIMESTAMP_TZ/s);
  });

  test.each([
    [{ eventTimeField: "" }, /eventTimeField: must be a JSON path/],
    [{ eventTimeField: "id.time'; DROP" }, /eventTimeField: must be a JSON path/],
    [{ eventTimeFormat: "YYYY'" as never }, /eventTimeFormat: must be AUTO \(ISO-8601\), EPOCH_S or EPOCH_MS/],
    [{ keyPrefix: "okta" }, /keyPrefix: must be a key prefix ending in '\/'/],
    [{ bucketName: "Bad_Bucket" }, /bucketName: must be an S3 bucket name/],
    [{ onError: "IGNORE" as never }, /onError/],
  ] as [Partial<SnowpipeProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => new Snowpipe(testStack(), "P", { ...base, ...props })).toThrow(LakehouseValidationError);
    expect(() => new Snowpipe(testStack(), "P", { ...base, ...props })).toThrow(message);
  });
});
