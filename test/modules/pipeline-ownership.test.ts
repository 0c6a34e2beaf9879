import { AccountRole } from "@cdktf/provider-snowflake/lib/account-role";
import { PipelineOwnership, PipelineOwnershipProps } from "../../modules/snowflake/pipeline-ownership";
import { LogCanary } from "../../modules/snowflake/log-canary";
import { SemiStructuredTable } from "../../modules/snowflake/semi-structured-table";
import { Snowpipe } from "../../modules/snowflake/snowpipe";
import { TableCleaner } from "../../modules/snowflake/table-cleaner";
import { resourcesOf, synthJson, testStack } from "../support/synth";


function pipeline(canaryEnabled = true) {
  const stack = testStack();
  const table = new SemiStructuredTable(stack, "Table", { database: "LOGS", schema: "GLOBEX", tableName: "OKTA", views: { OKTA_EVENTS: "event_time, data:eventType::string AS event_type" } });
  const pipe = new Snowpipe(stack, "Pipe", { database: "LOGS", schema: "GLOBEX", tableName: "OKTA", bucketName: "logs", keyPrefix: "okta/", storageIntegrationName: "OKTA_S3", eventTimeField: "published" });
  const canary = new LogCanary(stack, "Canary", { database: "LOGS", schema: "GLOBEX", tableName: "OKTA", alertProcedure: "LOGS.MONITORING.RAISE_ALERT_GLOBEX", enabled: canaryEnabled, pipeName: pipe.pipeName });
  const cleaner = new TableCleaner(stack, "Cleaner", { database: "LOGS", schema: "GLOBEX", tableName: "OKTA", retentionDays: 30 });
  const role = new AccountRole(stack, "Role", { name: "ACME_GLOBEX_PIPELINE" });
  const objects = [...table.ownedObjects, ...pipe.ownedObjects, ...canary.ownedObjects, ...cleaner.ownedObjects];
  return { stack, objects, role };
}

describe("PipelineOwnership", () => {
  const { stack, objects, role } = pipeline();
  const ownership = new PipelineOwnership(stack, "Ownership", { role: "ACME_GLOBEX_PIPELINE", objects, storageIntegration: "OKTA_S3", waitFor: [role] });
  const json = synthJson(stack);
  const [handover] = resourcesOf(json, "snowflake_execute");

  test("hands every object over, keeping grants, the table and stage before the pipe, the pipe paused around it", () => {
    expect(ownership.statement.split("\n")).toEqual([
      "EXECUTE IMMEDIATE $$",
      "BEGIN",
      "  GRANT OWNERSHIP ON TABLE LOGS.GLOBEX.OKTA TO ROLE ACME_GLOBEX_PIPELINE COPY CURRENT GRANTS;",
      "  GRANT OWNERSHIP ON VIEW LOGS.GLOBEX.OKTA_EVENTS TO ROLE ACME_GLOBEX_PIPELINE COPY CURRENT GRANTS;",
      "  GRANT OWNERSHIP ON FILE FORMAT LOGS.GLOBEX.OKTA_LINES TO ROLE ACME_GLOBEX_PIPELINE COPY CURRENT GRANTS;",
      "  GRANT OWNERSHIP ON STAGE LOGS.GLOBEX.OKTA_STAGE TO ROLE ACME_GLOBEX_PIPELINE COPY CURRENT GRANTS;",
      "  ALTER PIPE LOGS.GLOBEX.OKTA_PIPE SET PIPE_EXECUTION_PAUSED = TRUE;",
      "  GRANT OWNERSHIP ON PIPE LOGS.GLOBEX.OKTA_PIPE TO ROLE ACME_GLOBEX_PIPELINE COPY CURRENT GRANTS;",
      "  SELECT SYSTEM$PIPE_FORCE_RESUME('LOGS.GLOBEX.OKTA_PIPE');",
      "  ALTER TASK LOGS.GLOBEX.OKTA_CANARY SUSPEND;",
      "  GRANT OWNERSHIP ON TASK LOGS.GLOBEX.OKTA_CANARY TO ROLE ACME_GLOBEX_PIPELINE COPY CURRENT GRANTS;",
      "  ALTER TASK LOGS.GLOBEX.OKTA_CANARY RESUME;",
      "  ALTER TASK LOGS.GLOBEX.OKTA_CLEANER SUSPEND;",
      "  GRANT OWNERSHIP ON TASK LOGS.GLOBEX.OKTA_CLEANER TO ROLE ACME_GLOBEX_PIPELINE COPY CURRENT GRANTS;",
      "  ALTER TASK LOGS.GLOBEX.OKTA_CLEANER RESUME;",
      "END;",
      "$$",
    ]);
    expect(handover.execute).toBe(ownership.statement);
  });

  test("runs after every object, the role and the integration grant; again only when an object is replaced", () => {
    const deps = handover.depends_on as string[];
    for (const type of ["snowflake_table", "snowflake_view", "snowflake_file_format", "snowflake_stage", "snowflake_pipe", "snowflake_task"]) {
      expect(deps.some((d) => d.startsWith(`${type}.`))).toBe(true);
    }
    expect(deps).toEqual(expect.arrayContaining(["snowflake_account_role.Role", expect.stringMatching(/^snowflake_grant_privileges_to_account_role\.Ownership_IntegrationUsage/)]));
    const triggers = (handover.lifecycle as { replace_triggered_by: string[] }).replace_triggered_by;
    expect(triggers).toHaveLength(objects.length);
    expect(triggers.every((t) => /^snowflake_[a-z_]+\.[A-Za-z0-9_]+\.id$/.test(t))).toBe(true);
  });

  test("the role may use the stage's integration, and nothing broader", () => {
    const [grant] = resourcesOf(json, "snowflake_grant_privileges_to_account_role");
    expect(grant).toMatchObject({ account_role_name: "ACME_GLOBEX_PIPELINE", privileges: ["USAGE"], on_account_object: { object_type: "INTEGRATION", object_name: "OKTA_S3" } });
    expect(resourcesOf(json, "snowflake_grant_privileges_to_account_role")).toHaveLength(1);
  });

  test("a disabled canary is handed over and left suspended", () => {
    const p = pipeline(false);
    const o = new PipelineOwnership(p.stack, "Ownership", { role: "ACME_GLOBEX_PIPELINE", objects: p.objects });
    expect(o.statement).toContain("GRANT OWNERSHIP ON TASK LOGS.GLOBEX.OKTA_CANARY");
    expect(o.statement).not.toContain("ALTER TASK LOGS.GLOBEX.OKTA_CANARY RESUME");
    expect(o.statement).toContain("ALTER TASK LOGS.GLOBEX.OKTA_CLEANER RESUME");
  });

  test.each([
    [{ role: "acme" }, /test\/Ownership: 1 problem\n {2}- role: must be an upper-case Snowflake identifier/],
    [{ objects: [] }, /objects: nothing to hand over/],
    [{ objects: [{ type: "TABLE", name: "OKTA", resource: undefined }] }, /objects\[0\]\.name: must be DATABASE\.SCHEMA\.NAME[\s\S]*objects\[0\]\.resource: must be the resource that creates the object/],
  ] as [Partial<PipelineOwnershipProps>, RegExp][])("rejects %j, leaving nothing behind", (props, message) => {
    const p = pipeline();
    const before = p.stack.node.findAll().length;
    expect(() => new PipelineOwnership(p.stack, "Ownership", { role: "ACME_GLOBEX_PIPELINE", objects: p.objects, ...props })).toThrow(message);
    expect(p.stack.node.findAll().length).toBe(before);
  });
});
