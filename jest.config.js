/**
 * Two projects (`npm test` runs both):
 * - unit: modules, config, stacks, runtime, review logic; `npm run test:unit` while editing;
 * - integration: what packs the package, synthesizes refs in git worktrees, forks synth workers, runs
 *   the CLI end to end or walks every example and schema field (slow by nature, emulator-free). The
 *   example-wide suites (golden, bootstrap, sql-syntax, the access suite) share one synthesis of each
 *   example per worker (test/support/examples.ts).
 * Tests run through SWC (no type-check here: `npm run typecheck` does that). docs/testing.md: layout, timings.
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
  // Every example walked: synthesized whole, then compared (golden), audited (bootstrap), parsed (sql-syntax) or evaluated (access).
  "golden",
  "bootstrap",
  "sql-syntax",
  "access/access",
  "access/trust",
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
  // Every core (jest's default leaves one to itself, which on this 2-core machine means one worker).
  maxWorkers: "100%",
  projects: [
    { ...common, displayName: "unit", testMatch: ["**/*.test.ts"], testPathIgnorePatterns: INTEGRATION.map((name) => `/test/${name}\\.test\\.ts$`) },
    { ...common, displayName: "integration", testMatch: INTEGRATION.map((name) => `<rootDir>/test/${name}.test.ts`) },
  ],
};
