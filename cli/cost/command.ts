import { nearest } from "../../modules/core/suggest";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, OptionValues, Output } from "../command";
import { CONFIG_OPTION, ConfigChoice, EXAMPLE_OPTION } from "../config-file";
import { loadConfigFile } from "../../stacks/config/load";
import { resolveConfig } from "../../stacks/config/resolve";
import { CostInputError, CostUsageError } from "./errors";
import { estimateCost } from "./model";
import { applyOverrides, readOverrides } from "./overrides";
import { renderJson, renderText } from "./render";
import { parseVolumeArgs, resolveVolumes } from "./volume";

/** The command's entry in the CLI's COMMANDS (the same shape as its other commands). */
export const COST_COMMAND = {
  summary: "monthly cost estimate per tenant and environment, line by line",
  details:
    "Steady state after each retention, at the list prices of cli/cost/prices.ts (each with its date and\n" +
    'source) and the assumptions of cli/cost/assumptions.ts; see README.md, "Cost".',
  options: {
    config: CONFIG_OPTION,
    example: EXAMPLE_OPTION,
    env: { type: "string", value: "name", help: "only this environment" },
    volume: {
      type: "string",
      multiple: true,
      value: "tenant[/source]=GB/day",
      help: "uncompressed GB/day of a tenant (shared by its sources) or of one source (default: per type)",
    },
    prices: { type: "string", value: "file.json|yaml", help: "prices and assumptions over the table's: { prices: {key: n}, assumptions: {key: n} }" },
    json: { type: "boolean", help: "print the estimate as JSON (every line, totals, volumes, assumptions)" },
  },
} as const;

/**
 * `lakehouse cost`: reads the chosen config (cli/config-file.ts), the volumes and the price
 * overrides, and prints the estimate. Its own usage and input errors are reported here; a config that
 * does not load throws, for the CLI's reporting like every command's.
 */
export function costCommand(values: OptionValues, config: ConfigChoice, out: Output, err: Output): number {
  try {
    const configFile = config.file;
    const volumeArgs = parseVolumeArgs((values.volume as string[] | undefined) ?? []);
    const overrides = typeof values.prices === "string" ? readOverrides(values.prices) : {};
    const lakehouse = resolveConfig(loadConfigFile(configFile));
    const environment = typeof values.env === "string" ? values.env : undefined;
    if (environment !== undefined && !lakehouse.environments.some((e) => e.name === environment)) {
      const hint = nearest(
        environment,
        lakehouse.environments.map((e) => e.name),
      );
      throw new CostUsageError(
        `--env '${environment}': no such environment in ${configFile}${hint ? `; did you mean ${hint}?` : ` (it has ${lakehouse.environments.map((e) => e.name).join(", ")})`}`,
      );
    }
    const { prices, assumptions } = applyOverrides(overrides);
    const estimate = estimateCost(lakehouse, { prices, assumptions, volumes: resolveVolumes(lakehouse, volumeArgs), environment });
    out.write(values.json === true ? renderJson(estimate, config.label) : renderText(estimate, config.label));
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CostUsageError) {
      err.write(`lakehouse: cost: ${e.message}\nRun 'lakehouse --help' for the commands, 'lakehouse <command> --help' for their options.\n`);
      return EXIT_USAGE;
    }
    if (e instanceof CostInputError) {
      err.write(`lakehouse: cost: ${e.message}\n`);
      return EXIT_FAILED;
    }
    throw e;
  }
}
