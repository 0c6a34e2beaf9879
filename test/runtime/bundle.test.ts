import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundlePullerHandler } from "../../build/bundle";
import { packageRoot } from "../../modules/core/package-root";

describe("bundlePullerHandler", () => {
  const dirs = [mkdtempSync(join(tmpdir(), "puller-a-")), mkdtempSync(join(tmpdir(), "puller-b-"))];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test("GIVEN the same source twice THEN the same bytes (sha256), no absolute paths, and a loadable handler export", async () => {
    const a = await bundlePullerHandler(dirs[0]);
    const b = await bundlePullerHandler(dirs[1]);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.sha256).toBe(a.sha256);
    expect(a.path).toBe(join(dirs[0], "index.js"));
    const text = readFileSync(a.path, "utf8");
    expect(text).not.toContain(packageRoot());
    expect(text).not.toContain(dirs[0]);
    expect(text).toContain("// runtime/puller/handler.ts");
    // The bundle stands alone: loading it needs nothing from node_modules.
    const mod = (await import(a.path)) as { handler?: unknown };
    expect(typeof mod.handler).toBe("function");
  });
});
