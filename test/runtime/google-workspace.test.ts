import { generateKeyPairSync } from "node:crypto";
import { RetryingHttpClient } from "../../runtime/puller/http";
import { googleWorkspaceSource } from "../../runtime/puller/sources/google-workspace";
import type { Page, TimeRange } from "../../runtime/puller/types";
import { TestClock } from "./support/clock";
import { googleEvent, googleTime, uniformEvents } from "./support/events";
import { startFakeGoogle, type FakeGoogle, type FakeGoogleOptions } from "./support/fake-google";

const T = Date.parse("2026-01-01T12:00:00Z");
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PUBLIC = publicKey.export({ type: "spki", format: "pem" }).toString();
const KEY = { client_email: "puller@p.iam.gserviceaccount.com", private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
const apps = {
  admin: uniformEvents(T - 3_600_000, 4000, 1800, (i, ms) => googleEvent("admin", i, ms), googleTime),
  login: uniformEvents(T - 3_600_000, 2000, 3600, (i, ms) => googleEvent("login", i, ms), googleTime),
};
const range: TimeRange = { startMs: T - 600_000, endMs: T - 300_000 }; // admin 75, login 150
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };

describe("google-workspace source (Admin SDK Reports activities.list)", () => {
  let google: FakeGoogle | undefined;
  afterEach(async () => {
    await google?.close();
    google = undefined;
  });

  async function setup(clock: TestClock, extra: Partial<FakeGoogleOptions> = {}, subject = "admin@example.com") {
    google = await startFakeGoogle({
      applications: apps,
      serviceAccountEmail: KEY.client_email,
      publicKeyPem: PUBLIC,
      subject: "admin@example.com",
      now: () => clock.now(),
      ...extra,
    });
    const source = googleWorkspaceSource(
      KEY,
      { subject, applications: ["admin", "login"], apiBaseUrl: google.url, tokenUrl: google.tokenUrl, maxResults: 40 },
      clock,
    );
    const pages: Page[] = [];
    const http = new RetryingHttpClient({ clock, random: () => 0 });
    for await (const p of source.fetch(range, { http, log: quiet })) pages.push(p);
    return pages;
  }

  test("GIVEN a service account THEN a signed JWT for the admin is exchanged, and every application's pages are read by nextPageToken", async () => {
    const clock = new TestClock(T);
    const pages = await setup(clock);
    const records = pages.flatMap((p) => p.records as Array<Record<string, unknown>>);
    const byApp = (a: string) => records.filter((r) => (r.id as { applicationName: string }).applicationName === a).length;
    expect(byApp("admin")).toBe(75);
    expect(byApp("login")).toBe(150);
    expect(new Set(records.map((r) => (r.id as { uniqueQualifier: string }).uniqueQualifier)).size).toBe(225);
    const first = google?.apiRequests[0];
    expect(first?.pathname).toBe("/admin/reports/v1/activity/users/all/applications/admin");
    expect(Object.fromEntries(first?.searchParams ?? [])).toEqual({
      startTime: "2026-01-01T11:50:00.000Z",
      endTime: "2026-01-01T11:55:00.000Z",
      maxResults: "40",
    });
    expect(google?.apiRequests.filter((u) => u.searchParams.has("pageToken")).length).toBeGreaterThan(3);
    expect(google?.tokensIssued).toBe(1);
  });

  test("GIVEN a token that expires during the run THEN a new one is fetched before it lapses (no 401)", async () => {
    const clock = new TestClock(T);
    await setup(clock, { tokenLifetimeSeconds: 120, fault: () => (clock.advance(30_000), undefined) });
    expect(google?.tokensIssued).toBeGreaterThanOrEqual(3);
    expect(google?.unauthorizedResponses).toBe(0);
  });

  test("GIVEN a token the API stops accepting mid-run THEN the 401 leads to a new token and the call is repeated", async () => {
    const clock = new TestClock(T);
    const pages = await setup(clock, { maxUsesPerToken: 2 }); // 6 calls: 2 per token
    expect(pages.reduce((n, p) => n + p.records.length, 0)).toBe(225);
    expect(google?.unauthorizedResponses).toBeGreaterThanOrEqual(2);
    expect(google?.tokensIssued).toBe((google?.unauthorizedResponses ?? 0) + 1);
  });

  test("GIVEN tokens refused every time THEN the run fails on the second 401 instead of looping", async () => {
    const clock = new TestClock(T);
    await expect(setup(clock, { maxUsesPerToken: 0 })).rejects.toThrow(/HTTP 401 .*invalid authentication credentials/);
    expect(google?.tokensIssued).toBe(2);
  });

  test("GIVEN a 500 and a 429 with Retry-After THEN they are retried and no event is lost", async () => {
    const clock = new TestClock(T);
    const pages = await setup(clock, { fault: (n) => (n === 1 ? { status: 500 } : n === 4 ? { status: 429, headers: { "retry-after": "5" } } : undefined) });
    expect(pages.reduce((n, p) => n + p.records.length, 0)).toBe(225);
    expect(clock.sleeps).toEqual([250, 5000]);
  });

  test("GIVEN a subject the delegation does not cover THEN the token endpoint's refusal fails the pull", async () => {
    const clock = new TestClock(T);
    await expect(setup(clock, {}, "someone@else.com")).rejects.toThrow(/HTTP 400 .*token exchange refused.*bad sub claim/);
  });

  test("rejects a secret or options it cannot use, by name", () => {
    const opts = { subject: "a@b.c", applications: ["admin"] };
    expect(() => googleWorkspaceSource({ client_email: "x" } as typeof KEY, opts)).toThrow(/"private_key" is missing/);
    expect(() => googleWorkspaceSource(KEY, { ...opts, subject: "admin" })).toThrow(/"subject" must be the admin's email/);
    expect(() => googleWorkspaceSource(KEY, { ...opts, applications: [] })).toThrow(/at least one application/);
    expect(() => googleWorkspaceSource(KEY, { ...opts, applications: ["Drive Logs"] })).toThrow(/not a Reports application name/);
    expect(() => googleWorkspaceSource({ ...KEY, private_key: "nope" }, opts)).not.toThrow(); // the key is read when a token is first needed
  });
});
