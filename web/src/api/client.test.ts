import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signIn } from "../accounts/api";
import { buildUrl, call, request } from "./client";
import { ApiError, NetworkError } from "./problem";
import { currentAccessToken, currentUserId, setAccessToken } from "./tokens";

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  credentials: RequestCredentials | undefined;
}

/** A stand-in for the network (the one boundary a unit test cannot reach): answers queued per request. */
let answers: (() => Response)[] = [];
let seen: Seen[] = [];
const realFetch = globalThis.fetch;

function json(status: number, body: unknown, headers: Record<string, string> = {}): () => Response {
  return () => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

beforeEach(() => {
  answers = [];
  seen = [];
  setAccessToken(null);
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push({
      url: typeof input === "string" ? input : input instanceof URL ? input.href : input.url, method: init?.method ?? "GET", headers: { ...(init?.headers as Record<string, string>) },
      body: init?.body as string | undefined, credentials: init?.credentials,
    });
    const next = answers.shift();
    if (!next) return Promise.reject(new TypeError("Failed to fetch"));
    return Promise.resolve(next());
  };
});
afterEach(() => {
  globalThis.fetch = realFetch;
});

describe("the session in memory", () => {
  it("knows the signed-in user from the access token's sub claim, and nobody without a token", () => {
    const claims = btoa(JSON.stringify({ sub: "user-42", exp: 1 })).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    setAccessToken(`header.${claims}.signature`);
    expect(currentUserId()).toBe("user-42");
    setAccessToken("not-a-jwt");
    expect(currentUserId()).toBeNull();
    setAccessToken(null);
    expect(currentUserId()).toBeNull();
  });
});

describe("URLs", () => {
  it("fills and escapes path parameters under /api and drops empty query values", () => {
    expect(buildUrl("/groups/{group_id}/meters/{meter_id}", { group_id: "g 1", meter_id: "m/2" }, { limit: 5, cursor: undefined, x: "" }))
      .toBe("/api/groups/g%201/meters/m%2F2?limit=5");
    expect(() => buildUrl("/groups/{group_id}", {})).toThrow("group_id");
  });
});

describe("the typed client", () => {
  it("asks for the cookie transport, keeps the access token in memory only and drops a refresh token in the body", async () => {
    answers.push(json(200, { access_token: "A1", refresh_token: "R-must-not-stay", token_type: "bearer", expires_in: 900 }));
    expect(await signIn("ann@example.org", "pw")).toBeNull();
    expect(seen[0]?.headers["X-Token-Transport"]).toBe("cookie");
    expect(seen[0]?.credentials).toBe("same-origin");
    expect(currentAccessToken()).toBe("A1");
    expect(JSON.stringify(globalThis.localStorage ?? {})).not.toContain("R-must-not-stay");
  });

  it("sends the bearer token, If-Match and Idempotency-Key", async () => {
    setAccessToken("A1");
    answers.push(json(200, { id: "g" }));
    await request("patch", "/groups/{group_id}", { path: { group_id: "g" }, body: { name: "x" }, version: 3, idempotencyKey: "key-12345678" });
    expect(seen[0]?.headers).toMatchObject({ Authorization: "Bearer A1", "If-Match": '"3"', "Idempotency-Key": "key-12345678", "Content-Type": "application/json" });
    expect(seen[0]?.body).toBe('{"name":"x"}');
  });

  it("renews an expired access token once from the cookie and repeats the call", async () => {
    setAccessToken("old");
    answers.push(json(401, { type: "https://sharemeter.dev/problems/token-expired", title: "t", status: 401, detail: "expired", correlation_id: "c" }));
    answers.push(json(200, { access_token: "new", token_type: "bearer", expires_in: 900 }));
    answers.push(json(200, { items: [], next_cursor: null }));
    await call("get", "/groups", {});
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(["GET /api/groups", "POST /api/auth/refresh", "GET /api/groups"]);
    expect(seen[1]?.body).toBe("{}");
    expect(seen[2]?.headers.Authorization).toBe("Bearer new");
  });

  it("signs out when the refresh cookie is refused", async () => {
    setAccessToken("old");
    answers.push(json(401, { type: "x/unauthorized", title: "t", status: 401, detail: "expired", correlation_id: "c" }));
    answers.push(json(401, { type: "x/unauthorized", title: "t", status: 401, detail: "no session", correlation_id: "c" }));
    await expect(call("get", "/me", {})).rejects.toBeInstanceOf(ApiError);
    expect(currentAccessToken()).toBeNull();
  });

  it("turns problem+json into an ApiError with field errors and its stable code", async () => {
    answers.push(json(400, {
      type: "https://sharemeter.dev/problems/validation-failed", title: "Invalid request", status: 400, detail: "bad",
      correlation_id: "c", errors: [{ field: "email", detail: "not an email" }],
    }));
    const error = await call("post", "/auth/register", { body: { email: "x", password: "p", name: "n" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("validation-failed");
    expect((error as ApiError).fieldErrors).toEqual({ email: "not an email" });
  });

  it("reports an unreachable network as a NetworkError, a non-JSON failure as a problem", async () => {
    await expect(call("get", "/health", {})).rejects.toBeInstanceOf(NetworkError);
    answers.push(() => new Response("<html>Bad gateway</html>", { status: 502 }));
    const error = await call("get", "/health", {}).catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(502);
  });
});
