import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../modules/core/package-root";
import { loadConfigFile } from "../../stacks/config/load";
import { resolveConfig } from "../../stacks/config/resolve";
import { EXAMPLES } from "../../tools/examples";
import { writeExamples } from "../support/examples";
import { coverageCases } from "./coverage";
import { decide, mismatch } from "./evaluator";
import { statementsOf } from "./world";
import { type ExampleUnderTest, FAMILIES, ownerPolicies, tenantRoleTrust } from "./requests";
import { World } from "./world";

/**
 * The access suite (issue 16): every AWS policy of every stack of every example, decided by an IAM
 * policy evaluator against the requests the lakehouse needs and the ones it must refuse, derived from
 * each example's config. See docs/access.md for what it decides, what the evaluator does not model
 * and which facts are cited instead.
 */

/** The config each example is built from; an example made from modules directly has none (its integrations say what it reads). */
const CONFIGS: Record<string, string | undefined> = {
  default: join(packageRoot(), "examples", "default", "lakehouse.yaml"),
  "direct-modules": undefined,
};

const root = mkdtempSync(join(tmpdir(), "access-"));
// Every example as its entry point synthesizes it, once per worker (test/support/examples.ts).
const outdirs = writeExamples(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const examples: ExampleUnderTest[] = Object.keys(EXAMPLES).map((name) => {
  const config = CONFIGS[name];
  const world = new World(name, outdirs[name]);
  const lakehouse = config ? resolveConfig(loadConfigFile(config)) : undefined;
  // The existing buckets the config reads, with what `lakehouse external-access` prints added by their owners.
  for (const p of lakehouse ? ownerPolicies(lakehouse) : []) world.addOwnedElsewhere(p.arn, p.accountId, p.policy);
  return { name, world, lakehouse };
});
const requestsOf = new Map(examples.map((e) => [e.name, FAMILIES.map((f) => ({ family: f, requests: f.requests(e) }))]));
const casesOf = new Map(examples.map((e) => [e.name, coverageCases(e)]));

/** What the suite decides, in total (docs/access.md states it). */
export const DECIDED_REQUESTS = [...requestsOf.values()].flat().reduce((n, f) => n + f.requests.length, 0);
const COVERAGE_CASES = [...casesOf.values()].reduce((n, c) => n + c.length, 0);

test("every example is in the suite, and its config known", () => {
  expect(Object.keys(CONFIGS).sort()).toEqual(Object.keys(EXAMPLES).sort());
});

test("a tenant's read, ops and restore roles exist exactly for the principals the config names (issue 16, item 6)", () => {
  for (const e of examples.filter((x) => x.lakehouse)) {
    for (const env of e.lakehouse!.environments) {
      for (const tenant of env.tenants) {
        const expected = tenantRoleTrust({ account: tenant.accountId, tenant });
        const made = [...e.world.roles.values()].filter(
          (r) => r.stack === tenant.stackName && /-(read|ops|restore|restore-batch)$/.test(r.name) && r.name.startsWith(tenant.awsRolePrefix),
        );
        // restore-batch is S3 Batch Operations' (a service role), made beside the restore role.
        expect(
          made
            .map((r) => r.arn)
            .filter((a) => !a.endsWith("-restore-batch"))
            .sort(),
        ).toEqual(expected.map((x) => x.role).sort());
        expect(made.some((r) => r.arn.endsWith("-restore-batch"))).toBe(expected.some((x) => x.role.endsWith("-restore")));
        for (const { role, named } of expected) {
          const principals = statementsOf(e.world.role(role)!.trust.doc).flatMap((st) =>
            [(st.Principal as { AWS?: string | string[] } | undefined)?.AWS ?? []].flat(),
          );
          expect([role, [...new Set(principals)].sort()]).toEqual([role, [...new Set(named)].sort()]);
          // No condition on a principal tag: a tag anyone may set on themselves decides nothing.
          expect(JSON.stringify(e.world.role(role)!.trust.doc)).not.toMatch(/PrincipalTag/i);
        }
      }
    }
  }
});

test("every family derives requests from at least one example", () => {
  for (const f of FAMILIES)
    expect([f.name, [...requestsOf.values()].some((fs) => fs.some((x) => x.family === f && x.requests.length > 0))]).toEqual([f.name, true]);
});

/** Every statement that decided a request, by `<stack>:<address>#<Sid>` (the last test reads it). */
const decidedBy = new Set<string>();

describe.each(examples.map((e) => [e.name, e] as const))("example %s", (_name, example) => {
  const families = requestsOf.get(example.name)!.filter((f) => f.requests.length > 0);
  if (families.length > 0) {
    test.each(families.map((f) => [`${f.family.name} (${f.requests.length} requests)`, f] as const))("%s", async (_title, { requests }) => {
      const failures: string[] = [];
      for (const r of requests) {
        const decision = await decide(example.world, r);
        decision.deciding.forEach((s) => decidedBy.add(s));
        const problem = mismatch(r, decision);
        if (problem) failures.push(problem);
      }
      if (failures.length > 0) throw new Error(`${failures.length} of ${requests.length} requests decided otherwise:\n${failures.join("\n")}`);
    });
  }
  const cases = casesOf.get(example.name)!;
  if (cases.length > 0) {
    test(`what the audit trail records, replication copies and Object Lock holds (${cases.length} cases)`, () => {
      const failures = cases
        .filter((c) => c.decide() !== c.expect)
        .map((c) => `[${c.stack}] ${c.family}: ${c.what} — expected ${c.expect ? "yes" : "no"}${c.item ? ` (issue ${c.item})` : ""}`);
      if (failures.length > 0) throw new Error(failures.join("\n"));
    });
  }
});

/**
 * A negated `…IfExists` operator is true when its key is missing, so in a Deny it refuses every
 * request without the key (REFERENCE.md, Access semantics): each one left in a synthesized policy
 * must have decided at least one request here, so what it does to a request without the key is seen.
 */
test("every Deny with a negated …IfExists condition decides at least one request of the suite", () => {
  if (decidedBy.size === 0) return; // the family tests were filtered out (jest -t)
  const undecided = examples.flatMap(({ world }) =>
    [...world.resourcePolicies.values(), ...[...world.roles.values()].flatMap((r) => r.identity), ...world.scps].flatMap((p) =>
      statementsOf(p.doc)
        .filter((s) => s.Effect === "Deny" && Object.keys(s.Condition ?? {}).some((op) => /Not.*IfExists$/.test(op)))
        .map((s) => `${p.id}#${s.Sid ?? "(no Sid)"}`)
        .filter((id) => !decidedBy.has(id)),
    ),
  );
  expect(undecided).toEqual([]);
});

test("docs/access.md states how many requests the suite decides", () => {
  const doc = readFileSync(join(packageRoot(), "docs", "access.md"), "utf8");
  expect(doc).toContain(`decides **${DECIDED_REQUESTS} requests**`);
  expect(doc).toContain(`and **${COVERAGE_CASES} cases**`);
});
