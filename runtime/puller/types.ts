/**
 * The small interfaces the puller runtime is built from. A new log source is one file implementing
 * `LogSource`; the object writer and the stores are shared with other writers (a Kafka consumer).
 */

/** A half-open time range [start, end) of event times, in epoch milliseconds. */
export interface TimeRange {
  readonly startMs: number;
  readonly endMs: number;
}

/** One page of raw events as the API returned them (JSON objects, written as-is, one per line). */
export interface Page {
  readonly records: readonly unknown[];
}

export interface HttpRequest {
  readonly url: string;
  readonly method?: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** HTTP with the retry policy applied (5xx, 429, rate-limit headers); non-retryable statuses are returned. */
export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

export interface SourceContext {
  readonly http: HttpClient;
  readonly log: Logger;
}

/** A log source: the pages of events whose time falls in `range`, oldest first where the API allows. */
export interface LogSource {
  /** Short name used in object keys and logs (`okta`, `google-workspace`). */
  readonly name: string;
  fetch(range: TimeRange, ctx: SourceContext): AsyncIterable<Page>;
}

/** Where objects and the state document live (S3 in the cloud, memory in unit tests). */
export interface ObjectStore {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Buffer | undefined>;
}

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
