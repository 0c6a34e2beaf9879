import { readFileSync } from "node:fs";
import { z } from "zod";
import { asList, parsePolicyStatements } from "../modules/core/iam";
import { ClassifiedChange, Finding, withFindings } from "./classify";
import { resources } from "./diff";
import { pipeGapBackfill } from "./snowflake";
import { StackSet } from "./synth-ref";
import { LakehouseError } from "../modules/core/errors";

/**
 * Terraform plans (`terraform show -json <planfile>`): which resources a plan deletes or replaces.
 * Only the plan knows a replacement — a synthesized diff shows an attribute changing, not that the
 * provider must destroy the bucket to change it.
 */

/** Bad `--plan` input: the message names the flag and the file. */
export class PlanInputError extends LakehouseError {
  constructor(message: string) {
    super(message, "failed");
  }
}

export interface PlanResourceChange {
  /** As in the plan: `aws_s3_bucket.Logs`, `aws_s3_bucket.Logs[0]`, `module.m.aws_s3_bucket.Logs`. */
  readonly address: string;
  readonly type: string;
  readonly actions: string[];
  /** Attribute paths that force the replacement, each a list of keys and indices. */
  readonly replacePaths: (string | number)[][];
  readonly actionReason?: string;
  /** The report's `type.name` for it, when the plan address is a plain or indexed top-level one. */
  readonly reportAddress?: string;
  /** Why the address could not be matched to the synthesized stack, or what was dropped (an index). */
  readonly addressNote?: string;
}

export interface StackPlan {
  readonly stack: string;
  readonly file: string;
  readonly changes: PlanResourceChange[];
}

const ACTIONS = ["no-op", "create", "read", "update", "delete", "forget"] as const;
const planSchema = z.object({
  format_version: z.string(),
  planned_values: z.record(z.string(), z.unknown()).optional(),
  resource_changes: z
    .array(
      z.object({
        address: z.string().min(1),
        module_address: z.string().optional(),
        mode: z.enum(["managed", "data"]).default("managed"),
        type: z.string().min(1),
        name: z.string().optional(),
        index: z.union([z.string(), z.number()]).optional(),
        action_reason: z.string().optional(),
        change: z.object({
          actions: z.array(z.enum(ACTIONS)).min(1),
          replace_paths: z.array(z.array(z.union([z.string(), z.number()]))).optional(),
        }),
      }),
    )
    .optional(),
});

/** `<stack>=<file>` of one `--plan`. */
export function parsePlanArgument(value: string): { stack: string; file: string } {
  const eq = value.indexOf("=");
  if (eq <= 0 || eq === value.length - 1)
    throw new PlanInputError(`--plan ${value}: expected <stack>=<file> (the stack's name, '=', then the output of terraform show -json <planfile>)`);
  return { stack: value.slice(0, eq), file: value.slice(eq + 1) };
}

