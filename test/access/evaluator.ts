/**
 * The access suite's evaluator: one request (who, which action, on what, with which request context)
 * decided over the policies an example synthesizes, by @cloud-copilot/iam-simulate, combining as AWS
 * does the principal's identity policies, the resource's policy (bucket, key, topic, queue, stream,
 * secret; a role's trust policy for sts:AssumeRole) and the organization's SCPs.
 *
 * AGPL-3.0: this file and the evaluator stay in test/ (a devDependency, never shipped; see
 * test/package.test.ts).
 */
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { type PolicyDoc, type SourcedPolicy, type World } from "./world";

export type Expectation = "Allowed" | "Denied";

export interface Principal {
  /** What the request is signed as: an assumed-role session ARN, an IAM user ARN, or a service principal (`s3.amazonaws.com`). */
  readonly arn: string;
  /** For messages: `puller role acme-prod-globex-okta-puller`. */
  readonly label: string;
  readonly kind: "role" | "service" | "user";
  /** Role principals: the role's ARN (`aws:PrincipalArn`). */
  readonly roleArn?: string;
  /** The principal's account (roles and users). */
  readonly accountId?: string;
  /** `aws:PrincipalTag/*` of the session. */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Identity policies of a principal the example does not make (an adversary, an external writer),
   * stated by the family that makes the request. Roles of the example use their synthesized ones.
   */
  readonly identityPolicies?: readonly SourcedPolicy[];
}

export interface AccessRequest {
  /** The stack whose policies the request is about (failure messages name it). */
  readonly stack: string;
  /** The family that derived the request (`native delivery`, `adversary: tamper`, …). */
  readonly family: string;
  /** What happens, in words: `VPC flow logs deliver a log file (no SSE headers)`. */
  readonly what: string;
  readonly principal: Principal;
  readonly action: string;
  readonly resource: string;
  /** Request context beyond what `decide` fills in (TLS, principal ARN/account/tags, resource tags). */
  readonly context?: Readonly<Record<string, string | string[]>>;
  readonly expect: Expectation;
  /**
   * For an expected denial: the statement id (`Sid`) that must be among the deciding explicit
   * denies, when the point is that a guard refuses (not merely that nothing allows).
   */
  readonly deniedBy?: string;
  /** The AWS document for a fact the evaluator cannot know (which headers a service sends). */
  readonly cite?: string;
  /** The issue item the request proves, e.g. `16.1`. */
  readonly item?: string;
  /**
   * Decide against this resource policy instead of the world's: a policy of a resource the example
   * does not make, as it stands before its owner adds what the lakehouse asks for. @default the world's
   */
  readonly resourcePolicy?: SourcedPolicy;
}

export interface Decision {
  readonly result: "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";
  /** The statements that decided: `<stack>:<address>#<Sid>` (explicit denies for a denial, allows for an allow). */
  readonly deciding: readonly string[];
}

/**
 * iam-simulate 0.1.173 keeps a request's variable context keys only when their variable part follows
 * a '/' (`aws:PrincipalTag/x`); it drops `kms:EncryptionContext:<key>` (a ':'), so every condition on
 * an encryption context would fail as missing. The suite renames those keys, in the request and in
 * every policy alike, to a '/'-variable key the evaluator keeps; the comparison stays the same string
 * comparison under the same operator.
 */
const ENCRYPTION_CONTEXT = /^kms:encryptioncontext:(.+)$/i;
const renamedKey = (key: string): string => {
  const m = ENCRYPTION_CONTEXT.exec(key);
  return m ? `aws:RequestTag/kms-encryption-context:${m[1]}` : key;
};
const renamedPolicies = new WeakMap<PolicyDoc, PolicyDoc>();
function withRenamedKeys(doc: PolicyDoc): PolicyDoc {
  let out = renamedPolicies.get(doc);
  if (!out) {
    const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).map((st) =>
      st.Condition
        ? {
            ...st,
            Condition: Object.fromEntries(
              Object.entries(st.Condition).map(([op, kv]) => [op, Object.fromEntries(Object.entries(kv).map(([k, v]) => [renamedKey(k), v]))]),
            ),
          }
        : st,
    );
    out = { ...doc, Statement: statements };
    renamedPolicies.set(doc, out);
  }
  return out;
}

/** The default SCP at every level of an organization: SCPs only ever restrict it. */
const FULL_AWS_ACCESS: PolicyDoc = { Version: "2012-10-17", Statement: [{ Sid: "FullAWSAccess", Effect: "Allow", Action: "*", Resource: "*" }] };

