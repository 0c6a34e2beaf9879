import { ClassifiedChange, Finding, RANK, SEVERITIES, Severity } from "./classify";
import { PlannedAction } from "./diff";
import { prettyJson, unifiedLines } from "./line-diff";
import { PlanCoverage } from "./plan";
import { POLICY_ATTRIBUTES } from "./policy";

export interface ModuleVersionChange {
  readonly module: string;
  readonly baseVersion?: string;
  readonly headVersion?: string;
  /** Resources stamped with the module whose infrastructure changed (tags and comments aside). */
  readonly changedResources: string[];
}

export interface Suppression {
  readonly stack: string;
  readonly address: string;
  readonly rule: string;
  readonly reason: string;
  readonly new: boolean;
}

/** A module row of the report: what changed, and whether its own code (not the config) did it. */
export interface ReportModule extends ModuleVersionChange {
  /**
   * Resources whose output changed with the same config on both sides — the module's code did it.
   * Undefined when that could not be told (base cannot read head's config).
   */
  readonly codeChangedResources?: string[];
  /** What changed the module's output. */
  readonly cause: "none" | "config" | "library" | "library and config" | "unknown";
  /** The module's code changed its output and its version did not move. */
  readonly changedWithoutBump: boolean;
}

/** How the review told a library (module code) change from a config change. */
export interface Attribution {
  /** security-lakehouse's version on each side (the repository's own, or the installed one). */
  readonly library: { readonly base?: string; readonly head?: string; readonly changed: boolean };
  readonly configChanged: boolean;
  readonly method: "library unchanged" | "same config" | "base synthesized with head's config" | "unknown: base cannot read head's config";
}

export interface ReportChange {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  readonly action: string;
  readonly module?: string;
  readonly severity: Severity;
  readonly findings: Finding[];
  /** What the stack's plan does to it (delete or replace), when a plan was given. */
  readonly planned?: PlannedAction;
  /** Base's address of a resource matched across an address change (a grant whose construct was renamed). */
  readonly movedFrom?: string;
  readonly attributes: { path: string; before: unknown; after: unknown; statements?: { sid: string; kind: string }[] }[];
}

export interface ReviewReport {
  /** 2: severity `critical`, `plan`, `attribution`, module `cause` / `changedWithoutBump`, change `planned`. */
  readonly schemaVersion: 2;
  readonly base: { readonly ref: string; readonly commit: string };
  readonly head: { readonly ref: string; readonly commit: string };
  readonly summary: {
    readonly critical: number;
    readonly high: number;
    readonly medium: number;
    readonly low: number;
    readonly added: number;
    readonly removed: number;
    readonly changed: number;
    /** Resources the plans replace or delete (unknown without plans: see `plan`). */
    readonly replaced: number;
    readonly deleted: number;
    /** Guardrail violations head adds; each also counts as high. */
    readonly newGuardrailViolations: number;
  };
  /** Which stacks had a plan: replacements are known only for those. */
  readonly plan: PlanCoverage;
  readonly attribution: Attribution;
  readonly modules: ReportModule[];
  readonly suppressions: Suppression[];
  /** Guardrail violations in head's output (a head that violates would not synth outside review). */
  readonly guardrailViolations: { stack: string; address: string; path: string; rule: string; message: string; new: boolean }[];
  readonly changes: ReportChange[];
}

export interface ReportInput {
  readonly base: ReviewReport["base"];
  readonly head: ReviewReport["head"];
  readonly changes: readonly ClassifiedChange[];
  readonly plan: PlanCoverage;
  readonly attribution: Attribution;
  readonly modules: ReportModule[];
  readonly suppressions: Suppression[];
  readonly guardrailViolations?: ReviewReport["guardrailViolations"];
}

