import { FileFormat } from "@cdktf/provider-snowflake/lib/file-format";
import { Pipe } from "@cdktf/provider-snowflake/lib/pipe";
import { Stage } from "@cdktf/provider-snowflake/lib/stage";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { qualified } from "../../core/naming";
import { SchemaObject } from "../schema-object";
import { stampModule } from "../../core/stamp";
import { dependables, parseProps, pathOf, snowflakeIdentifier } from "../../core/validate";
import { CopyStatementParts, EVENT_TIME_FORMATS, EVENT_TIME_FORMAT_HINT, EventTimeFormat, LoadFormat, copyStatement } from "./sql";
import { JSON_PATH, JSON_PATH_HINT } from "../sql";

export const SNOWPIPE_MODULE = "snowflake/snowpipe" as const;

export interface SnowpipeProps {
  /** Database of the pipe, stage and file format (and of the target table). */
  readonly database: string;
  /** Schema of the pipe, stage and file format (and of the target table). */
  readonly schema: string;
  /** Target table name (a `SemiStructuredTable`, or a `RecordFlattener`'s landing table), in the same database and schema. */
  readonly tableName: string;
  /**
   * Prefix of the file format, stage and pipe names (`<PREFIX>_LINES`, `_STAGE`, `_PIPE`), so a pipe
   * loading a landing table keeps the source's names. @default tableName
   */
  readonly namePrefix?: string;
  /** Bucket the files land in. */
  readonly bucketName: string;
  /** Key prefix of this source, ending in '/', e.g. `okta/`. */
  readonly keyPrefix: string;
  /**
   * The tenant's backup vault (`aws/backup-vault`, which keeps the bucket's keys): adds a stage
   * `<prefix>_BACKUP_STAGE` on the same key prefix of the vault, with this pipe's integration (which
   * must allow that location) and file format, for `lakehouse restore` to load restored files with
   * the pipe's own transformation. No pipe reads it. @default no backup stage
   */
  readonly backupBucketName?: string;
  /** Storage integration name (`StorageIntegration.integrationName`). */
  readonly storageIntegrationName: string;
  /**
   * `replace_triggered_by` reference of the integration (`StorageIntegration.replacementTrigger`):
   * a replaced integration orphans the stage, so the stage (and with it the pipe) is replaced too.
   * @default none
   */
  readonly storageIntegrationReplacementTrigger?: string;
  /** JSON path of the event time in each record, e.g. `id.time` or `"@timestamp"`. */
  readonly eventTimeField: string;
  /**
   * `AUTO` (ISO-8601, as text), `EPOCH_S` / `EPOCH_MS` (a number of seconds / milliseconds). A
   * value that is not a time, or claims one before 2000 or more than a day after its load, gives a NULL
   * EVENT_TIME, never a failed load (docs/loading.md). @default "AUTO"
   */
  readonly eventTimeFormat?: EventTimeFormat;
  /**
   * Files hold one JSON array of records instead of NDJSON. JSON only. Such a file is parsed whole by a
   * JSON file format (`<PREFIX>_JSON`, STRIP_OUTER_ARRAY): a malformed element loses the rest of its
   * file, which lines do not (docs/loading.md). @default false (NDJSON)
   */
  readonly stripOuterArray?: boolean;
  /**
   * What the files are: `JSON` — JSON documents one per line, read as lines by the CSV file format
   * `<PREFIX>_LINES` and parsed by the COPY, so every line is a row and one that is not JSON is kept as
   * text in RAW_TEXT (or one array with `stripOuterArray`); `PARQUET` — each row one object in `$1`
   * (column names as keys), file format `<PREFIX>_PARQUET`. @default "JSON"
   */
  readonly fileFormat?: "JSON" | "PARQUET";
  /**
   * COPY ON_ERROR. With lines, CONTINUE rejects only a line Snowflake cannot read at all (over 128 MB)
   * and loads the rest of its file; the rejection stays in COPY_HISTORY for the load monitors. For
   * Parquet and JSON arrays Snowflake applies its own file-level semantics (docs/loading.md).
   * @default "CONTINUE"
   */
  readonly onError?: "CONTINUE" | "SKIP_FILE" | "ABORT_STATEMENT";
  /**
   * Objects to create first: the schema and table, and the access role's policy (IAM is eventually
   * consistent; Snowflake reads through the role as soon as the pipe exists). @default none
   */
  readonly waitFor?: readonly ITerraformDependable[];
  /** Human description; the module stamp is appended. @default the stamp only */
  readonly comment?: string;
}

const identifier = snowflakeIdentifier();

