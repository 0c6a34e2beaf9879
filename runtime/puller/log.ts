import type { LogFields, Logger } from "./types";

/** One JSON object per line on stdout (CloudWatch keeps each line as one event, Logs Insights parses it). */
export function jsonLogger(base: LogFields = {}, write: (line: string) => void = (l) => process.stdout.write(l + "\n")): Logger {
  const emit = (level: string, event: string, fields?: LogFields): void => {
    write(JSON.stringify({ time: new Date().toISOString(), level, event, ...base, ...fields }, errorReplacer));
  };
  return {
    info: (event, fields) => emit("info", event, fields),
    warn: (event, fields) => emit("warn", event, fields),
    error: (event, fields) => emit("error", event, fields),
    child: (fields) => jsonLogger({ ...base, ...fields }, write),
  };
}

/** Errors have no enumerable fields; log their name and message instead of `{}`. */
function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}
