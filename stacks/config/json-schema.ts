import { z } from "zod";
import { lakehouseConfigSchema } from "./schema";

/**
 * The JSON Schema editors use to check lakehouse YAML (schema/lakehouse.schema.json). Generated from
 * the zod schema, for the input side (defaults optional); cross-field rules (uniqueness, floors,
 * regions with a Snowflake account) are only in `lakehouse validate`.
 */
export function lakehouseJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(lakehouseConfigSchema, { io: "input", target: "draft-2020-12" }),
    $id: "https://github.com/security-lakehouse/security-lakehouse/schema/lakehouse.schema.json",
    title: "security-lakehouse config",
  };
}
