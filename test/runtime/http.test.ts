import { BudgetExhaustedError, DEFAULT_RETRY_POLICY, HttpError, parseRetryAfter, RetryingHttpClient, retryDecision } from "../../runtime/puller/http";
import { TestClock } from "./support/clock";
import { send, startServer, type RunningServer } from "./support/http-server";

const NOW = Date.parse("2026-01-01T00:00:00Z");
const decide = (status: number | undefined, headers: Record<string, string> = {}, attempt = 1, random = 0.5) =>
  retryDecision({ status, headers: new Headers(headers), attempt, nowMs: NOW, random: () => random, policy: DEFAULT_RETRY_POLICY });

describe("retryDecision", () => {
  test("4xx other than 429 is not retried; 2xx is not retried", () => {
    expect(decide(400).retry).toBe(false);
    expect(decide(401).retry).toBe(false);
    expect(decide(200).retry).toBe(false);
  });
  test("429 waits for Retry-After in seconds or as an HTTP date", () => {
    expect(decide(429, { "retry-after": "7" })).toEqual({ retry: true, delayMs: 7000, reason: "status 429, Retry-After" });
    expect(decide(429, { "retry-after": new Date(NOW + 3000).toUTCString() })).toMatchObject({ retry: true, delayMs: 3000 });
  });
  test("429 without Retry-After waits for X-Rate-Limit-Reset (epoch seconds) plus up to 1 s of jitter", () => {
    expect(decide(429, { "x-rate-limit-reset": String(NOW / 1000 + 20) }, 1, 0.25)).toMatchObject({ retry: true, delayMs: 20_250 });
  });
  test("5xx and network errors back off exponentially with jitter, capped", () => {
    const d = [1, 2, 3, 4].map((a) => decide(500, {}, a, 0) as { delayMs: number });
    expect(d.map((x) => x.delayMs)).toEqual([250, 500, 1000, 2000]); // half of base * 2^(attempt-1) with random = 0
    expect((decide(undefined, {}, 1, 0.999) as { delayMs: number }).delayMs).toBeLessThan(500);
    expect((decide(503, {}, 5, 1) as { delayMs: number }).delayMs).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.maxDelayMs);
  });
  test("gives up after maxAttempts", () => {
    expect(decide(500, {}, DEFAULT_RETRY_POLICY.maxAttempts)).toEqual({ retry: false, reason: "gave up after 6 attempts" });
  });
  test("parseRetryAfter ignores what it cannot read", () => {
    expect(parseRetryAfter("soon", NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });
});

describe("RetryingHttpClient against a local server", () => {
  let server: RunningServer;
  let script: Array<{ status: number; headers?: Record<string, string> }>;
  let served = 0;
  beforeAll(async () => {
    server = await startServer((_req, _body, res) => {
      const next = script.shift() ?? { status: 200 };
      served++;
      send(res, next.status, { n: served }, next.headers);
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    served = 0;
  });

  test("GIVEN 500, 429 with Retry-After, then 200 THEN it returns the 200 after waiting as told", async () => {
    script = [{ status: 500 }, { status: 429, headers: { "retry-after": "2" } }, { status: 200 }];
    const clock = new TestClock(NOW);
    const http = new RetryingHttpClient({ clock, random: () => 0 });
    const res = await http.request({ url: `${server.url}/x` });
    expect(res.status).toBe(200);
    expect(clock.sleeps).toEqual([250, 2000]);
    expect(http.stats).toMatchObject({ requests: 3, retries: 2 });
  });

  test("GIVEN a 404 THEN it is returned to the caller, not retried", async () => {
    script = [{ status: 404 }];
    const res = await new RetryingHttpClient({ clock: new TestClock(NOW) }).request({ url: `${server.url}/x` });
    expect(res.status).toBe(404);
    expect(served).toBe(1);
  });

  test("GIVEN 500 every time THEN an HttpError names the status and the attempts, without the query string", async () => {
    script = Array.from({ length: 10 }, () => ({ status: 500 }));
    const http = new RetryingHttpClient({ clock: new TestClock(NOW), policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 } });
    const err = await http.request({ url: `${server.url}/x?pageToken=secret` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as Error).message).toMatch(/HTTP 500 for http:\/\/127\.0\.0\.1:\d+\/x\?…: gave up after 3 attempts/);
    expect((err as Error).message).not.toMatch(/secret/);
    expect(served).toBe(3);
  });

  test("GIVEN X-Rate-Limit-Remaining: 0 THEN the next request waits until X-Rate-Limit-Reset", async () => {
    script = [{ status: 200, headers: { "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(NOW / 1000 + 30) } }, { status: 200 }];
    const clock = new TestClock(NOW);
    const http = new RetryingHttpClient({ clock });
    await http.request({ url: `${server.url}/a` });
    expect(clock.sleeps).toEqual([]);
    await http.request({ url: `${server.url}/b` });
    expect(clock.sleeps).toEqual([30_000]);
  });

  test("GIVEN a Retry-After past the run's deadline THEN BudgetExhaustedError instead of waiting", async () => {
    script = [{ status: 429, headers: { "retry-after": "120" } }];
    const clock = new TestClock(NOW);
    const http = new RetryingHttpClient({ clock, deadlineMs: NOW + 60_000 });
    await expect(http.request({ url: `${server.url}/x` })).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(clock.sleeps).toEqual([]);
  });

  test("GIVEN nothing listening THEN network errors are retried and then reported", async () => {
    const dead = await startServer(() => undefined);
    const url = dead.url;
    await dead.close();
    const http = new RetryingHttpClient({ clock: new TestClock(NOW), policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 } });
    await expect(http.request({ url })).rejects.toThrow(/request failed for http:\/\/127\.0\.0\.1:\d+: gave up after 2 attempts/);
    expect(http.stats.retries).toBe(1);
  });
});
