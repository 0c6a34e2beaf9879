/**
 * Two projects (`npm test` runs both):
 * - unit: modules, config, stacks, runtime, review logic; `npm run test:unit` while editing;
 * - integration: what packs the package, synthesizes refs in git worktrees, forks synth workers, runs
 *   the CLI end to end or walks every example and schema field (slow by nature, emulator-free).
 * Tests run through SWC (no type-check here: `npm run typecheck` does that).
 */
const INTEGRATION = [
  "package",
  "review",
  "review-consumer",
  "review-corpus",
  "review-markdown",
  "parallel-synth",
  "cli",
  "docs-pages",
  "changed-stacks",
  "ref-dependencies",
  "injection",
];

const common = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  setupFilesAfterEnv: ["<rootDir>/test/support/jest-setup.ts"],
  modulePathIgnorePatterns: ["<rootDir>/dist/"],
};

module.exports = {
  testTimeout: 60000,
  projects: [
    { ...common, displayName: "unit", testMatch: ["**/*.test.ts"], testPathIgnorePatterns: INTEGRATION.map((name) => `/test/${name}\\.test\\.ts$`) },
    { ...common, displayName: "integration", testMatch: INTEGRATION.map((name) => `<rootDir>/test/${name}.test.ts`) },
  ],
};
