/**
 * Synth benchmark (`npm run bench`): synth time, peak RSS and resources per stack for the default
 * example and for generated configs up to 1000 tenants × 10 sources (in one process, and spread over
 * worker processes as `lakehouse synth` does by default), one tenant's stack out of the 1000 × 10
 * config, and two floors measured in the same run on the same resources: typed provider classes
 * written directly (what a user without this library would write: no config layer, no validation, no
 * guardrails) and untyped `TerraformResource`s. Each case runs in a child process of its own so peak
 * RSS is its own (the worker processes report theirs).
 * A benchmark, not a test: it prints figures and flags targets, it does not fail CI.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnowflakeProvider } from "@cdktf/provider-snowflake/lib/provider";
import { App, TerraformProvider, TerraformResource, TerraformStack, Token } from "cdktf";
import { synthLakehouse } from "../stacks/synth/in-process";
import { withoutTokenStackTraces } from "../stacks/synth/build";
import { synthLakehouseInParallel } from "../stacks/synth/parallel";
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
  /** typed case: whether it wrote exactly the resources it replayed. */
  sameResources?: boolean;
}

const REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"] as const;

/**
 * Tenants per AWS account in generated configs: an account holds at most 1,000 IAM roles by default and
 * each generated source has one, so larger configs spread their tenants over accounts as an MSSP would
 * (the first 50 in the environment's account, then 50 per account of their own).
 */
const TENANTS_PER_ACCOUNT = 50;

/** A config of `tenants` tenants × `sources` sources, spread over three regions (and over AWS accounts, 50 tenants each). */
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
      ...(t >= TENANTS_PER_ACCOUNT ? { awsAccountId: String(200_000_000_000 + Math.floor(t / TENANTS_PER_ACCOUNT)) } : {}),
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

type StackJson = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  provider?: Record<string, (Record<string, unknown> & { alias?: string })[]>;
};

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

/** Provider-class property names: camelCase, with the few names the generator had to rename. */
const RENAMED: Record<string, string> = { equals: "equalTo" };
const camel = (key: string) => RENAMED[key] ?? key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
/** Map-valued attributes whose keys are data, not attribute names. */
const DATA_MAPS = new Set(["tags", "tags_all", "variables", "environment"]);
const META = new Set(["//", "depends_on", "lifecycle", "provider", "count", "for_each"]);

function typedConfig(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(typedConfig);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), DATA_MAPS.has(k) ? v : typedConfig(v)]));
}

/** The typed provider class of a resource type, by deep path (`aws_s3_bucket` → lib/s3-bucket S3Bucket). */
function providerClass(type: string): new (scope: TerraformStack, id: string, config: unknown) => TerraformResource {
  const [provider, ...rest] = type.split("_");
  const pkg = provider === "aws" ? "@cdktf/provider-aws" : "@cdktf/provider-snowflake";
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(`${pkg}/lib/${rest.join("-")}`) as Record<string, { tfResourceType?: string }>;
  // Found by its resource type: some class names carry a suffix (S3BucketServerSideEncryptionConfigurationA).
  const found = Object.values(mod).find((c) => typeof c === "function" && (c as { tfResourceType?: string }).tfResourceType === type);
  if (!found) throw new Error(`no typed class for ${type}`);
  return found as never;
}

const REFERENCE = /\$\{((?:aws|snowflake)_[a-z0-9_]+)\.([A-Za-z0-9_]+)\.([a-z0-9_.[\]]+)\}/g;

/** The resources a value refers to (`${type.name.attr}`), as `type.name`. */
function referencesIn(value: unknown, out: Set<string>): Set<string> {
  if (typeof value === "string") for (const m of value.matchAll(REFERENCE)) out.add(`${m[1]}.${m[2]}`);
  else if (Array.isArray(value)) value.forEach((v) => referencesIn(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => referencesIn(v, out));
  return out;
}

/** `value` with every reference to a built resource written as that resource's attribute token, as a user would. */
function withTokens(value: unknown, built: Map<string, TerraformResource>): unknown {
  if (typeof value === "string")
    return value.replace(REFERENCE, (whole, type: string, name: string, attr: string) => {
      const target = built.get(`${type}.${name}`);
      return target ? Token.asString(target.interpolationForAttribute(attr)) : whole;
    });
  if (Array.isArray(value)) return value.map((v) => withTokens(v, built));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTokens(v, built)]));
  return value;
}

