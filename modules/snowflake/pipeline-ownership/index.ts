import { GrantOwnership } from "@cdktf/provider-snowflake/lib/grant-ownership";
import { GrantPrivilegesToAccountRole } from "@cdktf/provider-snowflake/lib/grant-privileges-to-account-role";
import { ITerraformDependable, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { quotedName } from "../../core/naming";
import { stampModule } from "../../core/stamp";
import { dependables, parseProps, pathOf, qualifiedSnowflakeName, snowflakeIdentifier } from "../../core/validate";
import { SchemaObject } from "../schema-object";

export const PIPELINE_OWNERSHIP_MODULE = "snowflake/pipeline-ownership" as const;

export interface PipelineOwnershipProps {
  /** The role that comes to own the objects (a tenant's `_PIPELINE` role, or the environment's monitoring role). */
  readonly role: string;
  /**
   * The deploying role (the one Terraform works as, which creates the objects): it keeps OPERATE on
   * pipes and tasks and MONITOR on pipes, which the provider needs to pause and resume them around
   * each transfer. `role` must be granted to it (a transfer needs the target role active in the session).
   */
  readonly operator: string;
  /** The objects handed over: tables, views, file format, stage, stream, pipe, tasks, procedures (`ownedObjects` of the modules). */
  readonly objects: readonly SchemaObject[];
  /** Storage integration the stage reads through: the role gets USAGE on it. @default none */
  readonly storageIntegration?: string;
  /** Objects to create first (the role and the grants it needs to run what it owns). @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const OBJECT_TYPES = ["TABLE", "VIEW", "FILE FORMAT", "STAGE", "STREAM", "PIPE", "TASK", "PROCEDURE"] as const;

const propsSchema = z
  .object({
    role: snowflakeIdentifier(),
    operator: snowflakeIdentifier(),
    objects: z
      .array(
        z.object({
          type: z.enum(OBJECT_TYPES),
          name: qualifiedSnowflakeName(),
          objectName: z.string().min(1).optional(),
          started: z.boolean().optional(),
          resource: z.custom<TerraformResource>((v) => v instanceof TerraformResource, "must be the resource that creates the object"),
        }),
      )
      .min(1, "nothing to hand over"),
    storageIntegration: snowflakeIdentifier().optional(),
    waitFor: dependables(),
  })
  .refine((p) => p.operator !== p.role, { message: "must differ from role: the deploying role hands the objects over to another role", path: ["operator"] });

/**
 * When each type is handed over: a new owner already owns what the next object uses — the table before
 * the views and stream that read it, those before the pipe that loads the table through the stage and
 * file format, and everything before the tasks that read and write it. A procedure uses nothing handed
 * over with it.
 */
const LEVEL: Record<(typeof OBJECT_TYPES)[number], number> = { TABLE: 0, "FILE FORMAT": 0, STAGE: 0, PROCEDURE: 0, VIEW: 1, STREAM: 1, PIPE: 2, TASK: 3 };

/** Privileges the deploying role keeps so the provider can pause and resume the object around a transfer. */
const OPERATOR_PRIVILEGES: Partial<Record<(typeof OBJECT_TYPES)[number], string[]>> = { PIPE: ["MONITOR", "OPERATE"], TASK: ["OPERATE"] };

/**
 * What in the plan says an object was made anew, so its handover runs again: a view whose statement
 * changes and a stale stream are replaced in place by CREATE OR REPLACE (same id; `created_on` of
 * `show_output` is unknown in the plan), and CREATE OR REPLACE gives the new object to the role that
 * ran it, copying every grant but OWNERSHIP (Snowflake, 2026_08 bundle, "CREATE OR REPLACE: grants on
 * the replaced object are copied"). Any other object is only ever destroyed and created, which leaves
 * its id unknown.
 */
function replacementTriggers(resource: TerraformResource): string[] {
  const address = `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
  switch (resource.terraformResourceType) {
    case "snowflake_view":
      return [`${address}.show_output[0].created_on`];
    case "snowflake_stream_on_table":
      return [`${address}.show_output[0].created_on`, `${address}.stale`];
    default:
      return [`${address}.id`];
  }
}

/** A construct id from an object's type and name, unique within one handover. */
const idOf = (prefix: string, o: { type: string; name: string }) => `${prefix}${o.type.replace(/ /g, "")}_${o.name.split(".").pop()}`;

/**
 * Makes a role the owner of a pipeline's objects, so they are not owned by the deploying role: one
 * `snowflake_grant_ownership` per object (COPY: the objects keep their grants). The provider reads each
 * ownership back on every refresh — an object owned by someone else shows up in the next plan, to be
 * handed over again — and a destroy gives the object back to the deploying role before it is dropped.
 * A pipe is paused and force-resumed around its transfer and a task suspended and resumed (a disabled
 * canary stays suspended) by the provider, which needs OPERATE (and MONITOR on pipes) granted to the
 * deploying role: this module grants them. A handover runs again whenever its object is made anew,
 * including CREATE OR REPLACE in place (views, stale streams). Snowflake has no future ownership grant
 * on pipes, and creating the objects as the role would need it to exist before the provider connects;
 * the handover works in one apply. The deploying role keeps managing the objects through the role
 * hierarchy: `role` must be granted to it.
 */
export class PipelineOwnership extends Construct {
  /** The ownership resources, by object name. */
  public readonly handovers: ReadonlyMap<string, GrantOwnership>;

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
    const handovers = new Map<string, GrantOwnership>();
    const byLevel = new Map<number, GrantOwnership[]>();
    for (const level of [...new Set(Object.values(LEVEL))].sort()) {
      const earlier = [...byLevel.entries()].filter(([l]) => l < level).flatMap(([, hs]) => hs);
      for (const o of p.objects.filter((x) => LEVEL[x.type] === level)) {
        const objectName = o.objectName ?? quotedName(...o.name.split("."));
        const triggers = replacementTriggers(o.resource);
        const operatorPrivileges = OPERATOR_PRIVILEGES[o.type];
        const operate = operatorPrivileges
          ? [
              new GrantPrivilegesToAccountRole(this, idOf("Operate", o), {
                accountRoleName: p.operator,
                privileges: operatorPrivileges,
                onSchemaObject: { objectType: o.type, objectName },
                dependsOn: [o.resource],
                lifecycle: { replaceTriggeredBy: triggers },
              }),
            ]
          : [];
        const handover = new GrantOwnership(this, idOf("", o), {
          accountRoleName: p.role,
          outboundPrivileges: "COPY",
          on: { objectType: o.type, objectName },
          dependsOn: [o.resource, ...operate, ...waits, ...earlier],
          lifecycle: { replaceTriggeredBy: triggers },
        });
        handovers.set(o.name, handover);
        byLevel.set(level, [...(byLevel.get(level) ?? []), handover]);
      }
    }
    this.handovers = handovers;
  }
}