export function buildReport(i: ReportInput): ReviewReport {
  const guardrailViolations = i.guardrailViolations ?? [];
  const changes = i.changes;
  const newViolations = guardrailViolations.filter((v) => v.new).length;
  const sorted = [...changes].sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.stack.localeCompare(b.stack) || a.address.localeCompare(b.address));
  const count = (s: Severity) => changes.filter((c) => c.severity === s).length;
  return {
    schemaVersion: 2,
    base: i.base,
    head: i.head,
    summary: {
      critical: count("critical"),
      high: count("high") + newViolations,
      medium: count("medium"),
      low: count("low"),
      added: changes.filter((c) => c.action === "added").length,
      removed: changes.filter((c) => c.action === "removed").length,
      changed: changes.filter((c) => c.action === "changed").length,
      replaced: changes.filter((c) => c.planned?.action === "replace").length,
      deleted: changes.filter((c) => c.planned?.action === "delete").length,
      newGuardrailViolations: newViolations,
    },
    plan: i.plan,
    attribution: i.attribution,
    modules: i.modules,
    suppressions: i.suppressions,
    guardrailViolations,
    changes: sorted.map((c) => ({
      stack: c.stack,
      address: c.address,
      type: c.type,
      action: c.action,
      module: c.module ?? c.baseModule,
      severity: c.severity,
      findings: c.findings,
      ...(c.planned ? { planned: c.planned } : {}),
      ...(c.movedFrom ? { movedFrom: c.movedFrom } : {}),
      attributes: c.attributes.map(({ path, before, after, statements }) =>
        statements ? { path, before, after, statements: statements.map((x) => ({ sid: x.sid, kind: x.kind })) } : { path, before, after },
      ),
    })),
  };
}

/** GitHub refuses comments over 65,536 characters; stay well under. */
export const MARKDOWN_LIMIT = 60000;

/** Attributes holding SQL: shown as line diffs. */
const SQL_ATTRIBUTES = new Set(["sql_statement", "statement", "copy_statement", "execute", "query", "revert"]);
const POLICY_KEYS = new Set(Object.values(POLICY_ATTRIBUTES).flat());
const FENCE = "```";

const code = (v: unknown) => `\`${(typeof v === "string" ? v : (JSON.stringify(v) ?? "—")).replace(/`/g, "'").replace(/\n/g, " ").slice(0, 160)}\``;
const ICON: Record<Severity, string> = { critical: "⛔ critical", high: "🔴 high", medium: "🟠 medium", low: "⚪ low" };

/** The line diff of an attribute if it is SQL or a policy document; undefined when a table row does. */
export function attributeDiff(a: { path: string; before: unknown; after: unknown }): string[] | undefined {
  const key =
    a.path
      .split(/[.[\]]+/)
      .filter(Boolean)
      .pop() ?? a.path;
  if (POLICY_KEYS.has(key)) {
    const b = prettyJson(a.before);
    const n = prettyJson(a.after);
    if (b !== undefined && n !== undefined) return unifiedLines(b, n);
  }
  const text = (v: unknown) => (v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v, null, 2));
  const multiLine = (v: unknown) => typeof v === "string" && v.includes("\n");
  if ((SQL_ATTRIBUTES.has(key) && (typeof a.before === "string" || typeof a.after === "string")) || multiLine(a.before) || multiLine(a.after)) {
    return unifiedLines(text(a.before), text(a.after));
  }
  return undefined;
}

/** A diff block (indented for a list item); a fence inside the text cannot close it. */
function diffBlock(lines: readonly string[], indent: string): string[] {
  return ["", `${indent}${FENCE}diff`, ...lines.map((l) => `${indent}${l.split(FENCE).join("'''")}`), `${indent}${FENCE}`, ""];
}

interface RenderOptions {
  /** The collapsed attribute-level section. */
  readonly details: boolean;
  /** Severities whose findings show their statement and SQL diffs. */
  readonly diffsFor: ReadonlySet<Severity>;
  /** At most this many changes, and rows per table, are listed. */
  readonly maxItems: number;
  readonly cutNote?: string;
}

function findingDiffs(c: ReportChange, findings: readonly Finding[]): string[] {
  const out: string[] = [];
  // Each statement a finding is about, once, in full: pretty-printed before and after, line by line.
  const statements = new Map(findings.filter((f) => f.statement).map((f) => [f.statement!.sid, f.statement!]));
  for (const st of statements.values()) out.push(...diffBlock(unifiedLines(prettyJson(st.before) ?? "", prettyJson(st.after) ?? "", 1000), "    "));
  // SQL a finding is about (a cleaner's purge, a monitor's exemptions), as a line diff.
  const paths = new Set(findings.filter((f) => f.path && !f.statement).map((f) => f.path!));
  for (const a of c.attributes.filter((x) => paths.has(x.path) && !x.statements)) {
    const lines = attributeDiff(a);
    if (lines && lines.length > 0) out.push(...diffBlock(lines, "    "));
  }
  return out;
}

const MODULE_CAUSE: Record<ReportModule["cause"], string> = {
  none: "",
  config: "config",
  library: "module code",
  "library and config": "module code and config",
  unknown: "module code or config (base cannot read head's config)",
};