/** What the COPY is made of (with the defaults), shared by the pipe and `snowpipeCopyParts`. */
const loadSchema = z.object({
  database: identifier,
  schema: identifier,
  tableName: identifier,
  namePrefix: identifier.optional(),
  eventTimeField: z.string().regex(JSON_PATH, `must be ${JSON_PATH_HINT}`),
  eventTimeFormat: z.enum(EVENT_TIME_FORMATS, { message: EVENT_TIME_FORMAT_HINT }).default("AUTO"),
  fileFormat: z.enum(["JSON", "PARQUET"]).default("JSON"),
  stripOuterArray: z.boolean().default(false),
  onError: z.enum(["CONTINUE", "SKIP_FILE", "ABORT_STATEMENT"]).default("CONTINUE"),
});

const propsSchema = loadSchema
  .extend({
    bucketName: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
    backupBucketName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "must be an S3 bucket name")
      .optional(),
    keyPrefix: z.string().regex(/^[A-Za-z0-9!_.()\-/]+\/$/, "must be a key prefix ending in '/'"),
    storageIntegrationName: identifier,
    storageIntegrationReplacementTrigger: z.string().optional(),
    waitFor: dependables(),
    comment: z.string().max(200).optional(),
  })
  .refine((p) => !(p.stripOuterArray && p.fileFormat === "PARQUET"), {
    message: "stripOuterArray is for JSON files; Parquet files have no outer array",
    path: ["stripOuterArray"],
  })
  .refine((p) => p.backupBucketName !== p.bucketName, { message: "must be the backup vault, not the bucket the pipe loads from", path: ["backupBucketName"] });

/** The part of `SnowpipeProps` a pipe's COPY is made of: what it loads, into which table, and how. */
export type SnowpipeLoad = Pick<
  SnowpipeProps,
  "database" | "schema" | "tableName" | "namePrefix" | "eventTimeField" | "eventTimeFormat" | "fileFormat" | "stripOuterArray" | "onError"
>;

/** How the COPY reads the files: lines (NDJSON), one JSON array per file, or Parquet rows. */
function loadFormatOf(load: Pick<SnowpipeLoad, "fileFormat" | "stripOuterArray">): LoadFormat {
  if (load.fileFormat === "PARQUET") return "PARQUET";
  return load.stripOuterArray ? "JSON_ARRAY" : "JSON";
}

/**
 * Fully qualified names of a pipe's file format, stage and pipe (`<PREFIX>_LINES`, `_JSON` for JSON
 * arrays or `_PARQUET`; `_STAGE`, `_PIPE`), and of its backup stage (`_BACKUP_STAGE`) where the pipe
 * has one.
 */
export function snowpipeObjectNames(load: Pick<SnowpipeLoad, "database" | "schema" | "tableName" | "namePrefix" | "fileFormat" | "stripOuterArray">): {
  fileFormat: string;
  stage: string;
  backupStage: string;
  pipe: string;
} {
  const names = shortNames(load.namePrefix ?? load.tableName, loadFormatOf(load));
  const q = (name: string) => qualified(load.database, load.schema, name);
  return { fileFormat: q(names.fileFormat), stage: q(names.stage), backupStage: q(names.backupStage), pipe: q(names.pipe) };
}

const FORMAT_SUFFIX: Record<LoadFormat, string> = { JSON: "LINES", JSON_ARRAY: "JSON", PARQUET: "PARQUET" };

function shortNames(prefix: string, format: LoadFormat) {
  return { fileFormat: `${prefix}_${FORMAT_SUFFIX[format]}`, stage: `${prefix}_STAGE`, backupStage: `${prefix}_BACKUP_STAGE`, pipe: `${prefix}_PIPE` };
}

/**
 * The parts of the pipe's COPY (`copyStatement` in ../sql), with the same defaults as the pipe: a
 * backfill that loads through them loads exactly as the pipe does.
 */
export function snowpipeCopyParts(load: SnowpipeLoad): CopyStatementParts {
  const l = loadSchema.parse(load);
  const names = snowpipeObjectNames(l);
  return {
    table: qualified(l.database, l.schema, l.tableName),
    stage: names.stage,
    fileFormat: names.fileFormat,
    eventTimeField: l.eventTimeField,
    eventTimeFormat: l.eventTimeFormat,
    onError: l.onError,
    format: loadFormatOf(l),
  };
}

/**
 * Auto-ingest from S3 into a log table: a file format (lines, a JSON array, or Parquet), an external
 * stage on the storage integration, and a pipe whose COPY keeps every line as a row (parsed, or as text
 * with PARSE_ERROR) and takes EVENT_TIME only with forms that cannot fail. The pipe is replaced
 * when its stage's url, integration or identity changes (the provider does not detect integration
 * changes itself); `notificationChannel` is the SQS queue the bucket notifies.
 */
export class Snowpipe extends Construct {
  /** `DATABASE.SCHEMA.PIPE`. */
  public readonly pipeName: string;
  /** `DATABASE.SCHEMA.STAGE`. */
  public readonly stageName: string;
  /** The backup stage's qualified name, with `backupBucketName`. */
  public readonly backupStageName?: string;
  /** SQS queue ARN for the bucket's event notification (computed at apply). */
  public readonly notificationChannel: string;
  /** The COPY statement the pipe runs. */
  public readonly copyStatement: string;
  /** File format, stage and pipe, to hand over to a pipeline role. */
  public readonly ownedObjects: readonly SchemaObject[];

