import { TerraformResource } from "cdktf";
import { OwnedObject } from "./pipeline-ownership/sql";

/** A schema object a module creates, with the resource that creates it: what can be handed over. */
export interface SchemaObject extends OwnedObject {
  readonly resource: TerraformResource;
}
