import { formatPath } from "../../modules/core/errors";
import { LakehouseConfig } from "./schema";
import { resolveConfig } from "./resolve";

/** Something a valid config makes that works, but not as its owner likely expects. */
export interface ConfigWarning {
  readonly path: string;
  readonly message: string;
}

/** What `lakehouse validate` warns about (exit 0): valid choices with a consequence worth knowing. */
export function configWarnings(config: LakehouseConfig): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  for (const env of resolveConfig(config).environments) {
    for (const tenant of env.tenants) {
      if (tenant.backup && !tenant.backup.restoreReady) {
        const t = config.tenants.findIndex((c) => c.id === tenant.id);
        warnings.push({
          path: formatPath(["tenants", t, "backup", "restoreReady"]),
          message: `tenant '${tenant.id}' is backed up in environment '${env.name}', but a restore could not be loaded into Snowflake (no stage on its vault): \`lakehouse restore\` would only bring files back to S3. Set backup.restoreReady: true to load them.`,
        });
      }
      if (tenant.backup) {
        const t = config.tenants.findIndex((c) => c.id === tenant.id);
        for (const source of tenant.sources.filter((s) => s.existingBucket)) {
          const s = config.tenants[t].sources.findIndex((c) => c.name === source.name);
          warnings.push({
            path: formatPath(["tenants", t, "sources", s, "existingBucket"]),
            message: `tenant '${tenant.id}' is backed up in environment '${env.name}', but source '${source.name}' is not: the vault replicates only the tenant's own bucket, and s3://${source.bucketName}/${source.keyPrefix} is its owner's to keep and back up${tenant.backup.restoreReady ? " (restoreReady: the source gets no backup stage)" : ""}.`,
          });
        }
      }
    }
  }
  return warnings;
}
