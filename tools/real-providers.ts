#!/usr/bin/env node
/**
 * The real-provider checks (scripts/real-providers.sh runs them in .ci/run):
 *
 *   real-providers validate [outdir…]  every stack of every example (or of the given synth outputs), `terraform validate` with the real AWS
 *                             provider (Snowflake references as unknown variables: see provider-copies)
 *   real-providers emulate    the default example's platform stack and three tenant stacks (one in an account of its own): the AWS
 *                             resources planned, applied to a local AWS emulator (moto's server),
 *                             planned again — the second plan must be empty. Nothing is destroyed:
 *                             the emulator and the copies' local state are discarded with the run
 *
 * Needs TF_CLI_CONFIG_FILE pointing at a filesystem mirror that holds the AWS provider (see
 * scripts/aws-provider.sh) and, for `emulate`, `--moto <moto_server binary>`.
 * Prints "<passed> passed, <failed> failed" last, as the other checks do.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { synthesizedStacks } from "../stacks/synth/manifest";
import { inScratch, runScript } from "./script";
import { synthExamples } from "./examples";
import { EmulatorCredentials, PreparedCopy, StackJson, absoluteAssets, forEmulator, forValidation, organizationFixture, retarget } from "./provider-copies";
import { PlanChange, emulatorDifferences, planChanges } from "./plan-check";
import { classify } from "../review/classify";
import { diffStacks } from "../review/diff";
import { applyPlans, readPlan } from "../review/plan";

/** The AWS provider version scripts/aws-provider.sh builds, validated here. */
export const VALIDATED_AWS_VERSION = "6.34.0";

/**
 * The default example's stacks applied to the emulator: the platform first (tenants log into its
 * bucket); umbrella for its puller and Firehose/Kinesis source; hooli, a tenant in an AWS account of its
 * own, whose providers assume its deploy role there (moto's STS hands out credentials it serves as that
 * account, as for the platform's management-account provider) and which logs into a bucket of its own.
 */
// tenant-hooli-prod is in an AWS account of its own: its provider assumes the deploy role there.
export const EMULATED_STACKS = ["platform-prod", "tenant-initech-prod", "tenant-umbrella-prod", "tenant-hooli-prod"];
/** The account the default example's environment providers allow (allowed_account_ids); the emulator answers as it unless a provider assumes a role elsewhere. */
const EMULATED_ACCOUNT = "111111111111";

export interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function terraform(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync("terraform", args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`terraform ${args[0]}: ${r.error.message}`);
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export function mustSucceed(what: string, r: Run): Run {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
  return r;
}

export function writeCopy(dir: string, copy: PreparedCopy): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify(copy.json, null, 2));
}

/** The stacks of a synth output, their asset paths made absolute (the copies are written elsewhere). */
export const stacksOf = (outdir: string) =>
  synthesizedStacks<StackJson>(outdir).map(({ name, json }) => {
    absoluteAssets(json, join(outdir, "stacks", name));
    return { name, json };
  });

interface Diagnostic {
  severity: "error" | "warning";
  summary: string;
  detail?: string;
  address?: string;
  range?: { filename: string; start: { line: number } };
}

/**
 * `terraform validate` of every stack of every example (or of the synth outputs given); every error
 * or warning is a failure.
 */
