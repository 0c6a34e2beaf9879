import { gunzipSync } from "node:zlib";
import { runPuller, type RunOptions } from "../../../runtime/puller/run";
import { oktaSource } from "../../../runtime/puller/sources/okta";
import type { ObjectStore } from "../../../runtime/puller/types";
import { TestClock } from "./clock";
import { arrayEvents, oktaEvent, oktaTime } from "./events";
import { startFakeOkta, type FakeOkta } from "./fake-okta";
import type { Fault } from "./http-server";

/** A store plus a way to list it: memory in `npm test`, a real S3-compatible server in runtime-checks. */
export interface StoreHarness {
  readonly store: ObjectStore;
  listKeys(prefix: string): Promise<string[]>;
}

const MIN = 60_000;
export const T0 = Date.parse("2026-01-01T12:00:00.000Z");
const PREFIX = "okta/";
const STATE_KEY = "_state/okta.json";
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };

/** Events every 10 s from T0-3h to T0+3h, plus a burst of one per second in [11:30, 11:35) (10× volume). */
function dataset(): Record<string, unknown>[] {
  const times: number[] = [];
  for (let t = T0 - 180 * MIN; t < T0 + 180 * MIN; t += 10_000) times.push(t);
  for (let t = Date.parse("2026-01-01T11:30:00Z"); t < Date.parse("2026-01-01T11:35:00Z"); t += 1000) if (t % 10_000 !== 0) times.push(t);
  times.sort((a, b) => a - b);
  return times.map((t, i) => oktaEvent(i, t, 300));
}

