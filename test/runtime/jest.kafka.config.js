/**
 * Runtime tests that need a real Kafka broker and a real S3-compatible server. Not part of `npm test`
 * (their names do not end in .test.ts); scripts/kafka-checks.sh starts both and runs them with this config.
 */
module.exports = {
  rootDir: "../..",
  testEnvironment: "node",
  roots: ["<rootDir>/test/runtime"],
  testMatch: ["**/*.kafka.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  modulePathIgnorePatterns: ["<rootDir>/dist/"],
  testTimeout: 120000,
  maxWorkers: 1,
};
