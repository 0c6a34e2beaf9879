import { LakehouseValidationError } from "../../../modules/core/errors";
import { Snowpipe, SnowpipeProps } from "../../../modules/snowflake/snowpipe";
import { onlyResource, resourcesOf, synthJson, testStack } from "../../support/synth";

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
    expect(backup).toMatchObject({
      url: "s3://acme-prod-globex-backup/gsuite_audit/",
      storage_integration: "ACME_PROD_GLOBEX_GSUITE_AUDIT_S3",
      file_format: "FORMAT_NAME = LOGS_PROD.GLOBEX.GSUITE_AUDIT_LINES",
    });
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
    const pipe = new Snowpipe(stack, "Pipe", {
      ...base,
      tableName: "VPC_FLOW",
      keyPrefix: "vpc_flow/",
      fileFormat: "PARQUET",
      eventTimeField: '"start"',
      eventTimeFormat: "EPOCH_S",
    });
    const json = synthJson(stack);
    const format = onlyResource(json, "snowflake_file_format");
    expect(format).toMatchObject({ name: "VPC_FLOW_PARQUET", format_type: "PARQUET", compression: "AUTO", binary_as_text: true, trim_space: false });
    for (const jsonOnly of ["strip_outer_array", "strip_null_values", "allow_duplicate", "enable_octal", "ignore_utf8_errors", "date_format"])
      expect(format[jsonOnly]).toBeUndefined();
    expect(onlyResource(json, "snowflake_stage").file_format).toBe("FORMAT_NAME = LOGS_PROD.GLOBEX.VPC_FLOW_PARQUET");
    // The row object itself: a Parquet file is parsed by its format, so there is no line to keep as text.
    expect(pipe.copyStatement).toMatch(
      /^COPY INTO LOGS_PROD\.GLOBEX\.VPC_FLOW \(DATA, PARSE_TIME, EVENT_TIME, SOURCE_FILE, SOURCE_FILE_ROW\)\nFROM \(\n {2}SELECT\n {4}\$1,\n {4}METADATA\$START_SCAN_TIME,\n/,
    );
    expect(pipe.copyStatement).toContain(
      'TO_TIMESTAMP_TZ(IFF(TRY_TO_NUMBER($1:"start"::VARCHAR) BETWEEN 946684800 AND 4102444800, TRY_TO_NUMBER($1:"start"::VARCHAR), NULL), 0)',
    );
    expect(() => new Snowpipe(testStack(), "Bad", { ...base, fileFormat: "PARQUET", stripOuterArray: true })).toThrow(
      /Bad.*stripOuterArray: stripOuterArray is for JSON files/s,
    );
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
    for (const absent of ["record_delimiter", "skip_header", "escape", "null_if", "strip_outer_array", "allow_duplicate"])
      expect(format[absent]).toBeUndefined();
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
    expect(p.lifecycle.replace_triggered_by.map((r) => r.replace(/Pipe_Stage_[0-9A-F]+/, "S"))).toEqual([
      "snowflake_stage.S.id",
      "snowflake_stage.S.url",
      "snowflake_stage.S.storage_integration",
    ]);
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
    expect(() => new Snowpipe(testStack(), "Pipe", props)).toThrow(
      /Pipe.*eventTimeFormat: must be AUTO \(ISO-8601\), EPOCH_S or EPOCH_MS: a custom format would need TRY_TO_TIMESTAMP_TZ/s,
    );
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
