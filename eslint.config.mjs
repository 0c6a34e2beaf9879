import js from "@eslint/js";
import tseslint from "typescript-eslint";

const PROVIDER_BARRELS = [
  { name: "@cdktf/provider-aws", message: "Import by deep path: @cdktf/provider-aws/lib/<resource>" },
  { name: "@cdktf/provider-snowflake", message: "Import by deep path: @cdktf/provider-snowflake/lib/<resource>" },
];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "out/**", "cdktf.out/**", "coverage/**", ".venv-checks/**", ".venv-emulator/**", ".lakehouse-review-build/**", ".docs-snippets-*/**"] },
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
          patterns: [{ group: ["@cloud-copilot/*"], message: "AGPL-3.0: the policy evaluator is for test/ only (the access suite), never a runtime dependency" }],
        },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  { files: ["test/**/*.ts"], rules: { "no-restricted-imports": ["error", { paths: PROVIDER_BARRELS }] } },
  { files: ["**/*.js", "**/*.cjs"], languageOptions: { globals: { module: "writable", require: "readonly", __dirname: "readonly", process: "readonly", console: "readonly" } }, rules: { "@typescript-eslint/no-require-imports": "off" } },
);