export async function readRecords(h: StoreHarness, key: string): Promise<Record<string, unknown>[]> {
  const body = await h.store.get(key);
  if (!body) throw new Error(`no object ${key}`);
  return gunzipSync(body)
    .toString("utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function allUuids(h: StoreHarness): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const key of await h.listKeys(PREFIX)) for (const r of await readRecords(h, key)) seen.add(String(r.uuid));
  return seen;
}

function uuidsBetween(events: Record<string, unknown>[], fromMs: number, toMs: number): string[] {
  return events.filter((e) => oktaTime(e) >= fromMs && oktaTime(e) < toMs).map((e) => String(e.uuid));
}

/**
 * The five run cases of issue 9 against whatever store `makeHarness` gives; each gets a fresh
 * store (the S3 one a fresh bucket) and a fake Okta org on loopback.
 */
export function describeRunScenarios(label: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`puller runs (${label})`, () => {
    const events = dataset();
    let okta: FakeOkta;
    let fault: ((n: number, url: URL) => Fault | undefined) | undefined;
    let onRequest: ((url: URL) => void) | undefined;
    let h: StoreHarness;
    let clock: TestClock;

    beforeEach(async () => {
      fault = undefined;
      onRequest = undefined;
      clock = new TestClock(T0);
      okta = await startFakeOkta({
        events: arrayEvents(events, oktaTime),
        apiToken: "ssws-test",
        fault: (n, url) => fault?.(n, url),
        onLogsRequest: (url) => onRequest?.(url),
        now: () => clock.now(),
      });
      h = await makeHarness();
    });
    afterEach(async () => {
      await okta.close();
    });

    const run = (overrides: Partial<RunOptions> = {}) =>
      runPuller({
        source: oktaSource({ apiToken: "ssws-test" }, { orgUrl: okta.url, limit: 50 }, clock),
        store: h.store,
        prefix: PREFIX,
        stateKey: STATE_KEY,
        windowMs: 5 * MIN,
        lagMs: MIN,
        overlapMs: 2 * MIN,
        initialLookbackMs: 60 * MIN,
        targetObjectBytes: 64 * 1024 * 1024,
        budgetMs: 10 * 60 * MIN,
        clock,
        log: quiet,
        random: () => 0.5,
        ...overrides,
      });

    const state = async () => {
      const b = await h.store.get(STATE_KEY);
      return b ? (JSON.parse(b.toString()) as { cursor: string }) : undefined;
    };

    test("GIVEN no state WHEN the first run ends THEN one object per window holds the last hour and the cursor is the last window's end", async () => {
      const result = await run();
      expect(result.status).toBe("complete");
      expect(result.windowsWritten).toBe(12); // 10:55 … 11:55, closed windows only (lag 1 min)
      expect((await state())?.cursor).toBe("2026-01-01T11:55:00.000Z");
      const keys = await h.listKeys(PREFIX);
      expect(keys).toHaveLength(12);
      expect(keys[0]).toBe("okta/2026/01/01/10/okta_20260101T105500000Z_20260101T110000000Z_0000.json.gz");
      const expected = uuidsBetween(events, Date.parse("2026-01-01T10:55:00Z"), Date.parse("2026-01-01T11:55:00Z"));
      expect([...(await allUuids(h))].sort()).toEqual([...expected].sort());
      // Within an object: the API's order (ascending), one JSON object per line.
      const first = await readRecords(h, keys[0]);
      expect(first.map((r) => r.published)).toEqual([...first.map((r) => String(r.published))].sort());
    });

    test("GIVEN a cursor WHEN the next run starts THEN it re-reads the overlap before the cursor and leaves no gap", async () => {
      await run();
      clock.t = T0 + 10 * MIN;
      const second = await run();
      expect(second.cursorBefore).toBe("2026-01-01T11:55:00.000Z");
      expect(second.cursorAfter).toBe("2026-01-01T12:05:00.000Z");
      const firstObject = await readRecords(h, "okta/2026/01/01/11/okta_20260101T115500000Z_20260101T120000000Z_0000.json.gz");
      const times = firstObject.map((r) => oktaTime(r));
      expect(Math.min(...times)).toBe(Date.parse("2026-01-01T11:53:00Z")); // overlap: 2 min before the cursor, visible
      expect(okta.logRequests.at(-2)?.get("since")).toBe("2026-01-01T11:53:00.000Z");
      const expected = uuidsBetween(events, Date.parse("2026-01-01T10:55:00Z"), Date.parse("2026-01-01T12:05:00Z"));
      const seen = await allUuids(h);
      expect(expected.filter((u) => !seen.has(u))).toEqual([]); // no gap
    });

    test("GIVEN a failure after some objects are written THEN the state is untouched, and the next run rewrites the same keys with no gap", async () => {
      await run();
      const before = await h.store.get(STATE_KEY);
      clock.t = T0 + 30 * MIN; // windows 11:55 … 12:25
      fault = (_n, url) => (Date.parse(url.searchParams.get("since") ?? "") >= Date.parse("2026-01-01T12:10:00Z") ? { status: 500 } : undefined);
      await expect(run()).rejects.toThrow(/HTTP 500 .*gave up after 6 attempts/);
      expect((await h.store.get(STATE_KEY))?.equals(before ?? Buffer.alloc(0))).toBe(true);
      const afterFailure = await h.listKeys(PREFIX);
      expect(afterFailure).toContain("okta/2026/01/01/12/okta_20260101T120500000Z_20260101T121000000Z_0000.json.gz");
      expect(afterFailure).toHaveLength(12 + 3);

      fault = undefined;
      const repair = await run();
      expect(repair.cursorBefore).toBe("2026-01-01T11:55:00.000Z");
      expect(repair.cursorAfter).toBe("2026-01-01T12:25:00.000Z");
      const keys = await h.listKeys(PREFIX);
      expect(keys).toHaveLength(12 + 6); // the 3 written before the failure were overwritten, not duplicated
      expect(keys.filter((k) => afterFailure.includes(k))).toHaveLength(afterFailure.length);
      const expected = uuidsBetween(events, Date.parse("2026-01-01T10:55:00Z"), Date.parse("2026-01-01T12:25:00Z"));
      const seen = await allUuids(h);
      expect(expected.filter((u) => !seen.has(u))).toEqual([]);
    });

    test("GIVEN a window with 10x the volume THEN it is split into objects at the target size, in order, none lost", async () => {
      const target = 48 * 1024;
      const result = await run({ targetObjectBytes: target });
      const burst = result.objects.filter((o) => o.key.includes("okta_20260101T113000000Z_"));
      const normal = result.objects.filter((o) => o.key.includes("okta_20260101T112500000Z_"));
      expect(normal).toHaveLength(1);
      expect(burst.length).toBeGreaterThanOrEqual(4);
      expect(burst.map((o) => o.key.slice(-13))).toEqual(burst.map((_o, i) => `_${String(i).padStart(4, "0")}.json.gz`));
      for (const o of burst) expect(o.uncompressedBytes).toBeLessThanOrEqual(target);
      const records: Record<string, unknown>[] = [];
      for (const o of burst) records.push(...(await readRecords(h, o.key)));
      expect(records.map((r) => r.uuid)).toEqual(uuidsBetween(events, Date.parse("2026-01-01T11:30:00Z"), Date.parse("2026-01-01T11:35:00Z")));
      expect(records.length).toBeGreaterThanOrEqual(10 * 30 - 30);
    });

    test("GIVEN a run that reaches its budget THEN only the windows it finished count, and the next run continues from there", async () => {
      onRequest = () => clock.advance(20_000); // each API call "takes" 20 s
      const partial = await run({ budgetMs: 100_000 });
      expect(partial.status).toBe("budget");
      expect(partial.windowsWritten).toBe(4);
      expect((await state())?.cursor).toBe("2026-01-01T11:15:00.000Z");
      expect(await h.listKeys(PREFIX)).toHaveLength(4); // the abandoned 5th window put nothing

      onRequest = undefined;
      const rest = await run();
      expect(rest.status).toBe("complete");
      expect(rest.cursorBefore).toBe("2026-01-01T11:15:00.000Z");
      const seen = await allUuids(h);
      expect(rest.cursorAfter).toBe("2026-01-01T12:00:00.000Z"); // the clock moved 100 s during the first run
      const expected = uuidsBetween(events, Date.parse("2026-01-01T10:55:00Z"), Date.parse("2026-01-01T12:00:00Z"));
      expect(expected.filter((u) => !seen.has(u))).toEqual([]);
    });
  });
}
