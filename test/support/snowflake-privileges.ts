/**
 * Which privileges the synthesized stacks need in Snowflake, derived from the stacks themselves — one
 * table row per resource kind, each citing the Snowflake (or provider) documentation that decides it —
 * and which of them only the bootstrap can give: test/bootstrap.test.ts checks that a bootstrap plan
 * grants exactly those. Written apart from cli/bootstrap on purpose: the plan is a hand-made model of
 * what the stacks need; this reads what they actually do.
 *
 * Model (Snowflake access control): a role holds a privilege on an object when it or a role granted
 * to it (transitively) owns the object, or was granted the privilege on it (directly, or by an ALL or
 * FUTURE grant on that kind of object in its schema). Objects belong to the role that created them
 * (the provider's role) until a grant-ownership resource gives them to another.
 */
import { ACCOUNT_USAGE_VIEW_ROLES, SNOWFLAKE_DB_ROLES_DOC } from "../../stacks/bootstrap/account-usage";
import { BootstrapGrant, BootstrapPlan } from "../../stacks/bootstrap/plan";

const DOCS = "https://docs.snowflake.com/en/sql-reference/sql";
const PROVIDER = "snowflakedb/terraform-provider-snowflake v2.11.0";

type Body = Record<string, unknown>;
interface StackJson {
  resource?: Record<string, Record<string, Body>>;
  provider?: { snowflake?: Body[] };
}

/** What a need is on. */
export type On = { readonly type: "ACCOUNT" } | { readonly type: string; readonly name: string };
/** What a grant of the stacks is on: as a need, or every (ALL) or every future (FUTURE) object of a type in a schema. */
type GrantOn = On | { readonly bulk: "ALL" | "FUTURE"; readonly objectType: string; readonly schema: string };

/** A privilege a role must hold for the stacks to apply or for a task to run. */
export interface Need {
  readonly account: string;
  readonly role: string;
  /** A privilege (`CREATE TABLE`, `SELECT`, …), `OWNERSHIP`, `DATABASE ROLE` (on SNOWFLAKE.<ROLE>) or `ROLE` (the role is active: granted, transitively). */
  readonly privilege: string;
  readonly on: On;
  /** The holder may grant it on. */
  readonly grantOption?: boolean;
  /** Held directly by the role (the provider looks for a grant to the current role itself), not through the role hierarchy. */
  readonly direct?: boolean;
  readonly why: string;
  readonly doc: string;
}

/** One resource of one stack, with the role and account its provider works as. */
export interface StackResource {
  readonly stack: string;
  readonly type: string;
  readonly address: string;
  readonly body: Body;
  readonly account: string;
  readonly role: string;
  readonly warehouse?: string;
}

const unquote = (name: string) => name.replace(/"/g, "");
const QUALIFIED = "[A-Z_][A-Z0-9_$]*\\.[A-Z_][A-Z0-9_$]*\\.[A-Z_][A-Z0-9_$]*";
const schemaOf = (name: string) => name.split(".").slice(0, 2).join(".");
const databaseOf = (name: string) => name.split(".")[0];
const block = (v: unknown) => (Array.isArray(v) ? v[0] : v) as Body | undefined;

/** The resources of a set of stacks (an example), each with its provider's account, role and warehouse. */
export function stackResources(stacks: Record<string, StackJson>): StackResource[] {
  const out: StackResource[] = [];
  for (const [stack, json] of Object.entries(stacks)) {
    const providers = new Map((json.provider?.snowflake ?? []).map((p) => [p.alias === undefined ? "snowflake" : `snowflake.${String(p.alias)}`, p]));
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      if (!type.startsWith("snowflake_")) continue;
      for (const [name, body] of Object.entries(byName)) {
        const provider = providers.get(String(body.provider ?? "snowflake"));
        if (!provider) throw new Error(`${stack}: ${type}.${name} has no Snowflake provider`);
        out.push({
          stack,
          type,
          address: `${type}.${name}`,
          body,
          account: `${String(provider.organization_name)}-${String(provider.account_name)}`.toUpperCase(),
          role: String(provider.role ?? "(the user's default role)"),
          warehouse: provider.warehouse === undefined ? undefined : String(provider.warehouse),
        });
      }
    }
  }
  return out;
}

/** A role name as written in a resource: a literal, or a reference to an account role of the same stack. */
function roleName(value: unknown, r: StackResource, all: readonly StackResource[]): string {
  const text = String(value);
  const ref = /^\$\{(snowflake_account_role\.[A-Za-z0-9_]+)\.name\}$/.exec(text);
  if (!ref) return text;
  const role = all.find((x) => x.stack === r.stack && x.address === ref[1]);
  if (!role) throw new Error(`${r.stack}: ${r.address} names ${text}, which is not in the stack`);
  return String(role.body.name);
}

/**
 * A schema object's name as written in a grant: `"DB"."S"."T"`, or a procedure's `fully_qualified_name`
 * (a reference to the procedure of the same stack, whose name carries its argument types) — as
 * `DB.S.T`, the way the model keys objects.
 */
