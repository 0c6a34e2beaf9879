import { Schema } from "@cdktf/provider-snowflake/lib/schema";
import { stampedComment } from "../../modules/core/stamp";
import { TenantAlertWriter, alertStoreNames } from "../../modules/snowflake/alert-store";
import { BackfillTenantAccess } from "../../modules/snowflake/backfill-warehouse";
import { PipelineOwnership } from "../../modules/snowflake/pipeline-ownership";
import { TenantRoles } from "../../modules/snowflake/tenant-roles";
import { TenantProviders } from "./providers";
import { TENANT_STACK_MODULE, TenantScope } from "./scope";

/** What the tenant's sources share in Snowflake: its schema, its roles, its alert procedure and the backfill role's access. */
export interface TenantSnowflake {
  readonly schema: Schema;
  readonly roles: TenantRoles;
  readonly alertWriter: TenantAlertWriter;
  readonly backfillAccess: BackfillTenantAccess;
}

/** The tenant's schema in the environment's log database, and who may do what in it. */
export function tenantSnowflake({ stack, env, tenant }: TenantScope, { deployRole, monitoringRole }: TenantProviders): TenantSnowflake {
  const schema = new Schema(stack, "TenantSchema", {
    database: env.databaseName,
    name: tenant.schemaName,
    withManagedAccess: "true",
    dataRetentionTimeInDays: env.timeTravelDays,
    comment: stampedComment(TENANT_STACK_MODULE, `Log tables of tenant ${tenant.config.displayName ?? tenant.id}`),
    // The tenant's logs: no plan may drop the schema (guardrail SNOWFLAKE_DATA_KEPT_ON_DESTROY).
    lifecycle: { preventDestroy: true },
  });

  // The deploying role holds the tenant roles: it keeps managing what the pipeline role owns.
  const roles = new TenantRoles(stack, "SnowflakeRoles", {
    database: env.databaseName,
    schema: tenant.schemaName,
    rolePrefix: tenant.snowflakeRolePrefix,
    warehouse: env.warehouse.name,
    parentRole: deployRole,
    // The platform's monitors (owned by the monitoring role) see this schema's tasks.
    monitoringRole,
    waitFor: [schema],
  });

  // The tenant's canaries raise alerts only through this procedure (the platform's alert store is
  // found by its names; the pipeline role has no privilege on it).
  const alertWriter = new TenantAlertWriter(stack, "AlertWriter", {
    alertStore: alertStoreNames(env.databaseName),
    tenant: tenant.id,
    tenantSchema: tenant.schemaName,
    pipelineRole: roles.pipelineRole,
    waitFor: roles.pipelineRoleReady,
  });
  // The procedure runs with its owner's rights: the monitoring role's (INSERT and SELECT on ALERTS and
  // ALERT_SUPPRESSIONS), never the deploy role's.
  new PipelineOwnership(stack, "AlertWriterOwnership", {
    role: monitoringRole,
    operator: deployRole,
    objects: alertWriter.ownedObjects,
    waitFor: alertWriter.ready,
  });

  // The platform's backfill role may COPY into this tenant's log tables through their own stages.
  const backfillAccess = new BackfillTenantAccess(stack, "BackfillAccess", {
    roleName: env.backfill.roleName,
    database: env.databaseName,
    schema: tenant.schemaName,
    waitFor: [schema],
  });
  return { schema, roles, alertWriter, backfillAccess };
}
