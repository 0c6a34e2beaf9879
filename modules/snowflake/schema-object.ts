import { TerraformResource } from "cdktf";

/** A schema object that can be handed over to another role (`PipelineOwnership`). */
export interface OwnedObject {
  readonly type: "TABLE" | "VIEW" | "FILE FORMAT" | "STAGE" | "STREAM" | "PIPE" | "TASK" | "PROCEDURE";
  /** `DATABASE.SCHEMA.NAME` */
  readonly name: string;
  /**
   * How a grant names the object when its name alone does not identify it: a procedure's name with its
   * argument types (the provider's `fully_qualified_name`). @default the quoted `name`
   */
  readonly objectName?: string;
  /** Tasks only: resumed after the handover (a disabled canary stays suspended). */
  readonly started?: boolean;
}

/** A schema object a module creates, with the resource that creates it: what can be handed over. */
export interface SchemaObject extends OwnedObject {
  readonly resource: TerraformResource;
}