/** A role of the example, signing as a session of it. */
export function roleSession(world: World, roleArn: string, label?: string, tags?: Record<string, string>): Principal {
  const role = world.role(roleArn);
  if (!role) throw new Error(`${world.example}: no role ${roleArn} is made by this example`);
  return { arn: sessionArn(roleArn), label: label ?? `role ${role.name}`, kind: "role", roleArn, accountId: role.accountId, tags };
}

/** A role the example does not make (an adversary, a writer the config names), with the identity policies it is assumed to have. */
export function outsideRole(roleArn: string, label: string, identityPolicies: readonly SourcedPolicy[], tags?: Record<string, string>): Principal {
  return { arn: sessionArn(roleArn), label, kind: "role", roleArn, accountId: roleArn.split(":")[4], identityPolicies, tags };
}

export function service(name: string): Principal {
  return { arn: name, label: name, kind: "service" };
}

/** An IAM user the example does not make (Snowflake's), signing with its own identity policies (assumed to allow what it is used for). */
export function outsideUser(userArn: string, label: string, identityPolicies: readonly SourcedPolicy[]): Principal {
  return { arn: userArn, label, kind: "user", accountId: userArn.split(":")[4], identityPolicies };
}

/** An identity policy allowing exactly `actions` on `resources`: what an outside principal is assumed to have. */
export function allowing(id: string, actions: string | string[], resources: string | string[] = "*"): SourcedPolicy {
  return { id, doc: { Version: "2012-10-17", Statement: [{ Sid: "AssumedToAllow", Effect: "Allow", Action: actions, Resource: resources }] } };
}

function sessionArn(roleArn: string): string {
  const [, , , , account, resource] = roleArn.split(":");
  const name = resource.split("/").pop();
  return `arn:aws:sts::${account}:assumed-role/${name}/access-suite`;
}

function bucketOf(arn: string): string | undefined {
  const m = /^arn:aws:s3:::([^/]+)/.exec(arn);
  return m?.[1];
}

/** The resource's account and policy, from the world. */
function resourceSide(world: World, r: AccessRequest): { accountId: string; policy?: SourcedPolicy } {
  const bucket = bucketOf(r.resource);
  if (bucket !== undefined) {
    const owner = world.bucketOwners.get(bucket);
    if (!owner) throw new Error(`${describe(r)}: bucket ${bucket} is not made by example ${world.example}, so its policy cannot be decided here`);
    return { accountId: owner, policy: world.resourcePolicies.get(`arn:aws:s3:::${bucket}`) };
  }
  if (r.resource === "*") return { accountId: r.principal.accountId ?? "000000000000" };
  const account = r.resource.split(":")[4];
  if (r.resource.startsWith("arn:aws:iam::") && /:role\//.test(r.resource)) {
    const role = world.role(r.resource);
    if (!role) throw new Error(`${describe(r)}: role ${r.resource} is not made by example ${world.example}`);
    return { accountId: account, policy: r.action === "sts:AssumeRole" ? role.trust : undefined };
  }
  if (r.resource.startsWith("arn:aws:kms:") && !world.resourcePolicies.has(r.resource))
    throw new Error(`${describe(r)}: key ${r.resource} is not made by example ${world.example}`);
  return { accountId: account, policy: world.resourcePolicies.get(r.resource) };
}

function identityOf(world: World, p: Principal): readonly SourcedPolicy[] {
  if (p.kind === "service") return [];
  if (p.identityPolicies) return p.identityPolicies;
  const role = p.roleArn ? world.role(p.roleArn) : undefined;
  if (!role) throw new Error(`${p.label}: neither a role of the example nor given identity policies`);
  return role.identity;
}

/** SCPs govern the principals of the organization's member accounts (never service principals): those of the example's accounts. */
function scpsFor(world: World, p: Principal): Simulation["serviceControlPolicies"] {
  if (p.kind === "service" || !p.accountId || !world.accounts.has(p.accountId) || world.scps.length === 0) return [];
  return [
    { orgIdentifier: "r-root", policies: [{ name: "FullAWSAccess", policy: FULL_AWS_ACCESS }] },
    {
      orgIdentifier: world.scps[0].targets[0] ?? "ou-target",
      policies: [{ name: "FullAWSAccess", policy: FULL_AWS_ACCESS }, ...world.scps.map((s) => ({ name: s.id, policy: withRenamedKeys(s.doc) }))],
    },
    { orgIdentifier: p.accountId, policies: [{ name: "FullAWSAccess", policy: FULL_AWS_ACCESS }] },
  ];
}

