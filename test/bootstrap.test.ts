import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../cli/lakehouse";
import { bootstrapPlans } from "../stacks/bootstrap/from-config";
import { BootstrapGrant, BootstrapPlan, bootstrapSql, grantSql } from "../stacks/bootstrap/plan";
import { resolveConfig } from "../stacks/config/resolve";
import { loadConfigFile } from "../stacks/config/load";
import { EXAMPLES, EXAMPLE_BOOTSTRAPS } from "../tools/examples";
import { AccessModel, NEEDS, Need, mayUseAccountAdmin, needsOf, sqlNeeds, stackResources } from "./support/snowflake-privileges";
import { ScriptedAnswer, startFakeSqlApi } from "./support/fake-sql-api";
import { exampleStacks } from "./support/examples";

const DEFAULT_CONFIG = join(__dirname, "..", "examples", "default", "lakehouse.yaml");

/** Every stack of an example, synthesized as its entry point builds it (guardrails enforced; once per worker, test/support/examples.ts). */
function synthesized(example: string): Record<string, { resource?: Record<string, Record<string, Record<string, unknown>>> }> {
  return exampleStacks(example);
}

const describeNeed = (n: Need) =>
  `${n.role} needs ${n.privilege}${n.grantOption ? " WITH GRANT OPTION" : ""} on ${"name" in n.on ? `${n.on.type} ${n.on.name}` : "ACCOUNT"}${n.direct ? " (granted to it directly)" : ""} — ${n.why} [${n.doc}]`;

/** What the example's stacks need, checked against its bootstrap: everything met, every bootstrap grant needed. */
function audit(stacks: ReturnType<typeof synthesized>, plans: BootstrapPlan[]) {
  const resources = stackResources(stacks);
  const model = new AccessModel(resources, plans);
  const { needs, unmodelled } = needsOf(resources, model);
  const unmet = needs.filter((n) => model.satisfied(n) === false).map(describeNeed);
  const byBootstrap = needs.filter((n) => model.satisfied(n) === "bootstrap");
  // The provider connects as the deploy role: the user must hold it when the plan names the user.
  for (const plan of plans) {
    if (!plan.deployUser) continue;
    for (const role of new Set(resources.filter((r) => r.account === plan.account && r.role !== "ACCOUNTADMIN").map((r) => r.role))) {
      if (!model.userHasRole(plan.account, plan.deployUser, role)) unmet.push(`${plan.deployUser} must be granted ${role}, which its provider works as`);
    }
  }
  const unused = plans.flatMap((p) => p.grants.filter((g) => !model.used.has(g)).map((g) => `${p.account}: ${grantSql(g)} — ${g.why}`));
  return { resources, model, needs, unmet, unused, unmodelled, byBootstrap };
}

describe.each(Object.keys(EXAMPLES))("the bootstrap of example %s grants exactly what its stacks need", (example) => {
  const stacks = synthesized(example);
  const plans = EXAMPLE_BOOTSTRAPS[example]();
  const a = audit(stacks, plans);

  test("every kind of Snowflake resource in the stacks has a row saying what it needs, citing the documentation", () => {
    expect(a.unmodelled).toEqual([]);
    const kinds = new Set(a.resources.map((r) => r.type));
    for (const kind of kinds) expect(NEEDS[kind].doc).toMatch(/docs\.snowflake\.com|terraform-provider-snowflake/);
    expect(a.needs.length).toBeGreaterThan(50);
  });

  test("every privilege the stacks need is held: by owning what they make, by the grants they make, or by the bootstrap", () => {
    expect(a.unmet).toEqual([]);
  });

  test("and nothing more: every grant of the bootstrap is needed by some object of the stacks", () => {
    expect(a.unused).toEqual([]);
    expect(a.byBootstrap.length).toBeGreaterThan(0);
  });

  test("ACCOUNTADMIN does only what only it may (resource monitors and their assignment); no task is owned by it", () => {
    const asAdmin = a.resources.filter((r) => r.role === "ACCOUNTADMIN");
    expect(asAdmin.filter((r) => !mayUseAccountAdmin(r)).map((r) => r.address)).toEqual([]);
    for (const t of a.resources.filter((r) => r.type === "snowflake_task")) {
      expect(a.model.ownerOf(t.account, "TASK", `${t.body.database}.${t.body.schema}.${t.body.name}`)).not.toBe("ACCOUNTADMIN");
    }
  });
});

