/**
 * Runtime tests that need a real S3-compatible server (moto). Not part of `npm test` (their names do
 * not end in .test.ts); scripts/runtime-checks.sh starts moto and runs them with this config.
 */
module.exports = {
  rootDir: "../..",
  testEnvironment: "node",
  roots: ["<rootDir>/test/runtime"],
  testMatch: ["**/*.moto.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  modulePathIgnorePatterns: ["<rootDir>/dist/"],
  testTimeout: 120000,
};
