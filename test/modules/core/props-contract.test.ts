import { z } from "zod";
import { LakehouseValidationError } from "../../../modules/core/errors";
import { PropsDrift, parseProps } from "../../../modules/core/validate";

/**
 * The compiler ties every module's zod schema to its `…Props` interface (modules/core/validate.ts,
 * `parseProps`). `npm run typecheck` compiles this file: each `@ts-expect-error` below is a drift that
 * must not compile; were it to compile, the directive itself would be the error.
 */

interface ExampleProps {
  /** Required string. */
  readonly name: string;
  /** Optional number with a default. */
  readonly days?: number;
  /** Readonly arrays of objects: the schema's arrays are mutable, which is no drift. */
  readonly rules?: readonly { readonly prefix: string; readonly tags?: readonly string[] }[];
  readonly mode?: "GOVERNANCE" | "COMPLIANCE";
}

const exact = z.object({
  name: z.string().min(1),
  days: z.number().int().default(30),
  rules: z.array(z.object({ prefix: z.string(), tags: z.array(z.string()).default([]) })).default([]),
  mode: z.enum(["GOVERNANCE", "COMPLIANCE"]).optional(),
});

const props: ExampleProps = { name: "x" };

/** Never called: each line is checked by the compiler only. */
function drifts(): void {
  // A Props field missing from the schema.
  // @ts-expect-error mode: in Props, missing from the schema
  parseProps("P", exact.omit({ mode: true }), props);
  // A schema field missing from Props.
  // @ts-expect-error extra: in the schema, missing from Props
  parseProps("P", exact.extend({ extra: z.string().optional() }), props);
  // Typed differently: a number in Props, a string in the schema.
  // @ts-expect-error days: Props allows what the schema refuses
  parseProps("P", exact.extend({ days: z.string().optional() }), props);
  // The schema takes more than Props says (a wider enum).
  // @ts-expect-error mode: the schema takes more than Props says
  parseProps("P", exact.extend({ mode: z.enum(["GOVERNANCE", "COMPLIANCE", "NONE"]).optional() }), props);
  // Props takes more than the schema (a string where the schema takes only some strings).
  // @ts-expect-error name: Props allows what the schema refuses
  parseProps("P", exact.extend({ name: z.enum(["a", "b"]) }), props);
  // Optional in Props, required in the schema.
  // @ts-expect-error days: optional in one of Props and the schema only
  parseProps("P", exact.extend({ days: z.number() }), props);
  // Required in Props, optional in the schema.
  // @ts-expect-error name: optional in one of Props and the schema only
  parseProps("P", exact.extend({ name: z.string().optional() }), props);
  // Nested: a field of an array element missing from the schema.
  // @ts-expect-error rules[].tags: in Props, missing from the schema
  parseProps("P", exact.extend({ rules: z.array(z.object({ prefix: z.string() })).default([]) }), props);
}

describe("parseProps: a module's schema and its Props are one contract", () => {
  test("drifts do not compile (the @ts-expect-error lines above, checked by npm run typecheck)", () => {
    expect(typeof drifts).toBe("function");
    // The drift a type names, as a value the compiler checks.
    const named: PropsDrift<ExampleProps, z.input<ReturnType<typeof exact.omit<{ mode: true }>>>> = "mode: in Props, missing from the schema";
    expect(named).toMatch(/mode/);
    const none: [PropsDrift<ExampleProps, z.input<typeof exact>>] extends [never] ? true : false = true;
    expect(none).toBe(true);
  });

  test("an exact schema parses, with defaults filled in", () => {
    expect(parseProps("Stack/Example", exact, props)).toEqual({ name: "x", days: 30, rules: [] });
  });

  test("invalid props throw a LakehouseValidationError naming the construct path and the prop", () => {
    let error: unknown;
    try {
      const invalid: ExampleProps = { name: "" };
      parseProps("Stack/Example", exact, invalid);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LakehouseValidationError);
    expect((error as LakehouseValidationError).message).toMatch(/^Stack\/Example: 1 problem\n {2}- name: /);
  });
});
