import type { IncomingMessage } from "node:http";
import type { EventSet } from "./events";
import { verifyJwt } from "./fake-okta";
import { send, startServer, type Fault, type RunningServer } from "./http-server";

export interface FakeGoogleOptions {
  /** Events per Reports application name. */
  readonly applications: Readonly<Record<string, EventSet<Record<string, unknown>>>>;
  readonly serviceAccountEmail: string;
  readonly publicKeyPem: string;
  readonly subject: string;
  /** `expires_in` of issued tokens. @default 3600 */
  readonly tokenLifetimeSeconds?: number;
  /** A token is refused (401) after this many API calls: a token that expires mid-run. */
  readonly maxUsesPerToken?: number;
  readonly fault?: (n: number, url: URL) => Fault | undefined;
  readonly now?: () => number;
}

export interface FakeGoogle extends RunningServer {
  readonly tokenUrl: string;
  readonly apiRequests: URL[];
  readonly tokensIssued: number;
  readonly unauthorizedResponses: number;
}

const SCOPE = "https://www.googleapis.com/auth/admin.reports.audit.readonly";

/**
 * The OAuth token endpoint (JWT bearer grant, RS256 assertion verified with the service account's
 * public key; `sub`, `scope`, `aud`, `exp` checked) and Reports `activities.list` for `users/all`:
 * `startTime`/`endTime` (start inclusive, end exclusive here), `maxResults` ≤ 1000, `nextPageToken`,
 * newest first, `items` omitted when empty.
 */
export async function startFakeGoogle(options: FakeGoogleOptions): Promise<FakeGoogle> {
  const tokens = new Map<string, { expiresMs: number; uses: number }>();
  const apiRequests: URL[] = [];
  let issued = 0;
  let unauthorized = 0;
  let n = 0;
  const now = options.now ?? Date.now;

  const server = await startServer((req, body, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "POST" && url.pathname === "/token") {
      const form = new URLSearchParams(body);
      if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return send(res, 400, { error: "unsupported_grant_type" });
      const claims = verifyJwt(form.get("assertion") ?? "", options.publicKeyPem);
      if (!claims) return send(res, 400, { error: "invalid_grant", error_description: "Invalid JWT Signature." });
      const problem =
        claims.iss !== options.serviceAccountEmail
          ? "iss"
          : claims.sub !== options.subject
            ? "sub"
            : claims.scope !== SCOPE
              ? "scope"
              : claims.aud !== `${server.url}/token`
                ? "aud"
                : typeof claims.exp !== "number" || typeof claims.iat !== "number" || claims.exp - claims.iat > 3600
                  ? "exp"
                  : undefined;
      if (problem) return send(res, 400, { error: "invalid_grant", error_description: `bad ${problem} claim` });
      const token = `ya29.fake-${++issued}`;
      const lifetime = options.tokenLifetimeSeconds ?? 3600;
      tokens.set(token, { expiresMs: now() + lifetime * 1000, uses: 0 });
      return send(res, 200, { access_token: token, expires_in: lifetime, token_type: "Bearer" });
    }
    const m = /^\/admin\/reports\/v1\/activity\/users\/all\/applications\/([a-z_]+)$/.exec(url.pathname);
    if (req.method !== "GET" || !m) return send(res, 404, { error: { code: 404, message: "Not Found" } });
    apiRequests.push(url);
    if (!authorized(req)) {
      unauthorized++;
      return send(
        res,
        401,
        { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } },
        { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      );
    }
    const fault = options.fault?.(++n, url);
    if (fault) return send(res, fault.status, fault.body ?? { error: { code: fault.status, message: "fault" } }, fault.headers);
    const events = options.applications[m[1]];
    if (!events)
      return send(res, 400, { error: { code: 400, message: `Invalid value '${m[1]}'. Values must match the following regular expression: '(admin)|…'` } });
    const q = url.searchParams;
    const start = Date.parse(q.get("startTime") ?? "");
    const end = Date.parse(q.get("endTime") ?? "");
    const max = Number(q.get("maxResults") ?? "1000");
    if (Number.isNaN(start) || Number.isNaN(end) || start >= end)
      return send(res, 400, { error: { code: 400, message: "Start time must be less than end time" } });
    if (!(max >= 1 && max <= 1000)) return send(res, 400, { error: { code: 400, message: "maxResults out of range" } });
    // Newest first: the page token is the (exclusive) upper index still to serve.
    const lo = events.indexAt(start);
    const hi = q.has("pageToken") ? Number(q.get("pageToken")) : events.indexAt(end);
    const from = Math.max(lo, hi - max);
    const items: Record<string, unknown>[] = [];
    for (let i = hi - 1; i >= from; i--) items.push(events.get(i));
    const page: Record<string, unknown> = { kind: "admin#reports#activities", etag: '"fake"' };
    if (items.length > 0) page.items = items;
    if (from > lo) page.nextPageToken = String(from);
    return send(res, 200, page);
  });

  function authorized(req: IncomingMessage): boolean {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    const t = m ? tokens.get(m[1]) : undefined;
    if (!t || t.expiresMs <= now()) return false;
    t.uses++;
    return options.maxUsesPerToken === undefined || t.uses <= options.maxUsesPerToken;
  }

  return {
    url: server.url,
    tokenUrl: `${server.url}/token`,
    close: server.close,
    apiRequests,
    get tokensIssued() {
      return issued;
    },
    get unauthorizedResponses() {
      return unauthorized;
    },
  };
}
