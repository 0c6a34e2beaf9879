/**
 * A thin client of Snowflake's SQL API v2 (`POST /api/v2/statements`), with key-pair JWT
 * authentication, for the operator commands (`lakehouse backfill`, `lakehouse restore`): Node's
 * fetch and crypto only, no driver. `SqlClient` is the interface the commands use, so they can be
 * tested with an in-memory implementation too.
 *
 * What it relies on (Snowflake's SQL API reference; checked here only against a local server that
 * speaks the same shapes, test/snowflake-sql-api.test.ts):
 * - headers `Authorization: Bearer <jwt>` and `X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT`;
 *   the JWT is RS256 with `iss = <ACCOUNT>.<USER>.SHA256:<fingerprint>`, `sub = <ACCOUNT>.<USER>`,
 *   `iat`, `exp` at most an hour later; the fingerprint is the base64 SHA-256 of the public key's DER
 *   (SubjectPublicKeyInfo); ACCOUNT is the account identifier in upper case without a region;
 * - 200 with a result set (`resultSetMetaData.rowType`, `data` as strings, `partitionInfo`; partitions
 *   after the first from `GET /api/v2/statements/<handle>?partition=<n>`), 202 while a statement runs
 *   (poll `GET /api/v2/statements/<handle>`), 422 when it failed;
 * - `requestId` makes a resubmission (`retry=true`) of a request that may have reached Snowflake not
 *   run the statement a second time.
 */
import { KeyObject, createHash, createPrivateKey, createPublicKey, randomUUID, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { LakehouseError } from "../modules/core/errors";

export type SqlValue = string | null;
/** One row: column name (as Snowflake reports it) → value as text (the SQL API's JSON format), NULL as null. */
export type SqlRow = Readonly<Record<string, SqlValue>>;
/** A bind value for a `?` placeholder: text, a number (FIXED or REAL), a boolean, or NULL. */
export type SqlBind = string | number | boolean | null;

export interface SqlResult {
  readonly columns: readonly string[];
  readonly rows: readonly SqlRow[];
  /** The statement's handle (its query id), when the server said. */
  readonly statementHandle?: string;
}

export interface QueryOptions {
  /** QUERY_TAG of the statement's session, to find it in the query history later. */
  readonly queryTag?: string;
  /** Seconds before Snowflake cancels the statement. @default the warehouse's STATEMENT_TIMEOUT_IN_SECONDS */
  readonly timeoutSeconds?: number;
}

/** What the commands need from Snowflake: run one statement, get its rows. */
export interface SqlClient {
  query(sql: string, binds?: readonly SqlBind[], options?: QueryOptions): Promise<SqlResult>;
}

/** A value of a row by column name, ignoring case (COPY reports `file`, `status` … in lower case). */
export function cell(row: SqlRow, name: string): SqlValue {
  if (name in row) return row[name];
  const key = Object.keys(row).find((k) => k.toUpperCase() === name.toUpperCase());
  return key === undefined ? null : row[key];
}

/** A statement Snowflake refused or that failed, with what the API said. */
export class SnowflakeSqlError extends LakehouseError {
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly code?: string,
    readonly sqlState?: string,
    readonly statementHandle?: string,
  ) {
    super(message, "failed");
  }
}

// ---- key-pair JWT --------------------------------------------------------------------------------

/** `SHA256:<base64 of the SHA-256 of the public key's DER>`, as Snowflake stores RSA_PUBLIC_KEY_FP. */
export function publicKeyFingerprint(key: KeyObject): string {
  const der = (key.type === "public" ? key : createPublicKey(key)).export({ type: "spki", format: "der" });
  return `SHA256:${createHash("sha256").update(der).digest("base64")}`;
}

/**
 * The account as the JWT names it: upper case; an account locator loses its region
 * (`xy12345.us-east-1` → `XY12345`); `ORG-ACCOUNT` stays as it is.
 */
export function jwtAccount(account: string): string {
  return account.split(".")[0].toUpperCase();
}

/** The account's SQL API host: `https://<org>-<account>.snowflakecomputing.com` (underscores as hyphens, as URLs need). */
export function accountUrl(account: string): string {
  return `https://${account.toLowerCase().replace(/_/g, "-")}.snowflakecomputing.com`;
}

export interface JwtInput {
  readonly account: string;
  readonly user: string;
  readonly privateKey: KeyObject;
  /** Seconds since the epoch. */
  readonly nowSeconds: number;
  /** Lifetime in seconds, at most 3600 (Snowflake refuses longer). @default 3540 */
  readonly lifetimeSeconds?: number;
}

