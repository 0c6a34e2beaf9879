import type { Clock, LogSource } from "../types";
import type { PullerKind } from "../contract";
import { googleWorkspaceSource, type GoogleServiceAccountKey, type GoogleWorkspaceOptions } from "./google-workspace";
import { oktaSource, type OktaCredentials, type OktaOptions } from "./okta";

/** Builds the source from its secret (parsed JSON) and its non-secret options (parsed JSON). */
export function createSource(kind: PullerKind, secret: unknown, options: unknown, clock?: Clock): LogSource {
  if (typeof secret !== "object" || secret === null) throw new Error(`${kind}: the secret must be a JSON object`);
  if (typeof options !== "object" || options === null) throw new Error(`${kind}: PULLER_SOURCE_OPTIONS must be a JSON object`);
  switch (kind) {
    case "google-workspace":
      return googleWorkspaceSource(secret as GoogleServiceAccountKey, options as GoogleWorkspaceOptions, clock);
    case "okta":
      return oktaSource(secret as OktaCredentials, options as OktaOptions, clock);
  }
}

export { googleWorkspaceSource, oktaSource };
export type { GoogleServiceAccountKey, GoogleWorkspaceOptions, OktaCredentials, OktaOptions };
