/**
 * The upgrade check's rule (tools/upgrade-check.ts runs it on real plans): a release may not delete or
 * replace a resource that holds or guards data unless the CHANGELOG's section of that release names
 * the resource with its migration. A `moved` block needs no such line — Terraform then plans a move,
 * not a delete — so the only migration that excuses a planned delete is an upgrade guide under
 * docs/upgrading/ that the line links to and that names the resource too. Pure: plans, CHANGELOG
 * and guides in, findings and figures out.
 */

/** Resource types whose delete or replacement loses data, or the means to read or keep it. */
export const DATA_BEARING: Readonly<Record<string, string>> = {
  aws_s3_bucket: "holds the logs (or their backup copies); a new bucket is empty",
  aws_kms_key: "encrypts the logs; once deleted, what it encrypted cannot be read",
  aws_cloudwatch_log_group: "holds log events; a new group is empty",
  aws_kinesis_stream: "holds the records not yet delivered",
  aws_kinesis_firehose_delivery_stream: "buffers records not yet delivered",
  aws_sqs_queue: "holds the messages not yet processed (dead letters included)",
  aws_secretsmanager_secret: "holds a credential put in out of band; a new secret is empty and the puller stops",
  snowflake_database: "holds the tables",
  snowflake_schema: "holds the tables",
  snowflake_table: "holds the loaded events",
  snowflake_stage: "points the pipes at the logs",
  snowflake_pipe: "loads the logs; its load history goes with it",
  snowflake_stream_on_table: "holds the offset of rows not yet flattened",
  snowflake_storage_integration: "is trusted by the access role; a new one breaks that trust",
};

export interface PlanJson {
  resource_changes?: {
    address: string;
    previous_address?: string;
    mode?: string;
    type: string;
    action_reason?: string;
    change: { actions: string[] };
  }[];
}

/** One resource change of a plan, as the gate sees it. */
export interface GateChange {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
  readonly previousAddress?: string;
  readonly actionReason?: string;
}

export interface GateFigures {
  /** Managed resources in the plans (no-ops included): what the release's stacks hold. */
  readonly resources: number;
  readonly creates: number;
  readonly updates: number;
  readonly deletes: number;
  readonly replacements: number;
  /** Resources a `moved` block carried to a new address (whatever else changes on them). */
  readonly moves: number;
}

export interface GateFinding {
  readonly change: GateChange;
  readonly why: string;
  /** Set when the CHANGELOG names it with an upgrade guide that names it too: then it is allowed. */
  readonly migration?: string;
}

export interface GateResult {
  readonly figures: GateFigures;
  /** Data-bearing deletes and replacements the CHANGELOG does not cover: each fails the check. */
  readonly violations: GateFinding[];
  /** Data-bearing deletes and replacements covered by an upgrade guide. */
  readonly migrated: GateFinding[];
  readonly moves: GateChange[];
}

const is = (actions: readonly string[], ...expected: string[]) => actions.length === expected.length && expected.every((a) => actions.includes(a));
export const isReplace = (actions: readonly string[]) => is(actions, "delete", "create");
export const isDelete = (actions: readonly string[]) => is(actions, "delete");

/** Every managed resource change of a stack's plan. */
export function gateChanges(stack: string, plan: PlanJson): GateChange[] {
  return (plan.resource_changes ?? [])
    .filter((r) => (r.mode ?? "managed") === "managed")
    .map((r) => ({
      stack,
      address: r.address,
      type: r.type,
      actions: r.change.actions,
      ...(r.previous_address ? { previousAddress: r.previous_address } : {}),
      ...(r.action_reason ? { actionReason: r.action_reason } : {}),
    }));
}

/** The CHANGELOG section of `version` (`## <version> …` up to the next `## `), without its heading. */
export function changelogSection(changelog: string, version: string): string {
  const heading = new RegExp(`^## ${version.replace(/\./g, "\\.")}(\\s|$)`);
  const lines = changelog.split("\n");
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) throw new Error(`CHANGELOG.md has no section for ${version} (## ${version} …)`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** The section's entries: a bullet with its continuation lines. */
function entries(section: string): string[] {
  return section
    .split(/\n(?=- )/)
    .map((e) => e.trim())
    .filter((e) => e.startsWith("- "));
}

/** `type.name` without an instance key or module path, as the synthesized JSON and a CHANGELOG write it. */
const plainAddress = (address: string) => address.replace(/^(module\.[^.]+\.)+/, "").replace(/\[[^\]]*\]$/, "");

/**
 * Judges one release's plans. `guides` maps each file under docs/upgrading/ (path from the
 * repository root) to its text.
 */
export function judgeUpgrade(changes: readonly GateChange[], section: string, guides: Readonly<Record<string, string>>): GateResult {
  const figures: GateFigures = {
    resources: changes.length,
    creates: changes.filter((c) => is(c.actions, "create")).length,
    updates: changes.filter((c) => is(c.actions, "update")).length,
    deletes: changes.filter((c) => isDelete(c.actions)).length,
    replacements: changes.filter((c) => isReplace(c.actions)).length,
    moves: changes.filter((c) => c.previousAddress !== undefined).length,
  };
  const violations: GateFinding[] = [];
  const migrated: GateFinding[] = [];
  for (const change of changes) {
    if (!(isDelete(change.actions) || isReplace(change.actions))) continue;
    const why = DATA_BEARING[change.type];
    if (why === undefined) continue;
    const address = plainAddress(change.address);
    const named = entries(section).filter((e) => e.includes(address));
    const guide = named
      .flatMap((e) => [...e.matchAll(/\]\((docs\/upgrading\/[^)\s#]+\.md)(#[^)]*)?\)/g)].map((m) => m[1]))
      .find((path) => guides[path]?.includes(address));
    if (guide) {
      migrated.push({ change, why, migration: guide });
      continue;
    }
    const what = isReplace(change.actions) ? "replaced" : "deleted";
    const detail =
      named.length === 0
        ? `the CHANGELOG's section does not name ${address}: add a moved block (the resource keeps its state under its new address) or, where none can serve, an upgrade guide under docs/upgrading/ linked from a line naming it`
        : named.some((e) => /\bmoved\b/.test(e))
          ? `the CHANGELOG says a moved block carries it, but Terraform still plans it ${what}: the moved block is missing or names the wrong address`
          : `the CHANGELOG names it but links no upgrade guide under docs/upgrading/ that names it too`;
    violations.push({ change, why: `${change.stack}: ${change.address} is ${what} (${change.type} ${why}); ${detail}` });
  }
  return { figures, violations, migrated, moves: changes.filter((c) => c.previousAddress !== undefined) };
}
