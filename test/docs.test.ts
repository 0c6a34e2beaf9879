import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MODULE_VERSIONS } from "../modules/core/versions";
import { propsTable, syncReadmes } from "../tools/props-docs";

const ROOT = join(__dirname, "..");

describe("README props tables", () => {
  test("are generated from the current Props interfaces (run `npm run docs` after changing props)", () => {
    expect(syncReadmes(ROOT, true)).toEqual([]);
  });

  test("state each prop's requiredness and default", () => {
    const table = propsTable(ROOT, "modules/snowflake/snowpipe/index.ts", "SnowpipeProps");
    expect(table).toContain("| `eventTimeField` | `string` | yes |");
    expect(table).toMatch(/\| `onError` \| `"CONTINUE" \\\| "SKIP_FILE" \\\| "ABORT_STATEMENT"` \| no \| .* Default: "CONTINUE"\. \|/);
  });
});

describe("README module table", () => {
  test("lists every module of the registry, with its current version", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const listed = Object.fromEntries(
      [...readme.matchAll(/^\| \[([a-z]+\/[a-z-]+)\]\(modules\/\1\/README\.md\) \| (\d+\.\d+\.\d+) \|/gm)].map((m) => [m[1], m[2]]),
    );
    const modules = Object.fromEntries(Object.entries(MODULE_VERSIONS).filter(([m]) => !m.startsWith("stacks/")));
    expect(listed).toEqual(modules);
  });
});