function render(r: ReviewReport, o: RenderOptions): string {
  const lines: string[] = [];
  const s = r.summary;
  const more = (n: number, what: string) => `_… ${n} more ${what} not listed here: see the JSON report (\`--format json\`)._`;
  lines.push(`## Security review: \`${r.base.ref}\` → \`${r.head.ref}\``, "");
  const planned = r.plan.status === "none" ? "." : `; the plans replace ${s.replaced} and delete ${s.deleted}.`;
  lines.push(
    `**${s.critical} critical**, **${s.high} high**, ${s.medium} medium, ${s.low} low — ${s.added + s.removed + s.changed} resources changed (${s.added} added, ${s.removed} removed, ${s.changed} changed)${planned}`,
    "",
  );
  lines.push(r.plan.status === "complete" ? r.plan.message : `⚠ **${r.plan.message}**`, "");
  if (o.cutNote) lines.push(o.cutNote, "");
  if (r.changes.length === 0) lines.push("No infrastructure change.", "");
  let listed = 0;
  for (const severity of SEVERITIES) {
    const changes = r.changes.filter((c) => c.severity === severity);
    if (changes.length === 0) continue;
    const body: string[] = [];
    const shown = changes.slice(0, Math.max(0, o.maxItems - listed));
    listed += shown.length;
    for (const c of shown) {
      const forced = c.planned?.replacePaths.length ? ` (forced by ${c.planned.replacePaths.map((p) => `\`${p}\``).join(", ")})` : "";
      body.push(
        `- **${c.action}** \`${c.stack}\` \`${c.address}\`${c.movedFrom ? ` (was \`${c.movedFrom}\`)` : ""}${c.module ? ` (${c.module})` : ""}${c.planned ? ` — **plan: ${c.planned.action}**${forced}` : ""}`,
      );
      if (c.planned?.addressNote) body.push(`  - plan address \`${c.planned.planAddress}\`: ${c.planned.addressNote}`);
      const findings = c.findings.filter((x) => x.severity === severity);
      for (const f of findings) body.push(`  - ${f.message.length > 1000 ? `${f.message.slice(0, 1000)}…` : f.message} — \`${f.rule}\``);
      if (!o.diffsFor.has(severity)) continue;
      const diffs = findingDiffs(c, findings);
      if (diffs.length === 0) continue;
      // Medium diffs collapse; critical and high ones are what a reviewer must read.
      if (severity === "medium") body.push("", "  <details><summary>diff</summary>", ...diffs, "  </details>", "");
      else body.push(...diffs);
    }
    if (shown.length < changes.length) body.push("", more(changes.length - shown.length, `${severity} changes`));
    if (severity === "low") lines.push(`<details><summary>${ICON.low} (${changes.length})</summary>`, "", ...body, "", "</details>", "");
    else lines.push(`### ${ICON[severity]} (${changes.length})`, "", ...body, "");
  }
  const table = <T>(title: string, header: string, rows: readonly T[], row: (x: T) => string) => {
    if (rows.length === 0) return;
    lines.push(title, "", header, `|${" --- |".repeat(header.split("|").length - 2)}`);
    for (const x of rows.slice(0, o.maxItems)) lines.push(row(x));
    lines.push("");
    if (rows.length > o.maxItems) lines.push(more(rows.length - o.maxItems, "rows"), "");
  };
  table(
    `### Guardrail violations (${r.guardrailViolations.length}; a synth outside review would fail)`,
    "| stack | resource | rule | message | |",
    r.guardrailViolations,
    (v) => `| ${v.stack} | \`${v.address}\` | ${v.rule} | ${v.message} | ${v.new ? "**new**" : ""} |`,
  );
  table(
    "### Suppressed guardrails",
    "| stack | resource | rule | reason | |",
    r.suppressions,
    (x) => `| ${x.stack} | \`${x.address}\` | ${x.rule} | ${x.reason} | ${x.new ? "**new**" : ""} |`,
  );
  const modules = r.modules.filter((m) => m.changedResources.length > 0 || m.baseVersion !== m.headVersion);
  table(
    "### Module versions",
    "| module | base | head | resources changed | changed by | |",
    modules,
    (m) =>
      `| ${m.module} | ${m.baseVersion ?? "—"} | ${m.headVersion ?? "—"} | ${m.changedResources.length} | ${MODULE_CAUSE[m.cause]} | ${m.changedWithoutBump ? "⚠ output changed without a version bump" : ""} |`,
  );
  if (modules.length > 0) {
    const a = r.attribution;
    const lib = a.library.changed
      ? `security-lakehouse ${a.library.base ?? "?"} → ${a.library.head ?? "?"} (module code differs)`
      : `the same security-lakehouse ${a.library.head ?? ""} module code on both sides`.replace("  ", " ");
    lines.push(`<sub>${lib}; config ${a.configChanged ? "changed" : "unchanged"}; module changes told from config changes by: ${a.method}.</sub>`, "");
  }
  if (o.details && r.changes.length > 0) {
    lines.push("<details><summary>Attribute-level changes</summary>", "");
    for (const c of r.changes.slice(0, o.maxItems)) {
      lines.push(`#### \`${c.stack}\` \`${c.address}\` (${c.action})`, "");
      const diffs: string[] = [];
      const rows: string[] = [];
      for (const a of c.attributes.slice(0, 50)) {
        const diff = attributeDiff(a);
        if (diff && diff.length > 0) diffs.push(`\`${a.path}\`:`, ...diffBlock(diff, ""));
        else if (a.statements)
          for (const st of a.statements)
            rows.push(`| \`${a.path}\` ${st.sid} | ${st.kind === "added" ? "—" : "statement"} | ${st.kind === "removed" ? "—" : st.kind} |`);
        else rows.push(`| \`${a.path}\` | ${code(a.before)} | ${code(a.after)} |`);
      }
      if (c.attributes.length > 50) rows.push(`| … ${c.attributes.length - 50} more | | |`);
      if (rows.length > 0) lines.push("| attribute | before | after |", "| --- | --- | --- |", ...rows, "");
      lines.push(...diffs);
    }
    if (r.changes.length > o.maxItems) lines.push(more(r.changes.length - o.maxItems, "resources"), "");
    lines.push("</details>", "");
  }
  lines.push(
    `<sub>base ${r.base.commit.slice(0, 12)} · head ${r.head.commit === "working tree" ? "working tree" : r.head.commit.slice(0, 12)} · security-lakehouse review</sub>`,
  );
  return lines.join("\n") + "\n";
}