/**
 * Typed direct cdktf: the same resources written with the typed provider classes, as a user would
 * without this library — references as attribute tokens (`bucket.arn`), `dependsOn` as constructs,
 * resources built after what they refer to — but no config layer, validation, guardrails, aspects or
 * module constructs. The JSON is read before the clock starts.
 */
function synthTyped(outdir: string, stacks: [string, StackJson][]): void {
  const app = new App({ outdir });
  for (const [name, json] of stacks) {
    const stack = new TerraformStack(app, name);
    const providers = new Map<string, TerraformProvider>();
    for (const [provider, configs] of Object.entries(json.provider ?? {})) {
      const Provider = provider === "aws" ? AwsProvider : SnowflakeProvider;
      for (const c of configs)
        providers.set(c.alias ? `${provider}.${c.alias}` : provider, new Provider(stack, `${provider}${c.alias ?? ""}`, typedConfig(c) as never));
    }
    const pending = new Map<string, { type: string; id: string; attributes: Record<string, unknown> }>(
      Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
        Object.entries(byName).map(
          ([id, attributes]) => [`${type}.${id}`, { type, id, attributes }] as [string, { type: string; id: string; attributes: Record<string, unknown> }],
        ),
      ),
    );
    const built = new Map<string, TerraformResource>();
    const build = (address: string) => {
      const r = pending.get(address);
      if (!r || built.has(address)) return;
      pending.delete(address);
      const needs = referencesIn(r.attributes, new Set((r.attributes.depends_on as string[] | undefined) ?? []));
      for (const n of needs) build(n);
      const props = Object.fromEntries(Object.entries(r.attributes).filter(([k]) => !META.has(k)));
      const Resource = providerClass(r.type);
      const dependsOn = ((r.attributes.depends_on as string[] | undefined) ?? []).flatMap((d) => (built.has(d) ? [built.get(d)!] : []));
      const provider = typeof r.attributes.provider === "string" ? providers.get(r.attributes.provider) : undefined;
      const resource = new Resource(stack, r.id, {
        ...(typedConfig(withTokens(props, built)) as object),
        ...(dependsOn.length > 0 ? { dependsOn } : {}),
        ...(provider ? { provider } : {}),
      });
      if (r.attributes.lifecycle !== undefined) resource.addOverride("lifecycle", r.attributes.lifecycle);
      built.set(address, resource);
    };
    for (const address of [...pending.keys()]) build(address);
  }
  app.synth();
}

/** Whether `outdir` holds exactly the resources of `stacks` (cdktf's `//` metadata aside). */
function sameResourcesAs(outdir: string, stacks: [string, StackJson][]): boolean {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .filter((k) => k !== "//")
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  const written = new Map(loadStacks(outdir));
  return stacks.every(([name, json]) => JSON.stringify(canonical(json.resource)) === JSON.stringify(canonical(written.get(name)?.resource)));
}

const GENERATED = /^(\d+)x(\d+)$/;

