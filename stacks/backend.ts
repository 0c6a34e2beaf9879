import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import { EnvironmentConfig } from "./config/environment-schema";

/**
 * Each stack gets its own state: a key of its own in the environment's S3 backend, with S3-native
 * locking (`use_lockfile`, Terraform >= 1.10; cdktf 0.21's S3BackendConfig lacks the field, so it
 * is set as an override), or a local file for the embedded default.
 */
export function configureBackend(stack: TerraformStack, stackName: string, env: EnvironmentConfig): void {
  const backend = env.backend ?? { kind: "local" as const };
  if (backend.kind === "local") {
    new LocalBackend(stack, { path: `${backend.directory ?? "terraform-state"}/${stackName}.tfstate` });
    return;
  }
  const s3 = new S3Backend(stack, {
    bucket: backend.bucket,
    key: `${backend.keyPrefix ?? "security-lakehouse"}/${stackName}.tfstate`,
    region: backend.region,
    encrypt: true,
  });
  s3.addOverride("use_lockfile", true);
}
