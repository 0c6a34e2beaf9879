#!/usr/bin/env node
/**
 * `npm run check:schemas`: every stack of every example (or of the synth outputs named on the
 * command line) checked against the provider schemas in ../shared/provider-schemas (or
 * $LAKEHOUSE_PROVIDER_SCHEMAS). Fails when the schemas are missing or any finding is not accepted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { packageRoot } from "../modules/core/package-root";
import { synthExamples } from "./examples";
import { synthesizedStacks } from "../stacks/synth/manifest";
import { AcceptedDeprecations, StackJsonForCheck, checkStackAgainstSchemas, loadProviderSchemas } from "./provider-schema-check";

/** The schema files and the provider versions they describe. */
export const SCHEMA_FILES = [
  { file: "aws-6.34.0.json.gz", provider: "hashicorp/aws", version: "6.34.0" },
  { file: "snowflake-2.11.0.json", provider: "snowflakedb/snowflake", version: "2.11.0" },
];

/**
 * Where the schemas are: $LAKEHOUSE_PROVIDER_SCHEMAS when set, else the team's shared folder beside
 * the checkout or at /work/shared. Never copied into the repository (they are the providers' own).
 */
export function providerSchemasDir(): string {
  if (process.env.LAKEHOUSE_PROVIDER_SCHEMAS) return process.env.LAKEHOUSE_PROVIDER_SCHEMAS;
  const candidates = [resolve(packageRoot(), "..", "shared", "provider-schemas"), "/work/shared/provider-schemas"];
  return candidates.find((dir) => existsSync(dir)) ?? candidates.join(" or ");
}

/** Deprecated attributes kept on purpose, each with its reason (`<type>.<attribute>` → reason). */
export function acceptedDeprecations(): AcceptedDeprecations {
  const accepted = JSON.parse(readFileSync(join(packageRoot(), "tools", "provider-deprecations-accepted.json"), "utf8")) as AcceptedDeprecations;
  for (const [key, reason] of Object.entries(accepted)) {
    if (key.startsWith("$")) continue;
    if (typeof reason !== "string" || reason.trim().length < 30)
      throw new Error(`tools/provider-deprecations-accepted.json: ${key} needs a written reason (30 characters or more)`);
  }
  return accepted;
}

function main(args: string[]): number {
  const schemas = loadProviderSchemas(
    providerSchemasDir(),
    SCHEMA_FILES.map((s) => s.file),
  );
  const accepted = acceptedDeprecations();
  const scratch = args.length === 0 ? mkdtempSync(join(tmpdir(), "schema-check-")) : undefined;
  try {
    const outdirs = scratch ? Object.values(synthExamples(scratch)) : args;
    let passed = 0;
    let failed = 0;
    let resources = 0;
    let unverified = 0;
    for (const outdir of outdirs) {
      for (const { name: stack, json } of synthesizedStacks<StackJsonForCheck>(outdir)) {
        resources += Object.values((json.resource ?? {}) as Record<string, object>).reduce((n, byName) => n + Object.keys(byName).length, 0);
        const all = checkStackAgainstSchemas(json, schemas, accepted);
        const findings = all.filter((f) => f.kind !== "unverified");
        unverified += all.length - findings.length;
        if (findings.length === 0) {
          passed++;
          continue;
        }
        failed++;
        console.log(`✗ ${stack}: ${findings.length} finding(s)`);
        for (const f of findings) console.log(`    ${f.address}${f.path ? ` ${f.path}` : ""} [${f.kind}] ${f.message}`);
      }
    }
    const used = Object.keys(accepted).filter((k) => !k.startsWith("$"));
    console.log(
      `provider schemas (${SCHEMA_FILES.map((s) => `${s.provider} ${s.version}`).join(", ")}): ${resources} resources in ${passed + failed} stacks; ${used.length} deprecation(s) accepted with a reason; ${unverified} \`description\` attribute(s) left to terraform validate (the schema files had descriptions stripped)`,
    );
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`check-provider-schemas: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
