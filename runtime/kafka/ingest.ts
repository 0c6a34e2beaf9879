import type { Admin, EachBatchPayload, Kafka } from "kafkajs";
import { MAX_OBJECT_BYTES, NdjsonObjectWriter } from "../puller/object-writer";
import type { Logger } from "../puller/types";
import { LAST_OFFSET_METADATA, type BatchStore } from "./batch-store";
import { batchObjectKey, recordLine } from "./keys";

/** Default target per object, uncompressed NDJSON bytes: Snowpipe loads 10-100 MB files best. */
export const DEFAULT_TARGET_BYTES = 64 * 1024 * 1024;

/** Test seams: a throw here stands for a crash at that point of a batch. */
export interface IngestFaults {
  /** Called before a batch object is put. */
  beforeWrite?(partition: number, firstOffset: string): void | Promise<void>;
  /** Called after a batch object is put and before its offsets are committed. */
  beforeCommit?(partition: number, nextOffset: string): void | Promise<void>;
}

export interface IngestOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly groupId: string;
  readonly store: BatchStore;
  /** The source's key prefix, ending in `/`. */
  readonly keyPrefix: string;
  /** Close an object before a record would take it past this many uncompressed bytes. @default DEFAULT_TARGET_BYTES */
  readonly targetBytes?: number;
  /**
   * Records held for all partitions together, uncompressed bytes: above it the largest batch is
   * written early (a smaller object), so memory stays bounded whatever the partition count.
   * @default 2 × targetBytes
   */
  readonly maxPendingBytes?: number;
  /** Stop reading after this long; records read but not yet written are left for the next run. */
  readonly budgetMs: number;
  /** Where a group with no committed offset starts: the earliest retained record (true) or new records only. @default true */
  readonly fromBeginning?: boolean;
  readonly log: Logger;
  readonly faults?: IngestFaults;
}

export interface WrittenBatch {
  readonly key: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  readonly records: number;
  readonly uncompressedBytes: number;
}

export interface IngestResult {
  /** True when every partition reached the end offset it had when the run started. */
  readonly complete: boolean;
  readonly written: readonly WrittenBatch[];
  /** Objects a crashed earlier run had written but not committed: found by key and committed, not written again. */
  readonly recovered: number;
  /** The offset committed per partition at the end of the run (next offset to read). */
  readonly committed: Readonly<Record<number, string>>;
}

interface Line {
  readonly offset: string;
  readonly timestampMs: number;
  readonly value: unknown;
  readonly bytes: number;
}

interface Pending {
  lines: Line[];
  bytes: number;
  /** Next offset to commit once the lines are written (past skipped tombstones too). */
  nextOffset: string | undefined;
}

/**
 * One run of the consumer: reads the topic as the consumer group, from the committed offsets up to
 * the end offsets the partitions had when the run started, and per partition writes sized NDJSON
 * gzip objects (one per batch) and commits the offset after the last record of a batch only once
 * the object is in the store. So:
 * - a crash before a write leaves nothing behind: the next run reads the same records again;
 * - a crash between write and commit leaves an object the next run finds under the same key (the
 *   key is a function of the batch's first offset) and whose metadata names its last offset: the
 *   run commits it and goes on after it, never writing those records twice.
 * Records read when the budget ends but not yet written are dropped (not committed): the next run
 * reads them again. One run at a time (reserved concurrency 1) keeps the group at one member.
 */
