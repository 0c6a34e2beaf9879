import { join } from "node:path";
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
