import { ParsedStatement as Statement, asList } from "../modules/core/iam";

/**
 * IAM-style policy documents compared as parsed documents, statement by statement (matched by Sid,
 * else by position), never as strings.
 */
/** Attributes that hold policy documents, by resource type ("*" = any type). */
export const POLICY_ATTRIBUTES: Record<string, string[]> = {
  "*": ["policy", "assume_role_policy"],
  aws_organizations_policy: ["content"],
};

export function isPolicyAttribute(type: string, attribute: string): boolean {
  return (POLICY_ATTRIBUTES["*"].includes(attribute) || (POLICY_ATTRIBUTES[type] ?? []).includes(attribute));
}

/** Principals as flat strings: `*`, `AWS:arn…`, `Service:cloudtrail.amazonaws.com`. */
export function principals(p: unknown): string[] {
  if (p === undefined) return [];
  if (p === "*") return ["*"];
  if (typeof p === "object" && p !== null) {
    return Object.entries(p as Record<string, unknown>).flatMap(([kind, v]) => asList(v).map((x) => (x === "*" ? "*" : `${kind}:${x}`)));
  }
  return [String(p)];
}

/** Conditions as flat `operator key = value` strings, so dropped or changed ones are visible. */
export function conditions(c: Statement["Condition"]): string[] {
  return Object.entries(c ?? {}).flatMap(([op, kv]) => Object.entries(kv).map(([k, v]) => `${op} ${k} = ${JSON.stringify(v)}`));
}

export interface StatementChange {
  readonly sid: string;
  readonly effect: "Allow" | "Deny";
  readonly kind: "added" | "removed" | "changed";
  readonly actionsAdded: string[];
  readonly actionsRemoved: string[];
  readonly principalsAdded: string[];
  readonly principalsRemoved: string[];
  readonly resourcesAdded: string[];
  readonly resourcesRemoved: string[];
  readonly conditionsAdded: string[];
  readonly conditionsRemoved: string[];
  readonly before?: Statement;
  readonly after?: Statement;
}

const minus = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));

function keyOf(s: Statement, i: number): string {
  return s.Sid ? `Sid ${s.Sid}` : `#${i}`;
}

/** Statement-level changes between two documents. */
export function diffPolicies(before: Statement[], after: Statement[]): StatementChange[] {
  const b = new Map(before.map((s, i) => [keyOf(s, i), s]));
  const a = new Map(after.map((s, i) => [keyOf(s, i), s]));
  const changes: StatementChange[] = [];
  for (const key of new Set([...b.keys(), ...a.keys()])) {
    const x = b.get(key);
    const y = a.get(key);
    if (x && y && JSON.stringify(x) === JSON.stringify(y)) continue;
    const actions = (s?: Statement) => asList(s?.Action ?? (s?.NotAction !== undefined ? asList(s.NotAction).map((n) => `NOT ${n}`) : undefined));
    const change: StatementChange = {
      sid: key,
      effect: (y ?? x)!.Effect,
      kind: !x ? "added" : !y ? "removed" : "changed",
      actionsAdded: minus(actions(y), actions(x)),
      actionsRemoved: minus(actions(x), actions(y)),
      principalsAdded: minus(principals(y?.Principal), principals(x?.Principal)),
      principalsRemoved: minus(principals(x?.Principal), principals(y?.Principal)),
      resourcesAdded: minus(asList(y?.Resource), asList(x?.Resource)),
      resourcesRemoved: minus(asList(x?.Resource), asList(y?.Resource)),
      conditionsAdded: minus(conditions(y?.Condition), conditions(x?.Condition)),
      conditionsRemoved: minus(conditions(x?.Condition), conditions(y?.Condition)),
      before: x,
      after: y,
    };
    changes.push(change);
  }
  return changes;
}