export interface MarkdownOptions {
  /** @default MARKDOWN_LIMIT */
  readonly limit?: number;
  /** Where the full Markdown was written (named in the note when the comment is cut). */
  readonly detailsFile?: string;
}

/**
 * Markdown for a pull-request comment: summary first, critical and high findings first with their
 * diffs, medium diffs, low findings and attribute details collapsed — and always under `limit`
 * characters: attribute details go first, then diffs, then list entries, each cut said so.
 */
export function toMarkdown(r: ReviewReport, o: MarkdownOptions = {}): string {
  const limit = o.limit ?? MARKDOWN_LIMIT;
  const all = new Set(SEVERITIES);
  const full = render(r, { details: true, diffsFor: all, maxItems: Infinity });
  if (full.length <= limit) return full;
  const where = `the JSON report (\`--format json\`)${o.detailsFile ? ` and the full Markdown in \`${o.detailsFile}\`` : " (or the full Markdown: `--details-file <path>`)"}`;
  const note = (what: string) => `✂ **Cut to fit a pull-request comment (${limit} characters):** ${what}. Everything is in ${where}.`;
  const attempts: RenderOptions[] = [
    { details: false, diffsFor: all, maxItems: Infinity, cutNote: note("the attribute-level details are left out") },
    {
      details: false,
      diffsFor: new Set<Severity>(["critical", "high"]),
      maxItems: Infinity,
      cutNote: note("the attribute-level details and the medium and low diffs are left out"),
    },
    { details: false, diffsFor: new Set<Severity>(), maxItems: Infinity, cutNote: note("the attribute-level details and every diff are left out") },
  ];
  for (const a of attempts) {
    const text = render(r, a);
    if (text.length <= limit) return text;
  }
  // Fewer entries, highest severity first: the largest number that fits.
  const listNote = note("the attribute-level details and every diff are left out, and only the first changes are listed");
  const listing = (maxItems: number) => render(r, { details: false, diffsFor: new Set(), maxItems, cutNote: listNote });
  let lo = 0;
  let hi = Math.max(r.changes.length, r.guardrailViolations.length, r.suppressions.length, r.modules.length);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (listing(mid).length <= limit) lo = mid;
    else hi = mid - 1;
  }
  const text = listing(lo);
  if (text.length <= limit) return text;
  // Even the summary alone is too long (a plan note naming thousands of stacks): cut the text itself.
  const tail = `\n\n✂ Cut at ${limit} characters: see ${where}.\n`;
  return text.slice(0, limit - tail.length) + tail;
}

export function toJson(r: ReviewReport): string {
  return JSON.stringify(r, null, 2) + "\n";
}
