/** A wrong `cost` command line (`--volume`, `--env`): exit 2, like every usage error. */
export class CostUsageError extends Error {}

/** A `--prices` file that cannot be read or does not validate: exit 1 (the work failed). */
export class CostInputError extends Error {}
