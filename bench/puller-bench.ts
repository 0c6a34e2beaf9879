/**
 * Puller benchmark (`npm run bench:puller`): a local Okta System Log server (loopback) → the real
 * run loop → NDJSON + gzip → PutObject (SSE-KMS headers) to moto's S3 server. Reports events/s from
 * the first fetch to the last put, and peak RSS when objects are at the 100 MiB cap. Each scenario
 * runs in its own child process so its peak RSS is its own. Uses PULLER_TEST_S3_ENDPOINT if set,
 * else starts .venv-emulator/bin/moto_server (install it with scripts/runtime-checks.sh).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { packageRoot } from "../modules/core/package-root";
import { MAX_OBJECT_BYTES } from "../runtime/puller/object-writer";
import { runPuller } from "../runtime/puller/run";
import { oktaSource } from "../runtime/puller/sources/okta";
import { oktaEvent, oktaTime, uniformEvents } from "../test/runtime/support/events";
import { startFakeOkta } from "../test/runtime/support/fake-okta";
import { s3Client, s3Harness } from "../test/runtime/support/s3-harness";

interface Scenario {
  readonly name: string;
  readonly events: number;
  readonly padding: number;
  readonly targetBytes: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: "default target (64 MiB)", events: 200_000, padding: 700, targetBytes: 64 * 1024 * 1024 },
  { name: "at the cap (100 MiB)", events: 110_000, padding: 700, targetBytes: MAX_OBJECT_BYTES },
];

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };

async function runScenario(s: Scenario, endpoint: string): Promise<Record<string, unknown>> {
  const rssBefore = process.memoryUsage().rss;
  const W = 5 * 60_000;
  const now = Date.now();
  const windowEnd = Math.floor(now / W) * W;
  const events = uniformEvents(windowEnd - W, W / s.events, s.events, (i, ms) => oktaEvent(i, ms, s.padding), oktaTime);
  const okta = await startFakeOkta({ events, apiToken: "bench", rateLimit: 1_000_000 });
  const h = await s3Harness(s3Client(endpoint));
  try {
    const t0 = process.hrtime.bigint();
    const result = await runPuller({
      source: oktaSource({ apiToken: "bench" }, { orgUrl: okta.url, limit: 1000 }),
      store: h.store,
      prefix: "okta/",
      stateKey: "_state/okta.json",
      windowMs: W,
      lagMs: 0,
      overlapMs: 0,
      initialLookbackMs: W,
      targetObjectBytes: s.targetBytes,
      budgetMs: 600_000,
      log: quiet,
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const uncompressed = result.objects.reduce((n, o) => n + o.uncompressedBytes, 0);
    const compressed = result.objects.reduce((n, o) => n + o.compressedBytes, 0);
    return {
      scenario: s.name,
      events: result.records,
      objects: result.objects.length,
      largestObjectMiB: +(Math.max(...result.objects.map((o) => o.uncompressedBytes)) / 2 ** 20).toFixed(1),
      uncompressedMiB: +(uncompressed / 2 ** 20).toFixed(1),
      compressedMiB: +(compressed / 2 ** 20).toFixed(1),
      seconds: +seconds.toFixed(2),
      eventsPerSecond: Math.round(result.records / seconds),
      uncompressedMiBPerSecond: +(uncompressed / 2 ** 20 / seconds).toFixed(1),
      rssBeforeMiB: +(rssBefore / 2 ** 20).toFixed(0),
      peakRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(0),
    };
  } finally {
    await okta.close();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function startMoto(): Promise<{ endpoint: string; proc?: ChildProcess }> {
  if (process.env.PULLER_TEST_S3_ENDPOINT) return { endpoint: process.env.PULLER_TEST_S3_ENDPOINT };
  const bin = join(packageRoot(), ".venv-emulator", "bin", "moto_server");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`bash scripts/runtime-checks.sh\` once (it installs moto), or set PULLER_TEST_S3_ENDPOINT`);
  const port = await freePort();
  const proc = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 60; i++) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      return { endpoint, proc };
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  proc.kill();
  throw new Error("moto_server did not start within 30 s");
}

async function main(): Promise<void> {
  const child = process.argv.indexOf("--scenario");
  if (child !== -1) {
    const s = SCENARIOS[Number(process.argv[child + 1])];
    const endpoint = process.argv[child + 2];
    process.stdout.write(JSON.stringify(await runScenario(s, endpoint)) + "\n");
    return;
  }
  const moto = await startMoto();
  try {
    console.log(`node ${process.version}, ${process.arch}; S3: moto at ${moto.endpoint}; API: local Okta System Log server`);
    for (let i = 0; i < SCENARIOS.length; i++) {
      const out = await new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, [process.argv[1], "--scenario", String(i), moto.endpoint], { stdio: ["ignore", "pipe", "inherit"] });
        let text = "";
        p.stdout.on("data", (c: Buffer) => (text += c.toString()));
        p.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`scenario ${SCENARIOS[i].name} exited ${code}`))));
      });
      console.log(JSON.stringify(JSON.parse(out.trim().split("\n").at(-1) ?? "{}")));
    }
  } finally {
    moto.proc?.kill();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
