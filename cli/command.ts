import { LakehouseError } from "../modules/core/errors";

/** What every command of the CLI shares: the shape of its entry in the command table, what it is given, how it exits. */

/** Exit codes; the README's "Exit codes" table says the same. */
export const EXIT_OK = 0;
/** The work failed: invalid config, failed synth, guardrail violation, version discipline, bad plan file. */
export const EXIT_FAILED = 1;
/** The command line is wrong: unknown command or option, missing value, missing required option. */
export const EXIT_USAGE = 2;
/** Exit code of `review` when it finds a critical or high change and --allow-high is not given. */
export const EXIT_HIGH_FINDINGS = 3;

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder of a string option's value in help, e.g. `file`. */
  readonly value?: string;
  readonly help: string;
}

/** A command's entry in the CLI's table (cli/lakehouse.ts): its help and its options. */
export interface CommandSpec {
  readonly summary: string;
  /** What the command acts on, the one word after it (`bootstrap snowflake`). @default none */
  readonly subcommands?: readonly string[];
  /** Lines after the options in `<command> --help`. */
  readonly details?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
}

/** A command's option values, as util.parseArgs gives them. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A writable like process.stdout / process.stderr; `isTTY` decides whether progress is shown. */
export type Output = Pick<NodeJS.WriteStream, "write"> & { isTTY?: boolean };

/** The command line is wrong (exit 2): the CLI adds where to find the commands and their options. */
export class UsageError extends LakehouseError {
  constructor(message: string) {
    super(message, "usage");
  }
}

/** A string option's value, or none. */
export const str = (v: unknown) => (typeof v === "string" ? v : undefined);
