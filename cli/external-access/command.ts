/** `lakehouse external-access`: what the owners of existing buckets add for the sources that read them. */
import { loadConfigFile } from "../../stacks/config/load";
import { resolveConfig } from "../../stacks/config/resolve";
import { externalAccess, externalAccessText } from "../../stacks/external-access";
import { CONFIG_OPTION, EXAMPLE_OPTION, chooseConfig } from "../config-file";
import { OptionValues } from "../command";

export const EXTERNAL_ACCESS_COMMAND = {
  summary: "print what an existing bucket's owner adds for the sources that read it: policy statements, notification",
  details:
    "For every source on an existing bucket (sources[].existingBucket), in every environment: the bucket policy\n" +
    "statements that admit its access role, with a KMS key the key policy statement, and the event notification\n" +
    "its pipe needs (the queue is a tenant stack output, known after apply). Changes nothing: these are the\n" +
    "owner's to add, in the owner's account (docs/cross-account-sources.md).",
  options: {
    config: CONFIG_OPTION,
    example: EXAMPLE_OPTION,
    json: { type: "boolean", help: "print them as JSON: one entry per source and environment" },
  },
} as const;

type Output = { write(text: string): unknown };

export function externalAccessCommand(values: OptionValues, out: Output): number {
  const config = chooseConfig(values, "external-access", { offersExample: true });
  const entries = externalAccess(resolveConfig(loadConfigFile(config.file)));
  out.write(values.json === true ? `${JSON.stringify(entries, null, 2)}\n` : externalAccessText(entries));
  return 0;
}
