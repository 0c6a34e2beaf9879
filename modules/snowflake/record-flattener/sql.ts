/** The flattener's statement: one landing row (a file's array) becomes one log-table row per record. */
import { eventTimeExpression, LOG_TABLE_COLUMNS, type EventTimeFormat } from "../snowpipe/sql";
import { literal } from "../sql";

export interface FlattenStatementParts {
  /** The per-event log table written. */
  readonly table: string;
  /** The append-only stream on the landing table (one row per file) read. */
  readonly stream: string;
  /** JSON path of the array of events in each landed record, e.g. `Records`. */
  readonly recordsPath: string;
  /** JSON path of the event time within each event, and its format (as `eventTimeExpression`). */
  readonly eventTimeField: string;
  readonly eventTimeFormat: EventTimeFormat;
}

/**
 * One row per event from the landed files, and no landed record lost: every element of the records
 * array becomes a row with EVENT_TIME from that element (clamped as the load's, against its file's
 * PARSE_TIME), PARSE_TIME and SOURCE_FILE of its file, and its index in the array as SOURCE_FILE_ROW;
 * a landed row without such an array — a line that did not parse (RAW_TEXT), or a record with no array
 * at the path (a CloudTrail digest file, say) — is kept whole with its line number and PARSE_ERROR
 * saying why. An empty array gives no row. Reading the stream in the INSERT advances it when the
 * INSERT commits, so a failed run is retried whole by the next.
 */
export function flattenStatement(p: FlattenStatementParts): string {
  const records = `f.DATA:${p.recordsPath}`;
  const why = literal(`no array at ${p.recordsPath}: the record is kept whole`);
  return [
    `INSERT INTO ${p.table} (${LOG_TABLE_COLUMNS.join(", ")})`,
    `SELECT r.VALUE, f.PARSE_TIME, ${eventTimeExpression(p.eventTimeField, p.eventTimeFormat, "r.VALUE", "f.PARSE_TIME")}, f.SOURCE_FILE, r.INDEX, NULL, NULL`,
    `FROM ${p.stream} f, LATERAL FLATTEN(INPUT => ${records}, MODE => 'ARRAY') r`,
    `WHERE f.METADATA$ACTION = 'INSERT'`,
    `UNION ALL`,
    `SELECT f.DATA, f.PARSE_TIME, NULL, f.SOURCE_FILE, f.SOURCE_FILE_ROW, f.RAW_TEXT, COALESCE(f.PARSE_ERROR, ${why})`,
    `FROM ${p.stream} f`,
    `WHERE f.METADATA$ACTION = 'INSERT' AND NOT COALESCE(IS_ARRAY(${records}), FALSE)`,
  ].join("\n");
}
