/**
 * Runs before every test file (jest.config.js `setupFilesAfterEnv`), after jest installed
 * source-map-support.
 *
 * cdktf captures a full stack trace for every token it creates (a plain object, kept as
 * `creationStack` for rare error messages). Under jest, source-map-support maps every frame of every
 * capture through the source maps: over 40% of the unit project's CPU time. The stacks
 * layer leaves these captures unformatted in production for the same reason
 * (`withoutTokenStackTraces`, stacks/synth/build.ts); tests do the same, for cdktf's captures only: errors,
 * and any other capture, keep their source-mapped stacks.
 */
const formatted = Error.prepareStackTrace;
const CDKTF = /[\\/]node_modules[\\/]cdktf[\\/]/;

Error.prepareStackTrace = (error, frames) => {
  if (!(error instanceof Error) && CDKTF.test(frames[0]?.getFileName() ?? "")) return "";
  return formatted ? formatted(error, frames) : `${String(error)}${frames.map((f) => `\n    at ${String(f)}`).join("")}`;
};
