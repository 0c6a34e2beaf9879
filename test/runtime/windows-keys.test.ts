import { compactTime, objectKey, validatePrefix } from "../../runtime/puller/keys";
import { planWindows } from "../../runtime/puller/windows";

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const base = { windowMs: 5 * MIN, lagMs: MIN, overlapMs: 2 * MIN, initialLookbackMs: 30 * MIN };

describe("planWindows", () => {
  test("GIVEN no cursor THEN closed, grid-aligned windows from now - lag - lookback, no overlap", () => {
    const w = planWindows({ ...base, cursorMs: undefined, nowMs: at("2026-01-01T12:03:30Z") });
    expect(w.map((x) => new Date(x.slot.startMs).toISOString().slice(11, 16))).toEqual(["11:30", "11:35", "11:40", "11:45", "11:50", "11:55"]);
    expect(w[0].fetch).toEqual(w[0].slot);
    expect(w.at(-1)?.slot.endMs).toBe(at("2026-01-01T12:00:00Z")); // 12:02:30 floors to 12:00; the open window waits
  });

  test("GIVEN a cursor THEN only the first window is widened by the overlap", () => {
    const w = planWindows({ ...base, cursorMs: at("2026-01-01T11:50:00Z"), nowMs: at("2026-01-01T12:06:00Z") });
    expect(w).toHaveLength(3);
    expect(w[0].fetch.startMs).toBe(at("2026-01-01T11:48:00Z"));
    expect(w[0].slot.startMs).toBe(at("2026-01-01T11:50:00Z"));
    expect(w[1].fetch).toEqual(w[1].slot);
    for (let i = 1; i < w.length; i++) expect(w[i].slot.startMs).toBe(w[i - 1].slot.endMs); // contiguous: no gap
  });

  test("GIVEN the same cursor and a later now THEN the earlier windows are planned identically (retries overwrite)", () => {
    const cursorMs = at("2026-01-01T11:50:00Z");
    const a = planWindows({ ...base, cursorMs, nowMs: at("2026-01-01T12:06:00Z") });
    const b = planWindows({ ...base, cursorMs, nowMs: at("2026-01-01T12:21:00Z") });
    expect(b.slice(0, a.length)).toEqual(a);
  });

  test("GIVEN a cursor off the grid (window length changed) THEN a short first slot returns to the grid", () => {
    const w = planWindows({ ...base, cursorMs: at("2026-01-01T11:52:00Z"), nowMs: at("2026-01-01T12:06:00Z") });
    expect(w[0].slot).toEqual({ startMs: at("2026-01-01T11:52:00Z"), endMs: at("2026-01-01T11:55:00Z") });
    expect(w[1].slot.startMs).toBe(at("2026-01-01T11:55:00Z"));
  });

  test("GIVEN a cursor inside the lag THEN nothing is planned", () => {
    expect(planWindows({ ...base, cursorMs: at("2026-01-01T12:00:00Z"), nowMs: at("2026-01-01T12:05:30Z") })).toEqual([]);
  });

  test("rejects nonsense settings by name", () => {
    expect(() => planWindows({ ...base, windowMs: 0, cursorMs: undefined, nowMs: 0 })).toThrow(/windowMs must be > 0/);
    expect(() => planWindows({ ...base, overlapMs: -1, cursorMs: undefined, nowMs: 0 })).toThrow(/overlapMs/);
  });
});

describe("objectKey", () => {
  const slot = { startMs: at("2026-03-04T05:10:00Z"), endMs: at("2026-03-04T05:15:00Z") };
  test("puts the object under <prefix>YYYY/MM/DD/HH/ of the slot start, named by source, slot and part", () => {
    expect(objectKey("tenant-a/okta/", "okta", slot, 3)).toBe("tenant-a/okta/2026/03/04/05/okta_20260304T051000000Z_20260304T051500000Z_0003.json.gz");
  });
  test("is the same for the same inputs and differs by part", () => {
    expect(objectKey("okta/", "okta", slot, 0)).toBe(objectKey("okta/", "okta", { ...slot }, 0));
    expect(objectKey("okta/", "okta", slot, 0)).not.toBe(objectKey("okta/", "okta", slot, 1));
  });
  test("rejects bad prefixes, source names and parts", () => {
    expect(() => validatePrefix("okta")).toThrow(/must end with "\/"/);
    expect(() => validatePrefix("/okta/")).toThrow(/must not start/);
    expect(() => objectKey("okta/", "Okta Logs", slot, 0)).toThrow(/source name/);
    expect(() => objectKey("okta/", "okta", slot, 10000)).toThrow(/part 10000/);
  });
  test("compactTime is sortable and free of ':'", () => {
    expect(compactTime(at("2026-01-02T03:04:05.678Z"))).toBe("20260102T030405678Z");
  });
});
