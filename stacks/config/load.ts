import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { LakehouseValidationError } from "../../modules/core/errors";
import { problemsOf } from "../../modules/core/validate";
import { LakehouseConfig, LakehouseConfigInput, lakehouseConfigSchema } from "./schema";

/**
 * Validates a config object (from YAML or TypeScript). Every problem is reported at once, by path;
 * `where` names the file (or `config`) in the error.
 */
export function parseConfig(input: LakehouseConfigInput | unknown, where = "config"): LakehouseConfig {
  const result = lakehouseConfigSchema.safeParse(input);
  if (!result.success) throw new LakehouseValidationError(where, problemsOf(result.error));
  return result.data;
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