function objectName(value: unknown, r: StackResource, all: readonly StackResource[]): string {
  const text = String(value);
  const ref = /^\$\{(snowflake_procedure_sql\.[A-Za-z0-9_]+)\.fully_qualified_name\}$/.exec(text);
  if (!ref) return unquote(text);
  const procedure = all.find((x) => x.stack === r.stack && x.address === ref[1]);
  if (!procedure) throw new Error(`${r.stack}: ${r.address} names ${text}, which is not in the stack`);
  return `${procedure.body.database}.${procedure.body.schema}.${procedure.body.name}`;
}

const PLURAL: Record<string, string> = {
  TABLES: "TABLE",
  VIEWS: "VIEW",
  STAGES: "STAGE",
  "FILE FORMATS": "FILE FORMAT",
  STREAMS: "STREAM",
  PIPES: "PIPE",
  TASKS: "TASK",
};
const OBJECT_TYPE: Record<string, string> = {
  snowflake_database: "DATABASE",
  snowflake_schema: "SCHEMA",
  snowflake_table: "TABLE",
  snowflake_view: "VIEW",
  snowflake_file_format: "FILE FORMAT",
  snowflake_stage: "STAGE",
  snowflake_pipe: "PIPE",
  snowflake_stream_on_table: "STREAM",
  snowflake_task: "TASK",
  snowflake_procedure_sql: "PROCEDURE",
  snowflake_warehouse: "WAREHOUSE",
  snowflake_resource_monitor: "RESOURCE MONITOR",
  snowflake_account_role: "ROLE",
  snowflake_storage_integration: "INTEGRATION",
  snowflake_notification_integration: "INTEGRATION",
  snowflake_email_notification_integration: "INTEGRATION",
};

/** The object a resource creates, by type and qualified name. */
function createdObject(r: StackResource): { type: string; name: string } | undefined {
  const type = OBJECT_TYPE[r.type];
  if (!type) return undefined;
  const b = r.body;
  const name =
    type === "DATABASE" || type === "WAREHOUSE" || type === "RESOURCE MONITOR" || type === "ROLE" || type === "INTEGRATION"
      ? String(b.name)
      : type === "SCHEMA"
        ? `${b.database}.${b.name}`
        : `${b.database}.${b.schema}.${b.name}`;
  return { type, name };
}

/** Everything the stacks and a bootstrap make of an account's access: owners, grants and the role hierarchy. */
export class AccessModel {
  /** `account|TYPE|NAME` → owning role. */
  readonly owners = new Map<string, string>();
  /** Grants the stacks make: account, grantee, privilege, target. */
  readonly stackGrants: { account: string; to: string; privilege: string; on: GrantOn }[] = [];
  /** Role hierarchy edges from the stacks and the system: `child` is granted to `parent`. */
  readonly stackEdges: { account: string; child: string; parent: string }[] = [];
  /** Roles the stacks make, by account. */
  readonly stackRoles = new Set<string>();
  readonly managedSchemas = new Set<string>();
  /** Bootstrap grants used by some need (the rest are more than the stacks need). */
  readonly used = new Set<BootstrapGrant>();

  constructor(
    readonly resources: readonly StackResource[],
    readonly plans: readonly BootstrapPlan[],
  ) {
    for (const r of resources) {
      const made = createdObject(r);
      if (made) this.owners.set(this.key(r.account, made.type, made.name), r.role);
      if (made?.type === "ROLE") this.stackRoles.add(`${r.account}|${made.name}`);
      if (r.type === "snowflake_schema" && r.body.with_managed_access === "true") this.managedSchemas.add(`${r.account}|${r.body.database}.${r.body.name}`);
    }
    for (const r of resources) {
      if (r.type === "snowflake_grant_ownership") {
        const on = block(r.body.on)!;
        this.owners.set(
          this.key(r.account, String(on.object_type), objectName(on.object_name, r, resources)),
          roleName(r.body.account_role_name, r, resources),
        );
      } else if (r.type === "snowflake_grant_account_role") {
        this.stackEdges.push({ account: r.account, child: roleName(r.body.role_name, r, resources), parent: roleName(r.body.parent_role_name, r, resources) });
      } else if (r.type === "snowflake_grant_privileges_to_account_role") {
        const to = roleName(r.body.account_role_name, r, resources);
        for (const privilege of r.body.privileges as string[]) this.stackGrants.push({ account: r.account, to, privilege, on: grantTarget(r, resources) });
      }
    }
    for (const plan of plans) {
      // Objects the bootstrap makes (as ACCOUNTADMIN) and the system role hierarchy.
      this.owners.set(this.key(plan.account, "WAREHOUSE", plan.warehouse.name), "ACCOUNTADMIN");
      this.stackEdges.push({ account: plan.account, child: "SYSADMIN", parent: "ACCOUNTADMIN" });
    }
  }

  key(account: string, type: string, name: string): string {
    return `${account}|${type}|${name}`;
  }

  private planOf(account: string): BootstrapPlan[] {
    return this.plans.filter((p) => p.account === account);
  }

  /** Roles that exist in an account: made by the stacks, by the bootstrap, or by Snowflake. */
  roleExists(account: string, role: string): boolean {
    return (
      this.stackRoles.has(`${account}|${role}`) ||
      this.planOf(account).some((p) => p.roles.some((r) => r.name === role)) ||
      ["ACCOUNTADMIN", "SYSADMIN", "SECURITYADMIN", "USERADMIN", "PUBLIC"].includes(role)
    );
  }

