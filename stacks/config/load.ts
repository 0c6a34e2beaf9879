import { readFileSync } from "node:fs";
import { Alias, Document, LineCounter, Node as YamlNode, YAMLError, isMap, isScalar, isSeq, parseDocument, visit } from "yaml";
import { ConfigSyntaxError, LakehouseValidationError, ValidationProblem, formatPath } from "../../modules/core/errors";
import { problemsOf } from "../../modules/core/validate";
import { quotaProblems } from "./quotas";
import { LakehouseConfig, LakehouseConfigInput, lakehouseConfigSchema } from "./schema";
import { crossCheck } from "./cross-checks";
import { messageWithFix } from "./suggestions";

/**
 * Where a config path is in its source, `file:line:col`, or none. `key`: point at that key of the
 * object at `path` (a key that should not be there) rather than at a value.
 */
export type ConfigLocator = (path: readonly PropertyKey[], key?: string) => string | undefined;

/**
 * Validates a config object (from YAML or TypeScript). Every problem is reported at once, by path;
 * `where` names the file (or `config`) in the error; `locate` adds each problem's place in the file.
 */
export function parseConfig(input: LakehouseConfigInput | unknown, where = "config", locate?: ConfigLocator): LakehouseConfig {
  const result = lakehouseConfigSchema.safeParse(input);
  if (result.success) {
    // A valid config may still not fit its AWS accounts (IAM roles, reserved Lambda concurrency).
    const over = quotaProblems(result.data).map((p): ValidationProblem => {
      const location = locate?.(p.path);
      return location ? { path: formatPath(p.path), message: p.message, location } : { path: formatPath(p.path), message: p.message };
    });
    if (over.length > 0) throw new LakehouseValidationError(where, over);
    return result.data;
  }
  // problemsOf keeps zod's issues one for one, so the i-th problem is the i-th issue.
  const problems: ValidationProblem[] = problemsOf(result.error).map((problem, i) => {
    const issue = result.error.issues[i];
    const location = locate?.(issue.path, issue.code === "unrecognized_keys" ? issue.keys[0] : undefined);
    const message = messageWithFix(issue, input) ?? problem.message;
    return location ? { ...problem, message, location } : { ...problem, message };
  });
  // Zod skips the cross-field checks once a field has a shape error; run them on the raw input
  // as well, so a config with both kinds of mistakes gets every problem in one report.
  const seen = new Set(problems.map((p) => `${p.path}\n${p.message}`));
  for (const extra of crossCheckProblems(input, locate)) {
    if (!seen.has(`${extra.path}\n${extra.message}`)) problems.push(extra);
  }
  // From a file, the problems read top to bottom, as an editor lists them.
  if (locate) problems.sort((a, b) => positionOf(a) - positionOf(b));
  throw new LakehouseValidationError(where, problems);
}

function positionOf(problem: ValidationProblem): number {
  const [, line, col] = /:(\d+):(\d+)$/.exec(problem.location ?? "") ?? [];
  return line === undefined ? Infinity : Number(line) * 1e6 + Number(col);
}

/** Cross-field problems of a config that may have shape errors; best effort, never throws. */
function crossCheckProblems(input: unknown, locate?: ConfigLocator): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const raw = input as Parameters<typeof crossCheck>[0];
  if (typeof raw !== "object" || raw === null || !Array.isArray(raw.environments) || !Array.isArray(raw.tenants)) return problems;
  try {
    crossCheck(raw, (path, message) => {
      const location = locate?.(path);
      problems.push(location ? { path: formatPath(path), message, location } : { path: formatPath(path), message });
    });
  } catch {
    // A shape error (already reported) stopped the walk; keep what was found before it.
  }
  return problems;
}

