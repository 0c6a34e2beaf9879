import { LakehouseError } from "../../modules/core/errors";

/** A wrong `cost` command line (`--volume`, `--env`): exit 2, like every usage error. */
export class CostUsageError extends LakehouseError {
  constructor(message: string) {
    super(message, "usage");
  }
}

/** A `--prices` file that cannot be read or does not validate: exit 1 (the work failed). */
export class CostInputError extends LakehouseError {
  constructor(message: string) {
    super(message, "failed");
  }
}