/** A key-pair JWT for Snowflake (RS256). */
export function keypairJwt(input: JwtInput): string {
  const lifetime = input.lifetimeSeconds ?? 3540;
  if (lifetime > 3600) throw new Error("a Snowflake JWT lives at most 3600 seconds");
  const qualifiedUser = `${jwtAccount(input.account)}.${input.user.toUpperCase()}`;
  const claims = {
    iss: `${qualifiedUser}.${publicKeyFingerprint(input.privateKey)}`,
    sub: qualifiedUser,
    iat: input.nowSeconds,
    exp: input.nowSeconds + lifetime,
  };
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const signingInput = `${b64({ alg: "RS256", typ: "JWT" })}.${b64(claims)}`;
  return `${signingInput}.${sign("sha256", Buffer.from(signingInput), input.privateKey).toString("base64url")}`;
}

/** A private key from PEM text (PKCS#8, encrypted or not, or PKCS#1), with a clear error. */
export function privateKeyFrom(pem: string, passphrase?: string, where = "the private key"): KeyObject {
  try {
    const key = createPrivateKey({ key: pem, format: "pem", passphrase });
    if (key.asymmetricKeyType !== "rsa") throw new Error(`it is a ${key.asymmetricKeyType} key; Snowflake key-pair authentication takes RSA`);
    return key;
  } catch (err) {
    throw new Error(
      `${where} is not a usable RSA private key in PEM (${err instanceof Error ? err.message : String(err)})${passphrase === undefined ? "; if it is encrypted, set SNOWFLAKE_PRIVATE_KEY_PASSPHRASE" : ""}`,
    );
  }
}

// ---- connection settings ------------------------------------------------------------------------

export interface SnowflakeConnection {
  /** Account identifier: `ORG-ACCOUNT` (preferred) or an account locator. */
  readonly account: string;
  readonly user: string;
  readonly privateKey: KeyObject;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  /** Where the SQL API is. @default accountUrl(account) */
  readonly baseUrl?: string;
}

/** Settings given on the command line; each falls back to its environment variable, then to `defaults`. */
export interface SnowflakeSettings {
  readonly account?: string;
  readonly user?: string;
  readonly privateKeyFile?: string;
  readonly role?: string;
  readonly warehouse?: string;
}

/**
 * The command-line options of the operator commands that talk to Snowflake (backfill, restore), but
 * `role`, whose default differs by command. Values are `util.parseArgs` specs.
 */
export const SNOWFLAKE_OPTIONS = {
  "snowflake-account": {
    type: "string",
    value: "org-account",
    help: "Snowflake account (default: $SNOWFLAKE_ACCOUNT, else the config's account of the tenant's region)",
  },
  "snowflake-user": { type: "string", value: "user", help: "Snowflake user with key-pair authentication (default: $SNOWFLAKE_USER)" },
  "private-key-file": {
    type: "string",
    value: "path",
    help: "the user's RSA private key, PEM (default: $SNOWFLAKE_PRIVATE_KEY_FILE or $SNOWFLAKE_PRIVATE_KEY)",
  },
  warehouse: { type: "string", value: "name", help: "warehouse (default: $SNOWFLAKE_WAREHOUSE, else the environment's backfill warehouse)" },
} as const;

/** The settings those options (and `--role`) give, from parsed command-line values. */
export function snowflakeSettingsOf(values: Readonly<Record<string, unknown>>): SnowflakeSettings {
  const str = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  return {
    account: str("snowflake-account"),
    user: str("snowflake-user"),
    privateKeyFile: str("private-key-file"),
    role: str("role"),
    warehouse: str("warehouse"),
  };
}

/**
 * The environment variables read (documented in the README, "Backfill"): the same names as the
 * Snowflake Terraform provider's where it has them.
 */
export const SNOWFLAKE_ENV = {
  account: "SNOWFLAKE_ACCOUNT",
  user: "SNOWFLAKE_USER",
  privateKeyFile: "SNOWFLAKE_PRIVATE_KEY_FILE",
  privateKey: "SNOWFLAKE_PRIVATE_KEY",
  passphrase: "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
  role: "SNOWFLAKE_ROLE",
  warehouse: "SNOWFLAKE_WAREHOUSE",
  url: "SNOWFLAKE_SQL_API_URL",
} as const;

/**
 * A connection from options, then environment variables, then `defaults` (the command's own: the
 * config's account, the backfill role and warehouse); or the settings that are missing, named by
 * option and variable, when the user or the key is not given.
 */
