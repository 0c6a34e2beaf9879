import { z } from "zod";
import { nearest } from "../../modules/core/suggest";
import { lakehouseJsonSchema } from "./json-schema";

/** A JSON Schema node as zod writes it for the config (no $ref: every node is inline). */
interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
}

let schema: SchemaNode | undefined;

/** The alternatives a node stands for: itself, or each branch of a union. */
function branches(node: SchemaNode): SchemaNode[] {
  const alternatives = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])];
  return alternatives.length > 0 ? alternatives.flatMap(branches) : [node];
}

/** The schema nodes at `path` of the config (several where a union allows several shapes). */
function nodesAt(path: readonly PropertyKey[]): SchemaNode[] {
  let nodes = [(schema ??= lakehouseJsonSchema() as SchemaNode)];
  for (const part of path) {
    nodes = nodes.flatMap(branches).flatMap((n) => {
      if (typeof part === "number") return n.items ? [n.items] : [];
      const named = n.properties?.[String(part)];
      if (named) return [named];
      return typeof n.additionalProperties === "object" ? [n.additionalProperties] : [];
    });
  }
  return nodes.flatMap(branches);
}

/** The keys the config allows in the object at `path`. */
export function allowedKeysAt(path: readonly PropertyKey[]): string[] {
  return [...new Set(nodesAt(path).flatMap((n) => Object.keys(n.properties ?? {})))].sort();
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) value = typeof value === "object" && value !== null ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  return value;
}

/**
 * The message for an issue with how to fix it, where the config's own schema can tell: the nearest
 * allowed key for an unknown one, the nearest allowed value for a wrong enum value. Undefined when
 * there is nothing to add.
 */
export function messageWithFix(issue: z.core.$ZodIssue, input: unknown): string | undefined {
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(issue.path);
    return issue.keys
      .map((key) => {
        const hint = nearest(key, allowed);
        return `unknown key '${key}'${hint ? `; did you mean ${hint}?` : allowed.length > 0 && allowed.length <= 12 ? ` (allowed here: ${allowed.join(", ")})` : ""}`;
      })
      .join("; ");
  }
  if (issue.code === "invalid_value") {
    const given = valueAt(input, issue.path);
    const values = issue.values.filter((v): v is string => typeof v === "string");
    if (typeof given !== "string" || values.length === 0) return undefined;
    const hint = nearest(given, values);
    const base = !issue.message.startsWith("Invalid option")
      ? `'${given}' ${issue.message}`
      : values.length <= 12
        ? `'${given}' is not one of ${values.join(", ")}`
        : `'${given}' is not allowed here`;
    return hint ? `${base}; did you mean ${hint}?` : base;
  }
  return undefined;
}
