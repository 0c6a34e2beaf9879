export * from "./app";
export * from "./config/schema";
export * from "./config/load";
export * from "./config/resolve";
export * from "./platform-stack";
export * from "./tenant-stack";
export * from "./source-pipeline";
