/** Deterministic event sets for the fake APIs: an ordered list addressed by index, searchable by time. */
export interface EventSet<T> {
  /** Index of the first event whose time is >= ms. */
  indexAt(ms: number): number;
  get(index: number): T;
  timeOf(event: T): number;
}

/** Events from a sorted (by time) array. */
export function arrayEvents<T>(events: readonly T[], timeOf: (e: T) => number): EventSet<T> {
  for (let i = 1; i < events.length; i++) if (timeOf(events[i]) < timeOf(events[i - 1])) throw new Error("arrayEvents: events must be sorted by time");
  return {
    indexAt(ms) {
      let lo = 0;
      let hi = events.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (timeOf(events[mid]) < ms) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
    get: (i) => events[i],
    timeOf,
  };
}

/** `count` events `spacingMs` apart from `startMs`, built on demand (no memory for big benchmarks). */
export function uniformEvents<T>(startMs: number, spacingMs: number, count: number, make: (i: number, ms: number) => T, timeOf: (e: T) => number): EventSet<T> {
  return {
    indexAt: (ms) => Math.min(count, Math.max(0, Math.ceil((ms - startMs) / spacingMs))),
    get: (i) => make(i, startMs + i * spacingMs),
    timeOf,
  };
}

export function oktaEvent(i: number, ms: number, padding = 0): Record<string, unknown> {
  return {
    uuid: `evt-${String(i).padStart(9, "0")}`,
    published: new Date(ms).toISOString(),
    eventType: i % 3 === 0 ? "user.session.start" : "user.authentication.sso",
    severity: "INFO",
    actor: { id: `00u${i % 97}`, type: "User", alternateId: `user${i % 97}@example.com`, displayName: `User ${i % 97}` },
    outcome: { result: i % 11 === 0 ? "FAILURE" : "SUCCESS" },
    displayMessage: "User login to Okta",
    client: { ipAddress: `198.51.100.${i % 250}`, zone: "OFF_NETWORK" },
    ...(padding > 0 ? { debugContext: { debugData: { note: wordSalad(i, padding) } } } : {}),
  };
}

const WORDS =
  "request session token policy factor device browser network tenant admin user group app role grant deny allow login logout reset verify push sms email okta verify fido webauthn radius ldap saml oidc scim hook rule zone risk high low medium chrome firefox safari windows macos linux android ios office vpn proxy geo city region country latency status error success failure attempt challenge enroll".split(
    " ",
  );

/** Text that compresses about as well as real log fields (not a run of one letter), the same for the same i. */
function wordSalad(i: number, length: number): string {
  let x = (i * 2654435761) >>> 0 || 1;
  let out = "";
  while (out.length < length) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out += WORDS[x % WORDS.length] + (x % 7 === 0 ? String(x % 10000) : "") + " ";
  }
  return out.slice(0, length);
}

export function googleEvent(app: string, i: number, ms: number): Record<string, unknown> {
  return {
    kind: "admin#reports#activity",
    id: { time: new Date(ms).toISOString(), uniqueQualifier: `${app}-${i}`, applicationName: app, customerId: "C0abc123" },
    actor: { email: `user${i % 13}@example.com`, profileId: String(100000 + (i % 13)) },
    ipAddress: `203.0.113.${i % 250}`,
    events: [{ type: app === "login" ? "login" : "change", name: app === "login" ? "login_success" : "CHANGE_SETTING" }],
  };
}

export const oktaTime = (e: Record<string, unknown>): number => Date.parse(String(e.published));
export const googleTime = (e: Record<string, unknown>): number => Date.parse(String((e.id as { time: string }).time));
