import { HttpError, redactUrl } from "../http";
import { CachedToken, getWithBearer, newJti, parseTokenResponse, signJwtRs256 } from "../oauth";
import { systemClock, type Clock, type HttpClient, type HttpResponse, type LogSource, type Page, type SourceContext, type TimeRange } from "../types";
import { parseJson } from "./google-workspace";

/**
 * The secret, one of:
 * - `{ "apiToken": "…" }` — an SSWS API token;
 * - `{ "accessToken": "…" }` — an OAuth access token obtained elsewhere (not refreshed here);
 * - `{ "clientId": "…", "privateKey": "-----BEGIN PRIVATE KEY-----…", "keyId"?: "…" }` — an OAuth
 *   service app: client credentials with a private_key_jwt assertion, scope `okta.logs.read`,
 *   token refreshed before expiry and after a 401.
 */
export type OktaCredentials =
  { readonly apiToken: string } | { readonly accessToken: string } | { readonly clientId: string; readonly privateKey: string; readonly keyId?: string };

export interface OktaOptions {
  /** `https://<org>.okta.com` (no path). */
  readonly orgUrl: string;
  /** Page size (the API's maximum is 1000). @default 1000 */
  readonly limit?: number;
}

/**
 * Okta System Log `GET /api/v1/logs` as a bounded query: `since`/`until` per window,
 * `sortOrder=ASCENDING`, pages by the `Link: <…>; rel="next"` header (followed only on the org's origin).
 */
export function oktaSource(credentials: OktaCredentials, options: OktaOptions, clock: Clock = systemClock): LogSource {
  let origin: string;
  try {
    origin = new URL(options.orgUrl).origin;
  } catch {
    throw new Error(`okta options: "orgUrl" is not a URL: ${options.orgUrl}`);
  }
  const limit = options.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`okta options: "limit" must be 1..1000, got ${limit}`);
  const auth = oktaAuth(credentials, origin, clock);

  return {
    name: "okta",
    async *fetch(range: TimeRange, ctx: SourceContext): AsyncIterable<Page> {
      const params = new URLSearchParams({
        since: new Date(range.startMs).toISOString(),
        until: new Date(range.endMs).toISOString(),
        limit: String(limit),
        sortOrder: "ASCENDING",
      });
      let url: string | undefined = `${origin}/api/v1/logs?${params.toString()}`;
      while (url) {
        const res = await auth.get(ctx.http, url);
        const body = parseJson(res.text, url);
        if (!Array.isArray(body)) throw new Error(`okta: the System Log response from ${redactUrl(url)} is not a JSON array`);
        yield { records: body };
        // A bounded query ends with no next link; an empty page also ends it (never poll inside a run).
        url = body.length === 0 ? undefined : nextLink(res.headers.get("link"));
        if (url && new URL(url).origin !== origin) throw new Error(`okta: next link leaves the org (${new URL(url).origin}); refusing to send the token there`);
      }
    },
  };
}

/** The `rel="next"` target of a Link header (RFC 8288), or undefined. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2])) return m[1];
  }
  return undefined;
}

interface OktaAuth {
  get(http: HttpClient, url: string): Promise<HttpResponse>;
}

function oktaAuth(credentials: OktaCredentials, origin: string, clock: Clock): OktaAuth {
  const plain = (header: string): OktaAuth => ({
    async get(http, url) {
      const res = await http.request({ url, headers: { authorization: header, accept: "application/json" } });
      if (res.status !== 200) throw new HttpError(res.status, url, res.text.slice(0, 300) || "(empty body)");
      return res;
    },
  });
  if ("apiToken" in credentials && typeof credentials.apiToken === "string" && credentials.apiToken !== "") return plain(`SSWS ${credentials.apiToken}`);
  if ("accessToken" in credentials && typeof credentials.accessToken === "string" && credentials.accessToken !== "")
    return plain(`Bearer ${credentials.accessToken}`);
  if ("clientId" in credentials && typeof credentials.clientId === "string" && typeof credentials.privateKey === "string") {
    const tokenUrl = `${origin}/oauth2/v1/token`;
    const { clientId, privateKey, keyId } = credentials;
    let token: CachedToken | undefined;
    return {
      async get(http, url) {
        token ??= new CachedToken(async () => {
          const iat = Math.floor(clock.now() / 1000);
          const assertion = signJwtRs256({ iss: clientId, sub: clientId, aud: tokenUrl, iat, exp: iat + 300, jti: newJti() }, privateKey, keyId);
          const res = await http.request({
            url: tokenUrl,
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
            body: new URLSearchParams({
              grant_type: "client_credentials",
              scope: "okta.logs.read",
              client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
              client_assertion: assertion,
            }).toString(),
          });
          if (res.status !== 200) throw new HttpError(res.status, tokenUrl, `token request refused: ${res.text.slice(0, 300)}`);
          return parseTokenResponse(res.text, clock.now(), tokenUrl);
        }, clock);
        return getWithBearer(http, url, token);
      },
    };
  }
  throw new Error(`okta secret: expected {"apiToken"}, {"accessToken"} or {"clientId","privateKey"}; got keys [${Object.keys(credentials).join(", ")}]`);
}
