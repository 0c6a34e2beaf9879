/** `lakehouse schema`: the config's JSON Schema, for editors (schema/lakehouse.schema.json is its output). */
import { lakehouseJsonSchema } from "../../stacks/config/json-schema";
import { CommandSpec, EXIT_OK, Output } from "../command";

export const SCHEMA_COMMAND: CommandSpec = { summary: "print the config's JSON Schema", options: {} };

export function schemaCommand(out: Output): number {
  out.write(`${JSON.stringify(lakehouseJsonSchema(), null, 2)}\n`);
  return EXIT_OK;
}
