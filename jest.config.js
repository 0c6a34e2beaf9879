/** Tests run through SWC (no type-check here: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  modulePathIgnorePatterns: ["<rootDir>/dist/"],
  testTimeout: 60000,
};
