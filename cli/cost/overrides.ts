import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { nearest } from "../../modules/core/suggest";
import { ASSUMPTION_KEYS, AssumptionKey, Assumptions, listAssumptions } from "./assumptions";
import { CostInputError } from "./errors";
import { EDITIONS, PRICE_KEYS, PriceKey, Prices, listPrices } from "./prices";

/**
 * `--prices <file.json|yaml>`: prices and assumptions that replace the table's, e.g.
 *
 * ```yaml
 * prices: { "snowflake.credit.enterprise": 2.6, "s3.storage.STANDARD": 0.021 }
 * assumptions: { compressionRatio: 10, snowflake.edition: standard }
 * ```
 *
 * Keys are the tables' (cli/cost/prices.ts, cli/cost/assumptions.ts); an unknown key, or a value
 * that is not a number >= 0 (ratios and seconds > 0), is an error naming the key.
 */
export interface Overrides {
  readonly prices?: Partial<Prices>;
  readonly assumptions?: Partial<Assumptions>;
}

const price = z.number({ error: "must be a number (USD or credits per the table's unit)" }).finite().min(0, "must be >= 0");
const POSITIVE: readonly AssumptionKey[] = [
  "daysPerMonth",
  "compressionRatio",
  "snowflake.compressionRatio",
  "puller.windowSeconds",
  "puller.targetObjectMiB",
  "lambda.memoryMB",
  "kafka.partitions",
  "native.objectMiB",
  "stream.recordKB",
];
const assumption = (key: AssumptionKey) => {
  const n = z.number({ error: "must be a number" }).finite();
  return POSITIVE.includes(key) ? n.gt(0, "must be > 0") : n.min(0, "must be >= 0");
};

const overridesSchema = z.strictObject({
  prices: z.strictObject(Object.fromEntries(PRICE_KEYS.map((k) => [k, price.optional()])) as Record<PriceKey, z.ZodOptional<typeof price>>).optional(),
  assumptions: z
    .strictObject({
      ...(Object.fromEntries(ASSUMPTION_KEYS.map((k) => [k, assumption(k).optional()])) as Record<AssumptionKey, z.ZodOptional<z.ZodNumber>>),
      "snowflake.edition": z.enum(EDITIONS, { error: `must be one of ${EDITIONS.join(", ")}` }).optional(),
    })
    .optional(),
});

/** Problems of an overrides object, one line each, naming the key. */
export function overrideProblems(value: unknown): string[] {
  const parsed = overridesSchema.safeParse(value);
  if (parsed.success) return [];
  const problems: string[] = [];
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      const section = path[0];
      const known = section === "prices" ? PRICE_KEYS : section === "assumptions" ? [...ASSUMPTION_KEYS, "snowflake.edition"] : ["prices", "assumptions"];
      for (const key of issue.keys) {
        const hint = nearest(key, known);
        const what = section === "prices" ? "unknown price" : section === "assumptions" ? "unknown assumption" : "unknown section (prices and assumptions are)";
        problems.push(`${[...path, key].join(".")}: ${what}${hint ? `; did you mean ${hint}?` : ""}`);
      }
    } else {
      problems.push(
        `${path.length > 0 ? path.join(".") : "(the file)"}: ${issue.code === "invalid_type" && path.length === 0 ? "must be an object with prices and/or assumptions" : issue.message}`,
      );
    }
  }
  return problems;
}

/** Reads and checks a `--prices` file (JSON, or YAML when named .yaml/.yml). */
export function readOverrides(file: string): Overrides {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CostInputError(`--prices ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let value: unknown;
  try {
    value = /\.ya?ml$/i.test(file) ? parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 }) : JSON.parse(text);
  } catch (e) {
    throw new CostInputError(`--prices ${file}: not valid ${/\.ya?ml$/i.test(file) ? "YAML" : "JSON"}: ${(e as Error).message.split("\n")[0]}`);
  }
  const problems = overrideProblems(value ?? {});
  if (problems.length > 0)
    throw new CostInputError(
      `--prices ${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems\n${problems.map((p) => `  - ${p}`).join("\n")}`}`,
    );
  return (value ?? {}) as Overrides;
}

/** The table's prices and assumptions with the overrides on top. */
export function applyOverrides(overrides: Overrides = {}): { prices: Prices; assumptions: Assumptions } {
  return {
    prices: { ...listPrices(), ...overrides.prices },
    assumptions: { ...listAssumptions(), ...overrides.assumptions },
  };
}
