/**
 * Synth benchmark (`npm run bench`): synth time, peak RSS and resources per stack for the default
 * example and for generated configs up to 500 tenants × 5 sources, and the ratio of our synth time to
 * bare cdktf constructs (the same resources replayed as untyped TerraformResources) measured in the
 * same run. Each case runs in a child process of its own so peak RSS is its own.
 * A benchmark, not a test: it prints figures and flags targets, it does not fail CI.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { App, TerraformResource, TerraformStack } from "cdktf";
import { synthLakehouse } from "../stacks/app";
import { loadConfigFile, parseConfig } from "../stacks/config/load";
import { LakehouseConfigInput } from "../stacks/config/schema";

interface CaseResult {
  name: string;
  stacks: number;
  resources: number;
  maxResourcesPerStack: number;
  attributes: number;
  seconds: number;
  peakRssMb: number;
}

const REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"] as const;

/** A config of `tenants` tenants × `sources` sources, spread over three regions. */
export function generatedConfig(tenants: number, sources: number): LakehouseConfigInput {
  return {
    organization: "bench",
    environments: [
      {
        name: "prod",
        awsAccountId: "111111111111",
        snowflakeAccounts: REGIONS.map((region, i) => ({ region, organization: "BENCH", account: `ACCT${i}` })),
      },
    ],
    tenants: Array.from({ length: tenants }, (_, t) => ({
      id: `tenant${t}`,
      region: REGIONS[t % REGIONS.length],
      sources: Array.from({ length: sources }, (_, s) => ({
        name: `source${s}`,
        delivery: { kind: "puller" as const },
        eventTimeField: "event.time",
        views: { [`SOURCE${s}_VIEW`]: "event_time, data:actor::string AS actor, ARRAY_CONSTRUCT(data:ip) AS ip_indicators" },
      })),
    })),
  };
}

function countOutput(outdir: string): Omit<CaseResult, "name" | "seconds" | "peakRssMb"> {
  const dir = join(outdir, "stacks");
  let resources = 0;
  let attributes = 0;
  let maxResourcesPerStack = 0;
  const stacks = readdirSync(dir);
  for (const stack of stacks) {
    const json = JSON.parse(readFileSync(join(dir, stack, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, object>> };
    let here = 0;
    for (const byName of Object.values(json.resource ?? {})) {
      for (const r of Object.values(byName)) {
        here++;
        attributes += Object.keys(r).length;
      }
    }
    resources += here;
    maxResourcesPerStack = Math.max(maxResourcesPerStack, here);
  }
  return { stacks: stacks.length, resources, maxResourcesPerStack, attributes };
}

type StackJson = { resource?: Record<string, Record<string, Record<string, unknown>>> };

/**
 * Bare cdktf: the very same resources (type, name, every attribute value) as our synthesized output,
 * replayed as untyped `TerraformResource`s in the same number of stacks — no provider classes, no
 * validation, no aspects. The JSON is read before the clock starts.
 */
function loadStacks(outdir: string): [string, StackJson][] {
  const dir = join(outdir, "stacks");
  return readdirSync(dir).map((s) => [s, JSON.parse(readFileSync(join(dir, s, "cdk.tf.json"), "utf8")) as StackJson]);
}

function synthBare(outdir: string, stacks: [string, StackJson][]): void {
  const app = new App({ outdir });
  for (const [name, json] of stacks) {
    const stack = new TerraformStack(app, name);
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      for (const [id, attributes] of Object.entries(byName)) {
        const resource = new TerraformResource(stack, id, { terraformResourceType: type });
        for (const [key, value] of Object.entries(attributes)) if (key !== "//") resource.addOverride(key, value);
      }
    }
  }
  app.synth();
}

/** Child-process entry: runs one case and prints its result as JSON. */
function runCase(kind: string, arg: string, keep?: string): void {
  const outdir = join(mkdtempSync(join(tmpdir(), "bench-")), "out");
  const replay = kind === "bare" ? loadStacks(arg) : [];
  const start = process.hrtime.bigint();
  if (kind === "default") {
    synthLakehouse(loadConfigFile(join(__dirname, "..", "..", "examples", "default", "lakehouse.yaml")), outdir);
  } else if (kind === "generated") {
    const [tenants, sources] = arg.split("x").map(Number);
    synthLakehouse(parseConfig(generatedConfig(tenants, sources)), outdir);
  } else if (kind === "bare") {
    synthBare(outdir, replay);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const counts = countOutput(outdir);
  if (keep) execFileSync("cp", ["-r", outdir, keep]);
  rmSync(outdir, { recursive: true, force: true });
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ name: kind === "bare" ? "bare cdktf, same resources" : `${kind} ${arg}`.trim(), seconds, peakRssMb, ...counts }));
}

function child(kind: string, arg = "", keep?: string): CaseResult {
  const out = execFileSync(process.execPath, [__filename, "--case", kind, arg, ...(keep ? [keep] : [])], { encoding: "utf8", maxBuffer: 1 << 26 });
  return JSON.parse(out) as CaseResult;
}

function row(r: CaseResult): string {
  return [
    r.name.padEnd(26),
    String(r.stacks).padStart(6),
    String(r.resources).padStart(9),
    (r.resources / r.stacks).toFixed(1).padStart(9),
    String(r.maxResourcesPerStack).padStart(8),
    r.seconds.toFixed(2).padStart(8),
    ((r.seconds * 1e6) / r.resources).toFixed(0).padStart(10),
    r.peakRssMb.toFixed(0).padStart(9),
  ].join(" ");
}

function mainBench(): void {
  const header = `${"case".padEnd(26)} ${"stacks".padStart(6)} ${"resources".padStart(9)} ${"res/stack".padStart(9)} ${"max/stk".padStart(8)} ${"synth s".padStart(8)} ${"µs/resrc".padStart(10)} ${"peak MB".padStart(9)}`;
  console.log(header);
  const results: CaseResult[] = [];
  const kept = join(mkdtempSync(join(tmpdir(), "bench-keep-")), "out");
  for (const [kind, arg] of [["default", ""], ["generated", "100x5"], ["generated", "250x5"], ["generated", "500x5"]] as const) {
    const r = child(kind, arg, arg === "500x5" ? kept : undefined);
    results.push(r);
    console.log(row(r));
  }
  const large = results[results.length - 1];
  const bare = child("bare", kept);
  rmSync(dirname(kept), { recursive: true, force: true });
  console.log(row(bare));

  const perResource = results.slice(1).map((r) => r.seconds / r.resources);
  const linearity = perResource[perResource.length - 1] / perResource[0];
  const ratio = large.seconds / bare.seconds;
  console.log("");
  console.log(`linearity: time per resource at 500x5 / at 100x5 = ${linearity.toFixed(2)} (1.00 is perfectly linear)`);
  console.log(`500x5: ${large.seconds.toFixed(1)} s (target < 60) ${large.seconds < 60 ? "ok" : "MISSED"}; peak ${large.peakRssMb.toFixed(0)} MB (target < 2048) ${large.peakRssMb < 2048 ? "ok" : "MISSED"}`);
  console.log(`ratio to bare cdktf: ${ratio.toFixed(2)} (target < 2) ${ratio < 2 ? "ok" : "MISSED"}`);
}

if (require.main === module) {
  if (process.argv[2] === "--case") runCase(process.argv[3], process.argv[4] ?? "", process.argv[5]);
  else mainBench();
}
