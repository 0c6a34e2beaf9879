import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnowflakeProvider } from "@cdktf/provider-snowflake/lib/provider";

export type Resources = Record<string, Record<string, Record<string, unknown>>>;
export interface SynthJson {
  resource: Resources;
  provider?: Record<string, Record<string, unknown>[]>;
  terraform: Record<string, unknown>;
  output?: Record<string, { value: unknown; description?: string; sensitive?: boolean }>;
}

/** A stack with both providers, for module tests. */
export function testStack(): TerraformStack {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new SnowflakeProvider(stack, "snowflake", { organizationName: "ORG", accountName: "ACCT" });
  return stack;
}

export function synthJson(stack: TerraformStack): SynthJson {
  return JSON.parse(Testing.synth(stack)) as SynthJson;
}

/** Like synthJson, but keeps the `//` metadata blocks (where module stamps live for every resource). */
export function synthWithMetadata(stack: TerraformStack): SynthJson {
  Testing.synth(stack); // runs the aspects
  return JSON.parse(JSON.stringify(stack.toTerraform())) as SynthJson;
}

/** The module stamp in a resource's `//` block. */
export { moduleStampOf as stampOf } from "../../modules/core/stamp";

/** All resources of a type, as a list of their attribute objects. */
export function resourcesOf(json: SynthJson, type: string): Record<string, unknown>[] {
  return Object.values(json.resource[type] ?? {});
}

/** The only resource of a type (fails the test if there is not exactly one). */
export function onlyResource(json: SynthJson, type: string): Record<string, unknown> {
  const all = resourcesOf(json, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

interface Statement {
  Sid: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** Parses a policy attribute and returns its statements by Sid. */
export function statementsBySid(policy: unknown): Record<string, Statement> {
  const doc = JSON.parse(String(policy)) as { Statement: Statement[] };
  return Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
}
