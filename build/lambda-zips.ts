import { join } from "node:path";
import { bundleHandlerSync } from "./bundle";
import { packageRoot } from "../modules/core/package-root";
import { prebuiltZipPath, writeZip } from "../modules/aws/lambda-code";
import { deterministicZip } from "../modules/aws/lambda-zip";
import { PULLER_HANDLER } from "../modules/aws/log-puller/code";
import { KAFKA_INGEST_HANDLER } from "../modules/aws/kafka-ingest/code";

/**
 * `npm run build`'s last step: the Lambda deployment packages (log puller, Kafka ingest), prebuilt
 * into dist/lambda/ so an installed library (no runtime/ sources, no esbuild) synthesizes the same code.
 */
const root = packageRoot();
for (const handler of [PULLER_HANDLER, KAFKA_INGEST_HANDLER]) {
  const code = writeZip(
    deterministicZip("index.js", bundleHandlerSync(root, handler.entry).contents).bytes,
    handler.name,
    join(root, prebuiltZipPath(handler)),
  );
  console.log(`${code.path} sha256 ${code.sha256Base64}`);
}
