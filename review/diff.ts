import { parsePolicyStatements } from "../modules/core/iam";
import { moduleStampOf } from "../modules/core/stamp";
import { StackSet } from "./synth-ref";
import { StatementChange, diffPolicies, isPolicyAttribute } from "./policy";

/** One attribute that differs, by its path inside the resource (`rule[0].expiration[0].days`). */
export interface AttributeChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
  /** For policy documents: the statement-level changes. */
  readonly statements?: StatementChange[];
}

export interface PlannedAction {
  readonly action: "replace" | "delete";
  /** The address in the plan (may carry an index or a module path). */
  readonly planAddress: string;
  /** Attributes forcing the replacement, rendered `bucket`, `rule[0].filter`. */
  readonly replacePaths: string[];
  readonly addressNote?: string;
}

export interface ResourceChange {
  readonly stack: string;
  /** Terraform address inside the stack: `type.name`. */
  readonly address: string;
  readonly type: string;
  /** `planned`: not in the synthesized diff, only in a plan (a replacement after a provider upgrade, drift). */
  readonly action: "added" | "removed" | "changed" | "planned";
  /** What a Terraform plan does to it, when a plan was given and it deletes or replaces it. */
  readonly planned?: PlannedAction;
  /** For a resource matched across an address change (a grant whose construct was renamed): its base address. */
  readonly movedFrom?: string;
  /** `module@version` stamped on the resource (head's, or base's when removed). */
  readonly module?: string;
  readonly baseModule?: string;
  readonly attributes: AttributeChange[];
  readonly before?: Record<string, unknown>;
  readonly after?: Record<string, unknown>;
}

/** Keys that say nothing about the infrastructure (cdktf metadata). */
const IGNORED = new Set(["//"]);

export interface SynthesizedResource {
  readonly stack: string;
  readonly type: string;
  /** `type.name` */
  readonly address: string;
  readonly body: Record<string, unknown>;
}

/** Every resource of a stack set, keyed `stack␟type.name`. */
export function resources(set: StackSet): Map<string, SynthesizedResource> {
  const out = new Map<string, SynthesizedResource>();
  for (const [stack, json] of Object.entries(set)) {
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      for (const [name, body] of Object.entries(byName)) out.set(`${stack}\u241f${type}.${name}`, { stack, type, address: `${type}.${name}`, body });
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Keys that identify a sub-block among its siblings, in order of preference: a lifecycle or
 * replication rule's `id`, a notification's `id`, a column's or argument's `name`, a statement's `Sid`.
 */
const IDENTITY_KEYS = ["id", "name", "arg_name", "Sid", "sid"];

/** The key every element of both lists carries with a scalar value, unique within each list; else undefined. */
export function identityKey(before: readonly unknown[], after: readonly unknown[]): string | undefined {
  const all = [...before, ...after];
  if (all.length === 0 || !all.every(isObject)) return undefined;
  const unique = (list: readonly unknown[], key: string) => new Set(list.map((x) => String((x as Record<string, unknown>)[key]))).size === list.length;
  return IDENTITY_KEYS.find(
    (key) => all.every((x) => ["string", "number"].includes(typeof (x as Record<string, unknown>)[key])) && unique(before, key) && unique(after, key),
  );
}

const isScalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);

/**
 * Leaf-level differences; policy documents are compared as documents. Sub-blocks are matched by what
 * identifies them (see IDENTITY_KEYS), rendered `rule[id=retain-okta].expiration[0].days`, so a rule
 * added in front does not shift the others; a sub-block only on one side is one change with `before`
 * or `after` undefined. Lists of plain values (privileges, events, subnets) are one change holding
 * both lists, so a reader compares them as sets.
 */
export function diffAttributes(type: string, before: unknown, after: unknown, path = ""): AttributeChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const top = path.split(/[.[]/)[0];
  if (path !== "" && !path.includes(".") && !path.includes("[") && isPolicyAttribute(type, top)) {
    const b = parsePolicyStatements(before);
    const a = parsePolicyStatements(after);
    if (b || a) return [{ path, before, after, statements: diffPolicies(b ?? [], a ?? []) }];
  }
  if (isObject(before) && isObject(after)) {
    return [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((k) => !(path === "" && IGNORED.has(k)))
      .flatMap((k) => diffAttributes(type, before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const key = identityKey(before, after);
    if (key) {
      const byId = (list: unknown[]) => new Map(list.map((x) => [String((x as Record<string, unknown>)[key]), x]));
      const b = byId(before);
      const a = byId(after);
      return [...new Set([...b.keys(), ...a.keys()])].flatMap((id) => diffAttributes(type, b.get(id), a.get(id), `${path}[${key}=${id}]`));
    }
    if (before.length === after.length && !(before.every(isScalar) && after.every(isScalar))) {
      return before.flatMap((b, i) => diffAttributes(type, b, after[i], `${path}[${i}]`));
    }
  }
  return [{ path, before, after }];
}

/** Resource-level diff of two synthesized stack sets, matched by stack and address. */
export function diffStacks(base: StackSet, head: StackSet): ResourceChange[] {
  const b = resources(base);
  const h = resources(head);
  const changes: ResourceChange[] = [];
  for (const key of [...new Set([...b.keys(), ...h.keys()])].sort()) {
    const x = b.get(key);
    const y = h.get(key);
    const meta = (y ?? x)!;
    if (x && y) {
      const attributes = diffAttributes(meta.type, x.body, y.body);
      if (attributes.length === 0) continue;
      changes.push({
        stack: meta.stack,
        address: meta.address,
        type: meta.type,
        action: "changed",
        module: moduleStampOf(y.body),
        baseModule: moduleStampOf(x.body),
        attributes,
        before: x.body,
        after: y.body,
      });
    } else if (y) {
      changes.push({
        stack: meta.stack,
        address: meta.address,
        type: meta.type,
        action: "added",
        module: moduleStampOf(y.body),
        attributes: diffAttributes(meta.type, {}, withoutMeta(y.body)),
        after: y.body,
      });
    } else if (x) {
      changes.push({
        stack: meta.stack,
        address: meta.address,
        type: meta.type,
        action: "removed",
        module: moduleStampOf(x.body),
        baseModule: moduleStampOf(x.body),
        attributes: diffAttributes(meta.type, withoutMeta(x.body), {}),
        before: x.body,
      });
    }
  }
  return changes;
}

function withoutMeta(body: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...body };
  delete rest["//"];
  return rest;
}
