export * from "./app";
export * from "./config/schema";
export * from "./config/load";
export * from "./config/resolve";
export * from "./platform-stack";
export * from "./tenant-stack";
export * from "./source-pipeline";
export { DEFAULT_PROVIDER_VERSIONS, PROVIDER_VERSION_FLOORS, ProviderVersions, providerConstraintProblem, requireProviderVersions } from "./providers";
export * from "./parallel-synth";
