import { nearest } from "../../modules/core/suggest";
import { ConfigChoice } from "../config-file";
import { loadConfigFile } from "../../stacks/config/load";
import { resolveConfig } from "../../stacks/config/resolve";
import { CostInputError, CostUsageError } from "./errors";
import { estimateCost } from "./model";
import { applyOverrides, readOverrides } from "./overrides";
import { renderJson, renderText } from "./render";
import { parseVolumeArgs, resolveVolumes } from "./volume";

/** Exit codes, as cli/lakehouse.ts documents them. */
const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;
type Output = Pick<NodeJS.WriteStream, "write">;

/**
 * `lakehouse cost`: reads the chosen config (cli/config-file.ts), the volumes and the price
 * overrides, and prints the estimate. Its own usage and input errors are reported here; a config that
 * does not load throws, for the CLI's reporting like every command's.
 */
export function costCommand(values: Values, config: ConfigChoice, out: Output, err: Output): number {
  try {
    const configFile = config.file;
    const volumeArgs = parseVolumeArgs((values.volume as string[] | undefined) ?? []);
    const overrides = typeof values.prices === "string" ? readOverrides(values.prices) : {};
    const lakehouse = resolveConfig(loadConfigFile(configFile));
    const environment = typeof values.env === "string" ? values.env : undefined;
    if (environment !== undefined && !lakehouse.environments.some((e) => e.name === environment)) {
      const hint = nearest(environment, lakehouse.environments.map((e) => e.name));
      throw new CostUsageError(`--env '${environment}': no such environment in ${configFile}${hint ? `; did you mean ${hint}?` : ` (it has ${lakehouse.environments.map((e) => e.name).join(", ")})`}`);
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
