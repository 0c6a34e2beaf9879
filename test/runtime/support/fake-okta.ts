import { verify } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { EventSet } from "./events";
import { send, startServer, type Fault, type RunningServer } from "./http-server";

export interface FakeOktaOptions {
  readonly events: EventSet<Record<string, unknown>>;
  /** Accepted `SSWS` token. */
  readonly apiToken?: string;
  /** An OAuth service app: its client id and public key (PEM) to verify client assertions. */
  readonly oauthClient?: {
    readonly clientId: string;
    readonly publicKeyPem: string;
    readonly tokenLifetimeSeconds?: number;
    readonly maxUsesPerToken?: number;
  };
  /** Called before every /api/v1/logs request (n = 1, 2, …); a returned fault is sent instead. */
  readonly fault?: (n: number, url: URL) => Fault | undefined;
  /** `X-Rate-Limit-Limit`; remaining counts down per request and resets every `rateLimitWindowSeconds`. */
  readonly rateLimit?: number;
  readonly now?: () => number;
  /** Called for every log request (tests advance their clock here). */
  readonly onLogsRequest?: (url: URL) => void;
}

export interface FakeOkta extends RunningServer {
  /** Every /api/v1/logs request's query. */
  readonly logRequests: URLSearchParams[];
  readonly tokensIssued: number;
}

/**
 * The Okta System Log API as documented: bounded `since`/`until` queries on `published`
 * (since inclusive, until exclusive), ascending order, `limit` ≤ 1000, `Link: <…>; rel="self"` and
 * `rel="next"` (with an opaque `after`) while events remain, `X-Rate-Limit-*` headers on every response.
 */
export async function startFakeOkta(options: FakeOktaOptions): Promise<FakeOkta> {
  const logRequests: URLSearchParams[] = [];
  const tokens = new Map<string, { expiresMs: number; uses: number }>();
  let issued = 0;
  let n = 0;
  let remaining = options.rateLimit ?? 1200;
  const now = options.now ?? Date.now;

  const server = await startServer((req, body, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "POST" && url.pathname === "/oauth2/v1/token") {
      const form = new URLSearchParams(body);
      const client = options.oauthClient;
      const problem = !client ? "no OAuth client configured" : checkClientAssertion(form, client, `${base()}/oauth2/v1/token`, now());
      if (problem) return send(res, 401, { error: "invalid_client", error_description: problem });
      const token = `okta-at-${++issued}`;
      const lifetime = client?.tokenLifetimeSeconds ?? 3600;
      tokens.set(token, { expiresMs: now() + lifetime * 1000, uses: 0 });
      return send(res, 200, { token_type: "Bearer", expires_in: lifetime, access_token: token, scope: "okta.logs.read" });
    }
    if (req.method !== "GET" || url.pathname !== "/api/v1/logs") return send(res, 404, { errorCode: "E0000007", errorSummary: "Not found" });
    n++;
    logRequests.push(url.searchParams);
    options.onLogsRequest?.(url);
    const resetEpoch = Math.ceil(now() / 1000) + 60;
    const rl = {
      "x-rate-limit-limit": String(options.rateLimit ?? 1200),
      "x-rate-limit-remaining": String(Math.max(0, --remaining)),
      "x-rate-limit-reset": String(resetEpoch),
    };
    if (remaining <= 0) remaining = options.rateLimit ?? 1200;
    if (!authorized(req)) return send(res, 401, { errorCode: "E0000011", errorSummary: "Invalid token provided" }, rl);
    const fault = options.fault?.(n, url);
    if (fault)
      return send(res, fault.status, fault.body ?? { errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." }, {
        ...rl,
        ...fault.headers,
      });

    const q = url.searchParams;
    const since = Date.parse(q.get("since") ?? "");
    const until = Date.parse(q.get("until") ?? "");
    const limit = Number(q.get("limit") ?? "100");
    if (Number.isNaN(since) || Number.isNaN(until)) return send(res, 400, { errorCode: "E0000001", errorSummary: "Api validation failed: since/until" }, rl);
    if (!(limit >= 1 && limit <= 1000)) return send(res, 400, { errorCode: "E0000001", errorSummary: "Api validation failed: limit" }, rl);
    if (q.get("sortOrder") !== "ASCENDING") return send(res, 400, { errorCode: "E0000001", errorSummary: "this fake serves ASCENDING only" }, rl);
    const from = q.has("after") ? Number(Buffer.from(q.get("after") ?? "", "base64url").toString()) : options.events.indexAt(since);
    const end = options.events.indexAt(until);
    const to = Math.min(end, from + limit);
    const page: Record<string, unknown>[] = [];
    for (let i = from; i < to; i++) page.push(options.events.get(i));
    const self = `<${base()}${url.pathname}${url.search}>; rel="self"`;
    let link = self;
    if (to < end) {
      const next = new URLSearchParams(q);
      next.set("after", Buffer.from(String(to)).toString("base64url"));
      link += `, <${base()}/api/v1/logs?${next.toString()}>; rel="next"`;
    }
    return send(res, 200, page, { ...rl, link });
  });
  const base = (): string => server.url;

  function authorized(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? "";
    if (options.apiToken && h === `SSWS ${options.apiToken}`) return true;
    const m = /^Bearer (.+)$/.exec(h);
    const t = m ? tokens.get(m[1]) : undefined;
    if (!t || t.expiresMs <= now()) return false;
    t.uses++;
    return options.oauthClient?.maxUsesPerToken === undefined || t.uses <= options.oauthClient.maxUsesPerToken;
  }

  return {
    url: server.url,
    close: server.close,
    logRequests,
    get tokensIssued() {
      return issued;
    },
  };
}

function checkClientAssertion(form: URLSearchParams, client: { clientId: string; publicKeyPem: string }, aud: string, nowMs: number): string | undefined {
  if (form.get("grant_type") !== "client_credentials") return "grant_type must be client_credentials";
  if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") return "bad client_assertion_type";
  if (!(form.get("scope") ?? "").split(" ").includes("okta.logs.read")) return "scope okta.logs.read missing";
  const claims = verifyJwt(form.get("client_assertion") ?? "", client.publicKeyPem);
  if (!claims) return "client_assertion signature invalid";
  if (claims.iss !== client.clientId || claims.sub !== client.clientId) return "iss/sub must be the client id";
  if (claims.aud !== aud) return `aud must be ${aud}`;
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= nowMs) return "assertion expired";
  return undefined;
}

/** Verifies an RS256 compact JWS with the public key; returns the claims or undefined. */
export function verifyJwt(jwt: string, publicKeyPem: string): Record<string, unknown> | undefined {
  const parts = jwt.split(".");
  if (parts.length !== 3) return undefined;
  const header = JSON.parse(Buffer.from(parts[0], "base64url").toString()) as { alg?: string };
  if (header.alg !== "RS256") return undefined;
  const ok = verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), publicKeyPem, Buffer.from(parts[2], "base64url"));
  return ok ? (JSON.parse(Buffer.from(parts[1], "base64url").toString()) as Record<string, unknown>) : undefined;
}
