import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The layout of test/ (docs/testing.md, "Layout"): tests mirror the modules they test. */
const ROOT = join(__dirname, "..");
const CLOUDS = ["aws", "snowflake"];

const folders = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
const testFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".test.ts")) : []);

describe("test layout", () => {
  test.each(CLOUDS)("every module folder under modules/%s has its own test file, test/modules/<cloud>/<module>.test.ts", (cloud) => {
    const modules = folders(join(ROOT, "modules", cloud));
    expect(modules.length).toBeGreaterThan(0);
    const missing = modules.filter((m) => !existsSync(join(ROOT, "test", "modules", cloud, `${m}.test.ts`)));
    expect(missing.map((m) => `test/modules/${cloud}/${m}.test.ts`)).toEqual([]);
  });

  test.each(CLOUDS)("every test file under test/modules/%s names a module of that cloud (a folder, or a shared file beside them)", (cloud) => {
    const orphans = testFiles(join(ROOT, "test", "modules", cloud))
      .map((f) => f.replace(/\.test\.ts$/, ""))
      .filter((name) => !existsSync(join(ROOT, "modules", cloud, name, "index.ts")) && !existsSync(join(ROOT, "modules", cloud, `${name}.ts`)));
    expect(orphans).toEqual([]);
  });

  test("module tests live in test/modules/<cloud>/ or test/modules/core/, none loose in test/modules/", () => {
    expect(testFiles(join(ROOT, "test", "modules"))).toEqual([]);
    expect(folders(join(ROOT, "test", "modules")).sort()).toEqual([...CLOUDS, "core"].sort());
  });
});
