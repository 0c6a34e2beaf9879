import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

const PROVIDER_BARRELS = [
  { name: "@cdktf/provider-aws", message: "Import by deep path: @cdktf/provider-aws/lib/<resource>" },
  { name: "@cdktf/provider-snowflake", message: "Import by deep path: @cdktf/provider-snowflake/lib/<resource>" },
];

/**
 * Where each kind of code may import from (README, "Layout"): modules are the library's constructs and
 * never reach into the stacks, the CLI, the review, tools, tests, benches or code that runs in the cloud
 * (except its contracts); code that runs in the cloud needs nothing of the synth side; tools do not
 * build on the CLI; the config layer (stacks/config) reads nothing of the stacks built from it.
 */
const ALL_BUT = (...keep) =>
  ["./modules", "./stacks", "./cli", "./review", "./tools", "./test", "./bench", "./build", "./runtime"].filter((f) => !keep.includes(f));
const ZONES = [
  {
    target: "./modules",
    from: ["./stacks", "./cli", "./review", "./tools", "./test", "./bench"],
    message: "modules are constructs: they import only modules, build/ and runtime contracts",
  },
  {
    target: "./modules",
    from: "./runtime",
    except: ["./puller/contract.ts", "./kafka/contract.ts"],
    message: "a module imports a handler's contract.ts, never its code (it would be pulled into every synth)",
  },
  { target: "./runtime", from: ALL_BUT("./runtime"), message: "code that runs in the cloud imports only runtime/ and its packages" },
  { target: "./tools", from: "./cli", message: "tools do not build on the CLI's code" },
  {
    target: "./stacks/config",
    from: "./stacks",
    except: ["./config"],
    message: "the config layer (schema, checks, names, resolver) reads no stack code: stacks are built from it, never the reverse",
  },
];
/** Tools that exist to exercise the CLI: the pasted-output regenerator runs its commands; the SQL sample writers emit its SQL for the grammar check. */
const CLI_TOOLS = ["tools/docs-outputs.ts", "tools/backfill-sql.ts", "tools/restore-sql.ts"];

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "out/**",
      "cdktf.out/**",
      "coverage/**",
      ".venv-checks/**",
      ".venv-emulator/**",
      ".lakehouse-review-build/**",
      ".docs-snippets-*/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // Provider barrels cost seconds and hundreds of MB per process: deep imports only.
      "no-restricted-imports": [
        "error",
        {
          paths: PROVIDER_BARRELS,
          // The IAM policy evaluator is AGPL-3.0: a devDependency of the access suite, never shipped.
          patterns: [
            { group: ["@cloud-copilot/*"], message: "AGPL-3.0: the policy evaluator is for test/ only (the access suite), never a runtime dependency" },
          ],
        },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.ts"],
    plugins: { "import-x": importX },
    settings: { ...importX.flatConfigs.typescript.settings, "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })] },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": ["error", { zones: ZONES }],
    },
  },
  { files: CLI_TOOLS, rules: { "import-x/no-restricted-paths": ["error", { zones: ZONES.filter((z) => z.target !== "./tools") }] } },
  { files: ["test/**/*.ts"], rules: { "no-restricted-imports": ["error", { paths: PROVIDER_BARRELS }] } },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { globals: { module: "writable", require: "readonly", __dirname: "readonly", process: "readonly", console: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
