import { BackupVault } from "../../modules/aws/backup-vault";
import { KmsKey } from "../../modules/aws/kms-key";
import { SourcePipeline } from "../source-pipeline";
import { TenantProviders } from "./providers";
import { TenantScope } from "./scope";
import { TenantSnowflake } from "./snowflake";

/**
 * One pipeline per source (bucket prefix to views), owned by the tenant's pipeline role; then the
 * ALL grants of the tenant's roles and of the backfill role wait for every object the pipelines made.
 */
export function sourcePipelines(
  { stack, env, tenant }: TenantScope,
  p: { key: KmsKey; vault: BackupVault | undefined; snowflake: TenantSnowflake; providers: TenantProviders },
): Map<string, SourcePipeline> {
  const { schema, roles, alertWriter, backfillAccess } = p.snowflake;
  const vault = p.vault;
  const pipelines = new Map<string, SourcePipeline>();
  for (const source of tenant.sources) {
    pipelines.set(
      source.name,
      new SourcePipeline(stack, `Source_${source.name}`, {
        env,
        tenant,
        source,
        bucketName: tenant.bucketName,
        kmsKeyArn: p.key.keyArn,
        backupVault: vault && tenant.backup?.restoreReady ? { bucketName: vault.bucketName, kmsKeyArn: vault.kmsKeyArn } : undefined,
        schema,
        pipelineRole: { name: roles.pipelineRole, ready: [...roles.pipelineRoleReady, ...alertWriter.ready] },
        alertProcedure: alertWriter.procedureName,
        deployRole: p.providers.deployRole,
        // FUTURE grants before the objects, ALL grants after them: no object falls between the two.
        grantsFirst: [...roles.futureGrants, ...backfillAccess.futureGrants],
      }),
    );
  }
  const objects = [...pipelines.values()].flatMap((pipeline) => pipeline.objects);
  roles.grantOnExistingAfter(...objects);
  backfillAccess.grantOnExistingAfter(...objects);
  return pipelines;
}
