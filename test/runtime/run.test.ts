import { jsonLogger } from "../../runtime/puller/log";
import { MemoryObjectStore } from "../../runtime/puller/memory-store";
import { runPuller } from "../../runtime/puller/run";
import { TestClock } from "./support/clock";
import { describeRunScenarios } from "./support/scenarios";

// The same cases run against a real S3-compatible server in test/runtime/s3-runs.moto.ts (scripts/runtime-checks.sh).
describeRunScenarios("in-memory store", async () => {
  const store = new MemoryObjectStore();
  return { store, listKeys: async (prefix) => [...store.objects.keys()].filter((k) => k.startsWith(prefix)).sort() };
});

describe("run logs", () => {
  test("GIVEN a run THEN one JSON object per line with run id, source and counts; a failed run logs run_failed and throws", async () => {
    const lines: string[] = [];
    const store = new MemoryObjectStore();
    const records = [{ uuid: "a" }, { uuid: "b" }];
    const source = {
      name: "okta",
      async *fetch() {
        yield { records };
      },
    };
    const settings = {
      prefix: "okta/",
      stateKey: "_state/okta.json",
      windowMs: 300_000,
      lagMs: 0,
      overlapMs: 0,
      initialLookbackMs: 600_000,
      targetObjectBytes: 1024,
      budgetMs: 60_000,
    };
    const clock = new TestClock(Date.parse("2026-01-01T12:00:00Z"));
    await runPuller({ ...settings, source, store, clock, runId: "run-1", log: jsonLogger({}, (l) => lines.push(l)) });
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual(["run_start", "window_written", "window_written", "run_complete"]);
    for (const e of events) expect(e).toMatchObject({ runId: "run-1", source: "okta", level: "info" });
    expect(events.at(-1)).toMatchObject({ windowsWritten: 2, records: 4, objects: 2, cursorAfter: "2026-01-01T12:00:00.000Z" });

    lines.length = 0;
    const failing = { name: "okta", fetch: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error("boom")) }) }) };
    clock.advance(600_000);
    const before = await store.get("_state/okta.json");
    await expect(runPuller({ ...settings, source: failing, store, clock, runId: "run-2", log: jsonLogger({}, (l) => lines.push(l)) })).rejects.toThrow("boom");
    expect(JSON.parse(lines.at(-1) ?? "{}")).toMatchObject({ event: "run_failed", level: "error", runId: "run-2", error: { name: "Error", message: "boom" } });
    expect((await store.get("_state/okta.json"))?.equals(before ?? Buffer.alloc(0))).toBe(true);
  });
});