describe("the privileges test can fail", () => {
  const stacks = synthesized("default");
  const plans = EXAMPLE_BOOTSTRAPS.default();
  const without = (drop: (g: BootstrapGrant) => boolean) => plans.map((p) => ({ ...p, grants: p.grants.filter((g) => !drop(g)) }));

  test.each([
    ["CREATE INTEGRATION", (g: BootstrapGrant) => g.kind === "privilege" && g.privilege === "CREATE INTEGRATION", /needs CREATE INTEGRATION on ACCOUNT/],
    [
      "the grant option on EXECUTE TASK",
      (g: BootstrapGrant) => g.kind === "privilege" && g.privilege === "EXECUTE TASK" && g.grantOption === true,
      /needs EXECUTE TASK WITH GRANT OPTION on ACCOUNT/,
    ],
    [
      "USAGE_VIEWER",
      (g: BootstrapGrant) => g.kind === "database role" && g.databaseRole === "SNOWFLAKE.USAGE_VIEWER",
      /needs DATABASE ROLE on DATABASE ROLE SNOWFLAKE\.USAGE_VIEWER — .*COPY_HISTORY/,
    ],
    [
      "the monitoring role's grant to the deploy role",
      (g: BootstrapGrant) => g.kind === "role" && g.role === "ACME_PROD_MONITORING",
      /ACME_LAKEHOUSE_DEPLOYER needs ROLE on ROLE ACME_PROD_MONITORING/,
    ],
    [
      "the deploy warehouse",
      (g: BootstrapGrant) => g.kind === "privilege" && g.on.type === "WAREHOUSE",
      /needs USAGE on WAREHOUSE ACME_LAKEHOUSE_DEPLOY — .*policy references/,
    ],
    [
      "the deploy role's grant to SYSADMIN",
      (g: BootstrapGrant) => g.kind === "role" && "role" in g.to && g.to.role === "SYSADMIN",
      /ACCOUNTADMIN needs MODIFY on WAREHOUSE ACME_PROD_QUERY_WH/,
    ],
  ])("GIVEN a bootstrap without %s THEN the need is reported with its documentation", (_what, drop, message) => {
    const { unmet } = audit(stacks, without(drop));
    expect(unmet.join("\n")).toMatch(message);
    expect(unmet.join("\n")).toMatch(/\[https:\/\/docs\.snowflake\.com|\[snowflakedb\/terraform-provider-snowflake/);
  });

  test("GIVEN a bootstrap with more (MANAGE GRANTS) THEN the extra grant is reported", () => {
    const extra: BootstrapGrant = {
      kind: "privilege",
      privilege: "MANAGE GRANTS",
      on: { type: "ACCOUNT" },
      to: "ACME_LAKEHOUSE_DEPLOYER",
      why: "just in case",
    };
    const { unused } = audit(
      stacks,
      plans.map((p, i) => (i === 0 ? { ...p, grants: [...p.grants, extra] } : p)),
    );
    expect(unused).toEqual([expect.stringMatching(/GRANT MANAGE GRANTS ON ACCOUNT TO ROLE ACME_LAKEHOUSE_DEPLOYER — just in case$/)]);
  });

  test("GIVEN a task owned by ACCOUNTADMIN or an unmodelled statement THEN the test says so", () => {
    const copy = JSON.parse(JSON.stringify(stacks)) as typeof stacks;
    const ownerships = copy["platform-prod"].resource!.snowflake_grant_ownership;
    const first = Object.keys(ownerships)[0];
    ownerships[first].account_role_name = "ACCOUNTADMIN";
    const { model, resources } = audit(copy, plans);
    const t = resources.find((r) => r.type === "snowflake_task" && r.stack === "platform-prod")!;
    expect(
      resources
        .filter((r) => r.type === "snowflake_task")
        .some((r) => model.ownerOf(r.account, "TASK", `${r.body.database}.${r.body.schema}.${r.body.name}`) === "ACCOUNTADMIN"),
    ).toBe(true);
    expect(t).toBeDefined();
    expect(
      sqlNeeds("BEGIN\n  MERGE INTO ACME.PUBLIC.T t USING ACME.PUBLIC.S s ON t.ID = s.ID WHEN MATCHED THEN DELETE;\nEND").map((n) => n.privilege),
    ).toContain("UNMODELLED");
    // A CALL of a named procedure is read (USAGE on it); one that is not, is not.
    expect(sqlNeeds("CALL ACME.MONITORING.RAISE_ALERT_X('LOG_CANARY', (SELECT 1 FROM ACME.X.T), 5)").map((n) => [n.privilege, n.object])).toEqual([
      ["SELECT", "ACME.X.T"],
      ["CALL", "ACME.MONITORING.RAISE_ALERT_X"],
    ]);
    expect(sqlNeeds("CALL IDENTIFIER(:proc)()").map((n) => n.privilege)).toEqual(["UNMODELLED"]);
    // Statement type names in literals are not statements.
    expect(sqlNeeds("SELECT 1 FROM A.B.C WHERE QUERY_TYPE IN ('DROP', 'ALTER_TABLE')").map((n) => n.privilege)).toEqual(["SELECT"]);
  });
});

describe("lakehouse bootstrap snowflake (the SQL)", () => {
  const lakehouse = resolveConfig(loadConfigFile(DEFAULT_CONFIG));

  test("one plan per Snowflake account the config deploys into, each with the deploy role, its warehouse and the monitoring role", () => {
    const plans = bootstrapPlans(lakehouse);
    expect(plans.map((p) => [p.account, p.deployRole, p.warehouse.name, p.roles.map((r) => r.name)])).toEqual([
      ["ACMEORG-SECLAKE_EU", "ACME_LAKEHOUSE_DEPLOYER", "ACME_LAKEHOUSE_DEPLOY", ["ACME_LAKEHOUSE_DEPLOYER", "ACME_PROD_MONITORING"]],
      ["ACMEORG-SECLAKE_US", "ACME_LAKEHOUSE_DEPLOYER", "ACME_LAKEHOUSE_DEPLOY", ["ACME_LAKEHOUSE_DEPLOYER", "ACME_PROD_MONITORING"]],
    ]);
    expect(bootstrapPlans(lakehouse, { region: "us-east-1" }).map((p) => p.account)).toEqual(["ACMEORG-SECLAKE_US"]);
  });

  test("an environment or region the config does not have is a usage error (the CLI's exit 2), naming what it has", () => {
    expect(() => bootstrapPlans(lakehouse, { env: "staging" })).toThrow(
      expect.objectContaining({ kind: "usage", message: expect.stringContaining("it has prod") }),
    );
    expect(() => bootstrapPlans(lakehouse, { region: "ap-south-1" })).toThrow(expect.objectContaining({ kind: "usage" }));
  });

  test("the script: roles by USERADMIN, then as ACCOUNTADMIN the warehouse and every grant with its reason; never MANAGE GRANTS", () => {
    const [plan] = bootstrapPlans(lakehouse, { region: "us-east-1", deployUser: "TERRAFORM" });
    const sql = bootstrapSql(plan);
    const statements = sql.split("\n").filter((l) => l && !l.startsWith("--"));
    expect(statements.slice(0, 4)).toEqual([
      "USE ROLE USERADMIN;",
      "CREATE ROLE IF NOT EXISTS ACME_LAKEHOUSE_DEPLOYER COMMENT = 'Terraform deploys the security lakehouse as this role (lakehouse bootstrap snowflake)';",
      "CREATE ROLE IF NOT EXISTS ACME_PROD_MONITORING COMMENT = 'Owns and runs the prod platform''s monitors and alert delivery (lakehouse bootstrap snowflake)';",
      "USE ROLE ACCOUNTADMIN;",
    ]);
    expect(statements).toEqual(
      expect.arrayContaining([
        "CREATE RESOURCE MONITOR IF NOT EXISTS ACME_LAKEHOUSE_DEPLOY_MONITOR WITH CREDIT_QUOTA = 10 TRIGGERS ON 75 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND ON 110 PERCENT DO SUSPEND_IMMEDIATE;",
        expect.stringMatching(
          /^CREATE WAREHOUSE IF NOT EXISTS ACME_LAKEHOUSE_DEPLOY WITH WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE RESOURCE_MONITOR = ACME_LAKEHOUSE_DEPLOY_MONITOR COMMENT = '/,
        ),
        "GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE ACME_LAKEHOUSE_DEPLOYER;",
        "GRANT EXECUTE TASK ON ACCOUNT TO ROLE ACME_LAKEHOUSE_DEPLOYER WITH GRANT OPTION;",
        "GRANT DATABASE ROLE SNOWFLAKE.USAGE_VIEWER TO ROLE ACME_PROD_MONITORING;",
        "GRANT DATABASE ROLE SNOWFLAKE.GOVERNANCE_VIEWER TO ROLE ACME_PROD_MONITORING;",
        "GRANT ROLE ACME_PROD_MONITORING TO ROLE ACME_LAKEHOUSE_DEPLOYER;",
        "GRANT ROLE ACME_LAKEHOUSE_DEPLOYER TO USER TERRAFORM;",
      ]),
    );
    expect(sql).not.toMatch(/MANAGE GRANTS|IMPORTED PRIVILEGES|GRANT ROLE ACCOUNTADMIN|GRANT ROLE SYSADMIN TO/);
    // Every grant is preceded by the reason for it.
    const lines = sql.split("\n");
    for (const [i, line] of lines.entries()) if (line.startsWith("GRANT ")) expect(lines[i - 1]).toMatch(/^-- \S/);
  });
});

describe("lakehouse bootstrap snowflake (the command)", () => {
  async function run(args: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await main(args, { write: (s: string) => ((stdout += s), true) } as never, { write: (s: string) => ((stderr += s), true) } as never);
    return { code, stdout, stderr };
  }

  test("prints one script per account, from the config given; --env and --region narrow it", async () => {
    const r = await run(["bootstrap", "snowflake", "--config", DEFAULT_CONFIG]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^-- lakehouse bootstrap snowflake: Snowflake account (\S+)/gm)).toEqual([
      "-- lakehouse bootstrap snowflake: Snowflake account ACMEORG-SECLAKE_EU",
      "-- lakehouse bootstrap snowflake: Snowflake account ACMEORG-SECLAKE_US",
    ]);
    expect(r.stdout).toContain(`-- From ${DEFAULT_CONFIG}.`);
    expect(r.stdout).toContain("-- Then grant the deploy role to the user Terraform connects as: GRANT ROLE ACME_LAKEHOUSE_DEPLOYER TO USER <user>;");
    const us = await run(["bootstrap", "snowflake", "--config", DEFAULT_CONFIG, "--env", "prod", "--region", "us-east-1", "--deploy-user", "terraform"]);
    expect(us.stdout.match(/Snowflake account \S+/g)).toEqual(["Snowflake account ACMEORG-SECLAKE_US"]);
    expect(us.stdout).toContain("GRANT ROLE ACME_LAKEHOUSE_DEPLOYER TO USER TERRAFORM;");
  });

  test.each([
    [["bootstrap", "--config", DEFAULT_CONFIG], /bootstrap needs what to bootstrap first: snowflake/],
    [["bootstrap", "aws", "--config", DEFAULT_CONFIG], /bootstrap needs what to bootstrap first: snowflake/],
    [["bootstrap", "snowflake"], /bootstrap snowflake needs --config <file>/],
    [["bootstrap", "snowflake", "--config", DEFAULT_CONFIG, "--env", "dev"], /--env: no environment 'dev' in the config \(it has prod\)/],
    [
      ["bootstrap", "snowflake", "--config", DEFAULT_CONFIG, "--region", "ap-south-1"],
      /--region: no tenant of prod is in region 'ap-south-1'.*tenants are in eu-west-1, us-east-1/,
    ],
    [["bootstrap", "snowflake", "--config", DEFAULT_CONFIG, "--check"], /--check reads one account at a time.*add --region/],
    [["bootstrap", "snowflake", "extra", "--config", DEFAULT_CONFIG], /bootstrap: unexpected argument 'extra'/],
  ])("%j is a usage error (exit 2)", async (args, message) => {
    const r = await run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test("--help names the subcommand and every option", async () => {
    const r = await run(["bootstrap", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: lakehouse bootstrap snowflake \[options\]/);
    for (const option of [
      "--config <file>",
      "--env <name>",
      "--region <region>",
      "--deploy-user <user>",
      "--check",
      "--snowflake-account <org-account>",
      "--role <role>",
    ])
      expect(r.stdout).toContain(option);
  });

  describe("--check, against a local server that speaks the SQL API", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const dir = mkdtempSync(join(tmpdir(), "bootstrap-key-"));
    const keyFile = join(dir, "rsa_key.p8");
    writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
    const [plan] = bootstrapPlans(resolveConfig(loadConfigFile(DEFAULT_CONFIG)), { region: "us-east-1", deployUser: "TERRAFORM" });
    const saved = { ...process.env };
    afterEach(() => {
      for (const k of ["SNOWFLAKE_SQL_API_URL", "SNOWFLAKE_USER", "SNOWFLAKE_PRIVATE_KEY_FILE", "SNOWFLAKE_ROLE"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    });

    /** SHOW GRANTS rows of an account set up by the plan, then changed by `edit`. */
    function account(edit: (to: Map<string, string[][]>, of: Map<string, string[][]>) => void = () => undefined) {
      const to = new Map<string, string[][]>(plan.roles.map((r) => [r.name, []]));
      const of = new Map<string, string[][]>();
      const row = (privilege: string, on: string, name: string, role: string, option = false) => [
        "2026-12-01",
        privilege,
        on,
        name,
        "ROLE",
        role,
        String(option),
        "ACCOUNTADMIN",
      ];
      for (const g of plan.grants) {
        if (g.kind === "privilege") to.get(g.to)!.push(row(g.privilege, g.on.type, g.on.type === "ACCOUNT" ? "XY12345" : g.on.name, g.to, g.grantOption));
        else if (g.kind === "database role") to.get(g.to)!.push(row("USAGE", "DATABASE_ROLE", g.databaseRole, g.to));
        else if ("role" in g.to && to.has(g.to.role)) to.get(g.to.role)!.push(row("USAGE", "ROLE", g.role, g.to.role));
        else
          of.set(g.role, [
            ...(of.get(g.role) ?? []),
            ["2026-12-01", g.role, "role" in g.to ? "ROLE" : "USER", "role" in g.to ? g.to.role : g.to.user, "ACCOUNTADMIN"],
          ]);
      }
      // What the stacks grant the deploy role themselves is theirs, not the bootstrap's.
      to.get("ACME_LAKEHOUSE_DEPLOYER")!.push(
        row("USAGE", "ROLE", "ACME_PROD_GLOBEX_PIPELINE", "ACME_LAKEHOUSE_DEPLOYER"),
        row("OWNERSHIP", "DATABASE", "ACME_LOGS_PROD", "ACME_LAKEHOUSE_DEPLOYER"),
      );
      edit(to, of);
      return { to, of };
    }

    async function check(live: ReturnType<typeof account>) {
      const server = await startFakeSqlApi({
        account: "ACMEORG-SECLAKE_US",
        user: "AUDITOR",
        publicKey,
        answer: (request): ScriptedAnswer => {
          const m = /^SHOW GRANTS (TO|OF) ROLE (\S+)$/.exec(request.statement);
          if (!m) return { kind: "error", status: 422, code: "001003", sqlState: "42000", message: `unexpected statement ${request.statement}` };
          if (m[1] === "TO")
            return {
              kind: "result",
              columns: ["created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name", "grant_option", "granted_by"],
              rows: live.to.get(m[2]) ?? [],
            };
          return { kind: "result", columns: ["created_on", "role", "granted_to", "grantee_name", "granted_by"], rows: live.of.get(m[2]) ?? [] };
        },
      });
      try {
        Object.assign(process.env, { SNOWFLAKE_SQL_API_URL: server.url, SNOWFLAKE_USER: "auditor", SNOWFLAKE_PRIVATE_KEY_FILE: keyFile });
        const r = await run(["bootstrap", "snowflake", "--config", DEFAULT_CONFIG, "--region", "us-east-1", "--deploy-user", "terraform", "--check"]);
        return { ...r, requests: server.requests };
      } finally {
        await server.close();
      }
    }

    test("GIVEN an account set up by the script THEN every grant is found, by SHOW GRANTS as the deploy role, and the check passes", async () => {
      const r = await check(account());
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^ACMEORG-SECLAKE_US \(as ACME_LAKEHOUSE_DEPLOYER\):/);
      expect(r.stdout).toContain("  ok       GRANT EXECUTE TASK ON ACCOUNT TO ROLE ACME_LAKEHOUSE_DEPLOYER WITH GRANT OPTION");
      expect(r.stdout).toContain("  ok       GRANT ROLE ACME_LAKEHOUSE_DEPLOYER TO USER TERRAFORM");
      expect(r.stdout).toMatch(new RegExp(`\\n${plan.grants.length} granted, 0 missing, 0 more than needed\\n$`));
      expect(r.requests.map((q) => q.statement)).toEqual([
        "SHOW GRANTS TO ROLE ACME_LAKEHOUSE_DEPLOYER",
        "SHOW GRANTS TO ROLE ACME_PROD_MONITORING",
        "SHOW GRANTS OF ROLE ACME_LAKEHOUSE_DEPLOYER",
      ]);
      expect(r.requests.every((q) => q.role === "ACME_LAKEHOUSE_DEPLOYER")).toBe(true);
    });

    test("GIVEN a missing grant, or one without its grant option THEN it is named and the check fails (exit 1)", async () => {
      const r = await check(
        account((to) => {
          const deploy = to.get("ACME_LAKEHOUSE_DEPLOYER")!;
          to.set(
            "ACME_LAKEHOUSE_DEPLOYER",
            deploy.filter((row) => row[1] !== "CREATE INTEGRATION").map((row) => (row[1] === "EXECUTE TASK" ? [...row.slice(0, 6), "false", row[7]] : row)),
          );
          to.set(
            "ACME_PROD_MONITORING",
            to.get("ACME_PROD_MONITORING")!.filter((row) => row[3] !== "SNOWFLAKE.GOVERNANCE_VIEWER"),
          );
        }),
      );
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("  MISSING  GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE ACME_LAKEHOUSE_DEPLOYER");
      expect(r.stdout).toContain("  MISSING  GRANT EXECUTE TASK ON ACCOUNT TO ROLE ACME_LAKEHOUSE_DEPLOYER WITH GRANT OPTION");
      expect(r.stdout).toContain("  MISSING  GRANT DATABASE ROLE SNOWFLAKE.GOVERNANCE_VIEWER TO ROLE ACME_PROD_MONITORING");
      expect(r.stdout).toMatch(/3 missing, 0 more than needed\n$/);
    });

    test("GIVEN more than the stacks need (MANAGE GRANTS, IMPORTED PRIVILEGES' database roles, a system role) THEN each is named and the check fails", async () => {
      const r = await check(
        account((to) => {
          const row = (privilege: string, on: string, name: string, role: string) => ["2026-12-01", privilege, on, name, "ROLE", role, "false", "ACCOUNTADMIN"];
          to.get("ACME_LAKEHOUSE_DEPLOYER")!.push(
            row("MANAGE GRANTS", "ACCOUNT", "XY12345", "ACME_LAKEHOUSE_DEPLOYER"),
            row("USAGE", "ROLE", "SECURITYADMIN", "ACME_LAKEHOUSE_DEPLOYER"),
          );
          to.get("ACME_PROD_MONITORING")!.push(row("USAGE", "DATABASE_ROLE", "SNOWFLAKE.SECURITY_VIEWER", "ACME_PROD_MONITORING"));
        }),
      );
      expect(r.code).toBe(1);
      expect(r.stdout.split("\n").filter((l) => l.startsWith("  EXTRA"))).toEqual([
        "  EXTRA    MANAGE GRANTS ON ACCOUNT to ACME_LAKEHOUSE_DEPLOYER (an account-level privilege the stacks do not need)",
        "  EXTRA    role SECURITYADMIN to ACME_LAKEHOUSE_DEPLOYER (a system role: everything it may do)",
        "  EXTRA    database role SNOWFLAKE.SECURITY_VIEWER to ACME_PROD_MONITORING (more of SNOWFLAKE.ACCOUNT_USAGE than the monitors read)",
      ]);
    });

    test("GIVEN a refused statement THEN the check says what Snowflake said and exits 1", async () => {
      const server = await startFakeSqlApi({
        account: "ACMEORG-SECLAKE_US",
        user: "AUDITOR",
        publicKey,
        answer: () => ({
          kind: "error",
          status: 422,
          code: "003001",
          sqlState: "42501",
          message: "SQL access control error: Insufficient privileges to operate on role 'ACME_LAKEHOUSE_DEPLOYER'",
        }),
      });
      try {
        Object.assign(process.env, {
          SNOWFLAKE_SQL_API_URL: server.url,
          SNOWFLAKE_USER: "auditor",
          SNOWFLAKE_PRIVATE_KEY_FILE: keyFile,
          SNOWFLAKE_ROLE: "SECURITYADMIN",
        });
        const r = await run(["bootstrap", "snowflake", "--config", DEFAULT_CONFIG, "--region", "us-east-1", "--check"]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/bootstrap --check: .*Insufficient privileges to operate on role/);
        expect(server.requests[0].role).toBe("SECURITYADMIN");
      } finally {
        await server.close();
      }
    });
  });
});
