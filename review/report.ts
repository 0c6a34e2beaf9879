import { ClassifiedChange, Finding, SEVERITIES, Severity } from "./classify";

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

export interface ReviewReport {
  readonly schemaVersion: 1;
  readonly base: { readonly ref: string; readonly commit: string };
  readonly head: { readonly ref: string; readonly commit: string };
  readonly summary: {
    readonly high: number;
    readonly medium: number;
    readonly low: number;
    readonly added: number;
    readonly removed: number;
    readonly changed: number;
    /** Guardrail violations head adds; each also counts as high. */
    readonly newGuardrailViolations: number;
  };
  readonly modules: ModuleVersionChange[];
  readonly suppressions: Suppression[];
  /** Guardrail violations in head's output (a head that violates would not synth outside review). */
  readonly guardrailViolations: { stack: string; address: string; path: string; rule: string; message: string; new: boolean }[];
  readonly changes: {
    readonly stack: string;
    readonly address: string;
    readonly type: string;
    readonly action: string;
    readonly module?: string;
    readonly severity: Severity;
    readonly findings: Finding[];
    readonly attributes: { path: string; before: unknown; after: unknown; statements?: { sid: string; kind: string }[] }[];
  }[];
}

const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export function buildReport(
  base: ReviewReport["base"],
  head: ReviewReport["head"],
  changes: readonly ClassifiedChange[],
  modules: ModuleVersionChange[],
  suppressions: Suppression[],
  guardrailViolations: ReviewReport["guardrailViolations"] = [],
): ReviewReport {
  const newViolations = guardrailViolations.filter((v) => v.new).length;
  const sorted = [...changes].sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.stack.localeCompare(b.stack) || a.address.localeCompare(b.address));
  const count = (s: Severity) => changes.filter((c) => c.severity === s).length;
  return {
    schemaVersion: 1,
    base,
    head,
    summary: {
      high: count("high") + newViolations,
      medium: count("medium"),
      low: count("low"),
      added: changes.filter((c) => c.action === "added").length,
      removed: changes.filter((c) => c.action === "removed").length,
      changed: changes.filter((c) => c.action === "changed").length,
      newGuardrailViolations: newViolations,
    },
    modules,
    suppressions,
    guardrailViolations,
    changes: sorted.map((c) => ({
      stack: c.stack,
      address: c.address,
      type: c.type,
      action: c.action,
      module: c.module ?? c.baseModule,
      severity: c.severity,
      findings: c.findings,
      attributes: c.attributes.map(({ path, before, after, statements }) =>
        statements ? { path, before, after, statements: statements.map((x) => ({ sid: x.sid, kind: x.kind })) } : { path, before, after },
      ),
    })),
  };
}

const code = (v: unknown) => `\`${(typeof v === "string" ? v : JSON.stringify(v) ?? "—").replace(/`/g, "'").slice(0, 160)}\``;
const ICON: Record<Severity, string> = { high: "🔴 high", medium: "🟠 medium", low: "⚪ low" };

/** Markdown for a pull-request comment: summary first, high findings first, details collapsed. */
export function toMarkdown(r: ReviewReport): string {
  const lines: string[] = [];
  const s = r.summary;
  lines.push(`## Security review: \`${r.base.ref}\` → \`${r.head.ref}\``, "");
  lines.push(
    `**${s.high} high**, ${s.medium} medium, ${s.low} low — ${s.added + s.removed + s.changed} resources changed (${s.added} added, ${s.removed} removed, ${s.changed} changed).`,
    "",
  );
  if (r.changes.length === 0) lines.push("No infrastructure change.", "");
  for (const severity of SEVERITIES) {
    const changes = r.changes.filter((c) => c.severity === severity);
    if (changes.length === 0) continue;
    const body: string[] = [];
    for (const c of changes) {
      body.push(`- **${c.action}** \`${c.stack}\` \`${c.address}\`${c.module ? ` (${c.module})` : ""}`);
      const findings = c.findings.filter((x) => x.severity === severity);
      for (const f of findings) body.push(`  - ${f.message} — \`${f.rule}\``);
      if (severity === "low") continue;
      // Each statement a finding is about, once, in full: before and after as a diff.
      const statements = new Map(findings.filter((f) => f.statement).map((f) => [f.statement!.sid, f.statement!]));
      for (const st of statements.values()) {
        body.push("", "    ```diff");
        if (st.before !== undefined) body.push(`    - ${JSON.stringify(st.before)}`);
        if (st.after !== undefined) body.push(`    + ${JSON.stringify(st.after)}`);
        body.push("    ```", "");
      }
    }
    if (severity === "low") lines.push("<details><summary>" + `${ICON.low} (${changes.length})` + "</summary>", "", ...body, "", "</details>", "");
    else lines.push(`### ${ICON[severity]} (${changes.length})`, "", ...body, "");
  }
  if (r.guardrailViolations.length > 0) {
    lines.push(`### Guardrail violations (${r.guardrailViolations.length}; a synth outside review would fail)`, "", "| stack | resource | rule | message | |", "| --- | --- | --- | --- | --- |");
    for (const v of r.guardrailViolations) lines.push(`| ${v.stack} | \`${v.address}\` | ${v.rule} | ${v.message} | ${v.new ? "**new**" : ""} |`);
    lines.push("");
  }
  if (r.suppressions.length > 0) {
    lines.push("### Suppressed guardrails", "", "| stack | resource | rule | reason | |", "| --- | --- | --- | --- | --- |");
    for (const x of r.suppressions) lines.push(`| ${x.stack} | \`${x.address}\` | ${x.rule} | ${x.reason} | ${x.new ? "**new**" : ""} |`);
    lines.push("");
  }
  const modules = r.modules.filter((m) => m.changedResources.length > 0 || m.baseVersion !== m.headVersion);
  if (modules.length > 0) {
    lines.push("### Module versions", "", "| module | base | head | resources changed | |", "| --- | --- | --- | --- | --- |");
    for (const m of modules) {
      const unbumped = m.changedResources.length > 0 && m.baseVersion !== undefined && m.baseVersion === m.headVersion;
      lines.push(`| ${m.module} | ${m.baseVersion ?? "—"} | ${m.headVersion ?? "—"} | ${m.changedResources.length} | ${unbumped ? "⚠ output changed without a version bump" : ""} |`);
    }
    lines.push("");
  }
  if (r.changes.length > 0) {
    lines.push("<details><summary>Attribute-level changes</summary>", "");
    for (const c of r.changes) {
      lines.push(`#### \`${c.stack}\` \`${c.address}\` (${c.action})`, "", "| attribute | before | after |", "| --- | --- | --- |");
      for (const a of c.attributes.slice(0, 50)) {
        // Policy documents: one row per statement that changed (the statements are shown above in full).
        if (a.statements) for (const st of a.statements) lines.push(`| \`${a.path}\` ${st.sid} | ${st.kind === "added" ? "—" : "statement"} | ${st.kind === "removed" ? "—" : st.kind} |`);
        else lines.push(`| \`${a.path}\` | ${code(a.before)} | ${code(a.after)} |`);
      }
      if (c.attributes.length > 50) lines.push(`| … ${c.attributes.length - 50} more | | |`);
      lines.push("");
    }
    lines.push("</details>", "");
  }
  lines.push(`<sub>base ${r.base.commit.slice(0, 12)} · head ${r.head.commit === "working tree" ? "working tree" : r.head.commit.slice(0, 12)} · security-lakehouse review</sub>`);
  return lines.join("\n") + "\n";
}

export function toJson(r: ReviewReport): string {
  return JSON.stringify(r, null, 2) + "\n";
}