  constructor(scope: Construct, id: string, props: SnowpipeProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, SNOWPIPE_MODULE);

    const format = loadFormatOf(p);
    const { fileFormat: fileFormatName, stage: stageName, backupStage: backupStageName, pipe: pipeName } = shortNames(p.namePrefix ?? p.tableName, format);

    // The provider sends every boolean option of the format type; unset means FALSE, so each is stated.
    const common = {
      database: p.database,
      schema: p.schema,
      name: fileFormatName,
      compression: "AUTO",
      comment: p.comment,
      dependsOn: p.waitFor.length > 0 ? [...p.waitFor] : undefined,
    };
    const fileFormat =
      format === "PARQUET"
        ? new FileFormat(this, "FileFormat", { ...common, formatType: "PARQUET", binaryAsText: true, trimSpace: false })
        : format === "JSON"
          ? // One column per line, read as it is: no field delimiter, no escapes, no enclosing quotes (the
            // default backslash escape would rewrite JSON's own escapes and join lines); blank lines are not
            // rows. The transformation parses each line (copyTransformation).
            new FileFormat(this, "FileFormat", {
              ...common,
              formatType: "CSV",
              fieldDelimiter: "NONE",
              escapeUnenclosedField: "NONE",
              fieldOptionallyEnclosedBy: "NONE",
              skipBlankLines: true,
              parseHeader: false,
              trimSpace: false,
              errorOnColumnCountMismatch: false,
              emptyFieldAsNull: false,
              replaceInvalidCharacters: true,
              skipByteOrderMark: true,
            })
          : new FileFormat(this, "FileFormat", {
              ...common,
              formatType: "JSON",
              stripOuterArray: true,
              stripNullValues: false,
              replaceInvalidCharacters: true,
              skipByteOrderMark: true,
              allowDuplicate: true,
              enableOctal: false,
              ignoreUtf8Errors: false,
              disableAutoConvert: false,
              dateFormat: "AUTO",
              timeFormat: "AUTO",
              timestampFormat: "AUTO",
            });

    const stage = new Stage(this, "Stage", {
      database: p.database,
      schema: p.schema,
      name: stageName,
      url: `s3://${p.bucketName}/${p.keyPrefix}`,
      storageIntegration: p.storageIntegrationName,
      // FORMAT_NAME only: spelling out format options here gives a permanent diff (provider #2679).
      fileFormat: `FORMAT_NAME = ${qualified(p.database, p.schema, fileFormatName)}`,
      comment: p.comment,
      dependsOn: [fileFormat, ...p.waitFor],
      lifecycle: p.storageIntegrationReplacementTrigger ? { replaceTriggeredBy: [p.storageIntegrationReplacementTrigger] } : undefined,
    });

    this.copyStatement = copyStatement(snowpipeCopyParts(p));

    const backupStage = p.backupBucketName
      ? new Stage(this, "BackupStage", {
          database: p.database,
          schema: p.schema,
          name: backupStageName,
          url: `s3://${p.backupBucketName}/${p.keyPrefix}`,
          storageIntegration: p.storageIntegrationName,
          fileFormat: `FORMAT_NAME = ${qualified(p.database, p.schema, fileFormatName)}`,
          comment: p.comment,
          dependsOn: [fileFormat, ...p.waitFor],
          lifecycle: p.storageIntegrationReplacementTrigger ? { replaceTriggeredBy: [p.storageIntegrationReplacementTrigger] } : undefined,
        })
      : undefined;

    const stageAddress = `${stage.terraformResourceType}.${stage.friendlyUniqueId}`;
    const pipe = new Pipe(this, "Resource", {
      database: p.database,
      schema: p.schema,
      name: pipeName,
      autoIngest: true,
      copyStatement: this.copyStatement,
      comment: p.comment,
      dependsOn: [stage],
      // The provider misses integration changes behind a stage (#2785); replace the pipe with its stage.
      lifecycle: { replaceTriggeredBy: [`${stageAddress}.id`, `${stageAddress}.url`, `${stageAddress}.storage_integration`] },
    });

    this.pipeName = qualified(p.database, p.schema, pipeName);
    this.stageName = qualified(p.database, p.schema, stageName);
    this.notificationChannel = pipe.notificationChannel;
    this.backupStageName = backupStage ? qualified(p.database, p.schema, backupStageName) : undefined;
    this.ownedObjects = [
      { type: "FILE FORMAT", name: qualified(p.database, p.schema, fileFormatName), resource: fileFormat },
      { type: "STAGE", name: this.stageName, resource: stage },
      ...(backupStage && this.backupStageName ? [{ type: "STAGE" as const, name: this.backupStageName, resource: backupStage }] : []),
      { type: "PIPE", name: this.pipeName, resource: pipe },
    ];
  }
}