/** Child-process entry: runs one case and prints its result as JSON. */
async function runCase(kind: string, arg: string, keep?: string): Promise<void> {
  const outdir = join(mkdtempSync(join(tmpdir(), "bench-")), "out");
  const replay = kind === "bare" || kind.startsWith("typed") ? loadStacks(arg) : [];
  let workerPeakRssMb: number[] = [];
  let name = `${kind} ${arg}`.trim();
  const start = process.hrtime.bigint();
  if (kind === "default") {
    synthLakehouse(loadConfigFile(join(__dirname, "..", "..", "examples", "default", "lakehouse.yaml")), outdir);
  } else if (kind === "generated" || kind === "parallel" || kind === "one-tenant") {
    const [, tenants, sources] = GENERATED.exec(arg)!.map(Number);
    // The config is generated and validated inside the clock: `lakehouse synth` reads and checks it too.
    const config = parseConfig(generatedConfig(tenants, sources));
    if (kind === "generated") synthLakehouse(config, outdir);
    else if (kind === "one-tenant") {
      const stack = `tenant-tenant${Math.floor(tenants / 2)}-prod`;
      synthLakehouse(config, outdir, { stacks: [stack] });
      name = `${arg}: ${stack} alone`;
    } else {
      const r = await synthLakehouseInParallel(config, outdir);
      workerPeakRssMb = r.workerPeakRssMb;
      name = `${arg}, ${r.jobs} jobs`;
    }
  } else if (kind === "bare") {
    synthBare(outdir, replay);
    name = "untyped cdktf, same resources";
  } else if (kind === "typed") {
    synthTyped(outdir, replay);
    name = "typed cdktf, same resources";
  } else if (kind === "typed-untraced") {
    // The floor with the one cdktf-level saving our synth makes, for a like-for-like ratio.
    withoutTokenStackTraces(() => synthTyped(outdir, replay));
    name = "typed, traces unformatted";
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const counts = countOutput(outdir);
  // The typed floor is only a floor if it wrote the same resources: checked outside the clock.
  const sameResources = kind.startsWith("typed") ? sameResourcesAs(outdir, replay) : undefined;
  if (keep) execFileSync("cp", ["-r", outdir, keep]);
  rmSync(outdir, { recursive: true, force: true });
  const peakRssMb = Math.max(process.resourceUsage().maxRSS / 1024, ...workerPeakRssMb);
  process.stdout.write(JSON.stringify({ name, seconds, peakRssMb, sameResources, ...counts }));
}

function child(kind: string, arg = "", keep?: string): CaseResult {
  const out = execFileSync(process.execPath, [__filename, "--case", kind, arg, ...(keep ? [keep] : [])], { encoding: "utf8", maxBuffer: 1 << 26 });
  return JSON.parse(out) as CaseResult;
}

function row(r: CaseResult): string {
  return [
    r.name.padEnd(30),
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
  const header = `${"case".padEnd(30)} ${"stacks".padStart(6)} ${"resources".padStart(9)} ${"res/stack".padStart(9)} ${"max/stk".padStart(8)} ${"synth s".padStart(8)} ${"µs/resrc".padStart(10)} ${"peak MB".padStart(9)}`;
  console.log(header);
  const show = (r: CaseResult) => (console.log(row(r)), r);
  const kept = join(mkdtempSync(join(tmpdir(), "bench-keep-")), "out");
  show(child("default"));
  // In one process (jobs 1): time per resource from 100 to 1000 tenants, and the floors on 250 × 10.
  const scaling = ["100x10", "250x10", "1000x10"].map((arg) => show(child("generated", arg, arg === "250x10" ? kept : undefined)));
  const typed = show(child("typed", kept));
  const typedUntraced = show(child("typed-untraced", kept));
  const bare = show(child("bare", kept));
  rmSync(dirname(kept), { recursive: true, force: true });
  const parallel = show(child("parallel", "1000x10"));
  const one = show(child("one-tenant", "1000x10"));

  const perResource = scaling.map((r) => r.seconds / r.resources);
  const spread = Math.max(...perResource) / Math.min(...perResource) - 1;
  const ours = scaling[1];
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  console.log("");
  console.log(
    `time per resource, 100 → 1000 tenants × 10 (jobs 1): ${perResource.map((p) => (p * 1e6).toFixed(0)).join(" / ")} µs, spread ${(spread * 100).toFixed(0)} % (target ±15 %) ${verdict(spread <= 0.15)}`,
  );
  console.log(
    `1000 × 10, default jobs: ${parallel.seconds.toFixed(1)} s (target < 60) ${verdict(parallel.seconds < 60)}; peak ${parallel.peakRssMb.toFixed(0)} MB in any one process (target < 2048) ${verdict(parallel.peakRssMb < 2048)}`,
  );
  console.log(`one tenant's stack out of 1000 × 10: ${one.seconds.toFixed(2)} s (target < 3) ${verdict(one.seconds < 3)}`);
  console.log(
    `ratio to typed direct cdktf (250 × 10, same resources${typed.sameResources ? ", checked identical" : " — NOT identical, ratio meaningless"}): ${(ours.seconds / typed.seconds).toFixed(2)} (target ≤ 1.2) ${verdict(ours.seconds / typed.seconds <= 1.2)}`,
  );
  console.log(
    `ratio to typed cdktf with token traces unformatted as ours (same resources${typedUntraced.sameResources ? ", checked identical" : " — NOT identical"}): ${(ours.seconds / typedUntraced.seconds).toFixed(2)}`,
  );
  console.log(`ratio to untyped cdktf (250 × 10, same resources): ${(ours.seconds / bare.seconds).toFixed(2)}`);
}

if (require.main === module) {
  if (process.argv[2] === "--case")
    runCase(process.argv[3], process.argv[4] ?? "", process.argv[5]).catch((e) => {
      console.error(e);
      process.exit(1);
    });
  else mainBench();
}
