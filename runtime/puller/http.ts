import { systemClock, type Clock, type HttpClient, type HttpRequest, type HttpResponse, type Logger } from "./types";

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  readonly maxAttempts: number;
  /** First backoff step; doubles per attempt. */
  readonly baseDelayMs: number;
  /** Ceiling of our own backoff (a server's Retry-After / reset time is honoured even when longer). */
  readonly maxDelayMs: number;
  /** Per-attempt timeout. */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, requestTimeoutMs: 30_000 };

export type RetryDecision = { readonly retry: true; readonly delayMs: number; readonly reason: string } | { readonly retry: false; readonly reason: string };

export interface RetryInput {
  /** The response status, or undefined when the request failed without one (network error, timeout). */
  readonly status: number | undefined;
  readonly headers?: Headers;
  /** Attempts made so far (1 after the first). */
  readonly attempt: number;
  readonly nowMs: number;
  /** In [0, 1); injected so tests are exact. */
  readonly random: () => number;
  readonly policy: RetryPolicy;
}

/**
 * Whether and when to retry: 5xx, 429 and network errors are retried; a 429/503 waits for
 * `Retry-After` (seconds or HTTP date), else for `X-Rate-Limit-Reset` (epoch seconds, Okta), else
 * exponential backoff with jitter (half fixed, half random, so delays still grow).
 */
export function retryDecision(input: RetryInput): RetryDecision {
  const { status, headers, attempt, nowMs, random, policy } = input;
  const retryable = status === undefined || status === 429 || status >= 500;
  if (!retryable) return { retry: false, reason: `status ${status} is not retryable` };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: `gave up after ${attempt} attempts` };
  if (status === 429 || status === 503) {
    const retryAfter = parseRetryAfter(headers?.get("retry-after") ?? null, nowMs);
    if (retryAfter !== undefined) return { retry: true, delayMs: retryAfter, reason: `status ${status}, Retry-After` };
    const reset = rateLimitResetDelay(headers, nowMs);
    if (reset !== undefined) return { retry: true, delayMs: reset + Math.floor(random() * 1000), reason: `status ${status}, X-Rate-Limit-Reset` };
  }
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return {
    retry: true,
    delayMs: Math.floor(cap / 2 + random() * (cap / 2)),
    reason: status === undefined ? "network error, backoff" : `status ${status}, backoff`,
  };
}

/** `Retry-After` as a delay in ms: delta-seconds or an HTTP date (RFC 9110 10.2.3); undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Delay until `X-Rate-Limit-Reset` (UTC epoch seconds), or undefined when the header is absent. */
export function rateLimitResetDelay(headers: Headers | undefined, nowMs: number): number | undefined {
  const reset = headers?.get("x-rate-limit-reset");
  if (reset === null || reset === undefined || !/^\d+$/.test(reset.trim())) return undefined;
  return Math.max(0, Number(reset.trim()) * 1000 - nowMs);
}

export class HttpError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly url: string,
    detail: string,
  ) {
    super(`${status === undefined ? "request failed" : `HTTP ${status}`} for ${redactUrl(url)}: ${detail}`);
    this.name = "HttpError";
  }
}

/** Thrown when waiting (backoff, rate limit) would pass the run's deadline: the run stops and keeps what it finished. */
export class BudgetExhaustedError extends Error {
  constructor(what: string) {
    super(`run budget exhausted: ${what}`);
    this.name = "BudgetExhaustedError";
  }
}

export interface RetryingHttpClientOptions {
  readonly policy?: RetryPolicy;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** Epoch ms after which no wait may end; undefined = no deadline. */
  readonly deadlineMs?: number;
  readonly log?: Logger;
}

export interface HttpStats {
  requests: number;
  retries: number;
  rateLimitWaits: number;
}

/** fetch (undici, built into Node) with `retryDecision` and a wait when `X-Rate-Limit-Remaining` hits 0. */
export class RetryingHttpClient implements HttpClient {
  readonly stats: HttpStats = { requests: 0, retries: 0, rateLimitWaits: 0 };
  private readonly policy: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private notBeforeMs = 0;

  constructor(private readonly options: RetryingHttpClientOptions = {}) {
    this.policy = options.policy ?? DEFAULT_RETRY_POLICY;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      await this.waitUntil(this.notBeforeMs, "rate limit reset");
      this.stats.requests++;
      let status: number | undefined;
      let headers: Headers | undefined;
      let text = "";
      let failure = "";
      try {
        const res = await fetch(req.url, {
          method: req.method ?? "GET",
          headers: req.headers,
          body: req.body,
          signal: AbortSignal.timeout(this.policy.requestTimeoutMs),
        });
        status = res.status;
        headers = res.headers;
        text = await res.text();
      } catch (err) {
        failure = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      if (status !== undefined && headers) this.noteRateLimit(headers);
      if (status !== undefined && headers && status < 500 && status !== 429) return { status, headers, text };
      const decision = retryDecision({ status, headers, attempt, nowMs: this.clock.now(), random: this.random, policy: this.policy });
      if (!decision.retry) {
        throw new HttpError(status, req.url, `${decision.reason}; ${failure || snippet(text)}`);
      }
      this.stats.retries++;
      this.options.log?.warn("http_retry", { url: redactUrl(req.url), status, attempt, delayMs: decision.delayMs, reason: decision.reason });
      await this.waitUntil(this.clock.now() + decision.delayMs, `retry of ${redactUrl(req.url)} (${decision.reason})`);
    }
  }

  /** Okta: when no requests remain in the window, the next one waits for the reset instead of earning a 429. */
  private noteRateLimit(headers: Headers): void {
    if (headers.get("x-rate-limit-remaining")?.trim() !== "0") return;
    const delay = rateLimitResetDelay(headers, this.clock.now());
    if (delay !== undefined && delay > 0) {
      this.notBeforeMs = this.clock.now() + delay;
      this.stats.rateLimitWaits++;
    }
  }

  private async waitUntil(untilMs: number, what: string): Promise<void> {
    const now = this.clock.now();
    if (untilMs <= now) return;
    if (this.options.deadlineMs !== undefined && untilMs > this.options.deadlineMs) {
      throw new BudgetExhaustedError(`waiting ${untilMs - now} ms for ${what} would pass the deadline`);
    }
    await this.clock.sleep(untilMs - now);
  }
}

/** Query strings can carry page tokens; keep them out of logs and errors. */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q) + "?…";
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > 300 ? t.slice(0, 300) + "…" : t || "(empty body)";
}