export async function ingestTopic(options: IngestOptions): Promise<IngestResult> {
  const targetBytes = options.targetBytes ?? DEFAULT_TARGET_BYTES;
  if (!Number.isInteger(targetBytes) || targetBytes <= 0 || targetBytes > MAX_OBJECT_BYTES)
    throw new Error(`targetBytes must be an integer in 1..${MAX_OBJECT_BYTES}, got ${targetBytes}`);
  const maxPendingBytes = options.maxPendingBytes ?? 2 * targetBytes;
  const { topic, groupId, log } = options;
  const fromBeginning = options.fromBeginning ?? true;

  const ranges = await partitionRanges(options.kafka.admin(), topic, groupId, fromBeginning);
  const committed: Record<number, string> = {};
  const open = new Set<number>();
  for (const [partition, r] of ranges) {
    committed[partition] = r.start;
    if (BigInt(r.start) < BigInt(r.end)) open.add(partition);
  }
  log.info("kafka.run.start", { topic, groupId, partitions: Object.fromEntries([...ranges].map(([p, r]) => [p, { from: r.start, to: r.end }])) });
  const written: WrittenBatch[] = [];
  let recovered = 0;
  if (open.size === 0) return { complete: true, written, recovered, committed };

  const consumer = options.kafka.consumer({ groupId, allowAutoTopicCreation: false, retry: { retries: 5 } });
  const pending = new Map<number, Pending>();
  /** Per partition, the last offset an earlier run already wrote past this run's batch: skipped. */
  const skipThrough = new Map<number, bigint>();
  let stopping = false;
  let settle: (failure?: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (failure) => (failure === undefined ? resolve() : reject(failure instanceof Error ? failure : new Error(String(failure))));
  });

  /** Drops the lines an object of a crashed run already holds (found by key); returns the offset to commit at least. */
  const dropWritten = async (partition: number, batch: Pending): Promise<bigint> => {
    let commitAtLeast = 0n;
    while (batch.lines.length > 0) {
      const first = batch.lines[0];
      const key = batchObjectKey(options.keyPrefix, topic, partition, first.offset, first.timestampMs);
      const lastWritten = (await options.store.head(key))?.[LAST_OFFSET_METADATA];
      if (lastWritten === undefined) break;
      if (!/^\d+$/.test(lastWritten) || BigInt(lastWritten) < BigInt(first.offset))
        throw new Error(`${key}: metadata ${LAST_OFFSET_METADATA}=${lastWritten} is not an offset at or after its first record ${first.offset}`);
      recovered += 1;
      log.warn("kafka.batch.recovered", { partition, key, lastOffset: lastWritten });
      batch.lines = batch.lines.filter((l) => BigInt(l.offset) > BigInt(lastWritten));
      commitAtLeast = BigInt(lastWritten) + 1n;
      const read = BigInt(batch.nextOffset ?? "0") - 1n;
      if (BigInt(lastWritten) > read) skipThrough.set(partition, BigInt(lastWritten));
    }
    return commitAtLeast;
  };

  const flush = async (partition: number): Promise<void> => {
    const batch = pending.get(partition);
    pending.delete(partition);
    if (!batch || batch.nextOffset === undefined) return;
    const commitAtLeast = await dropWritten(partition, batch);
    const { lines } = batch;
    if (lines.length > 0) {
      const first = lines[0];
      const last = lines[lines.length - 1].offset;
      await options.faults?.beforeWrite?.(partition, first.offset);
      const key = batchObjectKey(options.keyPrefix, topic, partition, first.offset, first.timestampMs);
      const writer = new NdjsonObjectWriter({
        store: { put: (k, body, contentType) => options.store.put(k, body, contentType, { [LAST_OFFSET_METADATA]: last }), get: async () => undefined },
        keyFor: () => key, // the batch is cut to targetBytes already, so the writer makes one object
        targetBytes: MAX_OBJECT_BYTES,
      });
      for (const l of lines) await writer.append(l.value);
      const [object] = await writer.close();
      written.push({ key, partition, firstOffset: first.offset, lastOffset: last, records: lines.length, uncompressedBytes: object.uncompressedBytes });
      log.info("kafka.batch.written", { partition, key, firstOffset: first.offset, lastOffset: last, records: lines.length, bytes: object.uncompressedBytes });
    }
    const next = BigInt(batch.nextOffset) > commitAtLeast ? batch.nextOffset : commitAtLeast.toString();
    // Only skipped records after a recovered object can end below what is committed: never go back.
    if (BigInt(next) <= BigInt(committed[partition])) return;
    await options.faults?.beforeCommit?.(partition, next);
    await consumer.commitOffsets([{ topic, partition, offset: next }]);
    committed[partition] = next;
  };

  const pendingBytes = (): number => [...pending.values()].reduce((n, b) => n + b.bytes, 0);
  const largestPending = (): number => [...pending.entries()].reduce((a, b) => (b[1].bytes > a[1].bytes ? b : a))[0];

  const pendingOf = (partition: number, offset: string): Pending => {
    let batch = pending.get(partition);
    // A fetch that starts again at or before what is buffered (a rebalance) restarts the batch.
    if (batch && batch.nextOffset !== undefined && BigInt(offset) < BigInt(batch.nextOffset)) batch = undefined;
    if (!batch) {
      batch = { lines: [], bytes: 0, nextOffset: undefined };
      pending.set(partition, batch);
    }
    return batch;
  };

  const eachBatch = async ({ batch, resolveOffset, heartbeat, pause }: EachBatchPayload): Promise<void> => {
    const partition = batch.partition;
    const end = ranges.get(partition)?.end;
    if (stopping || end === undefined || !open.has(partition)) return;
    try {
      for (const message of batch.messages) {
        if (stopping) return;
        if (BigInt(message.offset) >= BigInt(end)) break;
        const skipped = () => BigInt(message.offset) <= (skipThrough.get(partition) ?? -1n);
        let value = skipped() ? undefined : recordLine(message.value);
        const bytes = value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value)) + 1;
        let current = pendingOf(partition, message.offset);
        if (current.lines.length > 0 && current.bytes + bytes > targetBytes) {
          await flush(partition);
          await heartbeat();
          current = pendingOf(partition, message.offset);
          // The flush may have found an earlier run's object that already holds this record.
          if (skipped()) value = undefined;
        }
        if (value !== undefined) {
          current.lines.push({ offset: message.offset, timestampMs: Number(message.timestamp), value, bytes });
          current.bytes += bytes;
        }
        current.nextOffset = (BigInt(message.offset) + 1n).toString();
        resolveOffset(message.offset); // the fetch position only: nothing is committed before the write
        // Cuts need not repeat on a retry (a written object is found by key), so memory may decide them.
        if (pendingBytes() > maxPendingBytes) {
          await flush(largestPending());
          await heartbeat();
        }
      }
      if (stopping) return;
      if (BigInt(batch.lastOffset()) + 1n >= BigInt(end)) {
        const last = pendingOf(partition, end);
        // Only control records or compaction gaps were left: commit the end itself.
        if (last.nextOffset === undefined && BigInt(committed[partition]) < BigInt(end)) last.nextOffset = end;
        await flush(partition);
        open.delete(partition);
        pause(); // this run is done with the partition: stop fetching what came after its end offset
        await heartbeat();
        if (open.size === 0) settle();
      }
    } catch (err) {
      stopping = true;
      settle(err);
    }
  };

  const timer = setTimeout(() => {
    stopping = true;
    settle();
  }, options.budgetMs);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
    await finished;
  } finally {
    clearTimeout(timer);
    stopping = true;
    await consumer.disconnect().catch((err: unknown) => log.warn("kafka.disconnect.failed", { error: err }));
  }
  const complete = open.size === 0;
  log.info("kafka.run.end", {
    complete,
    objects: written.length,
    recovered,
    committed,
    droppedUnwritten: [...pending.values()].reduce((n, b) => n + b.lines.length, 0),
  });
  return { complete, written, recovered, committed };
}