  /** Roles granted to `role` (one step), with the bootstrap grant that made the edge, if any. */
  private children(account: string, role: string, withBootstrap: boolean): { role: string; via?: BootstrapGrant }[] {
    const out: { role: string; via?: BootstrapGrant }[] = this.stackEdges
      .filter((e) => e.account === account && e.parent === role)
      .map((e) => ({ role: e.child }));
    if (withBootstrap) {
      for (const p of this.planOf(account))
        for (const g of p.grants) if (g.kind === "role" && "role" in g.to && g.to.role === role) out.push({ role: g.role, via: g });
    }
    return out;
  }

  /**
   * Whether `need` is met — by the stacks alone, else with the bootstrap (whose grants on the way are
   * then marked used). Breadth first over the roles the need's role inherits.
   */
  satisfied(need: Need): "stacks" | "bootstrap" | false {
    if (this.search(need, false)) return "stacks";
    return this.search(need, true) ? "bootstrap" : false;
  }

  private search(need: Need, withBootstrap: boolean): boolean {
    const queue: { role: string; path: BootstrapGrant[] }[] = [{ role: need.role, path: [] }];
    const seen = new Set<string>([need.role]);
    while (queue.length > 0) {
      const { role, path } = queue.shift()!;
      const direct = this.holdsDirectly(need, role, withBootstrap);
      if (direct) {
        if (withBootstrap) for (const g of [...path, ...(direct === true ? [] : [direct])]) this.used.add(g);
        return true;
      }
      if (need.direct) return false;
      for (const child of this.children(need.account, role, withBootstrap)) {
        if (seen.has(child.role)) continue;
        seen.add(child.role);
        queue.push({ role: child.role, path: child.via ? [...path, child.via] : path });
      }
    }
    return false;
  }

  /** Whether `role` itself holds what `need` asks: true (by the stacks or by being the role), a bootstrap grant, or false. */
  private holdsDirectly(need: Need, role: string, withBootstrap: boolean): true | BootstrapGrant | false {
    const { account, on, privilege } = need;
    if (privilege === "ROLE") return "name" in on && on.name === role;
    if (privilege === "ACCOUNTADMIN") return role === "ACCOUNTADMIN";
    if ("name" in on && this.owners.get(this.key(account, on.type, on.name)) === role && !need.grantOption && !(need.direct && privilege !== "OWNERSHIP"))
      return true;
    if (privilege !== "OWNERSHIP" && privilege !== "DATABASE ROLE") {
      const byStack = this.stackGrants.some((g) => {
        if (g.account !== account || g.to !== role || g.privilege !== privilege || need.grantOption) return false;
        if ("bulk" in g.on) return "name" in on && g.on.objectType === on.type && g.on.schema === schemaOf(on.name);
        return g.on.type === on.type && ("name" in g.on ? "name" in on && g.on.name === on.name : true);
      });
      if (byStack) return true;
    }
    if (!withBootstrap) return false;
    for (const p of this.planOf(account)) {
      for (const g of p.grants) {
        if (privilege === "DATABASE ROLE" && g.kind === "database role" && g.to === role && "name" in on && g.databaseRole === on.name) return g;
        if (g.kind !== "privilege" || g.to !== role || g.privilege !== privilege || (need.grantOption && !g.grantOption)) continue;
        if (g.on.type === on.type && ("name" in g.on ? "name" in on && g.on.name === on.name : true)) return g;
      }
    }
    return false;
  }

  /** Whether the bootstrap grants `user` the role (the provider connects as it). */
  userHasRole(account: string, user: string, role: string): boolean {
    for (const p of this.planOf(account)) {
      for (const g of p.grants) {
        if (g.kind === "role" && "user" in g.to && g.to.user === user && g.role === role) {
          this.used.add(g);
          return true;
        }
      }
    }
    return false;
  }

  /** The final owner of an object the stacks make. */
  ownerOf(account: string, type: string, name: string): string | undefined {
    return this.owners.get(this.key(account, type, name));
  }

  isManaged(account: string, schema: string): boolean {
    return this.managedSchemas.has(`${account}|${schema}`);
  }
}

function grantTarget(r: StackResource, resources: readonly StackResource[]): GrantOn {
  const b = r.body;
  if (b.on_account === true || b.on_account === "true") return { type: "ACCOUNT" };
  const ao = block(b.on_account_object);
  if (ao) return { type: String(ao.object_type), name: unquote(String(ao.object_name)) };
  const s = block(b.on_schema);
  if (s) return { type: "SCHEMA", name: unquote(String(s.schema_name)) };
  const so = block(b.on_schema_object)!;
  const all = block(so.all);
  const future = block(so.future);
  if (all || future) {
    const x = (all ?? future)!;
    return {
      bulk: all ? "ALL" : "FUTURE",
      objectType: PLURAL[String(x.object_type_plural)] ?? String(x.object_type_plural),
      schema: unquote(String(x.in_schema)),
    };
  }
  return { type: String(so.object_type), name: objectName(so.object_name, r, resources) };
}

// ---- what each kind of resource needs ------------------------------------------------------------------

interface NeedContext {
  readonly model: AccessModel;
  readonly all: readonly StackResource[];
}

