import { ParsedStatement as Statement, asList } from "../modules/core/iam";

/**
 * IAM-style policy documents compared as parsed documents, statement by statement (matched by Sid,
 * else by effect, principals and actions), never as strings; conditions key by key, values as sets.
 */
/** Attributes that hold policy documents, by resource type ("*" = any type). */
export const POLICY_ATTRIBUTES: Record<string, string[]> = {
  "*": ["policy", "assume_role_policy"],
  aws_organizations_policy: ["content"],
};

export function isPolicyAttribute(type: string, attribute: string): boolean {
  return POLICY_ATTRIBUTES["*"].includes(attribute) || (POLICY_ATTRIBUTES[type] ?? []).includes(attribute);
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

/**
 * One condition key compared on both sides, its values as sets: `key-added` / `key-removed` when only
 * one side tests it, else the values each side alone has.
 */
export interface ConditionChange {
  readonly operator: string;
  readonly key: string;
  readonly kind: "key-added" | "key-removed" | "values";
  readonly valuesAdded: string[];
  readonly valuesRemoved: string[];
}

/** Operators whose listed values are exceptions: more values, fewer requests match. */
export function isNegatedOperator(operator: string): boolean {
  return /^(ForAnyValue:|ForAllValues:)?(StringNot|ArnNot|NotIpAddress)/.test(operator);
}

/** Operators where a changed value is neither a wider nor a narrower set (Bool, Null, numbers, dates). */
export function isSetOperator(operator: string): boolean {
  return /^(ForAnyValue:|ForAllValues:)?(String|Arn|IpAddress|NotIpAddress)/.test(operator);
}

/** Condition keys compared per operator and key, values as sets. */
export function conditionChanges(before: Statement["Condition"], after: Statement["Condition"]): ConditionChange[] {
  const flat = (c: Statement["Condition"]) => {
    const out = new Map<string, { operator: string; key: string; values: string[] }>();
    for (const [operator, kv] of Object.entries(c ?? {}))
      for (const [key, v] of Object.entries(kv)) out.set(`${operator}\u241f${key}`, { operator, key, values: asList(v) });
    return out;
  };
  const b = flat(before);
  const a = flat(after);
  const out: ConditionChange[] = [];
  for (const id of new Set([...b.keys(), ...a.keys()])) {
    const x = b.get(id);
    const y = a.get(id);
    const { operator, key } = (y ?? x)!;
    if (!x) out.push({ operator, key, kind: "key-added", valuesAdded: y!.values, valuesRemoved: [] });
    else if (!y) out.push({ operator, key, kind: "key-removed", valuesAdded: [], valuesRemoved: x.values });
    else {
      const valuesAdded = minus(y.values, x.values);
      const valuesRemoved = minus(x.values, y.values);
      if (valuesAdded.length || valuesRemoved.length) out.push({ operator, key, kind: "values", valuesAdded, valuesRemoved });
    }
  }
  return out;
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
  /** The conditions compared key by key, values as sets (widening and narrowing told apart by the reader). */
  readonly conditions: ConditionChange[];
  readonly before?: Statement;
  readonly after?: Statement;
}

const minus = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));

/** What a statement without a Sid is known by: its effect, principals and actions (not its position). */
function contentKey(s: Statement): string {
  const sorted = (v: string[]) => [...v].sort().join(",");
  const actions = s.Action !== undefined ? asList(s.Action) : asList(s.NotAction).map((n) => `NOT ${n}`);
  return `${s.Effect} ${sorted(principals(s.Principal ?? s.NotPrincipal))} ${sorted(actions)}`;
}

/** Keys for a document's statements: `Sid X`; without a Sid, its content (`#n` only when that repeats). */
function keysOf(statements: Statement[]): string[] {
  const seen = new Map<string, number>();
  return statements.map((s, i) => {
    if (s.Sid) return `Sid ${s.Sid}`;
    const k = contentKey(s);
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return n === 1 ? `(no Sid) ${k}` : `#${i}`;
  });
}

/** Statement-level changes between two documents (matched by Sid, else by effect, principals and actions). */
export function diffPolicies(before: Statement[], after: Statement[]): StatementChange[] {
  const bk = keysOf(before);
  const ak = keysOf(after);
  const b = new Map(before.map((s, i) => [bk[i], s]));
  const a = new Map(after.map((s, i) => [ak[i], s]));
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
      conditions: x && y ? conditionChanges(x.Condition, y.Condition) : [],
      before: x,
      after: y,
    };
    changes.push(change);
  }
  return changes;
}
