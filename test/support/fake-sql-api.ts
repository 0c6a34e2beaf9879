import { KeyObject, createHash, verify } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { startServer, send, type RunningServer } from "../runtime/support/http-server";

/**
 * A local HTTP server that speaks Snowflake's SQL API v2 shapes: it checks the key-pair JWT (headers,
 * RS256 signature with the registered public key, iss/sub/iat/exp) the way the service describes it,
 * and answers statements with what the test scripts — a result (in partitions), a statement that
 * runs for some polls (202 + statementHandle), or a failure (422).
 */
export interface StatementRequest {
  readonly statement: string;
  readonly bindings?: Record<string, { type: string; value: string | null }>;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly timeout?: number;
  readonly parameters?: Record<string, string>;
  readonly requestId: string | null;
  readonly retry: boolean;
}

export type ScriptedAnswer =
  | {
      readonly kind: "result";
      readonly columns: readonly string[];
      readonly rows: readonly (string | null)[][];
      readonly partitionSize?: number;
      readonly polls?: number;
    }
  | { readonly kind: "error"; readonly status: number; readonly code: string; readonly sqlState: string; readonly message: string; readonly polls?: number }
  | { readonly kind: "fault"; readonly status: number; readonly headers?: Record<string, string> };

export interface FakeSqlApi extends RunningServer {
  readonly requests: StatementRequest[];
  /** Every JWT the server accepted, decoded. */
  readonly tokens: { header: Record<string, unknown>; claims: Record<string, unknown> }[];
  readonly polls: number;
  readonly partitionsServed: number;
}

export interface FakeSqlApiOptions {
  /** The account and user the JWT must name (upper case), and the user's registered public key. */
  readonly account: string;
  readonly user: string;
  readonly publicKey: KeyObject;
  readonly answer: (request: StatementRequest, index: number) => ScriptedAnswer | Promise<ScriptedAnswer>;
  /** Seconds since the epoch, for checking iat/exp. @default real time */
  readonly nowSeconds?: () => number;
}

function fingerprint(key: KeyObject): string {
  return `SHA256:${createHash("sha256")
    .update(key.export({ type: "spki", format: "der" }))
    .digest("base64")}`;
}

export async function startFakeSqlApi(options: FakeSqlApiOptions): Promise<FakeSqlApi> {
  const requests: StatementRequest[] = [];
  const tokens: { header: Record<string, unknown>; claims: Record<string, unknown> }[] = [];
  const running = new Map<string, { answer: ScriptedAnswer; pollsLeft: number }>();
  let handles = 0;
  let polls = 0;
  let partitionsServed = 0;
  const now = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const expectedSub = `${options.account}.${options.user}`;
  const expectedIss = `${expectedSub}.${fingerprint(options.publicKey)}`;

  /** Why the request's credentials are refused, or undefined. */
  function authProblem(req: IncomingMessage): string | undefined {
    if (req.headers["x-snowflake-authorization-token-type"] !== "KEYPAIR_JWT") return "X-Snowflake-Authorization-Token-Type is not KEYPAIR_JWT";
    const auth = req.headers.authorization ?? "";
    if (!auth.startsWith("Bearer ")) return "no Bearer token";
    const [h, c, s] = auth.slice(7).split(".");
    if (!h || !c || !s) return "not a JWT";
    const header = JSON.parse(Buffer.from(h, "base64url").toString()) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(c, "base64url").toString()) as Record<string, unknown>;
    if (header.alg !== "RS256") return `alg ${String(header.alg)}`;
    if (!verify("sha256", Buffer.from(`${h}.${c}`), options.publicKey, Buffer.from(s, "base64url")))
      return "JWT signature does not verify with the user's public key";
    if (claims.iss !== expectedIss) return `iss ${String(claims.iss)} is not ${expectedIss}`;
    if (claims.sub !== expectedSub) return `sub ${String(claims.sub)} is not ${expectedSub}`;
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (!(iat <= now() + 60 && exp > now() && exp - iat <= 3600)) return `iat/exp out of bounds (${iat}, ${exp})`;
    tokens.push({ header, claims });
    return undefined;
  }

  function resultSet(handle: string, answer: Extract<ScriptedAnswer, { kind: "result" }>, partition: number | undefined) {
    const size = answer.partitionSize ?? Math.max(answer.rows.length, 1);
    const parts: (string | null)[][][] = [];
    for (let i = 0; i < answer.rows.length; i += size) parts.push(answer.rows.slice(i, i + size));
    if (parts.length === 0) parts.push([]);
    if (partition !== undefined) {
      partitionsServed++;
      return { data: parts[partition] };
    }
    return {
      resultSetMetaData: {
        numRows: answer.rows.length,
        format: "jsonv2",
        rowType: answer.columns.map((name) => ({ name, type: "text", nullable: true })),
        partitionInfo: parts.map((p) => ({ rowCount: p.length, uncompressedSize: JSON.stringify(p).length })),
      },
      data: parts[0],
      code: "090001",
      statementStatusUrl: `/api/v2/statements/${handle}`,
      sqlState: "00000",
      statementHandle: handle,
      message: "Statement executed successfully.",
    };
  }

  function final(res: ServerResponse, handle: string, answer: ScriptedAnswer, partition?: number): void {
    if (answer.kind === "error") send(res, answer.status, { code: answer.code, sqlState: answer.sqlState, message: answer.message, statementHandle: handle });
    else if (answer.kind === "result") send(res, 200, resultSet(handle, answer, partition));
  }

  const server = await startServer(async (req, body, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const problem = authProblem(req);
    if (problem) return send(res, 401, { code: "390144", message: `JWT token is invalid: ${problem}` });
    if (req.method === "POST" && url.pathname === "/api/v2/statements") {
      const parsed = JSON.parse(body) as Omit<StatementRequest, "requestId" | "retry">;
      const request: StatementRequest = { ...parsed, requestId: url.searchParams.get("requestId"), retry: url.searchParams.get("retry") === "true" };
      requests.push(request);
      const answer = await options.answer(request, requests.length - 1);
      if (answer.kind === "fault") return send(res, answer.status, { message: "try again" }, answer.headers);
      const handle = `01b2c3d4-0000-${String(++handles).padStart(4, "0")}-0000-000000000000`;
      if ((answer.polls ?? 0) > 0) {
        running.set(handle, { answer, pollsLeft: answer.polls! });
        return send(res, 202, {
          code: "333334",
          message: "Asynchronous execution in progress.",
          statementHandle: handle,
          statementStatusUrl: `/api/v2/statements/${handle}`,
        });
      }
      running.set(handle, { answer, pollsLeft: 0 });
      return final(res, handle, answer);
    }
    const m = /^\/api\/v2\/statements\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && m) {
      const entry = running.get(m[1]);
      if (!entry) return send(res, 404, { message: `no statement ${m[1]}` });
      const partition = url.searchParams.get("partition");
      if (partition !== null) return final(res, m[1], entry.answer, Number(partition));
      polls++;
      if (entry.pollsLeft > 0) {
        entry.pollsLeft--;
        return send(res, 202, {
          code: "333334",
          message: "Asynchronous execution in progress.",
          statementHandle: m[1],
          statementStatusUrl: `/api/v2/statements/${m[1]}`,
        });
      }
      return final(res, m[1], entry.answer);
    }
    send(res, 404, { message: `no route ${req.method} ${url.pathname}` });
  });

  return {
    ...server,
    requests,
    tokens,
    get polls() {
      return polls;
    },
    get partitionsServed() {
      return partitionsServed;
    },
  };
}
