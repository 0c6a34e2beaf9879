import { generateKeyPairSync } from "node:crypto";
import { RetryingHttpClient } from "../../runtime/puller/http";
import { nextLink, oktaSource } from "../../runtime/puller/sources/okta";
import type { LogSource, Page, TimeRange } from "../../runtime/puller/types";
import { TestClock } from "./support/clock";
import { oktaEvent, oktaTime, uniformEvents } from "./support/events";
import { startFakeOkta, type FakeOkta } from "./support/fake-okta";
import { send, startServer } from "./support/http-server";

const T = Date.parse("2026-01-01T12:00:00Z");
const events = uniformEvents(T - 3_600_000, 1000, 7200, (i, ms) => oktaEvent(i, ms), oktaTime); // one a second, T-1h … T+1h
const range: TimeRange = { startMs: T - 600_000, endMs: T - 300_000 }; // 300 events
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };

async function pull(source: LogSource, clock: TestClock, r: TimeRange = range): Promise<Page[]> {
  const http = new RetryingHttpClient({ clock, random: () => 0 });
  const pages: Page[] = [];
  for await (const p of source.fetch(r, { http, log: quiet })) pages.push(p);
  return pages;
}

describe("okta source (System Log API)", () => {
  let okta: FakeOkta | undefined;
  afterEach(async () => {
    await okta?.close();
    okta = undefined;
  });

  test("GIVEN an SSWS token THEN a bounded ascending query, pages followed by Link rel=next, every event of the window once", async () => {
    const clock = new TestClock(T);
    okta = await startFakeOkta({ events, apiToken: "tok", now: () => clock.now() });
    const pages = await pull(oktaSource({ apiToken: "tok" }, { orgUrl: okta.url, limit: 120 }, clock), clock);
    expect(pages.map((p) => p.records.length)).toEqual([120, 120, 60]);
    const first = okta.logRequests[0];
    expect(Object.fromEntries(first)).toEqual({ since: "2026-01-01T11:50:00.000Z", until: "2026-01-01T11:55:00.000Z", limit: "120", sortOrder: "ASCENDING" });
    expect(okta.logRequests[1].get("after")).toBeTruthy();
    const times = pages.flatMap((p) => p.records.map((r) => oktaTime(r as Record<string, unknown>)));
    expect(times[0]).toBe(range.startMs);
    expect(times.at(-1)).toBe(range.endMs - 1000);
    expect(new Set(times).size).toBe(300);
  });

  test("GIVEN a wrong token THEN the 401 fails the pull, naming the status", async () => {
    const clock = new TestClock(T);
    okta = await startFakeOkta({ events, apiToken: "tok", now: () => clock.now() });
    await expect(pull(oktaSource({ apiToken: "nope" }, { orgUrl: okta.url }, clock), clock)).rejects.toThrow(/HTTP 401 .*Invalid token provided/);
  });

  test("GIVEN a 429 with X-Rate-Limit-Reset and a 500 THEN it waits until the reset, retries, and still gets every event", async () => {
    const clock = new TestClock(T);
    okta = await startFakeOkta({
      events,
      apiToken: "tok",
      now: () => clock.now(),
      fault: (n) =>
        n === 2
          ? { status: 429, headers: { "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(T / 1000 + 45) } }
          : n === 3
            ? { status: 500 }
            : undefined,
    });
    const pages = await pull(oktaSource({ apiToken: "tok" }, { orgUrl: okta.url, limit: 100 }, clock), clock);
    expect(pages.reduce((n, p) => n + p.records.length, 0)).toBe(300);
    expect(clock.sleeps[0]).toBe(45_000); // until the reset (random() = 0 adds no jitter)
    expect(clock.sleeps.length).toBe(2);
  });

  test("GIVEN an OAuth service app THEN a private_key_jwt token, refreshed when the API refuses it mid-run", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const clock = new TestClock(T);
    okta = await startFakeOkta({
      events,
      now: () => clock.now(),
      oauthClient: { clientId: "0oa-client", publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(), maxUsesPerToken: 2 },
    });
    const source = oktaSource(
      { clientId: "0oa-client", privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString() },
      { orgUrl: okta.url, limit: 50 },
      clock,
    );
    const pages = await pull(source, clock);
    expect(pages.reduce((n, p) => n + p.records.length, 0)).toBe(300);
    expect(okta.tokensIssued).toBe(3); // 7 calls, 2 per token
  });

  test("GIVEN a static OAuth access token THEN it is sent as Bearer", async () => {
    let seen = "";
    const server = await startServer((req, _b, res) => {
      seen = req.headers.authorization ?? "";
      send(res, 200, []);
    });
    try {
      const clock = new TestClock(T);
      await pull(oktaSource({ accessToken: "at-1" }, { orgUrl: server.url }, clock), clock);
      expect(seen).toBe("Bearer at-1");
    } finally {
      await server.close();
    }
  });

  test("GIVEN a next link to another host THEN it refuses to send the token there", async () => {
    const server = await startServer((_req, _b, res) =>
      send(res, 200, [{ uuid: "a" }], { link: '<https://elsewhere.example/api/v1/logs?after=x>; rel="next"' }),
    );
    try {
      const clock = new TestClock(T);
      await expect(pull(oktaSource({ apiToken: "t" }, { orgUrl: server.url }, clock), clock)).rejects.toThrow(
        /next link leaves the org \(https:\/\/elsewhere\.example\)/,
      );
    } finally {
      await server.close();
    }
  });

  test("nextLink reads rel=next among several links and ignores others", () => {
    expect(nextLink('<https://o.okta.com/api/v1/logs?a=1>; rel="self", <https://o.okta.com/api/v1/logs?after=2>; rel="next"')).toBe(
      "https://o.okta.com/api/v1/logs?after=2",
    );
    expect(nextLink('<https://o.okta.com/x>; rel="self"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });

  test("rejects a secret or options it cannot use, by name", () => {
    expect(() => oktaSource({} as { apiToken: string }, { orgUrl: "https://o.okta.com" })).toThrow(/okta secret: expected/);
    expect(() => oktaSource({ apiToken: "t" }, { orgUrl: "not a url" })).toThrow(/"orgUrl" is not a URL/);
    expect(() => oktaSource({ apiToken: "t" }, { orgUrl: "https://o.okta.com", limit: 5000 })).toThrow(/"limit" must be 1..1000/);
  });
});
