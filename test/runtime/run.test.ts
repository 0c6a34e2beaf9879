import { MemoryObjectStore } from "../../runtime/puller/memory-store";
import { describeRunScenarios } from "./support/scenarios";

// The same cases run against a real S3-compatible server in test/runtime/s3-runs.moto.ts (scripts/runtime-checks.sh).
describeRunScenarios("in-memory store", async () => {
  const store = new MemoryObjectStore();
  return { store, listKeys: async (prefix) => [...store.objects.keys()].filter((k) => k.startsWith(prefix)).sort() };
});
