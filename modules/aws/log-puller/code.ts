import { join } from "node:path";
import { lambdaCode, type LambdaCode, type LambdaHandlerSource } from "../lambda-code";

/** The puller's handler and package name. */
export const PULLER_HANDLER: LambdaHandlerSource = { name: "log-puller", entry: join("runtime", "puller", "handler.ts") };

/** The puller's deployment package (see `lambdaCode`). */
export function pullerCode(): LambdaCode {
  return lambdaCode(PULLER_HANDLER);
}
