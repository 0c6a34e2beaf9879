/** The handover of a source's objects to its tenant's pipeline role. */
import { literal, scriptingBlock } from "../sql";

/** A handed-over schema object: what the pipeline role comes to own. */
export interface OwnedObject {
  readonly type: "TABLE" | "VIEW" | "FILE FORMAT" | "STAGE" | "STREAM" | "PIPE" | "TASK";
  /** `DATABASE.SCHEMA.NAME` */
  readonly name: string;
  /** Tasks only: resumed after the handover (a disabled canary stays suspended). */
  readonly started?: boolean;
}

// A stream before the task that reads it: a task runs as its owner, who must own (or select from) the stream.
const HANDOVER_ORDER: readonly OwnedObject["type"][] = ["TABLE", "VIEW", "FILE FORMAT", "STAGE", "STREAM", "PIPE", "TASK"];

/**
 * Hands schema objects to `role`, keeping their grants, in an order where the new owner already owns
 * what the next object uses (table and stage before the pipe). A pipe is paused first and
 * force-resumed after (Snowflake keeps a transferred pipe paused); a task is suspended for the
 * transfer and resumed if it is meant to run. Wrapped in EXECUTE IMMEDIATE so any client runs it
 * as one statement.
 */
export function handoverBlock(role: string, objects: readonly OwnedObject[]): string {
  const grant = (o: OwnedObject) => `GRANT OWNERSHIP ON ${o.type} ${o.name} TO ROLE ${role} COPY CURRENT GRANTS`;
  const statements: string[] = [];
  for (const type of HANDOVER_ORDER) {
    for (const o of objects.filter((x) => x.type === type)) {
      if (type === "PIPE") statements.push(`ALTER PIPE ${o.name} SET PIPE_EXECUTION_PAUSED = TRUE`, grant(o), `SELECT SYSTEM$PIPE_FORCE_RESUME(${literal(o.name)})`);
      else if (type === "TASK") statements.push(`ALTER TASK ${o.name} SUSPEND`, grant(o), ...(o.started ? [`ALTER TASK ${o.name} RESUME`] : []));
      else statements.push(grant(o));
    }
  }
  return `EXECUTE IMMEDIATE $$\n${scriptingBlock(statements)};\n$$`;
}
