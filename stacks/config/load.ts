import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { LakehouseValidationError, ValidationProblem, formatPath } from "../../modules/core/errors";
import { problemsOf } from "../../modules/core/validate";
import { LakehouseConfig, LakehouseConfigInput, crossCheck, lakehouseConfigSchema } from "./schema";

/**
 * Validates a config object (from YAML or TypeScript). Every problem is reported at once, by path;
 * `where` names the file (or `config`) in the error.
 */
export function parseConfig(input: LakehouseConfigInput | unknown, where = "config"): LakehouseConfig {
  const result = lakehouseConfigSchema.safeParse(input);
  if (result.success) return result.data;
  // Zod skips the cross-field checks once a field has a shape error; run them on the raw input
  // as well, so a config with both kinds of mistakes gets every problem in one report.
  const problems = problemsOf(result.error);
  const seen = new Set(problems.map((p) => `${p.path}\n${p.message}`));
  for (const extra of crossCheckProblems(input)) {
    if (!seen.has(`${extra.path}\n${extra.message}`)) problems.push(extra);
  }
  throw new LakehouseValidationError(where, problems);
}

/** Cross-field problems of a config that may have shape errors; best effort, never throws. */
function crossCheckProblems(input: unknown): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const raw = input as Parameters<typeof crossCheck>[0];
  if (typeof raw !== "object" || raw === null || !Array.isArray(raw.environments) || !Array.isArray(raw.tenants)) return problems;
  try {
    crossCheck(raw, (path, message) => problems.push({ path: formatPath(path), message }));
  } catch {
    // A shape error (already reported) stopped the walk; keep what was found before it.
  }
  return problems;
}

/** Parses YAML text (duplicate keys are errors) and validates it. */
export function parseConfigYaml(text: string, where = "config"): LakehouseConfig {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new LakehouseValidationError(
      where,
      doc.errors.map((e) => ({ path: `(yaml line ${e.linePos?.[0].line ?? "?"})`, message: e.message.split("\n")[0] })),
    );
  }
  return parseConfig(doc.toJS(), where);
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