/**
 * Aliases a config may expand before it is treated as a resource-exhaustion attack (the yaml
 * package's measure: uses of an anchor times the aliases inside it).
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * Parses YAML text and validates it. Malformed YAML (syntax, duplicate keys, an alias without an
 * anchor, excessive aliases) is a {@link ConfigSyntaxError}; config problems carry `where:line:col`.
 */
export function parseConfigYaml(text: string, where = "config"): LakehouseConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, lineCounter });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${where}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    throw new ConfigSyntaxError(
      where,
      doc.errors.map((e) => ({ path: "", location: at(e.pos[0]), message: yamlMessage(e, text) })),
    );
  }
  const aliases = aliasesOf(doc);
  const unresolved = aliases.filter((a) => a.resolve(doc) === undefined);
  if (unresolved.length > 0) {
    throw new ConfigSyntaxError(
      where,
      unresolved.map((a) => ({ path: "", location: at(a.range?.[0] ?? 0), message: `invalid YAML: alias *${a.source} has no anchor &${a.source} before it` })),
    );
  }
  let input: unknown;
  try {
    input = toJsNamingAlias(doc, aliases);
  } catch (e) {
    const alias = (e as { alias?: Alias }).alias;
    if (!(e instanceof ReferenceError) || !alias) throw e;
    throw new ConfigSyntaxError(where, [
      {
        path: "",
        location: at(alias.range?.[0] ?? 0),
        message: `invalid YAML: alias *${alias.source} expands the document past ${MAX_ALIAS_COUNT} aliased nodes (refused as a resource-exhaustion attack)`,
      },
    ]);
  }
  return parseConfig(input, where, (path, key) => at(offsetOf(doc, path, key)));
}

/** The yaml package's reason without its own position and excerpt (we give `file:line:col`). */
function yamlMessage(e: YAMLError, text: string): string {
  const reason = e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
  const key = e.code === "DUPLICATE_KEY" ? /^("[^"\n]*"|'[^'\n]*'|[^:#\n]{1,80}?)\s*:/.exec(text.slice(e.pos[0]))?.[1] : undefined;
  return key ? `invalid YAML: ${reason} (duplicate key ${key.replace(/^["']|["']$/g, "")})` : `invalid YAML: ${reason}`;
}

function aliasesOf(doc: Document): Alias[] {
  const aliases: Alias[] = [];
  visit(doc, { Alias: (_key, node) => void aliases.push(node) });
  return aliases;
}

/**
 * `doc.toJS()`, but an alias that fails (the alias-count guard) is attached to the error, so the
 * error can say where it is. The innermost failing alias wins: that is the one that exploded.
 */
function toJsNamingAlias(doc: Document, aliases: Alias[]): unknown {
  for (const alias of aliases) {
    const toJSON = alias.toJSON.bind(alias);
    alias.toJSON = (arg, ctx) => {
      try {
        return toJSON(arg, ctx);
      } catch (e) {
        if (e instanceof Error && !("alias" in e)) Object.assign(e, { alias });
        throw e;
      }
    };
  }
  return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
}

/**
 * Offset in the text of the node at `path` (or of `key` in the map there), or of the deepest
 * ancestor that exists: a missing field is reported where its object starts.
 */
function offsetOf(doc: Document, path: readonly PropertyKey[], key?: string): number {
  let node: unknown = doc.contents;
  let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
  const parts = key === undefined ? path : [...path, key];
  for (const [i, part] of parts.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(part));
      if (!pair) break;
      const target = key !== undefined && i === parts.length - 1 ? pair.key : (pair.value ?? pair.key);
      node = target;
      offset = (target as YamlNode | null)?.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof part === "number" && node.items[part] !== undefined) {
      node = node.items[part];
      offset = (node as YamlNode | null)?.range?.[0] ?? offset;
    } else break;
  }
  return offset;
}

export function loadConfigFile(file: string): LakehouseConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new LakehouseValidationError(file, [{ path: "", message: `cannot read: ${(e as Error).message}` }]);
  }
  return parseConfigYaml(text, file);
}
