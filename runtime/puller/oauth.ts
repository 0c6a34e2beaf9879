import { randomUUID, sign } from "node:crypto";
import { HttpError } from "./http";
import type { Clock, HttpClient, HttpResponse } from "./types";

/** A compact JWS with RS256 (RSASSA-PKCS1-v1_5 over SHA-256), as Google's and Okta's token endpoints take it. */
export function signJwtRs256(claims: Readonly<Record<string, unknown>>, privateKeyPem: string, keyId?: string): string {
  const header = keyId ? { alg: "RS256", typ: "JWT", kid: keyId } : { alg: "RS256", typ: "JWT" };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  let signature: Buffer;
  try {
    signature = sign("sha256", Buffer.from(input), privateKeyPem);
  } catch (err) {
    throw new Error(`cannot sign JWT: the private key is not a usable PEM RSA key (${err instanceof Error ? err.message : String(err)})`);
  }
  return `${input}.${signature.toString("base64url")}`;
}

export function b64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

export function newJti(): string {
  return randomUUID();
}

export interface IssuedToken {
  readonly accessToken: string;
  /** Epoch ms when the issuer says the token expires. */
  readonly expiresAtMs: number;
}

/**
 * Caches an access token and gets a new one shortly before it expires; `invalidate` (after a 401)
 * forces a new one, so a token that expires or is revoked mid-run is replaced without failing the run.
 */
export class CachedToken {
  private current: IssuedToken | undefined;

  constructor(
    private readonly issue: () => Promise<IssuedToken>,
    private readonly clock: Clock,
    /** Refresh this long before the stated expiry (clock skew, request time). */
    private readonly skewMs = 60_000,
  ) {}

  /** How many tokens were issued so far (logged per run). */
  issued = 0;

  async get(): Promise<string> {
    if (!this.current || this.current.expiresAtMs - this.skewMs <= this.clock.now()) {
      this.current = await this.issue();
      this.issued++;
    }
    return this.current.accessToken;
  }

  invalidate(): void {
    this.current = undefined;
  }
}

/** Reads an OAuth token response (`access_token`, `expires_in` seconds) or throws naming what is missing. */
export function parseTokenResponse(text: string, nowMs: number, endpoint: string): IssuedToken {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`token endpoint ${endpoint} returned a body that is not JSON`);
  }
  const rec = body as { access_token?: unknown; expires_in?: unknown };
  if (typeof rec.access_token !== "string" || rec.access_token === "") throw new Error(`token endpoint ${endpoint} returned no access_token`);
  const expiresIn = typeof rec.expires_in === "number" ? rec.expires_in : Number(rec.expires_in ?? 3600);
  if (!Number.isFinite(expiresIn) || expiresIn <= 0) throw new Error(`token endpoint ${endpoint} returned an invalid expires_in`);
  return { accessToken: rec.access_token, expiresAtMs: nowMs + expiresIn * 1000 };
}

/** GET with a bearer token; one new token and one more try on 401 (expired or revoked mid-run). */
export async function getWithBearer(http: HttpClient, url: string, token: CachedToken): Promise<HttpResponse> {
  for (let tries = 0; ; tries++) {
    const res = await http.request({ url, headers: { authorization: `Bearer ${await token.get()}`, accept: "application/json" } });
    if (res.status === 401 && tries === 0) {
      token.invalidate();
      continue;
    }
    if (res.status !== 200) throw new HttpError(res.status, url, res.text.slice(0, 300) || "(empty body)");
    return res;
  }
}