const need = (r: StackResource, privilege: string, on: On, why: string, doc: string, extra: Partial<Need> = {}): Need => ({
  account: r.account,
  role: r.role,
  privilege,
  on,
  why: `${r.stack}: ${r.address}: ${why}`,
  doc,
  ...extra,
});

/** CREATE <type> in the schema, and USAGE on the schema and its database (owned by the creator when the stacks made them). */
function createInSchema(r: StackResource, type: string, doc: string): Need[] {
  const schema = `${r.body.database}.${r.body.schema}`;
  return [
    need(r, `CREATE ${type}`, { type: "SCHEMA", name: schema }, `CREATE ${type} in ${schema}`, doc),
    need(r, "USAGE", { type: "SCHEMA", name: schema }, `the ${type.toLowerCase()}'s schema`, doc),
    need(r, "USAGE", { type: "DATABASE", name: String(r.body.database) }, `the ${type.toLowerCase()}'s database`, doc),
  ];
}

/** Objects a statement reads or writes, with the privilege each needs. */
export function sqlNeeds(sql: string): { privilege: string; object: string; note: string }[] {
  const out: { privilege: string; object: string; note: string }[] = [];
  const add = (privilege: string, object: string, note: string) => out.push({ privilege, object, note });
  // Statements are read with string literals blanked (they hold statement texts the monitors compare
  // against, such as the cleaners' DELETEs); function arguments are read in the literals.
  const code = sql.replace(/'(?:[^']|'')*'/g, "''");
  for (const m of code.matchAll(new RegExp(`\\bINSERT INTO (${QUALIFIED})`, "g"))) add("INSERT", m[1], "INSERT INTO");
  for (const m of code.matchAll(new RegExp(`\\bUPDATE (${QUALIFIED}) SET\\b`, "g"))) add("UPDATE", m[1], "UPDATE");
  for (const m of code.matchAll(new RegExp(`\\bDELETE FROM (${QUALIFIED})`, "g"))) add("DELETE", m[1], "DELETE FROM");
  for (const m of code.matchAll(new RegExp(`(?<!DELETE )\\b(?:FROM|JOIN) (${QUALIFIED})`, "g")))
    add(m[1].startsWith("SNOWFLAKE.ACCOUNT_USAGE.") ? "DATABASE ROLE" : "SELECT", m[1], "reads");
  for (const m of sql.matchAll(new RegExp(`SYSTEM\\$PIPE_STATUS\\('(${QUALIFIED})'\\)`, "g"))) add("MONITOR", m[1], "SYSTEM$PIPE_STATUS");
  for (const m of sql.matchAll(new RegExp(`SYSTEM\\$STREAM_HAS_DATA\\('(${QUALIFIED})'\\)`, "g"))) add("SELECT", m[1], "SYSTEM$STREAM_HAS_DATA");
  for (const m of sql.matchAll(/\b(?:INTEGRATION|EMAIL_INTEGRATION_CONFIG)\('([A-Z_][A-Z0-9_$]*)'/g)) add("USAGE", m[1], "sends a notification through");
  for (const m of code.matchAll(/\bSHOW TASKS IN DATABASE ([A-Z_][A-Z0-9_$]*)/g)) add("SHOW TASKS", m[1], "SHOW TASKS IN DATABASE");
  // A CALL of a procedure the stacks make (its arguments are read above: the caller evaluates them).
  const called = new RegExp(`^(${QUALIFIED})\\(`);
  for (const m of code.matchAll(/\bCALL\s+/g)) {
    const procedure = called.exec(code.slice(m.index! + m[0].length))?.[1];
    if (procedure) add("CALL", procedure, "CALL");
  }
  // A statement kind not modelled here must not slip through unread.
  for (const m of code.matchAll(/\b(CALL|MERGE|TRUNCATE|COPY INTO|CREATE|DROP|ALTER|GRANT|REVOKE|EXECUTE IMMEDIATE|USE)\b/g)) {
    const rest = code.slice(m.index! + m[0].length).trim();
    if (!/^SYSTEM\$/.test(rest) && !(m[1] === "CALL" && called.test(rest))) add("UNMODELLED", m[1], `a ${m[1]} statement`);
  }
  return out;
}

const TYPE_BY_RESOURCE: Record<string, string> = {
  snowflake_table: "TABLE",
  snowflake_view: "VIEW",
  snowflake_stream_on_table: "STREAM",
  snowflake_pipe: "PIPE",
  snowflake_procedure_sql: "PROCEDURE",
};

/** What the owner of a task needs to run it: run tasks (serverless ones too), use its schema, and what its SQL touches. */
function taskRuntimeNeeds(r: StackResource, ctx: NeedContext): Need[] {
  const name = `${r.body.database}.${r.body.schema}.${r.body.name}`;
  const owner = ctx.model.ownerOf(r.account, "TASK", name) ?? r.role;
  const runs = (privilege: string, on: On, why: string, doc: string, extra: Partial<Need> = {}): Need => ({
    account: r.account,
    role: owner,
    privilege,
    on,
    why: `${r.stack}: task ${name} (owned by ${owner}) ${why}`,
    doc,
    ...extra,
  });
  const tasks = "https://docs.snowflake.com/en/user-guide/tasks-intro#task-security";
  const out: Need[] = [
    runs("EXECUTE TASK", { type: "ACCOUNT" }, "runs only while its owner may execute tasks", tasks),
    runs("USAGE", { type: "DATABASE", name: String(r.body.database) }, "runs in its database", tasks),
    runs("USAGE", { type: "SCHEMA", name: `${r.body.database}.${r.body.schema}` }, "runs in its schema", tasks),
  ];
  if (r.body.warehouse === undefined) out.push(runs("EXECUTE MANAGED TASK", { type: "ACCOUNT" }, "is serverless", tasks));
  const sql = `${String(r.body.sql_statement)}\n${r.body.when === undefined ? "" : String(r.body.when)}`;
  return [...out, ...statementNeeds(r, ctx, runs, sql)];
}

