import { moduleStampOf } from "../modules/core/stamp";
import { diffStacks, resources } from "./diff";
import { ModuleVersionChange, Suppression } from "./report";
import { StackSet } from "./synth-ref";

/** `name@version` → [name, version]. */
function splitStamp(stamp: string): [string, string] {
  const at = stamp.lastIndexOf("@");
  return [stamp.slice(0, at), stamp.slice(at + 1)];
}

/** Module name → version, from the stamps of every resource. */
export function moduleVersions(set: StackSet): Map<string, string> {
  const out = new Map<string, string>();
  for (const { body } of resources(set).values()) {
    const stamp = moduleStampOf(body);
    if (stamp) out.set(...splitStamp(stamp));
  }
  return out;
}

/**
 * The stack set with every module's own version taken out (stamps, version tags, `[name@x.y.z]` in
 * comments), so that a version bump alone is not an output change.
 */
function withoutVersions(set: StackSet): StackSet {
  return JSON.parse(
    JSON.stringify(set)
      .replace(/("lakehouse:module-version":)"[^"]*"/g, '$1"*"')
      .replace(/([a-z]+\/[a-z0-9-]+)@\d+\.\d+\.\d+/g, "$1@*"),
  ) as StackSet;
}

/** Per module: versions on both sides and the resources whose infrastructure changed. */
export function moduleChanges(base: StackSet, head: StackSet): ModuleVersionChange[] {
  const baseVersions = moduleVersions(base);
  const headVersions = moduleVersions(head);
  const changed = new Map<string, string[]>();
  for (const c of diffStacks(withoutVersions(base), withoutVersions(head))) {
    const stamp = c.module ?? c.baseModule;
    if (!stamp) continue;
    const [name] = splitStamp(stamp);
    changed.set(name, [...(changed.get(name) ?? []), `${c.stack} ${c.address} (${c.action})`]);
  }
  return [...new Set([...baseVersions.keys(), ...headVersions.keys()])].sort().map((module) => ({
    module,
    baseVersion: baseVersions.get(module),
    headVersion: headVersions.get(module),
    changedResources: changed.get(module) ?? [],
  }));
}

function semverGreater(a: string, b: string): boolean {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] > pb[i];
  return false;
}

/**
 * Version discipline: a module whose output changed needs a higher version and a CHANGELOG.md line
 * (added since base) naming the module and its new version. Returns one message per violation.
 */
export function versionViolations(modules: readonly ModuleVersionChange[], changelogBase: string, changelogHead: string): string[] {
  const before = new Set(changelogBase.split("\n"));
  const added = changelogHead.split("\n").filter((l) => !before.has(l));
  const violations: string[] = [];
  for (const m of modules) {
    if (m.changedResources.length === 0 || m.headVersion === undefined) continue;
    const resources = m.changedResources.map((r) => `    ${r}`).join("\n");
    if (m.baseVersion !== undefined && !semverGreater(m.headVersion, m.baseVersion)) {
      violations.push(
        `${m.module}: output changed but its version is still ${m.headVersion} (bump it in modules/core/versions.ts and add a CHANGELOG.md line); changed resources:\n${resources}`,
      );
    } else if (!added.some((l) => l.includes(m.module) && l.includes(m.headVersion!))) {
      violations.push(
        `${m.module}: version ${m.baseVersion ?? "(new)"} → ${m.headVersion} but CHANGELOG.md gained no line naming "${m.module}" and "${m.headVersion}"; changed resources:\n${resources}`,
      );
    }
  }
  return violations;
}

/** Guardrail suppressions recorded on resources (`//.lakehouse_suppressions`), marking new ones. */
export function suppressions(base: StackSet, head: StackSet): Suppression[] {
  const collect = (set: StackSet) => {
    const out: Omit<Suppression, "new">[] = [];
    for (const { stack, address, body } of resources(set).values()) {
      const list = (body["//"] as { lakehouse_suppressions?: { rule: string; reason: string }[] } | undefined)?.lakehouse_suppressions ?? [];
      for (const s of list) out.push({ stack, address, rule: s.rule, reason: s.reason });
    }
    return out;
  };
  const key = (s: Omit<Suppression, "new">) => `${s.stack} ${s.address} ${s.rule}`;
  const old = new Set(collect(base).map(key));
  return collect(head).map((s) => ({ ...s, new: !old.has(key(s)) }));
}
