import { AccountRole } from "@cdktf/provider-snowflake/lib/account-role";
import { TenantAlertWriter, alertStoreNames } from "../../../modules/snowflake/alert-store";
import { PipelineOwnership, PipelineOwnershipProps } from "../../../modules/snowflake/pipeline-ownership";
import { LogCanary } from "../../../modules/snowflake/log-canary";
import { RecordFlattener } from "../../../modules/snowflake/record-flattener";
import { SemiStructuredTable } from "../../../modules/snowflake/semi-structured-table";
import { Snowpipe } from "../../../modules/snowflake/snowpipe";
import { TableCleaner } from "../../../modules/snowflake/table-cleaner";
import { resourcesOf, synthJson, testStack } from "../../support/synth";

const OPERATOR = "ACME_LAKEHOUSE_DEPLOYER";

function pipeline(canaryEnabled = true) {
  const stack = testStack();
  const table = new SemiStructuredTable(stack, "Table", {
    database: "LOGS",
    schema: "GLOBEX",
    tableName: "OKTA",
    views: { OKTA_EVENTS: "event_time, data:eventType::string AS event_type" },
  });
  const flattener = new RecordFlattener(stack, "Flattener", {
    database: "LOGS",
    schema: "GLOBEX",
    tableName: "OKTA",
    recordsPath: "Records",
    eventTimeField: "published",
  });
  const pipe = new Snowpipe(stack, "Pipe", {
    database: "LOGS",
    schema: "GLOBEX",
    tableName: "OKTA_FILES",
    namePrefix: "OKTA",
    bucketName: "logs",
    keyPrefix: "okta/",
    storageIntegrationName: "OKTA_S3",
    eventTimeField: "published",
  });
  const canary = new LogCanary(stack, "Canary", {
    database: "LOGS",
    schema: "GLOBEX",
    tableName: "OKTA",
    alertProcedure: "LOGS.MONITORING.RAISE_ALERT_GLOBEX",
    enabled: canaryEnabled,
    pipeName: pipe.pipeName,
  });
  const cleaner = new TableCleaner(stack, "Cleaner", { database: "LOGS", schema: "GLOBEX", tableName: "OKTA", retentionDays: 30 });
  const role = new AccountRole(stack, "Role", { name: "ACME_GLOBEX_PIPELINE" });
  const objects = [...table.ownedObjects, ...flattener.ownedObjects, ...pipe.ownedObjects, ...canary.ownedObjects, ...cleaner.ownedObjects];
  return { stack, objects, role };
}

type Body = Record<string, unknown> & {
  on?: { object_type: string; object_name: string };
  depends_on?: string[];
  lifecycle?: { replace_triggered_by?: string[] };
};

