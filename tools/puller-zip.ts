import { join } from "node:path";
import { bundlePullerHandlerSync, repositoryRoot } from "../runtime/bundle";
import { PREBUILT_PULLER_ZIP, writeZip } from "../modules/aws/log-puller/code";
import { deterministicZip } from "../modules/aws/log-puller/zip";

/**
 * `npm run build`'s last step: the log puller's deployment package, prebuilt into dist/lambda/ so an
 * installed library (no runtime/ sources, no esbuild) synthesizes the same code.
 */
const root = repositoryRoot();
const code = writeZip(deterministicZip("index.js", bundlePullerHandlerSync(root).contents).bytes, join(root, PREBUILT_PULLER_ZIP));
console.log(`${code.path} sha256 ${code.sha256Base64}`);