function contextFor(world: World, r: AccessRequest): Record<string, string | string[]> {
  const ctx: Record<string, string | string[]> = { "aws:SecureTransport": "true" };
  if (r.action.startsWith("s3:")) ctx["s3:TlsVersion"] = "1.3";
  const p = r.principal;
  if (p.kind !== "service") {
    ctx["aws:PrincipalArn"] = p.roleArn ?? p.arn;
    if (p.accountId) ctx["aws:PrincipalAccount"] = p.accountId;
    for (const [k, v] of Object.entries(p.tags ?? {})) ctx[`aws:PrincipalTag/${k}`] = v;
  }
  for (const [k, v] of Object.entries(world.tags.get(r.resource) ?? {})) ctx[`aws:ResourceTag/${k}`] = v;
  return Object.fromEntries(Object.entries({ ...ctx, ...r.context }).map(([k, v]) => [renamedKey(k), v]));
}

export function describe(r: AccessRequest): string {
  const ctx = Object.entries(r.context ?? {})
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("|") : v}`)
    .join(", ");
  return `[${r.stack}] ${r.family}: ${r.what} — ${r.principal.label} ${r.action} ${r.resource}${ctx ? ` {${ctx}}` : ""}`;
}

/** Decides one request; throws on a request the evaluator refuses as malformed (that is a bug in the family, not a decision). */
export async function decide(world: World, r: AccessRequest): Promise<Decision> {
  const side = r.resourcePolicy ? { ...resourceSide(world, r), policy: r.resourcePolicy } : resourceSide(world, r);
  const identity = identityOf(world, r.principal);
  const simulation: Simulation = {
    request: {
      principal: r.principal.arn,
      action: r.action,
      resource: { resource: r.resource, accountId: side.accountId },
      contextVariables: contextFor(world, r),
    },
    identityPolicies: identity.map((p) => ({ name: p.id, policy: withRenamedKeys(p.doc) })),
    serviceControlPolicies: scpsFor(world, r.principal),
    resourceControlPolicies: [],
    resourcePolicy: side.policy ? withRenamedKeys(side.policy.doc) : undefined,
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") throw new Error(`${describe(r)}: the evaluator refused the request: ${JSON.stringify(response.errors)}`);
  if (response.resultType !== "single") throw new Error(`${describe(r)}: a wildcard resource; requests name one concrete resource`);
  const a = response.result.analysis;
  const named = (policyId: string | undefined, sid: string | undefined) => `${policyId ?? side.policy?.id ?? "resource policy"}#${sid ?? "(no Sid)"}`;
  const idOf = (s: { policyId: string; statement: { sid(): string | undefined } }, fallback?: string) => named(s.policyId || fallback, s.statement.sid());
  const denies = [
    ...(a.identityAnalysis?.denyStatements ?? []).map((s) => idOf(s)),
    ...(a.resourceAnalysis?.denyStatements ?? []).map((s) => idOf(s, side.policy?.id)),
    ...(a.scpAnalysis?.ouAnalysis ?? []).flatMap((ou) => ou.denyStatements.map((s) => idOf(s))),
  ];
  const allows = [
    ...(a.identityAnalysis?.allowStatements ?? []).map((s) => idOf(s)),
    ...(a.resourceAnalysis?.allowStatements ?? []).map((s) => idOf(s, side.policy?.id)),
  ];
  const result = response.overallResult;
  return { result, deciding: result === "ExplicitlyDenied" ? denies : result === "Allowed" ? allows : [] };
}

/** Why a decision is not what the request expects, or undefined when it is. */
export function mismatch(r: AccessRequest, d: Decision): string | undefined {
  const denied = d.result !== "Allowed";
  const deciding = d.deciding.length > 0 ? ` by ${d.deciding.join(", ")}` : d.result === "ImplicitlyDenied" ? " (no statement allows it)" : "";
  const got = `${d.result}${deciding}`;
  const cite = r.cite ? `\n    (cited: ${r.cite})` : "";
  if (r.expect === "Allowed" && denied) return `${describe(r)}\n    expected Allowed, got ${got}${cite}`;
  if (r.expect === "Denied" && !denied) return `${describe(r)}\n    expected Denied, got ${got}${cite}`;
  if (r.expect === "Denied" && r.deniedBy && !d.deciding.some((s) => s.endsWith(`#${r.deniedBy}`)))
    return `${describe(r)}\n    expected an explicit deny by ${r.deniedBy}, got ${got}${cite}`;
  return undefined;
}
