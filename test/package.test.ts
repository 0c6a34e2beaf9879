import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import ts from "typescript";
import { MODULE_VERSIONS } from "../modules/core/versions";

/**
 * The public API as a consumer gets it: the package packed with `npm pack`, installed from the
 * tarball into a scratch project, and a program there that imports every module (derived from
 * MODULE_VERSIONS, so a new module is checked without editing this test), the stacks layer and the
 * review API from the root and from their subpaths, type-checked and run to synthesize.
 */
const ROOT = join(__dirname, "..");

/** Each public entry point: its subpath and its source file. */
interface Entry {
  readonly subpath: string;
  readonly source: string;
}

function entries(): Entry[] {
  const subpaths = new Set(Object.keys(MODULE_VERSIONS).map((m) => (m.startsWith("stacks/") ? "stacks" : `modules/${m}`)));
  subpaths.add("review");
  return [...subpaths].map((subpath) => ({ subpath, source: join(ROOT, subpath, "index.ts") }));
}

const program = ts.createProgram([join(ROOT, "index.ts")], {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  esModuleInterop: true,
  skipLibCheck: true,
});
const checker = program.getTypeChecker();

/** Names a source file exports, and whether each is a value (a class, function or constant) too. */
function exportsOf(file: string): { name: string; value: boolean }[] {
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`${relative(ROOT, file)} is not part of the program of index.ts: is the module exported from the root?`);
  return checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).map((s) => {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    return { name: s.getName(), value: (target.flags & ts.SymbolFlags.Value) !== 0 };
  });
}

const rootExports = new Set(exportsOf(join(ROOT, "index.ts")).map((e) => e.name));

/** Named types declared in this repository that `type` is built from (through unions, arrays, type arguments). */
function ownNamedTypes(type: ts.Type, found = new Set<string>(), seen = new Set<ts.Type>()): Set<string> {
  if (seen.has(type)) return found;
  seen.add(type);
  if (type.isUnionOrIntersection()) type.types.forEach((t) => ownNamedTypes(t, found, seen));
  const symbol = type.aliasSymbol ?? type.getSymbol();
  const declaration = symbol?.declarations?.[0];
  const declaredHere = declaration && !declaration.getSourceFile().fileName.includes("node_modules") && !declaration.getSourceFile().isDeclarationFile;
  if (symbol && declaredHere && (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class | ts.SymbolFlags.Enum)) !== 0)
    found.add(symbol.getName());
  for (const argument of type.aliasTypeArguments ?? []) ownNamedTypes(argument, found, seen);
  if (type.flags & ts.TypeFlags.Object && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
    for (const argument of checker.getTypeArguments(type as ts.TypeReference)) ownNamedTypes(argument, found, seen);
  }
  return found;
}

describe("public API", () => {
  test("every module of MODULE_VERSIONS has an entry point, and everything each exports is exported from the root too", () => {
    for (const entry of entries()) {
      expect(existsSync(entry.source)).toBe(true);
      const missing = exportsOf(entry.source).filter((e) => !rootExports.has(e.name));
      expect({ entry: entry.subpath, missing }).toEqual({ entry: entry.subpath, missing: [] });
    }
  });

  test("the types of every module's props and outputs are exported from the root when they are our own", () => {
    const unexported: string[] = [];
    for (const entry of entries().filter((e) => e.subpath.startsWith("modules/"))) {
      for (const e of exportsOf(entry.source)) {
        const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry.source)!)!).find((s) => s.getName() === e.name)!;
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        const declaration = target.declarations?.[0];
        if (!declaration || !(ts.isClassDeclaration(declaration) || ts.isInterfaceDeclaration(declaration))) continue;
        // Props interfaces: every field; classes: the public outputs.
        const members = ts.isInterfaceDeclaration(declaration)
          ? checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(target))
          : checker
              .getPropertiesOfType(checker.getDeclaredTypeOfSymbol(target))
              .filter(
                (p) =>
                  !(ts.getCombinedModifierFlags(p.valueDeclaration!) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) &&
                  p.valueDeclaration!.parent === declaration,
              );
        for (const member of members) {
          for (const name of ownNamedTypes(checker.getTypeOfSymbolAtLocation(member, declaration))) {
            if (!rootExports.has(name)) unexported.push(`${entry.subpath}: ${e.name}.${member.getName()} has type ${name}`);
          }
        }
      }
    }
    expect(unexported).toEqual([]);
  });

  test("the README module table gives each module's import path", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const module of Object.keys(MODULE_VERSIONS).filter((m) => !m.startsWith("stacks/"))) {
      expect(readme).toMatch(
        new RegExp(`^\\| \\[${module}\\]\\(modules/${module}/README\\.md\\) \\| \\d+\\.\\d+\\.\\d+ \\| \`security-lakehouse/modules/${module}\` \\|`, "m"),
      );
    }
  });
});

