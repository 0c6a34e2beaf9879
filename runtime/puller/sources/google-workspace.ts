import { HttpError, redactUrl } from "../http";
import { CachedToken, getWithBearer, parseTokenResponse, signJwtRs256 } from "../oauth";
import { systemClock, type Clock, type HttpClient, type LogSource, type Page, type SourceContext, type TimeRange } from "../types";

export const GOOGLE_REPORTS_SCOPE = "https://www.googleapis.com/auth/admin.reports.audit.readonly";
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
export const GOOGLE_ADMIN_BASE_URL = "https://admin.googleapis.com";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** The secret: the service account's JSON key (only these fields are read). */
export interface GoogleServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  readonly private_key_id?: string;
}

export interface GoogleWorkspaceOptions {
  /** The admin user the service account impersonates (domain-wide delegation `sub`). */
  readonly subject: string;
  /** Reports applications to pull, e.g. ["admin", "login", "token", "drive"]. */
  readonly applications: readonly string[];
  /** @default https://admin.googleapis.com */
  readonly apiBaseUrl?: string;
  /** @default https://oauth2.googleapis.com/token (also the JWT `aud`) */
  readonly tokenUrl?: string;
  /** Page size (the API's maximum is 1000). @default 1000 */
  readonly maxResults?: number;
}

/**
 * Google Workspace Admin SDK Reports `activities.list` for `users/all`, one application after the
 * other, `startTime`/`endTime` per window, `nextPageToken` pages. Auth: a service-account JWT
 * (RS256, `sub` = the admin) exchanged for an access token, refreshed before expiry and after a 401.
 */
export function googleWorkspaceSource(key: GoogleServiceAccountKey, options: GoogleWorkspaceOptions, clock: Clock = systemClock): LogSource {
  for (const field of ["client_email", "private_key"] as const) {
    if (typeof key[field] !== "string" || key[field] === "")
      throw new Error(`google-workspace secret: "${field}" is missing (expected the service account's JSON key)`);
  }
  if (typeof options.subject !== "string" || !options.subject.includes("@"))
    throw new Error(`google-workspace options: "subject" must be the admin's email to impersonate`);
  if (!Array.isArray(options.applications) || options.applications.length === 0)
    throw new Error(`google-workspace options: "applications" must list at least one application`);
  for (const app of options.applications) {
    if (!/^[a-z_]+$/.test(app))
      throw new Error(`google-workspace options: application "${app}" is not a Reports application name (lower-case letters and "_")`);
  }
  const maxResults = options.maxResults ?? 1000;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000)
    throw new Error(`google-workspace options: "maxResults" must be 1..1000, got ${maxResults}`);
  const apiBase = (options.apiBaseUrl ?? GOOGLE_ADMIN_BASE_URL).replace(/\/+$/, "");
  const tokenUrl = options.tokenUrl ?? GOOGLE_TOKEN_URL;

  let tokens: CachedToken | undefined;
  const tokenFor = (http: HttpClient): CachedToken =>
    (tokens ??= new CachedToken(async () => {
      const iat = Math.floor(clock.now() / 1000);
      const assertion = signJwtRs256(
        { iss: key.client_email, sub: options.subject, scope: GOOGLE_REPORTS_SCOPE, aud: tokenUrl, iat, exp: iat + 3600 },
        key.private_key,
        key.private_key_id,
      );
      const res = await http.request({
        url: tokenUrl,
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
      });
      if (res.status !== 200) throw new HttpError(res.status, tokenUrl, `token exchange refused: ${res.text.slice(0, 300)}`);
      return parseTokenResponse(res.text, clock.now(), tokenUrl);
    }, clock));

  return {
    name: "google-workspace",
    async *fetch(range: TimeRange, ctx: SourceContext): AsyncIterable<Page> {
      const token = tokenFor(ctx.http);
      for (const app of options.applications) {
        let pageToken: string | undefined;
        do {
          const params = new URLSearchParams({
            startTime: new Date(range.startMs).toISOString(),
            endTime: new Date(range.endMs).toISOString(),
            maxResults: String(maxResults),
          });
          if (pageToken) params.set("pageToken", pageToken);
          const url = `${apiBase}/admin/reports/v1/activity/users/all/applications/${app}?${params.toString()}`;
          const res = await getWithBearer(ctx.http, url, token);
          const body = parseJson(res.text, url) as { items?: unknown; nextPageToken?: unknown };
          if (body.items !== undefined && !Array.isArray(body.items)) throw new Error(`google-workspace: "items" is not an array in ${redactUrl(url)}`);
          const records = (body.items as unknown[] | undefined) ?? [];
          yield { records };
          pageToken = typeof body.nextPageToken === "string" && body.nextPageToken !== "" ? body.nextPageToken : undefined;
        } while (pageToken);
      }
    },
  };
}

export function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`response from ${redactUrl(url)} is not JSON: ${text.slice(0, 100)}`);
  }
}
