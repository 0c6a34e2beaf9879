import { createGzip, type Gzip } from "node:zlib";
import type { ObjectStore } from "./types";

/** The hard cap per object, in uncompressed NDJSON bytes (what the writer measures). */
export const MAX_OBJECT_BYTES = 100 * 1024 * 1024;
/** Default target per object, in uncompressed NDJSON bytes. */
export const DEFAULT_TARGET_OBJECT_BYTES = 64 * 1024 * 1024;
/** Lines are handed to gzip in batches of about this size (one zlib call per line costs throughput). */
const BATCH_BYTES = 256 * 1024;

export interface ObjectWriterOptions {
  readonly store: ObjectStore;
  /** The key of part `n` (0, 1, …) of this writer's output; must be deterministic for retries to overwrite. */
  readonly keyFor: (part: number) => string;
  /** Start a new object before a line would take the current one past this many uncompressed bytes. */
  readonly targetBytes?: number;
  /** A single line above this many bytes is an error (it could never fit an object). @default MAX_OBJECT_BYTES */
  readonly maxBytes?: number;
}

export interface WrittenObject {
  readonly key: string;
  readonly records: number;
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
}

interface OpenPart {
  readonly gzip: Gzip;
  readonly chunks: Buffer[];
  readonly done: Promise<void>;
  records: number;
  bytes: number;
  pending: string[];
  pendingBytes: number;
}

/**
 * Appends JSON records as NDJSON lines, gzips them as it goes, and puts one object each time the
 * target size is reached (and one for the rest on `close`). Sizes are measured uncompressed, so
 * where a part ends depends only on the records, not on the compressor. Writes nothing for no records.
 */
export class NdjsonObjectWriter {
  private readonly targetBytes: number;
  private readonly maxBytes: number;
  private readonly done: WrittenObject[] = [];
  private part: OpenPart | undefined;
  private closed = false;

  constructor(private readonly options: ObjectWriterOptions) {
    this.maxBytes = options.maxBytes ?? MAX_OBJECT_BYTES;
    this.targetBytes = options.targetBytes ?? Math.min(DEFAULT_TARGET_OBJECT_BYTES, this.maxBytes);
    if (!Number.isInteger(this.maxBytes) || this.maxBytes <= 0 || this.maxBytes > MAX_OBJECT_BYTES) {
      throw new Error(`maxBytes must be an integer in 1..${MAX_OBJECT_BYTES}, got ${this.maxBytes}`);
    }
    if (!Number.isInteger(this.targetBytes) || this.targetBytes <= 0 || this.targetBytes > this.maxBytes) {
      throw new Error(`targetBytes must be an integer in 1..maxBytes (${this.maxBytes}), got ${this.targetBytes}`);
    }
  }

  /** Objects put so far, in order. */
  get written(): readonly WrittenObject[] {
    return this.done;
  }

  async append(record: unknown): Promise<void> {
    if (this.closed) throw new Error("NdjsonObjectWriter: append after close");
    const json = JSON.stringify(record);
    if (typeof json !== "string") throw new Error(`NdjsonObjectWriter: record is not JSON-serializable (${typeof record})`);
    const line = json + "\n";
    const bytes = Buffer.byteLength(line);
    if (bytes > this.maxBytes) {
      throw new Error(`NdjsonObjectWriter: one record is ${bytes} bytes, above the ${this.maxBytes}-byte object cap`);
    }
    if (this.part && this.part.bytes + bytes > this.targetBytes) await this.flush();
    const part = (this.part ??= openPart());
    part.pending.push(line);
    part.pendingBytes += bytes;
    part.bytes += bytes;
    part.records += 1;
    if (part.pendingBytes >= BATCH_BYTES) await writeBatch(part);
  }

  /** Puts the open object (if any) and returns every object written, in order. */
  async close(): Promise<WrittenObject[]> {
    if (!this.closed) {
      this.closed = true;
      await this.flush();
    }
    return [...this.done];
  }

  private async flush(): Promise<void> {
    const part = this.part;
    if (!part) return;
    this.part = undefined;
    await writeBatch(part);
    part.gzip.end();
    await part.done;
    const body = Buffer.concat(part.chunks);
    const key = this.options.keyFor(this.done.length);
    await this.options.store.put(key, body, "application/gzip");
    this.done.push({ key, records: part.records, uncompressedBytes: part.bytes, compressedBytes: body.length });
  }
}

function openPart(): OpenPart {
  const gzip = createGzip();
  const chunks: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    gzip.once("end", resolve);
    gzip.once("error", reject);
  });
  // Keep an unobserved rejection from crashing the process before flush awaits it.
  done.catch(() => undefined);
  return { gzip, chunks, done, records: 0, bytes: 0, pending: [], pendingBytes: 0 };
}

async function writeBatch(part: OpenPart): Promise<void> {
  if (part.pendingBytes === 0) return;
  const data = part.pending.join("");
  part.pending = [];
  part.pendingBytes = 0;
  if (!part.gzip.write(data)) {
    await new Promise<void>((resolve) => part.gzip.once("drain", resolve));
  }
}