describe("PipelineOwnership", () => {
  const { stack, objects, role } = pipeline();
  new PipelineOwnership(stack, "Ownership", { role: "ACME_GLOBEX_PIPELINE", operator: OPERATOR, objects, storageIntegration: "OKTA_S3", waitFor: [role] });
  const json = synthJson(stack);
  const byName = Object.entries(json.resource.snowflake_grant_ownership ?? {}) as [string, Body][];
  const ownership = (objectName: string) => byName.find(([, b]) => b.on?.object_name === objectName)!;
  const addressOf = (objectName: string) => `snowflake_grant_ownership.${ownership(objectName)[0]}`;
  const grants = resourcesOf(json, "snowflake_grant_privileges_to_account_role") as Body[];

  test("each object is handed over by a grant-ownership resource of its own, keeping its grants (COPY)", () => {
    expect(byName.map(([, b]) => [b.on!.object_type, b.on!.object_name]).sort()).toEqual(
      [
        ["TABLE", '"LOGS"."GLOBEX"."OKTA"'],
        ["VIEW", '"LOGS"."GLOBEX"."OKTA_EVENTS"'],
        ["TABLE", '"LOGS"."GLOBEX"."OKTA_FILES"'],
        ["STREAM", '"LOGS"."GLOBEX"."OKTA_FILES_STREAM"'],
        ["TASK", '"LOGS"."GLOBEX"."OKTA_FLATTENER"'],
        ["FILE FORMAT", '"LOGS"."GLOBEX"."OKTA_LINES"'],
        ["STAGE", '"LOGS"."GLOBEX"."OKTA_STAGE"'],
        ["PIPE", '"LOGS"."GLOBEX"."OKTA_PIPE"'],
        ["TASK", '"LOGS"."GLOBEX"."OKTA_CANARY"'],
        ["TASK", '"LOGS"."GLOBEX"."OKTA_CLEANER"'],
      ].sort(),
    );
    for (const [, b] of byName) expect(b).toMatchObject({ account_role_name: "ACME_GLOBEX_PIPELINE", outbound_privileges: "COPY" });
  });

  test("no snowflake_execute handover: nothing whose revert restores nothing (`SELECT 1`) and whose drift nobody reads", () => {
    expect(resourcesOf(json, "snowflake_execute")).toEqual([]);
  });

  test("a handover runs again whenever its object is replaced — also by CREATE OR REPLACE in place (views, stale streams)", () => {
    const triggers = (name: string) => ownership(name)[1].lifecycle?.replace_triggered_by ?? [];
    // A view's statement change and a stale stream are CREATE OR REPLACE with the same id: the new object belongs to the deploying role.
    expect(triggers('"LOGS"."GLOBEX"."OKTA_EVENTS"')).toEqual([
      expect.stringMatching(/^snowflake_view\.Table_ViewOKTA_EVENTS_[A-Z0-9]+\.show_output\[0\]\.created_on$/),
    ]);
    expect(triggers('"LOGS"."GLOBEX"."OKTA_FILES_STREAM"')).toEqual([
      expect.stringMatching(/^snowflake_stream_on_table\.Flattener_Stream_[A-Z0-9]+\.show_output\[0\]\.created_on$/),
      expect.stringMatching(/^snowflake_stream_on_table\.Flattener_Stream_[A-Z0-9]+\.stale$/),
    ]);
    // Other objects are only ever replaced (destroyed and created), which leaves their id unknown in the plan.
    for (const name of ['"LOGS"."GLOBEX"."OKTA"', '"LOGS"."GLOBEX"."OKTA_PIPE"', '"LOGS"."GLOBEX"."OKTA_CANARY"'])
      expect(triggers(name)).toEqual([expect.stringMatching(/^snowflake_[a-z_]+\.[A-Za-z0-9_]+\.id$/)]);
  });

  test("the deploying role keeps OPERATE on pipes and tasks (and MONITOR on pipes), so the provider pauses and resumes them around the transfer", () => {
    const operate = grants.filter((g) => g.account_role_name === OPERATOR);
    const on = (g: Body) => g.on_schema_object as { object_type: string; object_name: string };
    expect(operate.map((g) => [on(g).object_type, on(g).object_name, g.privileges]).sort()).toEqual(
      [
        ["PIPE", '"LOGS"."GLOBEX"."OKTA_PIPE"', ["MONITOR", "OPERATE"]],
        ["TASK", '"LOGS"."GLOBEX"."OKTA_CANARY"', ["OPERATE"]],
        ["TASK", '"LOGS"."GLOBEX"."OKTA_CLEANER"', ["OPERATE"]],
        ["TASK", '"LOGS"."GLOBEX"."OKTA_FLATTENER"', ["OPERATE"]],
      ].sort(),
    );
    // Recreated with its object, and in place before the handover of it.
    const [pipeGrant] = Object.entries(json.resource.snowflake_grant_privileges_to_account_role).filter(
      ([, g]) => (g as Body).account_role_name === OPERATOR && on(g as Body).object_type === "PIPE",
    );
    expect((pipeGrant[1] as Body).lifecycle?.replace_triggered_by).toEqual([expect.stringMatching(/^snowflake_pipe\..*\.id$/)]);
    expect(ownership('"LOGS"."GLOBEX"."OKTA_PIPE"')[1].depends_on).toContain(`snowflake_grant_privileges_to_account_role.${pipeGrant[0]}`);
  });

  test("order: tables, file format and stage first; views and streams, whose owner reads the table, next; then the pipe; tasks last", () => {
    const deps = (name: string) => ownership(name)[1].depends_on ?? [];
    const table = addressOf('"LOGS"."GLOBEX"."OKTA"');
    const stage = addressOf('"LOGS"."GLOBEX"."OKTA_STAGE"');
    const view = addressOf('"LOGS"."GLOBEX"."OKTA_EVENTS"');
    const pipe = addressOf('"LOGS"."GLOBEX"."OKTA_PIPE"');
    expect(deps('"LOGS"."GLOBEX"."OKTA"').filter((d) => d.startsWith("snowflake_grant_ownership."))).toEqual([]);
    expect(deps('"LOGS"."GLOBEX"."OKTA_EVENTS"')).toContain(table);
    expect(deps('"LOGS"."GLOBEX"."OKTA_PIPE"')).toEqual(expect.arrayContaining([table, stage, view]));
    expect(deps('"LOGS"."GLOBEX"."OKTA_CANARY"')).toEqual(expect.arrayContaining([table, pipe]));
    // Every handover waits for the role, the integration grant and its own object.
    for (const [, b] of byName)
      expect(b.depends_on).toEqual(
        expect.arrayContaining([
          "snowflake_account_role.Role",
          expect.stringMatching(/^snowflake_grant_privileges_to_account_role\.Ownership_IntegrationUsage/),
        ]),
      );
  });

  test("the role may use the stage's integration, and nothing broader", () => {
    const mine = grants.filter((g) => g.account_role_name === "ACME_GLOBEX_PIPELINE");
    expect(mine).toEqual([expect.objectContaining({ privileges: ["USAGE"], on_account_object: { object_type: "INTEGRATION", object_name: "OKTA_S3" } })]);
  });

  test("a procedure is named by its signature (the provider's fully_qualified_name), and nothing is operated around it", () => {
    const p = pipeline();
    const writer = new TenantAlertWriter(p.stack, "Writer", { alertStore: alertStoreNames("LOGS"), tenant: "globex", tenantSchema: "GLOBEX" });
    new PipelineOwnership(p.stack, "ProcedureOwnership", { role: "ACME_PROD_MONITORING", operator: OPERATOR, objects: writer.ownedObjects });
    const j = synthJson(p.stack);
    const [procedure] = Object.keys(j.resource.snowflake_procedure_sql);
    const handed = (Object.values(j.resource.snowflake_grant_ownership) as Body[]).filter((b) => b.account_role_name === "ACME_PROD_MONITORING");
    expect(handed).toEqual([
      expect.objectContaining({
        on: { object_type: "PROCEDURE", object_name: `\${snowflake_procedure_sql.${procedure}.fully_qualified_name}` },
        outbound_privileges: "COPY",
        lifecycle: { replace_triggered_by: [`snowflake_procedure_sql.${procedure}.id`] },
      }),
    ]);
    expect((resourcesOf(j, "snowflake_grant_privileges_to_account_role") as Body[]).filter((g) => JSON.stringify(g).includes("RAISE_ALERT"))).toEqual([]);
  });

  test.each([
    [{ role: "acme" }, /test\/Ownership: 1 problem\n {2}- role: must be an upper-case Snowflake identifier/],
    [{ operator: "ACME_GLOBEX_PIPELINE" }, /operator: must differ from role/],
    [{ objects: [] }, /objects: nothing to hand over/],
    [
      { objects: [{ type: "TABLE", name: "OKTA", resource: undefined }] },
      /objects\[0\]\.name: must be DATABASE\.SCHEMA\.NAME[\s\S]*objects\[0\]\.resource: must be the resource that creates the object/,
    ],
  ] as [Partial<PipelineOwnershipProps>, RegExp][])("rejects %j, leaving nothing behind", (props, message) => {
    const p = pipeline();
    const before = p.stack.node.findAll().length;
    expect(() => new PipelineOwnership(p.stack, "Ownership", { role: "ACME_GLOBEX_PIPELINE", operator: OPERATOR, objects: p.objects, ...props })).toThrow(
      message,
    );
    expect(p.stack.node.findAll().length).toBe(before);
  });
});
