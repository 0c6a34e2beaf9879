import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES } from "../tools/examples";
import { exampleStackTexts } from "./support/examples";

/**
 * Golden synthesized JSON of every example, committed under test/golden/, so every pull request shows
 * its infrastructure diff. To accept a change on purpose: `npm run golden:update`, then read the diff.
 */
const GOLDEN = join(__dirname, "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

describe.each(Object.keys(EXAMPLES))("golden synth of example %s", (example) => {
  // Synthesized as its entry point does, once per worker (test/support/examples.ts).
  const actual = exampleStackTexts(example);
  const goldenDir = join(GOLDEN, example);

  if (UPDATE) {
    test("golden files rewritten", () => {
      rmSync(goldenDir, { recursive: true, force: true });
      mkdirSync(goldenDir, { recursive: true });
      for (const [stack, text] of Object.entries(actual)) writeFileSync(join(goldenDir, `${stack}.tf.json`), text);
      expect(readdirSync(goldenDir)).toHaveLength(Object.keys(actual).length);
    });
    return;
  }

  test("the same stacks as committed", () => {
    const committed = existsSync(goldenDir)
      ? readdirSync(goldenDir)
          .map((f) => f.replace(/\.tf\.json$/, ""))
          .sort()
      : [];
    expect(Object.keys(actual)).toEqual(committed);
  });

  test("depends_on and replace_triggered_by hold bare addresses (an interpolated one is invalid Terraform); replace_triggered_by may name an attribute path with static indices", () => {
    for (const text of Object.values(actual)) {
      const json = JSON.parse(text) as {
        resource?: Record<string, Record<string, { depends_on?: string[]; lifecycle?: { replace_triggered_by?: string[] } }>>;
      };
      for (const byName of Object.values(json.resource ?? {})) {
        for (const r of Object.values(byName)) {
          for (const ref of r.depends_on ?? []) expect(ref).toMatch(/^[a-z0-9_]+\.[A-Za-z0-9_]+(\.[a-z_]+)?$/);
          for (const ref of r.lifecycle?.replace_triggered_by ?? []) expect(ref).toMatch(/^[a-z0-9_]+\.[A-Za-z0-9_]+(\.[a-z_]+(\[\d+\])?)*$/);
        }
      }
    }
  });

  test.each(Object.keys(actual))("stack %s matches test/golden (run `npm run golden:update` to accept a change on purpose)", (stack) => {
    const file = join(goldenDir, `${stack}.tf.json`);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(actual[stack])).toEqual(JSON.parse(readFileSync(file, "utf8")));
  });
});