/**
 * What an owner's-rights procedure's owner needs for its body to run: what the body reads and writes
 * (a caller needs only USAGE on the procedure, and on its schema and database).
 */
function procedureRuntimeNeeds(r: StackResource, ctx: NeedContext): Need[] {
  const name = `${r.body.database}.${r.body.schema}.${r.body.name}`;
  if (String(r.body.execute_as ?? "OWNER").toUpperCase() !== "OWNER")
    throw new Error(`${r.stack}: ${r.address}: a caller's-rights procedure is not modelled in test/support/snowflake-privileges.ts`);
  const owner = ctx.model.ownerOf(r.account, "PROCEDURE", name) ?? r.role;
  const runs = (privilege: string, on: On, why: string, doc: string, extra: Partial<Need> = {}): Need => ({
    account: r.account,
    role: owner,
    privilege,
    on,
    why: `${r.stack}: procedure ${name} (owned by ${owner}, run with its rights) ${why}`,
    doc,
    ...extra,
  });
  return statementNeeds(r, ctx, runs, String(r.body.procedure_definition));
}

type Runs = (privilege: string, on: On, why: string, doc: string, extra?: Partial<Need>) => Need;

/** What the role a statement runs as needs for what `sql` reads, writes, lists, calls and sends through. */
function statementNeeds(r: StackResource, ctx: NeedContext, runs: Runs, sql: string): Need[] {
  const out: Need[] = [];
  for (const n of sqlNeeds(sql)) {
    if (n.privilege === "UNMODELLED")
      throw new Error(
        `${r.stack}: ${r.address}: ${n.note} in its SQL is not modelled in test/support/snowflake-privileges.ts: add what it needs, with its documentation`,
      );
    if (n.privilege === "DATABASE ROLE") {
      const view = n.object.split(".")[2];
      const row = ACCOUNT_USAGE_VIEW_ROLES[view];
      if (!row)
        throw new Error(
          `${r.stack}: ${r.address} reads SNOWFLAKE.ACCOUNT_USAGE.${view}, which has no row in stacks/bootstrap/account-usage.ts: add the database role that covers it (${SNOWFLAKE_DB_ROLES_DOC})`,
        );
      out.push(runs("DATABASE ROLE", { type: "DATABASE ROLE", name: `SNOWFLAKE.${row.role}` }, `reads ${n.object}`, SNOWFLAKE_DB_ROLES_DOC));
      continue;
    }
    if (n.privilege === "SHOW TASKS") {
      // SHOW TASKS lists only the tasks the role has a privilege on: it must see every task of the database.
      for (const t of ctx.all.filter((x) => x.type === "snowflake_task" && x.account === r.account && x.body.database === n.object)) {
        out.push(
          runs(
            "MONITOR",
            { type: "TASK", name: `${t.body.database}.${t.body.schema}.${t.body.name}` },
            "lists the database's tasks (SHOW TASKS shows only those it may see)",
            `${DOCS}/show-tasks`,
          ),
        );
      }
      continue;
    }
    if (n.privilege === "USAGE") {
      out.push(
        runs(
          "USAGE",
          { type: "INTEGRATION", name: n.object },
          n.note,
          "https://docs.snowflake.com/en/sql-reference/stored-procedures/system_send_snowflake_notification",
        ),
      );
      continue;
    }
    const target = ctx.all.find(
      (x) => x.account === r.account && TYPE_BY_RESOURCE[x.type] && `${x.body.database}.${x.body.schema}.${x.body.name}` === n.object,
    );
    if (!target) throw new Error(`${r.stack}: ${r.address} uses ${n.object}, which no stack of the example makes`);
    const type = TYPE_BY_RESOURCE[target.type];
    if ((n.privilege === "CALL") !== (type === "PROCEDURE")) throw new Error(`${r.stack}: ${r.address}: ${n.note} ${n.object}, a ${type}`);
    const doc =
      n.privilege === "MONITOR"
        ? "https://docs.snowflake.com/en/sql-reference/functions/system_pipe_status"
        : n.privilege === "CALL"
          ? `${DOCS}/call#access-control-requirements`
          : "https://docs.snowflake.com/en/user-guide/security-access-control-privileges";
    out.push(runs(n.privilege === "CALL" ? "USAGE" : n.privilege, { type, name: n.object }, `${n.note} ${n.object}`, doc));
    out.push(runs("USAGE", { type: "SCHEMA", name: schemaOf(n.object) }, `uses an object of ${schemaOf(n.object)}`, doc));
    out.push(runs("USAGE", { type: "DATABASE", name: databaseOf(n.object) }, `uses an object of ${databaseOf(n.object)}`, doc));
  }
  return out;
}

