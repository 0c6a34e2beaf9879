import { join } from "node:path";
import { App } from "cdktf";
import { packageRoot } from "../modules/core/package-root";
import { buildDirectExample, directExampleBootstrap } from "../examples/direct-modules/main";
import { bootstrapPlans } from "../stacks/bootstrap/from-config";
import { BootstrapPlan } from "../stacks/bootstrap/plan";
import { resolveConfig } from "../stacks/config/resolve";
import { enforceGuardrails } from "../stacks/synth/guardrails";
import { synthLakehouse } from "../stacks/synth/in-process";
import { loadConfigFile } from "../stacks/config/load";

/**
 * Every example of the repository, as its own entry point builds it (guardrails enforced): the one
 * list that the golden test, the provider-schema check and the real-provider checks synthesize.
 */
export const EXAMPLES: Record<string, (outdir: string) => void> = {
  default: (outdir) => synthLakehouse(loadConfigFile(join(packageRoot(), "examples", "default", "lakehouse.yaml")), outdir),
  "direct-modules": (outdir) => {
    const app = new App({ outdir });
    buildDirectExample(app);
    app.synth();
    enforceGuardrails(outdir);
  },
};

/** Synthesizes every example under `root/<example>`; returns example → its outdir. */
export function synthExamples(root: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(EXAMPLES).map(([name, build]) => {
      const outdir = join(root, name);
      build(outdir);
      return [name, outdir];
    }),
  );
}

/**
 * What an administrator runs once for each example (`lakehouse bootstrap snowflake`, or the example's
 * own plan): test/bootstrap.test.ts checks each against what the example's stacks need.
 */
export const EXAMPLE_BOOTSTRAPS: Record<keyof typeof EXAMPLES, () => BootstrapPlan[]> = {
  default: () => bootstrapPlans(resolveConfig(loadConfigFile(join(packageRoot(), "examples", "default", "lakehouse.yaml")))),
  "direct-modules": () => [directExampleBootstrap()],
};
