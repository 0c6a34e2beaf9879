import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "out/**", "cdktf.out/**", "coverage/**", ".venv-checks/**", ".venv-emulator/**", ".lakehouse-review-build/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // Provider barrels cost seconds and hundreds of MB per process: deep imports only.
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@cdktf/provider-aws", message: "Import by deep path: @cdktf/provider-aws/lib/<resource>" },
            { name: "@cdktf/provider-snowflake", message: "Import by deep path: @cdktf/provider-snowflake/lib/<resource>" },
          ],
        },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  { files: ["**/*.js", "**/*.cjs"], languageOptions: { globals: { module: "writable", require: "readonly", __dirname: "readonly", process: "readonly", console: "readonly" } }, rules: { "@typescript-eslint/no-require-imports": "off" } },
);