/** What granting privileges on `on` needs of the grantor. */
function grantorNeeds(r: StackResource, ctx: NeedContext, privileges: readonly string[], on: GrantOn): Need[] {
  const doc = `${DOCS}/grant-privilege#access-control-requirements`;
  if ("bulk" in on)
    return [
      need(
        r,
        "OWNERSHIP",
        { type: "SCHEMA", name: on.schema },
        `grants on ${on.bulk} ${on.objectType}s of ${on.schema} (in a managed-access schema only its owner or MANAGE GRANTS may)`,
        `${DOCS}/create-schema#optional-parameters`,
      ),
    ];
  if (on.type === "ACCOUNT")
    return privileges.map((p) =>
      need(r, p, { type: "ACCOUNT" }, `grants ${p} ON ACCOUNT (needs it WITH GRANT OPTION, or MANAGE GRANTS)`, doc, { grantOption: true }),
    );
  const object = on as { type: string; name: string };
  const schema = object.name.split(".").length === 3 ? schemaOf(object.name) : undefined;
  if (schema && ctx.model.isManaged(r.account, schema))
    return [
      need(
        r,
        "OWNERSHIP",
        { type: "SCHEMA", name: schema },
        `grants on ${object.name} in the managed-access schema ${schema}`,
        `${DOCS}/create-schema#optional-parameters`,
      ),
    ];
  return [need(r, "OWNERSHIP", object, `grants ${privileges.join(", ")} on ${object.type} ${object.name} (the owner may)`, doc)];
}

export interface NeedRule {
  /** The documentation that decides what it needs. */
  readonly doc: string;
  readonly needs: (r: StackResource, ctx: NeedContext) => Need[];
}