export function snowflakeConnection(
  given: SnowflakeSettings,
  defaults: { readonly account?: string; readonly role?: string; readonly warehouse?: string; readonly database?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): SnowflakeConnection | { readonly missing: readonly string[] } {
  const account = given.account ?? env[SNOWFLAKE_ENV.account] ?? defaults.account;
  const user = given.user ?? env[SNOWFLAKE_ENV.user];
  const keyFile = given.privateKeyFile ?? env[SNOWFLAKE_ENV.privateKeyFile];
  const keyText = env[SNOWFLAKE_ENV.privateKey];
  const missing: string[] = [];
  if (!account) missing.push(`the account (--snowflake-account or ${SNOWFLAKE_ENV.account})`);
  if (!user) missing.push(`the user (--snowflake-user or ${SNOWFLAKE_ENV.user})`);
  if (!keyFile && !keyText) missing.push(`the private key (--private-key-file, ${SNOWFLAKE_ENV.privateKeyFile} or ${SNOWFLAKE_ENV.privateKey})`);
  if (missing.length > 0) return { missing };
  const passphrase = env[SNOWFLAKE_ENV.passphrase] || undefined;
  let pem: string;
  if (keyFile) {
    try {
      pem = readFileSync(keyFile, "utf8");
    } catch (err) {
      throw new Error(`cannot read the private key file ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  } else pem = keyText!;
  return {
    account: account!,
    user: user!,
    privateKey: privateKeyFrom(pem, passphrase, keyFile ? `the private key file ${keyFile}` : SNOWFLAKE_ENV.privateKey),
    role: given.role ?? env[SNOWFLAKE_ENV.role] ?? defaults.role,
    warehouse: given.warehouse ?? env[SNOWFLAKE_ENV.warehouse] ?? defaults.warehouse,
    database: defaults.database,
    baseUrl: env[SNOWFLAKE_ENV.url] || undefined,
  };
}

// ---- the client ---------------------------------------------------------------------------------

export interface SqlApiClientOptions {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default real time */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** First wait between polls of a running statement; it grows by half up to `maxPollMs`. @default 500 */
  readonly pollMs?: number;
  /** @default 5000 */
  readonly maxPollMs?: number;
  /** Resubmissions after 429, 5xx or a network error (with the same requestId, retry=true). @default 5 */
  readonly retries?: number;
  /** @default "security-lakehouse" */
  readonly userAgent?: string;
}

interface ResultSetBody {
  code?: string;
  message?: string;
  sqlState?: string;
  statementHandle?: string;
  resultSetMetaData?: { numRows?: number; rowType?: { name: string }[]; partitionInfo?: unknown[] };
  data?: SqlValue[][];
}

const RETRIED = new Set([429, 500, 502, 503, 504]);

/** `SqlClient` over Snowflake's SQL API v2. */
export class SnowflakeSqlApi implements SqlClient {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly baseUrl: string;
  private token: { jwt: string; expiresAtMs: number } | undefined;
  /** Statements submitted, for reports. */
  statements = 0;

  constructor(
    private readonly connection: SnowflakeConnection,
    private readonly options: SqlApiClientOptions = {},
  ) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.baseUrl = (connection.baseUrl ?? accountUrl(connection.account)).replace(/\/+$/, "");
  }

  private jwt(): string {
    const now = this.now();
    // A new token 5 minutes before the old one expires (clock skew, long polls).
    if (!this.token || this.token.expiresAtMs - 300_000 <= now) {
      const nowSeconds = Math.floor(now / 1000);
      this.token = {
        jwt: keypairJwt({ account: this.connection.account, user: this.connection.user, privateKey: this.connection.privateKey, nowSeconds }),
        expiresAtMs: (nowSeconds + 3540) * 1000,
      };
    }
    return this.token.jwt;
  }

  private headers(): Record<string, string> {
    return {
      Authorization: `Bearer ${this.jwt()}`,
      "X-Snowflake-Authorization-Token-Type": "KEYPAIR_JWT",
      "Content-Type": "application/json",
      Accept: "application/json",
      "User-Agent": this.options.userAgent ?? "security-lakehouse",
    };
  }

  /** One HTTP exchange, resent after 429/5xx/network errors; the parsed body and status. */
  private async exchange(
    describe: string,
    url: (attempt: number) => string,
    init: { method: "GET" | "POST"; body?: string },
  ): Promise<{ status: number; body: ResultSetBody }> {
    const retries = this.options.retries ?? 5;
    let wait = 1000;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetch(url(attempt), { method: init.method, headers: this.headers(), body: init.body });
      } catch (err) {
        if (attempt >= retries)
          throw new SnowflakeSqlError(`${describe}: ${this.baseUrl} did not answer (${err instanceof Error ? err.message : String(err)})`, 0);
        await this.sleep(wait);
        wait = Math.min(wait * 2, 30_000);
        continue;
      }
      const text = await response.text();
      if (RETRIED.has(response.status) && attempt < retries) {
        const after = Number(response.headers.get("retry-after"));
        await this.sleep(Number.isFinite(after) && after > 0 ? after * 1000 : wait);
        wait = Math.min(wait * 2, 30_000);
        continue;
      }
      let body: ResultSetBody = {};
      try {
        body = text ? (JSON.parse(text) as ResultSetBody) : {};
      } catch {
        if (response.ok)
          throw new SnowflakeSqlError(
            `${describe}: the SQL API answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
            response.status,
          );
      }
      if (response.status === 401 || response.status === 403) {
        throw new SnowflakeSqlError(
          `${describe}: Snowflake refused the key-pair JWT (HTTP ${response.status}${body.message ? `: ${body.message}` : ""}); is the user's RSA_PUBLIC_KEY the one of this private key (fingerprint ${publicKeyFingerprint(this.connection.privateKey)})?`,
          response.status,
          body.code,
        );
      }
      if (response.status !== 200 && response.status !== 202) {
        const what = body.message ?? (text.slice(0, 300) || "no message");
        throw new SnowflakeSqlError(
          `${describe}: ${what}${body.sqlState ? ` (SQL state ${body.sqlState}` + (body.code ? `, code ${body.code})` : ")") : ""}`,
          response.status,
          body.code,
          body.sqlState,
          body.statementHandle,
        );
      }
      return { status: response.status, body };
    }
  }

  async query(sql: string, binds?: readonly SqlBind[], options: QueryOptions = {}): Promise<SqlResult> {
    const c = this.connection;
    const requestId = randomUUID();
    const payload: Record<string, unknown> = { statement: sql };
    if (options.timeoutSeconds !== undefined) payload.timeout = options.timeoutSeconds;
    if (c.role) payload.role = c.role;
    if (c.warehouse) payload.warehouse = c.warehouse;
    if (c.database) payload.database = c.database;
    if (c.schema) payload.schema = c.schema;
    if (binds && binds.length > 0) payload.bindings = Object.fromEntries(binds.map((b, i) => [String(i + 1), bindingOf(b)]));
    if (options.queryTag) payload.parameters = { query_tag: options.queryTag };
    const first = sql.trim().split("\n")[0];
    const describe = `statement ${first.length > 60 ? `${first.slice(0, 60)}…` : first}`;
    this.statements++;
    // A resubmission keeps the requestId and says retry=true: Snowflake does not run it twice.
    let { status, body } = await this.exchange(
      describe,
      (attempt) => `${this.baseUrl}/api/v2/statements?requestId=${requestId}${attempt > 0 ? "&retry=true" : ""}`,
      {
        method: "POST",
        body: JSON.stringify(payload),
      },
    );
    let wait = this.options.pollMs ?? 500;
    while (status === 202) {
      const handle = body.statementHandle;
      if (!handle) throw new SnowflakeSqlError(`${describe}: the SQL API answered 202 without a statementHandle`, 202);
      await this.sleep(wait);
      wait = Math.min(Math.round(wait * 1.5), this.options.maxPollMs ?? 5000);
      ({ status, body } = await this.exchange(describe, () => `${this.baseUrl}/api/v2/statements/${encodeURIComponent(handle)}`, { method: "GET" }));
    }
    return this.resultOf(describe, body);
  }

  private async resultOf(describe: string, body: ResultSetBody): Promise<SqlResult> {
    const columns = (body.resultSetMetaData?.rowType ?? []).map((c) => c.name);
    const data: SqlValue[][] = [...(body.data ?? [])];
    const partitions = body.resultSetMetaData?.partitionInfo?.length ?? 1;
    for (let p = 1; p < partitions; p++) {
      const handle = body.statementHandle;
      if (!handle) throw new SnowflakeSqlError(`${describe}: a result in ${partitions} partitions without a statementHandle`, 200);
      const part = await this.exchange(`${describe} (partition ${p})`, () => `${this.baseUrl}/api/v2/statements/${encodeURIComponent(handle)}?partition=${p}`, {
        method: "GET",
      });
      data.push(...(part.body.data ?? []));
    }
    const expected = body.resultSetMetaData?.numRows;
    if (expected !== undefined && expected !== data.length)
      throw new SnowflakeSqlError(
        `${describe}: ${data.length} rows received of the ${expected} the result has`,
        200,
        body.code,
        body.sqlState,
        body.statementHandle,
      );
    const rows = data.map((values) => Object.fromEntries(columns.map((name, i) => [name, values[i] ?? null])));
    return { columns, rows, statementHandle: body.statementHandle };
  }
}

function bindingOf(value: SqlBind): { type: string; value: string | null } {
  if (value === null) return { type: "TEXT", value: null };
  if (typeof value === "boolean") return { type: "BOOLEAN", value: String(value) };
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot bind ${value}: not a finite number`);
    return { type: Number.isInteger(value) ? "FIXED" : "REAL", value: String(value) };
  }
  return { type: "TEXT", value };
}
