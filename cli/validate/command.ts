/** `lakehouse validate`: every problem of a config at once, with file:line:col and path; warnings that do not fail it. */
import { configWarnings } from "../../stacks/config/warnings";
import { loadConfigFile } from "../../stacks/config/load";
import { CommandSpec, EXIT_OK, OptionValues, Output } from "../command";
import { CONFIG_OPTION, EXAMPLE_OPTION, chooseConfig } from "../config-file";

export const VALIDATE_COMMAND: CommandSpec = {
  summary: "check a config and report every problem with file:line:col and path",
  options: { config: CONFIG_OPTION, example: EXAMPLE_OPTION },
};

/** An invalid config throws (the CLI reports every problem, exit 1); a valid one is said so, with its warnings on `err`. */
export function validateCommand(values: OptionValues, out: Output, err: Output): number {
  const config = chooseConfig(values, "validate", { offersExample: true });
  const warnings = configWarnings(loadConfigFile(config.file));
  for (const w of warnings) err.write(`lakehouse: warning: ${w.path}: ${w.message}\n`);
  out.write(`${config.label}: valid${warnings.length > 0 ? ` (${warnings.length} warning${warnings.length > 1 ? "s" : ""})` : ""}\n`);
  return EXIT_OK;
}
