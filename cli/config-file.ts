import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { nearest } from "../modules/core/suggest";
import { packageRoot } from "../modules/core/package-root";
import { LakehouseError } from "../modules/core/errors";
import { OptionValues } from "./command";

/**
 * Which config a command reads. Never the bundled demo by default: a pull-request job that forgot
 * `--config` would otherwise review (or synthesize) the demo's tenants and pass every change.
 */

/** The config a command reads when no --config is given: the consumer's own, where the command runs. */
export const CONFIG_FILE_NAME = "lakehouse.yaml";

export const CONFIG_OPTION = {
  type: "string",
  value: "file",
  help: `the config (default: ./${CONFIG_FILE_NAME}; with neither, the command fails)`,
} as const;

export const EXAMPLE_OPTION = {
  type: "string",
  value: "name",
  help: "a bundled example instead of a config, named explicitly (the demo is 'default'); never implied",
} as const;

/** A command line that names no usable config, or names it twice: a usage error (exit 2). */
export class ConfigChoiceError extends LakehouseError {
  constructor(message: string) {
    super(message, "usage");
  }
}

export interface ConfigChoice {
  /** The file to read. */
  readonly file: string;
  /** How reports name it: the path as given, or the bundled example. */
  readonly label: string;
  /** Set when `--example` chose a bundled example. */
  readonly example?: string;
}

/** The bundled examples (folders of the package's examples/ with a lakehouse.yaml), sorted. */
export function bundledExamples(): string[] {
  const dir = join(packageRoot(), "examples");
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, CONFIG_FILE_NAME)))
    .sort();
}

/**
 * `--config <file>`, else `--example <name>` where the command offers it (`offersExample`), else
 * ./lakehouse.yaml in `cwd`, else a ConfigChoiceError that says what to do.
 */
export function chooseConfig(values: OptionValues, command: string, o: { offersExample: boolean; cwd?: string }): ConfigChoice {
  const cwd = o.cwd ?? process.cwd();
  const config = typeof values.config === "string" ? values.config : undefined;
  const example = typeof values.example === "string" ? values.example : undefined;
  if (config !== undefined && example !== undefined) throw new ConfigChoiceError(`${command}: give --config or --example, not both`);
  if (config !== undefined) return { file: config, label: config };
  if (example !== undefined) {
    const names = bundledExamples();
    if (!names.includes(example)) {
      const hint = nearest(example, names);
      throw new ConfigChoiceError(
        `${command} --example ${example}: no such bundled example${hint ? `; did you mean ${hint}?` : ` (there are: ${names.join(", ")})`}`,
      );
    }
    return {
      file: join(packageRoot(), "examples", example, CONFIG_FILE_NAME),
      label: `the bundled example '${example}' (examples/${example}/${CONFIG_FILE_NAME})`,
      example,
    };
  }
  const local = resolve(cwd, CONFIG_FILE_NAME);
  if (existsSync(local)) return { file: local, label: CONFIG_FILE_NAME };
  throw new ConfigChoiceError(
    `${command}: no config: give --config <file>, or run it where your ${CONFIG_FILE_NAME} is (none in ${cwd})` +
      (o.offersExample ? "; the bundled demo is used only when asked for, with --example default" : ""),
  );
}
