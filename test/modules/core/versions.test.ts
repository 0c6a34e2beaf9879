import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { LIBRARY_VERSION, MODULE_VERSIONS } from "../../../modules/core/versions";

const ROOT = join(__dirname, "..", "..", "..");
const changelog = readFileSync(join(ROOT, "CHANGELOG.md"), "utf8");

describe("versions", () => {
  test("the library version is the same in package.json, the registry and the newest CHANGELOG release", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(LIBRARY_VERSION).toBe(pkg.version);
    expect(/^## (\d+\.\d+\.\d+)/m.exec(changelog)?.[1]).toBe(pkg.version);
  });

  test("every module in the registry is in the CHANGELOG with its version, and has a folder with a README", () => {
    for (const [name, version] of Object.entries(MODULE_VERSIONS)) {
      expect(changelog).toContain(`\`${name}\` ${version}`);
      if (name.startsWith("stacks/")) continue;
      expect(existsSync(join(ROOT, "modules", name, "index.ts"))).toBe(true);
      expect(existsSync(join(ROOT, "modules", name, "README.md"))).toBe(true);
    }
  });

  test("every module folder is in the registry", () => {
    for (const area of ["aws", "snowflake"]) {
      for (const dir of readdirSync(join(ROOT, "modules", area), { withFileTypes: true }).filter((d) => d.isDirectory())) {
        expect(Object.keys(MODULE_VERSIONS)).toContain(`${area}/${dir.name}`);
      }
    }
  });
});