/** One row per kind of resource the stacks make: what the role that applies it needs, and its owner later. */
export const NEEDS: Readonly<Record<string, NeedRule>> = {
  snowflake_database: {
    doc: `${DOCS}/create-database#access-control-requirements`,
    needs: (r) => [need(r, "CREATE DATABASE", { type: "ACCOUNT" }, "CREATE DATABASE", `${DOCS}/create-database#access-control-requirements`)],
  },
  snowflake_schema: {
    doc: `${DOCS}/create-schema#access-control-requirements`,
    needs: (r) => [
      need(r, "CREATE SCHEMA", { type: "DATABASE", name: String(r.body.database) }, "CREATE SCHEMA", `${DOCS}/create-schema#access-control-requirements`),
      need(r, "USAGE", { type: "DATABASE", name: String(r.body.database) }, "its database", `${DOCS}/create-schema#access-control-requirements`),
    ],
  },
  snowflake_table: {
    doc: `${DOCS}/create-table#access-control-requirements`,
    needs: (r) => createInSchema(r, "TABLE", `${DOCS}/create-table#access-control-requirements`),
  },
  snowflake_view: {
    doc: `${DOCS}/create-view#access-control-requirements; ${PROVIDER} docs/resources/view.md ("requires a warehouse in the connection")`,
    needs: (r) => {
      const from = new RegExp(`FROM (${QUALIFIED})`).exec(String(r.body.statement))?.[1];
      if (!r.warehouse) throw new Error(`${r.stack}: ${r.address}: its provider names no warehouse, which the view resource needs (policy references)`);
      return [
        ...createInSchema(r, "VIEW", `${DOCS}/create-view#access-control-requirements`),
        ...(from ? [need(r, "SELECT", { type: "TABLE", name: from }, `selects from ${from}`, `${DOCS}/create-view#access-control-requirements`)] : []),
        need(
          r,
          "USAGE",
          { type: "WAREHOUSE", name: r.warehouse },
          "reads policy references, which needs a warehouse in the connection",
          `${PROVIDER} docs/resources/view.md`,
        ),
      ];
    },
  },
  snowflake_file_format: {
    doc: `${DOCS}/create-file-format#access-control-requirements`,
    needs: (r) => createInSchema(r, "FILE FORMAT", `${DOCS}/create-file-format#access-control-requirements`),
  },
  snowflake_stage: {
    doc: `${DOCS}/create-stage#access-control-requirements`,
    needs: (r) => [
      ...createInSchema(r, "STAGE", `${DOCS}/create-stage#access-control-requirements`),
      need(
        r,
        "USAGE",
        { type: "INTEGRATION", name: String(r.body.storage_integration) },
        "reads through the storage integration",
        `${DOCS}/create-stage#access-control-requirements`,
      ),
    ],
  },
  snowflake_pipe: {
    doc: `${DOCS}/create-pipe#access-control-requirements`,
    needs: (r) => {
      const copy = String(r.body.copy_statement);
      const table = new RegExp(`^COPY INTO (${QUALIFIED})`).exec(copy)![1];
      const stage = new RegExp(`FROM @(${QUALIFIED})`).exec(copy)![1];
      const format = new RegExp(`FORMAT_NAME = '(${QUALIFIED})'`).exec(copy)![1];
      const doc = `${DOCS}/create-pipe#access-control-requirements`;
      return [
        ...createInSchema(r, "PIPE", doc),
        need(r, "INSERT", { type: "TABLE", name: table }, `its COPY loads ${table}`, doc),
        need(r, "SELECT", { type: "TABLE", name: table }, `its COPY loads ${table}`, doc),
        need(r, "USAGE", { type: "STAGE", name: stage }, `its COPY reads ${stage}`, doc),
        need(r, "USAGE", { type: "FILE FORMAT", name: format }, `its COPY uses ${format}`, doc),
      ];
    },
  },
  snowflake_stream_on_table: {
    doc: `${DOCS}/create-stream#access-control-requirements`,
    needs: (r) => [
      ...createInSchema(r, "STREAM", `${DOCS}/create-stream#access-control-requirements`),
      need(r, "SELECT", { type: "TABLE", name: String(r.body.table) }, "streams its table", `${DOCS}/create-stream#access-control-requirements`),
    ],
  },
  snowflake_task: {
    doc: `${DOCS}/create-task#access-control-requirements; ${DOCS}/alter-task#access-control-requirements; https://docs.snowflake.com/en/user-guide/tasks-intro#task-security`,
    needs: (r, ctx) => [
      ...createInSchema(r, "TASK", `${DOCS}/create-task#access-control-requirements`),
      ...(r.body.warehouse === undefined
        ? [need(r, "EXECUTE MANAGED TASK", { type: "ACCOUNT" }, "creates a serverless task", `${DOCS}/create-task#access-control-requirements`)]
        : []),
      ...(r.body.started === true
        ? [need(r, "EXECUTE TASK", { type: "ACCOUNT" }, "resumes the task it creates (started)", `${DOCS}/alter-task#access-control-requirements`)]
        : []),
      ...taskRuntimeNeeds(r, ctx),
    ],
  },
  snowflake_procedure_sql: {
    doc: `${DOCS}/create-procedure#access-control-requirements; https://docs.snowflake.com/en/developer-guide/stored-procedure/stored-procedures-rights`,
    needs: (r, ctx) => [...createInSchema(r, "PROCEDURE", `${DOCS}/create-procedure#access-control-requirements`), ...procedureRuntimeNeeds(r, ctx)],
  },
  snowflake_storage_integration: {
    doc: `${DOCS}/create-storage-integration#access-control-requirements`,
    needs: (r) => [
      need(r, "CREATE INTEGRATION", { type: "ACCOUNT" }, "CREATE STORAGE INTEGRATION", `${DOCS}/create-storage-integration#access-control-requirements`),
    ],
  },
  snowflake_notification_integration: {
    doc: `${DOCS}/create-notification-integration#access-control-requirements`,
    needs: (r) => [
      need(
        r,
        "CREATE INTEGRATION",
        { type: "ACCOUNT" },
        "CREATE NOTIFICATION INTEGRATION",
        `${DOCS}/create-notification-integration#access-control-requirements`,
      ),
    ],
  },
  snowflake_email_notification_integration: {
    doc: `${DOCS}/create-notification-integration-email#access-control-requirements`,
    needs: (r) => [
      need(
        r,
        "CREATE INTEGRATION",
        { type: "ACCOUNT" },
        "CREATE NOTIFICATION INTEGRATION (email)",
        `${DOCS}/create-notification-integration-email#access-control-requirements`,
      ),
    ],
  },
  snowflake_warehouse: {
    doc: `${DOCS}/create-warehouse#access-control-requirements`,
    needs: (r) => [need(r, "CREATE WAREHOUSE", { type: "ACCOUNT" }, "CREATE WAREHOUSE", `${DOCS}/create-warehouse#access-control-requirements`)],
  },
  snowflake_resource_monitor: {
    doc: `${DOCS}/create-resource-monitor ("can only be executed by account administrators")`,
    needs: (r) => [need(r, "ACCOUNTADMIN", { type: "ACCOUNT" }, "CREATE RESOURCE MONITOR: account administrators only", `${DOCS}/create-resource-monitor`)],
  },
  snowflake_account_role: {
    doc: `${DOCS}/create-role#access-control-requirements`,
    needs: (r) => [need(r, "CREATE ROLE", { type: "ACCOUNT" }, "CREATE ROLE", `${DOCS}/create-role#access-control-requirements`)],
  },
  snowflake_grant_account_role: {
    doc: `${DOCS}/grant-role#access-control-requirements`,
    needs: (r, ctx) => {
      const role = roleName(r.body.role_name, r, ctx.all);
      const parent = roleName(r.body.parent_role_name, r, ctx.all);
      if (!ctx.model.roleExists(r.account, parent))
        throw new Error(`${r.stack}: ${r.address} grants ${role} to ${parent}, which neither the stacks nor the bootstrap make`);
      return [
        need(
          r,
          "OWNERSHIP",
          { type: "ROLE", name: role },
          `grants role ${role} to ${parent} (the role's owner may)`,
          `${DOCS}/grant-role#access-control-requirements`,
        ),
      ];
    },
  },
  snowflake_grant_privileges_to_account_role: {
    doc: `${DOCS}/grant-privilege#access-control-requirements; ${DOCS}/create-schema (managed access)`,
    needs: (r, ctx) => {
      const to = roleName(r.body.account_role_name, r, ctx.all);
      if (!ctx.model.roleExists(r.account, to)) throw new Error(`${r.stack}: ${r.address} grants to ${to}, which neither the stacks nor the bootstrap make`);
      return grantorNeeds(r, ctx, r.body.privileges as string[], grantTarget(r, ctx.all));
    },
  },
  snowflake_grant_ownership: {
    doc: `${DOCS}/grant-ownership#access-control-requirements; https://docs.snowflake.com/en/release-notes/bcr-bundles/2026_07/bcr-2395; ${PROVIDER} docs/resources/grant_ownership.md ("Granting ownership on pipes", "… on task")`,
    needs: (r, ctx) => {
      const on = block(r.body.on)!;
      const type = String(on.object_type);
      const name = objectName(on.object_name, r, ctx.all);
      const to = roleName(r.body.account_role_name, r, ctx.all);
      const doc = `${DOCS}/grant-ownership#access-control-requirements`;
      const creator = ctx.all.find((x) => createdObject(x)?.type === type && createdObject(x)?.name === name && x.account === r.account);
      if (creator?.role !== r.role)
        throw new Error(`${r.stack}: ${r.address} hands over ${type} ${name}, which ${creator ? `${creator.role} creates` : "no stack makes"}, as ${r.role}`);
      const provider = `${PROVIDER} docs/resources/grant_ownership.md`;
      return [
        need(
          r,
          "ROLE",
          { type: "ROLE", name: to },
          `hands ${type} ${name} to ${to}, which must be active in the session (2026_07 bundle, BCR 2395)`,
          "https://docs.snowflake.com/en/release-notes/bcr-bundles/2026_07/bcr-2395",
        ),
        ...(ctx.model.isManaged(r.account, schemaOf(name))
          ? [need(r, "OWNERSHIP", { type: "SCHEMA", name: schemaOf(name) }, `transfers ownership in the managed-access schema ${schemaOf(name)}`, doc)]
          : []),
        ...(type === "PIPE"
          ? ["OPERATE", "MONITOR"].map((p) =>
              need(r, p, { type, name }, `the provider pauses and force-resumes the pipe around the transfer only with ${p} granted to it`, provider, {
                direct: true,
              }),
            )
          : []),
        ...(type === "TASK"
          ? [
              need(r, "OPERATE", { type, name }, "the provider resumes the task after the transfer only with OPERATE granted to it", provider, {
                direct: true,
              }),
              need(r, "EXECUTE TASK", { type: "ACCOUNT" }, "the provider resumes the task after the transfer only with EXECUTE TASK granted to it", provider, {
                direct: true,
              }),
            ]
          : []),
      ];
    },
  },
  snowflake_execute: {
    doc: `each statement: ${PROVIDER} docs/resources/warehouse.md (assigning a resource monitor needs ACCOUNTADMIN); ${DOCS}/alter-table (ADD SEARCH OPTIMIZATION)`,
    needs: (r, ctx) => {
      const sql = String(r.body.execute);
      const assign = /^ALTER WAREHOUSE ([A-Z_][A-Z0-9_$]*) SET RESOURCE_MONITOR = [A-Z_][A-Z0-9_$]*$/.exec(sql);
      if (assign) {
        return [
          need(r, "ACCOUNTADMIN", { type: "ACCOUNT" }, "assigns a resource monitor (ACCOUNTADMIN only)", `${PROVIDER} docs/resources/warehouse.md`),
          need(r, "MODIFY", { type: "WAREHOUSE", name: assign[1] }, `alters ${assign[1]}, which the deploy role owns`, `${DOCS}/alter-warehouse`),
        ];
      }
      const so = new RegExp(`^ALTER TABLE (${QUALIFIED}) ADD SEARCH OPTIMIZATION ON EQUALITY\\(`).exec(sql);
      if (so) {
        const doc = "https://docs.snowflake.com/en/user-guide/search-optimization/enabling#required-privileges";
        const owner = ctx.model.ownerOf(r.account, "TABLE", so[1]);
        return [
          need(r, "ADD SEARCH OPTIMIZATION", { type: "SCHEMA", name: schemaOf(so[1]) }, "adds search optimization", doc),
          need(r, "OWNERSHIP", { type: "TABLE", name: so[1] }, `adds search optimization to a table it must own (owner: ${owner})`, doc),
        ];
      }
      throw new Error(`${r.stack}: ${r.address} runs a statement test/support/snowflake-privileges.ts does not model: ${sql.split("\n")[0]}`);
    },
  },
};

/** Resources that may work as ACCOUNTADMIN: what only an account administrator may do, and nothing that runs. */
export function mayUseAccountAdmin(r: StackResource): boolean {
  return (
    r.type === "snowflake_resource_monitor" || (r.type === "snowflake_execute" && /^ALTER WAREHOUSE \S+ SET RESOURCE_MONITOR = /.test(String(r.body.execute)))
  );
}

/** Every need of every resource of the stacks, and of their providers (the user works as the role, on the warehouse). */
export function needsOf(resources: readonly StackResource[], model: AccessModel): { needs: Need[]; unmodelled: string[] } {
  const ctx = { model, all: resources };
  const needs: Need[] = [];
  const unmodelled: string[] = [];
  for (const r of resources) {
    const rule = NEEDS[r.type];
    if (!rule) {
      unmodelled.push(
        `${r.stack}: ${r.address}: no row for ${r.type} in NEEDS (test/support/snowflake-privileges.ts): add what creating it needs, citing Snowflake's documentation`,
      );
      continue;
    }
    needs.push(...rule.needs(r, ctx));
  }
  return { needs, unmodelled };
}