describe("the packed package in a consumer project", () => {
  let scratch: string;
  let consumer: string;
  const run = (cwd: string, command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${err.stdout ?? ""}${err.stderr ?? err.message}`);
    }
  };

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "lakehouse-pack-"));
    // `npm pack` runs `prepare` (the build), so the tarball holds this checkout as it is now.
    run(ROOT, "npm", ["pack", "--silent", "--pack-destination", scratch]);
    const tarball = readdirSync(scratch).find((f) => f.endsWith(".tgz"))!;
    consumer = join(scratch, "consumer");
    mkdirSync(consumer);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "lakehouse-consumer", private: true }));
    // Dependencies come from the npm cache this checkout's `npm ci` filled; @types/node for the consumer's own code.
    const typesNode = JSON.parse(readFileSync(join(ROOT, "node_modules", "@types", "node", "package.json"), "utf8")).version;
    run(consumer, "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", join(scratch, tarball), `@types/node@${typesNode}`]);
    writeFileSync(join(consumer, "main.ts"), consumerProgram(entries()));
  }, 300_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const tsc = (options: Record<string, unknown>) => {
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { strict: true, target: "es2022", types: ["node"], esModuleInterop: true, skipLibCheck: false, ...options },
        files: ["main.ts"],
      }),
    );
    return run(consumer, process.execPath, [join(consumer, "node_modules", "typescript", "bin", "tsc"), "-p", "."]);
  };

  test("a program importing every module from the root and from its subpath type-checks (node16 exports, and node10 typesVersions)", () => {
    expect(tsc({ module: "node16", moduleResolution: "node16", outDir: "out" })).toBe("");
    expect(tsc({ module: "commonjs", moduleResolution: "node10", noEmit: true })).toBe("");
  }, 240_000);

  test("it runs: the same objects by root and subpath, and the default lakehouse synthesizes", () => {
    if (!existsSync(join(consumer, "out", "main.js"))) tsc({ module: "node16", moduleResolution: "node16", outDir: "out" });
    const out = join(scratch, "cdktf.out");
    const result = JSON.parse(run(consumer, process.execPath, [join(consumer, "out", "main.js"), out]));
    const values = entries().flatMap((entry) => exportsOf(entry.source).filter((e) => e.value));
    expect(result.compared).toBe(values.length);
    expect(result.different).toEqual([]);
    expect(result.stacks).toEqual(["platform-prod", "tenant-globex-prod", "tenant-initech-prod", "tenant-umbrella-prod", "tenant-hooli-prod"]);
    for (const stack of result.stacks) expect(existsSync(join(out, "stacks", stack, "cdk.tf.json"))).toBe(true);
  }, 240_000);

  test("the installed CLI answers --version under both its names", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    for (const bin of ["lakehouse", "security-lakehouse"])
      expect(run(consumer, process.execPath, [join(consumer, "node_modules", ".bin", bin), "--version"])).toBe(`${version}\n`);
  });

  test("the shipped Markdown's relative links all resolve inside the tarball; README, CHANGELOG, LICENSE, docs, templates and module READMEs are in it", () => {
    const installed = join(consumer, "node_modules", "security-lakehouse");
    for (const file of ["README.md", "CHANGELOG.md", "LICENSE", join("templates", "github-actions", "lakehouse-pull-request.yml")])
      expect(existsSync(join(installed, file))).toBe(true);
    for (const module of Object.keys(MODULE_VERSIONS).filter((m) => !m.startsWith("stacks/")))
      expect(existsSync(join(installed, "modules", module, "README.md"))).toBe(true);
    const broken: string[] = [];
    const markdown = (readdirSync(installed, { recursive: true, encoding: "utf8" }) as string[]).filter(
      (f) => f.endsWith(".md") && !f.split(sep).includes("node_modules"),
    );
    expect(markdown.length).toBeGreaterThan(Object.keys(MODULE_VERSIONS).length);
    for (const file of markdown) {
      const text = readFileSync(join(installed, file), "utf8").replace(/```[\s\S]*?```/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:|^#/.test(target)) continue; // another site, or an anchor on the same page
        const path = target.split("#")[0];
        if (!existsSync(join(installed, dirname(file), decodeURIComponent(path)))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test("a consumer's first day: init → validate → synth → a commit that cuts retention → review without --config is high and exits 3", () => {
    const repo = join(scratch, "first-day");
    mkdirSync(repo);
    const lakehouse = (...args: string[]) => {
      try {
        return {
          code: 0,
          stdout: execFileSync(process.execPath, [join(consumer, "node_modules", ".bin", "security-lakehouse"), ...args], {
            cwd: repo,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
          }),
        };
      } catch (e) {
        const err = e as { status: number; stdout: string; stderr: string };
        return { code: err.status, stdout: err.stdout, stderr: err.stderr };
      }
    };
    // The consumer's own repository: the installed library (the same node_modules on both refs) and their config.
    symlinkSync(join(consumer, "node_modules"), join(repo, "node_modules"), "dir");
    writeFileSync(join(repo, "package.json"), readFileSync(join(consumer, "package.json")));
    writeFileSync(join(repo, "package-lock.json"), readFileSync(join(consumer, "package-lock.json")));
    writeFileSync(join(repo, ".gitignore"), "node_modules\ncdktf.out\n");
    expect(
      lakehouse(
        "init",
        "--organization",
        "initrode",
        "--aws-account-id",
        "222233334444",
        "--region",
        "eu-central-1",
        "--snowflake-account",
        "INITRODE.SECLAKE",
        "--tenant",
        "hq",
      ),
    ).toMatchObject({ code: 0 });
    expect(lakehouse("validate")).toEqual({ code: 0, stdout: "lakehouse.yaml: valid\n" });
    expect(lakehouse("synth", "--quiet")).toEqual({ code: 0, stdout: "" });
    expect(readdirSync(join(repo, "cdktf.out", "stacks")).sort()).toEqual(["platform-prod", "tenant-hq-prod"]);
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: repo, encoding: "utf8" });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-q", "-m", "init");
    const config = readFileSync(join(repo, "lakehouse.yaml"), "utf8");
    writeFileSync(
      join(repo, "lakehouse.yaml"),
      config.replace('    region: "eu-central-1"\n    sources:', '    region: "eu-central-1"\n    retentionDays: 120\n    sources:'),
    );
    git("commit", "-q", "-am", "cut retention");
    const review = lakehouse("review", "--base", "HEAD~1", "--head", "HEAD", "--format", "json");
    expect(review.code).toBe(3);
    const report = JSON.parse(review.stdout);
    expect(
      report.changes.some(
        (c: { stack: string; severity: string; findings: { rule: string }[] }) =>
          c.stack === "tenant-hq-prod" && c.severity === "high" && c.findings.some((f) => f.rule === "retention.expiry-reduced"),
      ),
    ).toBe(true);
  }, 600_000);
});

/** The consumer's main.ts: imports every export of every entry both ways, compares the values, synthesizes. */
function consumerProgram(list: Entry[]): string {
  const lines = ['import { dirname, join } from "node:path";', 'import * as root from "security-lakehouse";'];
  const comparisons: string[] = [];
  list.forEach((entry, i) => {
    const specifier = `security-lakehouse/${entry.subpath}`;
    const exported = exportsOf(entry.source);
    lines.push(`import * as entry${i} from "${specifier}";`);
    // Types (Props, outputs) by name from both places: tsc fails on any that is missing.
    const types = exported.filter((e) => !e.value).map((e) => e.name);
    if (types.length > 0) {
      lines.push(`import type { ${types.map((t) => `${t} as e${i}_${t}`).join(", ")} } from "${specifier}";`);
      lines.push(`import type { ${types.map((t) => `${t} as r${i}_${t}`).join(", ")} } from "security-lakehouse";`);
    }
    for (const e of exported.filter((x) => x.value)) comparisons.push(`  ["${entry.subpath} ${e.name}", entry${i}.${e.name}, root.${e.name}],`);
  });
  lines.push(
    "",
    "const pairs: [string, unknown, unknown][] = [",
    ...comparisons,
    "];",
    "const different = pairs.filter(([, a, b]) => a === undefined || a !== b).map(([name]) => name);",
    'const packageDir = dirname(require.resolve("security-lakehouse/package.json"));',
    'const config = root.loadConfigFile(join(packageDir, "examples", "default", "lakehouse.yaml"));',
    "const { stacks } = root.synthLakehouse(config, process.argv[2]);",
    "console.log(JSON.stringify({ compared: pairs.length, different, stacks }));",
    "",
  );
  return lines.join("\n");
}