/** The plan's top-level `type.name`, or a note saying why there is none. */
function reportAddressOf(r: { address: string; module_address?: string; type: string; name?: string; index?: string | number }): {
  reportAddress?: string;
  addressNote?: string;
} {
  if (r.module_address !== undefined || r.address.startsWith("module.")) {
    return {
      addressNote: `in module ${r.module_address ?? r.address.split(".").slice(0, 2).join(".")}: the synthesized stacks have no modules, so it is shown by its plan address`,
    };
  }
  const plain = /^([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)(\[.+\])?$/.exec(r.address);
  if (!plain) return { addressNote: "plan address not recognised: shown as it is" };
  return plain[2] ? { reportAddress: plain[1], addressNote: `instance ${plain[2]} of ${plain[1]}` } : { reportAddress: plain[1] };
}

/** Reads one plan file; throws PlanInputError naming the flag and file when it is not a JSON plan. */
export function readPlan(stack: string, file: string): StackPlan {
  const flag = `--plan ${stack}=${file}`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new PlanInputError(`${flag}: cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PlanInputError(`${flag}: ${file} is not JSON; pass the output of terraform show -json <planfile>, not the binary plan`);
  }
  const parsed = planSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new PlanInputError(`${flag}: ${file} is not a Terraform plan in JSON (terraform show -json <planfile>): ${problems.join("; ")}`);
  }
  if (parsed.data.resource_changes === undefined && parsed.data.planned_values === undefined) {
    throw new PlanInputError(`${flag}: ${file} has neither resource_changes nor planned_values: a state or other terraform show output, not a plan`);
  }
  const changes = (parsed.data.resource_changes ?? [])
    .filter((r) => r.mode === "managed")
    .map((r) => ({
      address: r.address,
      type: r.type,
      actions: r.change.actions,
      replacePaths: r.change.replace_paths ?? [],
      actionReason: r.action_reason,
      ...reportAddressOf(r),
    }));
  return { stack, file, changes };
}

/** `rule[0].filter` from `["rule", 0, "filter"]`. */
export function renderPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

// A stream holds its offset: a new one starts at its creation, so rows landed before it are never read.
const DATA_BEARING = new Set([
  "aws_s3_bucket",
  "aws_kms_key",
  "snowflake_table",
  "snowflake_stage",
  "snowflake_pipe",
  "snowflake_stream_on_table",
  "snowflake_storage_integration",
  "snowflake_database",
  "snowflake_schema",
]);
const isDataBearingType = (type: string) =>
  DATA_BEARING.has(type) || /^snowflake_(\w+_)?notification_integration$/.test(type) || /^snowflake_(\w+_)?stage(_\w+)?$/.test(type);

const REASONS: Record<string, string> = {
  replace_because_cannot_update: "an attribute cannot be changed in place",
  replace_because_tainted: "the resource is tainted",
  replace_by_request: "replacement was requested (-replace)",
  replace_by_triggers: "replace_triggered_by fired",
  delete_because_no_resource_config: "it is no longer in the configuration",
  delete_because_no_module: "its module is no longer in the configuration",
  delete_because_wrong_repetition: "count/for_each changed",
  delete_because_count_index: "its count index is gone",
  delete_because_each_key: "its for_each key is gone",
  delete_because_no_move_target: "its moved target is gone",
};

const actionMatches = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(action);

/**
 * Whether a role's policies (inline, `aws_iam_role_policy`, attached `aws_iam_policy`) allow reading
 * logs: s3:GetObject on a bucket of the stack set, or kms:Decrypt with a key that encrypts one (or
 * any key: `*`). Judged on the synthesized JSON; undefined when the role is not in it. A role that
 * decrypts only its alert topic's key does not read logs.
 */
export function roleReadsLogs(stacks: StackSet, stack: string, address: string): boolean | undefined {
  const all = [...resources(stacks).values()].filter((r) => r.stack === stack);
  const role = all.find((r) => r.address === address);
  if (!role) return undefined;
  const everything = [...resources(stacks).values()];
  const buckets = everything.filter((r) => r.type === "aws_s3_bucket");
  // S3 ARNs of any partition: `arn:aws:s3:::…`, `arn:aws-us-gov:s3:::…`, ….
  const onLogBucket = (arn: string) => {
    const s3 = /^arn:aws[a-z-]*:s3:::(.*)$/.exec(arn)?.[1];
    return (
      arn === "*" ||
      s3 === "*" ||
      buckets.some(
        (b) =>
          arn.startsWith(`\${${b.address}.`) || (typeof b.body.bucket === "string" && (s3 === b.body.bucket || s3?.startsWith(`${b.body.bucket}/`) === true)),
      )
    );
  };
  // Keys of bucket encryption: `${aws_kms_key.X.arn}` → `${aws_kms_key.X.`, or a literal key ARN.
  const logKeys = everything
    .filter((r) => r.type === "aws_s3_bucket_server_side_encryption_configuration")
    .flatMap((r) =>
      [...JSON.stringify(r.body.rule ?? []).matchAll(/"kms_master_key_id":"([^"]+)"/g)].map((m) => /^(\$\{aws_kms_key\.[^.]+\.)/.exec(m[1])?.[1] ?? m[1]),
    );
  const refersToRole = (v: unknown) => typeof v === "string" && (v.includes(`\${${address}.`) || (typeof role.body.name === "string" && v === role.body.name));
  const attached = new Set(all.filter((r) => r.type === "aws_iam_role_policy_attachment" && refersToRole(r.body.role)).map((r) => String(r.body.policy_arn)));
  const documents = [
    ...((role.body.inline_policy as { policy?: unknown }[] | undefined) ?? []).map((p) => p.policy),
    ...all.filter((r) => r.type === "aws_iam_role_policy" && refersToRole(r.body.role)).map((r) => r.body.policy),
    ...all.filter((r) => r.type === "aws_iam_policy" && [...attached].some((a) => a.includes(`\${${r.address}.`))).map((r) => r.body.policy),
  ];
  return documents.some((doc) =>
    (parsePolicyStatements(doc) ?? []).some((s) => {
      if (s.Effect !== "Allow") return false;
      const actions = asList(s.Action);
      const on = asList(s.Resource);
      const readsObjects = actions.some((a) => actionMatches(a, "s3:GetObject")) && on.some(onLogBucket);
      const decrypts = actions.some((a) => actionMatches(a, "kms:Decrypt")) && on.some((r) => r === "*" || logKeys.some((k) => r.startsWith(k)));
      return readsObjects || decrypts;
    }),
  );
}

/** What a plan's delete or replace of one resource weighs. */
function planFinding(p: PlanResourceChange, stack: string, base: StackSet, head: StackSet): Finding {
  const replace = p.actions.includes("delete") && p.actions.includes("create");
  const order = p.actions[0] === "create" ? "create then delete" : "delete then create";
  const forced = p.replacePaths.length > 0 ? `; forced by ${p.replacePaths.map(renderPath).join(", ")}` : "";
  const reason = p.actionReason ? ` (${REASONS[p.actionReason] ?? p.actionReason})` : "";
  const what = replace ? `replaced (${order})${reason}${forced}` : `deleted${reason}`;
  const path = p.replacePaths.length > 0 ? renderPath(p.replacePaths[0]) : undefined;
  const address = p.reportAddress ?? p.address;
  let dataBearing = isDataBearingType(p.type);
  let why = "the data it holds or guards is lost with the old one";
  if (p.type === "snowflake_stream_on_table")
    why = "a new stream starts at its creation: files landed but not yet flattened are never flattened (re-insert them from the landing table by hand)";
  if (p.type === "snowflake_pipe" && replace) {
    const body = [...resources(head).values()].find((r) => r.stack === stack && r.address === address)?.body;
    why = `files that land between the drop and the new pipe are never loaded; after the apply, run ${pipeGapBackfill(stack, body)}`;
  }
  if (p.type === "aws_iam_role") {
    const reads = roleReadsLogs(replace ? head : base, stack, address) ?? roleReadsLogs(replace ? base : head, stack, address);
    if (reads === undefined)
      return {
        severity: "high",
        rule: "plan.role-replaced",
        message: `${p.address} is ${what}: not in the synthesized stack, so whether it reads logs is unknown`,
        ...(path ? { path } : {}),
      };
    dataBearing = reads;
    why = "it reads logs (s3:GetObject on a log bucket or kms:Decrypt): trust set up for the old role (Snowflake integrations, key policies) breaks";
  }
  if (dataBearing)
    return {
      severity: "critical",
      rule: replace ? "plan.data-replaced" : "plan.data-deleted",
      message: `${p.address} is ${what}: ${why}`,
      ...(path ? { path } : {}),
    };
  return { severity: "low", rule: replace ? "plan.replaced" : "plan.deleted", message: `${p.address} is ${what}`, ...(path ? { path } : {}) };
}

export interface PlanCoverage {
  /** `none`: no plan given; `partial`: some stacks have none; `complete`: every stack has one. */
  readonly status: "none" | "partial" | "complete";
  readonly planned: string[];
  /** Stacks without a plan: their replacements and deletions are unknown. */
  readonly unplanned: string[];
  /** The unplanned stacks that have changes. */
  readonly unplannedWithChanges: string[];
  readonly message: string;
}

/**
 * Marks each change a plan deletes or replaces (a change the plan shows that the synthesized diff does
 * not, such as a replacement after a provider upgrade, is added), and says which stacks had no plan.
 */
export function applyPlans(
  changes: readonly ClassifiedChange[],
  plans: readonly StackPlan[],
  synth: { base: StackSet; head: StackSet },
): { changes: ClassifiedChange[]; coverage: PlanCoverage } {
  const stacks = [...new Set([...Object.keys(synth.base), ...Object.keys(synth.head)])].sort();
  for (const p of plans) {
    if (!stacks.includes(p.stack))
      throw new PlanInputError(`--plan ${p.stack}=${p.file}: no stack '${p.stack}' in the synthesized output (stacks: ${stacks.join(", ")})`);
  }
  const out = [...changes];
  for (const plan of plans) {
    for (const p of plan.changes) {
      if (!p.actions.includes("delete")) continue;
      const finding = planFinding(p, plan.stack, synth.base, synth.head);
      const planned = {
        action: p.actions.includes("create") ? ("replace" as const) : ("delete" as const),
        planAddress: p.address,
        replacePaths: p.replacePaths.map(renderPath),
        ...(p.addressNote ? { addressNote: p.addressNote } : {}),
      };
      const i = p.reportAddress === undefined ? -1 : out.findIndex((c) => c.stack === plan.stack && c.address === p.reportAddress);
      if (i >= 0) out[i] = withFindings({ ...out[i], planned }, [...out[i].findings, finding]);
      else
        out.push(
          withFindings({ stack: plan.stack, address: p.reportAddress ?? p.address, type: p.type, action: "planned" as const, attributes: [], planned }, [
            finding,
          ]),
        );
    }
  }
  const planned = plans.map((p) => p.stack).sort();
  const unplanned = stacks.filter((s) => !planned.includes(s));
  const changed = new Set(changes.map((c) => c.stack));
  const unplannedWithChanges = unplanned.filter((s) => changed.has(s));
  // The JSON lists every stack; the message names the first few.
  const names = (list: string[]) => (list.length > 20 ? `${list.slice(0, 20).join(", ")} and ${list.length - 20} more` : list.join(", "));
  const status = plans.length === 0 ? "none" : unplanned.length === 0 ? "complete" : "partial";
  const message =
    status === "none"
      ? "Replacements and deletions are unknown: no Terraform plan was given (--plan <stack>=<terraform show -json output>), so whether a change destroys and re-creates a bucket, key, table or role is not known."
      : status === "partial"
        ? `Replacements and deletions are unknown for ${unplanned.length} stack(s) without a plan: ${names(unplanned)}${unplannedWithChanges.length ? `; of them, with changes: ${names(unplannedWithChanges)}` : ""}.`
        : `Every stack has a plan: replacements and deletions are from the plans.`;
  return { changes: out, coverage: { status, planned, unplanned, unplannedWithChanges, message } };
}
