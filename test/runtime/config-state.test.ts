import { configFromEnv } from "../../runtime/puller/config";
import { MemoryObjectStore } from "../../runtime/puller/memory-store";
import { loadState, saveState } from "../../runtime/puller/state";

const env = {
  PULLER_KIND: "okta",
  PULLER_BUCKET: "tenant-a-raw",
  PULLER_PREFIX: "okta/",
  PULLER_STATE_KEY: "_state/okta.json",
  PULLER_SECRET_ID: "arn:aws:secretsmanager:eu-west-1:1:secret:okta",
  PULLER_KMS_KEY_ID: "arn:aws:kms:eu-west-1:1:key/k",
  PULLER_SOURCE_OPTIONS: '{"orgUrl":"https://acme.okta.com"}',
};

describe("configFromEnv", () => {
  test("GIVEN only the required variables THEN the documented defaults", () => {
    const c = configFromEnv(env);
    expect(c).toMatchObject({
      kind: "okta",
      targetObjectBytes: 64 * 1024 * 1024,
      windowMs: 300_000,
      lagMs: 60_000,
      overlapMs: 300_000,
      initialLookbackMs: 3_600_000,
      budgetMs: 240_000,
      sourceOptions: { orgUrl: "https://acme.okta.com" },
      awsEndpoint: undefined,
    });
  });

  test("GIVEN overrides THEN they are read in seconds / MiB", () => {
    const c = configFromEnv({ ...env, PULLER_TARGET_OBJECT_MB: "100", PULLER_OVERLAP_SECONDS: "900", PULLER_BUDGET_SECONDS: "50" });
    expect(c).toMatchObject({ targetObjectBytes: 100 * 1024 * 1024, overlapMs: 900_000, budgetMs: 50_000 });
  });

  test("GIVEN several problems THEN one error lists each by variable name", () => {
    const bad = {
      ...env,
      PULLER_KIND: "splunk",
      PULLER_BUCKET: "",
      PULLER_PREFIX: "okta",
      PULLER_TARGET_OBJECT_MB: "250",
      PULLER_OVERLAP_SECONDS: "-5",
      PULLER_SOURCE_OPTIONS: "{",
    };
    let message = "";
    try {
      configFromEnv(bad);
    } catch (err) {
      message = (err as Error).message;
    }
    for (const m of [
      /PULLER_KIND=splunk is not one of google-workspace, okta/,
      /PULLER_BUCKET is not set/,
      /PULLER_PREFIX=okta must end with "\/"/,
      /PULLER_TARGET_OBJECT_MB=250 must be > 0 and <= 100/,
      /PULLER_OVERLAP_SECONDS=-5/,
      /PULLER_SOURCE_OPTIONS is not valid JSON/,
    ]) {
      expect(message).toMatch(m);
    }
  });

  test("GIVEN a state key under the data prefix THEN it is refused (Snowpipe would load it)", () => {
    expect(() => configFromEnv({ ...env, PULLER_STATE_KEY: "okta/state.json" })).toThrow(/must not be under PULLER_PREFIX/);
  });
});

describe("state object", () => {
  const state = {
    version: 1 as const,
    source: "okta",
    cursor: "2026-01-01T12:00:00.000Z",
    updatedAt: "2026-01-01T12:06:00.000Z",
    lastRunId: "r",
    lastRunWindows: 1,
    lastRunObjects: 1,
    lastRunRecords: 3,
  };

  test("round-trips, and is undefined before the first run", async () => {
    const store = new MemoryObjectStore();
    expect(await loadState(store, "s.json", "okta")).toBeUndefined();
    await saveState(store, "s.json", state);
    expect(await loadState(store, "s.json", "okta")).toEqual(state);
  });

  test("GIVEN another source's, an unreadable or a cursor-less state THEN it refuses to guess", async () => {
    const store = new MemoryObjectStore();
    await saveState(store, "s.json", state);
    await expect(loadState(store, "s.json", "google-workspace")).rejects.toThrow(/belongs to source "okta"/);
    await store.put("bad.json", Buffer.from("{"), "application/json");
    await expect(loadState(store, "bad.json", "okta")).rejects.toThrow(/is not JSON/);
    await store.put("nocursor.json", Buffer.from(JSON.stringify({ ...state, cursor: "yesterday" })), "application/json");
    await expect(loadState(store, "nocursor.json", "okta")).rejects.toThrow(/no valid "cursor"/);
  });
});