interface PartitionRange {
  /** Where this run starts: the committed offset, else the earliest (or latest) retained offset. */
  readonly start: string;
  /** The partition's end offset when the run started: this run reads up to here. */
  readonly end: string;
}

async function partitionRanges(admin: Admin, topic: string, groupId: string, fromBeginning: boolean): Promise<Map<number, PartitionRange>> {
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const groupOffsets = await retryRetriable(() => admin.fetchOffsets({ groupId, topics: [topic] }));
    const committed = new Map<number, string>();
    for (const t of groupOffsets) for (const p of t.partitions) committed.set(p.partition, p.offset);
    const ranges = new Map<number, PartitionRange>();
    for (const o of offsets) {
      const c = committed.get(o.partition);
      let start = c !== undefined && BigInt(c) >= 0n ? c : fromBeginning ? o.low : o.high;
      // Retention deleted records the group never read: start at the earliest that is left.
      if (BigInt(start) < BigInt(o.low)) start = o.low;
      ranges.set(o.partition, { start, end: o.high });
    }
    return ranges;
  } finally {
    await admin.disconnect();
  }
}

/**
 * kafkajs's admin does not retry NOT_COORDINATOR (the group's coordinator still loading, e.g. the
 * first group on a new cluster); it marks such errors `retriable`. Up to 6 tries over ~6 s.
 */
async function retryRetriable<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 5 || (err as { retriable?: boolean }).retriable !== true) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}