function validate(work: string, outdirs: string[]): number {
  const examples = outdirs.length > 0 ? Object.fromEntries(outdirs.map((d) => [d, d])) : synthExamples(join(work, "synth"));
  let passed = 0;
  let failed = 0;
  for (const [example, outdir] of Object.entries(examples)) {
    for (const { name, json } of stacksOf(outdir)) {
      const copy = forValidation(json, VALIDATED_AWS_VERSION);
      const dir = join(work, "validate", example, name);
      writeCopy(dir, copy);
      const started = Date.now();
      mustSucceed(`${example}/${name}: terraform init`, terraform(dir, ["init", "-backend=false", "-input=false", "-no-color"]));
      const result = JSON.parse(terraform(dir, ["validate", "-json", "-no-color"]).stdout) as { valid: boolean; diagnostics: Diagnostic[] };
      const resources = Object.values(copy.json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (result.valid && result.diagnostics.length === 0) {
        passed++;
        console.log(
          `✓ ${example}/${name}: ${resources} AWS resources valid (${copy.removed.length} Snowflake resources left to the schema check) in ${seconds} s`,
        );
        continue;
      }
      failed++;
      console.log(`✗ ${example}/${name}: ${result.diagnostics.length} diagnostic(s)`);
      for (const d of result.diagnostics)
        console.log(`    ${d.severity}: ${d.summary}${d.address ? ` (${d.address})` : ""}${d.detail ? ` — ${d.detail.split("\n")[0]}` : ""}`);
    }
  }
  console.log(`terraform validate with hashicorp/aws ${VALIDATED_AWS_VERSION}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/**
 * moto's server on a free loopback port, with credentials in the stacks' account. moto takes a
 * request's account from its access key; MOTO_ACCOUNT_ID would pin every request to one account, so a
 * provider that assumes a role in another account (a tenant in its own account) would still land in
 * the environment's. The credentials come from an AssumeRole into that account, as a deployer's would.
 */
export async function startEmulator(moto: string, logFile: string): Promise<{ endpoint: string; process: ChildProcess; credentials: EmulatorCredentials }> {
  const port = await freePort();
  // Its request log goes to a file, not a pipe: terraform runs synchronously here, so nothing would
  // drain a pipe, and moto blocks (every request with it) once the pipe buffer is full.
  const log = openSync(logFile, "w");
  const env = { ...process.env };
  delete env.MOTO_ACCOUNT_ID;
  const child = spawn(moto, ["-H", "127.0.0.1", "-p", String(port)], { env, stdio: ["ignore", log, log] });
  const tail = () => readFileSync(logFile, "utf8").slice(-4000);
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`moto server exited (${child.exitCode}):\n${tail()}`);
    try {
      const r = await fetch(`${endpoint}/moto-api/`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
    if (i === 99) {
      child.kill();
      throw new Error(`moto server did not answer on ${endpoint}:\n${tail()}`);
    }
  }
  return { endpoint, process: child, credentials: await emulatorCredentials(endpoint, EMULATED_ACCOUNT) };
}

/** STS AssumeRole into `account` on the emulator (moto checks no signature; it reads the service from the credential scope). */
async function emulatorCredentials(endpoint: string, account: string): Promise<EmulatorCredentials> {
  const body = new URLSearchParams({
    Action: "AssumeRole",
    Version: "2011-06-15",
    RoleArn: `arn:aws:iam::${account}:role/emulator-deployer`,
    RoleSessionName: "emulator",
    DurationSeconds: "43200",
  });
  const r = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: "AWS4-HMAC-SHA256 Credential=emulator/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0",
    },
    body,
  });
  const xml = await r.text();
  const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];
  const [accessKey, secretKey, sessionToken] = [field("AccessKeyId"), field("SecretAccessKey"), field("SessionToken")];
  if (!r.ok || !accessKey || !secretKey || !sessionToken)
    throw new Error(`the emulator's AssumeRole into ${account} failed (HTTP ${r.status}):\n${xml.slice(0, 2000)}`);
  return { accessKey, secretKey, sessionToken };
}

/**
 * Plan, apply, plan again (must be empty but for documented emulator differences), in `dir`. With
 * `savedPlan` (a plan file in `dir`, already initialized), that plan is applied instead of a new one.
 */
export function applyAndReplan(
  name: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  o: { savedPlan?: string } = {},
): { resources: number; applySeconds: number; remaining: PlanChange[]; excused: string[] } {
  const planFile = o.savedPlan ?? "first.tfplan";
  if (!o.savedPlan) {
    mustSucceed(`${name}: terraform init`, terraform(dir, ["init", "-input=false", "-no-color"], env));
    mustSucceed(`${name}: terraform plan`, terraform(dir, ["plan", "-input=false", "-no-color", `-out=${planFile}`], env));
  }
  const first = planChanges(JSON.parse(mustSucceed(`${name}: terraform show`, terraform(dir, ["show", "-json", planFile], env)).stdout));
  const started = Date.now();
  mustSucceed(`${name}: terraform apply`, terraform(dir, ["apply", "-input=false", "-no-color", "-auto-approve", planFile], env));
  const applySeconds = (Date.now() - started) / 1000;
  const excused = new Set<string>();
  // A second plan. What remains must be a known emulator difference: one the emulator never stores
  // is reported and accepted; one that converges (a re-tag) is applied once more, and the third plan
  // must not show it again.
  for (let round = 0; round < 2; round++) {
    mustSucceed(`${name}: terraform plan (after apply)`, terraform(dir, ["plan", "-input=false", "-no-color", "-out=again.tfplan"], env));
    const changes = planChanges(JSON.parse(mustSucceed(`${name}: terraform show`, terraform(dir, ["show", "-json", "again.tfplan"], env)).stdout));
    const split = emulatorDifferences(changes);
    for (const e of split.excused) excused.add(`${e.change.address}: ${e.reason}`);
    const converging = split.excused.filter((e) => e.converges).map((e) => e.change);
    if (split.ours.length > 0 || converging.length === 0) return { resources: first.length, applySeconds, remaining: split.ours, excused: [...excused] };
    if (round === 1) return { resources: first.length, applySeconds, remaining: converging, excused: [...excused] };
    mustSucceed(`${name}: terraform apply (emulator difference)`, terraform(dir, ["apply", "-input=false", "-no-color", "-auto-approve", "again.tfplan"], env));
  }
  throw new Error("unreachable");
}

/**
 * The plan-aware review on a real plan: head renames the applied tenant's log bucket, Terraform plans
 * it against the emulator's state, and the review must call the replacement critical, naming `bucket`.
 */
function reviewReplacedBucket(name: string, dir: string, copy: PreparedCopy, synthesized: StackJson, env: NodeJS.ProcessEnv): boolean {
  const rename = (json: StackJson) => {
    const renamed = JSON.parse(JSON.stringify(json)) as StackJson;
    // The tenant's log bucket (the stack also holds its backup vault).
    const [address, bucket] =
      Object.entries(renamed.resource!.aws_s3_bucket).find(([id]) => id.startsWith("LogBucket_")) ?? Object.entries(renamed.resource!.aws_s3_bucket)[0];
    bucket.bucket = `${String(bucket.bucket)}-v2`;
    return { renamed, address: `aws_s3_bucket.${address}` };
  };
  const head = rename(copy.json);
  const original = readFileSync(join(dir, "main.tf.json"), "utf8");
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify(head.renamed, null, 2));
  try {
    mustSucceed(`${name}: terraform plan (renamed bucket)`, terraform(dir, ["plan", "-input=false", "-no-color", "-out=renamed.tfplan"], env));
    writeFileSync(join(dir, "renamed-plan.json"), mustSucceed(`${name}: terraform show`, terraform(dir, ["show", "-json", "renamed.tfplan"], env)).stdout);
  } finally {
    writeFileSync(join(dir, "main.tf.json"), original);
  }
  const base = { [name]: synthesized } as Parameters<typeof diffStacks>[0];
  const headStacks = { [name]: rename(synthesized).renamed } as Parameters<typeof diffStacks>[0];
  const { changes } = applyPlans(classify(diffStacks(base, headStacks)), [readPlan(name, join(dir, "renamed-plan.json"))], { base, head: headStacks });
  const bucket = changes.find((c) => c.stack === name && c.address === head.address);
  const finding = bucket?.findings.find((f) => f.rule === "plan.data-replaced");
  const ok = bucket?.severity === "critical" && finding !== undefined && /bucket/.test(finding.message);
  console.log(
    `${ok ? "✓" : "✗"} ${name}: a renamed log bucket, planned against the emulator, is ${bucket?.severity ?? "not reported"} in the review${finding ? ` (${finding.message})` : ""}`,
  );
  return ok;
}

/**
 * The organization and the SCP targets a stack attaches policies to live outside it: made first in
 * the emulator, as stand-ins (`dir/fixture`). Returns each target's stand-in, for `retarget`;
 * undefined when the stack attaches no policy.
 */
export function applyOrganizationFixture(name: string, copy: StackJson, dir: string, env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  const fixture = organizationFixture(copy, join(dir, "fixture", "terraform.tfstate"));
  if (!fixture) return undefined;
  const fixtureDir = join(dir, "fixture");
  writeCopy(fixtureDir, { json: fixture.json, removed: [] });
  mustSucceed(`${name} fixture: terraform init`, terraform(fixtureDir, ["init", "-input=false", "-no-color"], env));
  mustSucceed(`${name} fixture: terraform apply`, terraform(fixtureDir, ["apply", "-input=false", "-no-color", "-auto-approve"], env));
  const outputs = JSON.parse(mustSucceed(`${name} fixture: terraform output`, terraform(fixtureDir, ["output", "-json"], env)).stdout) as Record<
    string,
    { value: string }
  >;
  const standIns = Object.fromEntries(fixture.targets.map((t, i) => [t, outputs[`target_${i}`].value]));
  console.log(`${name}: SCP targets ${fixture.targets.join(", ")} stand in as emulator OUs ${Object.values(standIns).join(", ")}`);
  return standIns;
}

async function emulate(work: string, moto: string, only: readonly string[] = []): Promise<number> {
  const examples = synthExamples(join(work, "synth"));
  const stacks = new Map(stacksOf(examples.default).map((s) => [s.name, s.json]));
  const emulator = await startEmulator(moto, join(work, "moto.log"));
  const env = { HTTP_PROXY: emulator.endpoint, HTTPS_PROXY: emulator.endpoint, NO_PROXY: "127.0.0.1,localhost", AWS_EC2_METADATA_DISABLED: "true" };
  let passed = 0;
  let failed = 0;
  try {
    for (const name of only.length > 0 ? only : EMULATED_STACKS) {
      if (!stacks.has(name)) throw new Error(`--stack ${name}: the default example has no such stack (${[...stacks.keys()].join(", ")})`);
      const dir = join(work, "emulate", name);
      const copy = forEmulator(stacks.get(name)!, {
        endpoint: emulator.endpoint,
        statePath: join(dir, "terraform.tfstate"),
        awsVersion: VALIDATED_AWS_VERSION,
        credentials: emulator.credentials,
      });
      const standIns = applyOrganizationFixture(name, copy.json, dir, env);
      if (standIns) retarget(copy.json, standIns);
      writeCopy(dir, copy);
      console.log(`${name}: ${copy.removed.length} resources left out by rule:`);
      for (const r of copy.removed.filter((x) => !x.reason.startsWith("Snowflake resource"))) console.log(`  - ${r.address} (${r.reason})`);
      const result = applyAndReplan(name, dir, env);
      for (const e of result.excused) console.log(`    emulator difference: ${e}`);
      if (result.remaining.length === 0) {
        passed++;
        console.log(
          `✓ ${name}: ${result.resources} AWS resources applied in ${result.applySeconds.toFixed(0)} s; the plan after apply is empty${result.excused.length ? " but for the emulator differences above" : ""}`,
        );
        if (name.startsWith("tenant-")) {
          if (reviewReplacedBucket(name, dir, copy, stacks.get(name)!, env)) passed++;
          else failed++;
        }
      } else {
        failed++;
        console.log(`✗ ${name}: the plan after apply is not empty:`);
        for (const c of result.remaining) console.log(`    ${c.actions.join("/")} ${c.address}: ${c.attributes.join(", ")}`);
      }
    }
  } finally {
    emulator.process.kill();
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!process.env.TF_CLI_CONFIG_FILE)
    throw new Error("TF_CLI_CONFIG_FILE is not set: run scripts/real-providers.sh, which builds the provider and its mirror");
  return inScratch("real-providers", async (work) => {
    if (command === "validate") return validate(work, rest);
    if (command === "emulate") {
      const moto = rest[rest.indexOf("--moto") + 1];
      if (!rest.includes("--moto") || !moto) throw new Error("emulate needs --moto <path to moto_server>");
      // --stack NAME (repeatable) applies only those stacks, to reproduce one.
      const only = rest.flatMap((a, i) => (rest[i - 1] === "--stack" ? [a] : []));
      return await emulate(work, moto, only);
    }
    throw new Error(`usage: real-providers validate | emulate --moto <moto_server> [--stack NAME ...]`);
  });
}

if (require.main === module) runScript("real-providers", main);
