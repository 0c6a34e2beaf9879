import { Execute } from "@cdktf/provider-snowflake/lib/execute";
import { GrantPrivilegesToAccountRole } from "@cdktf/provider-snowflake/lib/grant-privileges-to-account-role";
import { ITerraformDependable, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { stampModule } from "../../core/stamp";
import { dependables, parseProps, pathOf, qualifiedSnowflakeName, snowflakeIdentifier } from "../../core/validate";
import { SchemaObject } from "../schema-object";
import { handoverBlock } from "./sql";

export const PIPELINE_OWNERSHIP_MODULE = "snowflake/pipeline-ownership" as const;

export interface PipelineOwnershipProps {
  /** The role that comes to own the objects (a tenant's `_PIPELINE` role). */
  readonly role: string;
  /** The objects handed over: tables, views, file format, stage, stream, pipe, tasks (`ownedObjects` of the modules). */
  readonly objects: readonly SchemaObject[];
  /** Storage integration the stage reads through: the role gets USAGE on it. @default none */
  readonly storageIntegration?: string;
  /** Objects to create first (the role and the grants it needs to run what it owns). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const propsSchema = z.object({
  role: snowflakeIdentifier(),
  objects: z
    .array(
      z.object({
        type: z.enum(["TABLE", "VIEW", "FILE FORMAT", "STAGE", "STREAM", "PIPE", "TASK"]),
        name: qualifiedSnowflakeName(),
        started: z.boolean().optional(),
        resource: z.custom<TerraformResource>((v) => v instanceof TerraformResource, "must be the resource that creates the object"),
      }),
    )
    .min(1, "nothing to hand over"),
  storageIntegration: snowflakeIdentifier().optional(),
  waitFor: dependables(),
});

/**
 * Makes a pipeline role the owner of the pipeline's objects, so they are not owned by the deploying
 * (administrator) role: one `snowflake_execute` runs GRANT OWNERSHIP … COPY CURRENT GRANTS for each
 * object — the pipe paused and force-resumed around it, tasks suspended and resumed. Snowflake has no
 * future ownership grant on pipes, and creating the objects as the pipeline role would need that
 * role to exist before the provider connects (a second apply); the handover works in one apply, and
 * for objects created by an earlier version alike. When any handed object is replaced the handover
 * runs again, so a recreated pipe or view is handed over too. The deploying role keeps
 * managing the objects through the role hierarchy: the pipeline role must be granted to it.
 */
export class PipelineOwnership extends Construct {
  /** The handover statement. */
  public readonly statement: string;

  constructor(scope: Construct, id: string, props: PipelineOwnershipProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, PIPELINE_OWNERSHIP_MODULE);
    const waits: ITerraformDependable[] = [...p.waitFor];
    if (p.storageIntegration) {
      waits.push(
        new GrantPrivilegesToAccountRole(this, "IntegrationUsage", {
          accountRoleName: p.role,
          privileges: ["USAGE"],
          onAccountObject: { objectType: "INTEGRATION", objectName: p.storageIntegration },
          dependsOn: p.waitFor.length > 0 ? [...p.waitFor] : undefined,
        }),
      );
    }
    this.statement = handoverBlock(p.role, p.objects);
    const resources = p.objects.map((o) => o.resource);
    new Execute(this, "Handover", {
      execute: this.statement,
      // Nothing to give back: the objects are dropped (by the deploying role, through the hierarchy)
      // or handed over again by the replacement of this resource.
      revert: "SELECT 1",
      dependsOn: [...resources, ...waits],
      // An object's id is its name, unknown only while it is being recreated: a replaced object is
      // handed over again, an object updated in place keeps its owner and triggers nothing.
      lifecycle: { replaceTriggeredBy: resources.map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}.id`) },
    });
  }
}
