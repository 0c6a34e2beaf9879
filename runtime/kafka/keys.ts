/**
 * Object keys of the Kafka consumer: a pure function of (topic, partition, first offset) and the
 * first record's timestamp (fixed once the record is written), so a retry after a crash finds the
 * object it already wrote instead of writing a second one. Offsets are zero-padded to 20 digits
 * (the width of 2^63), so keys sort in offset order within a partition.
 */
export function batchObjectKey(prefix: string, topic: string, partition: number, firstOffset: string, firstTimestampMs: number): string {
  if (!/^\d{1,20}$/.test(firstOffset)) throw new Error(`batchObjectKey: offset must be a non-negative integer, got ${firstOffset}`);
  if (!Number.isInteger(partition) || partition < 0) throw new Error(`batchObjectKey: partition must be a non-negative integer, got ${partition}`);
  const time = new Date(Number.isFinite(firstTimestampMs) && firstTimestampMs >= 0 ? firstTimestampMs : 0);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const hour = `${time.getUTCFullYear()}/${pad(time.getUTCMonth() + 1)}/${pad(time.getUTCDate())}/${pad(time.getUTCHours())}`;
  return `${prefix}${hour}/${safeTopic(topic)}-${partition}-${firstOffset.padStart(20, "0")}.json.gz`;
}

/** Kafka topic names are [A-Za-z0-9._-]; anything else is a caller's bug, not something to encode. */
function safeTopic(topic: string): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) throw new Error(`batchObjectKey: not a Kafka topic name: ${JSON.stringify(topic)}`);
  return topic;
}

/** The NDJSON line of one record value: JSON as-is, anything else as `{"raw": "<utf-8 text>"}`; tombstones (null) have none. */
export function recordLine(value: Buffer | null): unknown {
  if (value === null) return undefined;
  const text = value.toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { raw: text };
  }
}
