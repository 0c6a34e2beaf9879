/** One problem found in props or config: where it is and why it is wrong. */
export interface ValidationProblem {
  /** Dotted/indexed path inside the props or config, e.g. `tenants[2].sources[0].eventTimeField`. */
  readonly path: string;
  /** A plain reason, e.g. `required`. */
  readonly message: string;
  /** Where in a file the problem is, `file:line:col` (configs read from YAML); none for TypeScript input. */
  readonly location?: string;
}

/** What kind of failure an error is; the CLI maps it to its exit code (`usage` 2, the others 1). */
export type LakehouseErrorKind = "usage" | "invalid" | "failed";

/**
 * The base of the library's own errors: `kind` says whose words were wrong (the command line's, the
 * config's or props') or that the work itself failed; `hint`, what to do next, is printed after it.
 * Anything else the CLI catches is a bug, and it prints the stack.
 */
export class LakehouseError extends Error {
  constructor(
    message: string,
    public readonly kind: LakehouseErrorKind,
    public readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Thrown when a module's props or the lakehouse config are invalid. Carries every problem at once,
 * and the construct path (for props) or config file (for config) they belong to.
 */
export class LakehouseValidationError extends LakehouseError {
  constructor(
    /** Construct path of the module, or the config file name. */
    public readonly where: string,
    public readonly problems: readonly ValidationProblem[],
  ) {
    super(
      `${where}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n` +
        problems.map((p) => `  - ${p.location ? `${p.location}: ` : ""}${p.path || "(root)"}: ${p.message}`).join("\n"),
      "invalid",
    );
    this.name = "LakehouseValidationError";
  }
}

/** Renders a zod issue path (`["tenants", 2, "id"]`) the way users write it: `tenants[2].id`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * A config file that is not well-formed YAML (syntax, duplicate key, unresolved or excessive
 * aliases). Each problem has a `file:line:col` location and an empty path: there is no config yet.
 */
export class ConfigSyntaxError extends LakehouseValidationError {
  constructor(where: string, problems: readonly (ValidationProblem & { location: string })[]) {
    super(where, problems);
    this.name = "ConfigSyntaxError";
    this.message = problems.map((p) => `${p.location}: ${p.message}`).join("\n");
  }
}
