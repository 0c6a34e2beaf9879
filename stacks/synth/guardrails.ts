import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GuardrailError, GuardrailViolation, guardrailViolations } from "../../modules/core/guardrails";
import { synthesizedStacks } from "./manifest";

/**
 * Guardrail violations of every stack synthesized into `outdir`, each named by stack, construct
 * path and rule. For apps that synthesize modules themselves (see examples/direct-modules).
 */
export function checkGuardrails(outdir: string): (GuardrailViolation & { stack: string })[] {
  return synthesizedStacks<Parameters<typeof guardrailViolations>[0]>(outdir).flatMap(({ name, json }) =>
    guardrailViolations(json).map((v) => ({ stack: name, ...v })),
  );
}

/**
 * Applies the guardrails to a synth output: `enforce` throws a GuardrailError naming every violation;
 * `report` writes them to `<outdir>/guardrails.json` (for review tooling) and lets the output stand.
 */
export function enforceGuardrails(outdir: string, mode: "enforce" | "report" = "enforce"): void {
  const violations = checkGuardrails(outdir);
  if (mode === "report") writeFileSync(join(outdir, "guardrails.json"), JSON.stringify(violations, null, 2));
  else if (violations.length > 0) throw new GuardrailError(violations);
}

/** The guardrails mode a CLI run asks for (`LAKEHOUSE_GUARDRAILS=report` is set by `lakehouse review`). */
export function guardrailsModeFromEnv(): "enforce" | "report" {
  return process.env.LAKEHOUSE_GUARDRAILS === "report" ? "report" : "enforce";
}
