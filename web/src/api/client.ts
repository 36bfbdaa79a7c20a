/**
 * The one typed API client. Paths, parameters, bodies and answers come from schema.d.ts, which is generated from the
 * API's own /openapi.json (tools/web_api_types.py; a test fails when it drifts). Components never call fetch.
 */
import { ApiError, NetworkError, problemFromStatus, type Problem } from "./problem";
import type { components, paths } from "./schema";
import { currentAccessToken, setAccessToken } from "./tokens";

export type Schemas = components["schemas"];
type Method = "get" | "post" | "put" | "patch" | "delete";
type Operation<P extends keyof paths, M extends Method> = Exclude<paths[P][M], undefined>;
export type PathWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends undefined ? never : P;
}[keyof paths];

type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : undefined;
type Success<O> = O extends { responses: infer R }
  ? R extends { 200: infer A } ? JsonOf<A>
    : R extends { 201: infer A } ? JsonOf<A>
      : R extends { 202: infer A } ? JsonOf<A>
        : undefined
  : never;
type Parameters<O> = O extends { parameters: infer X } ? X : never;
type PathParams<O> = Parameters<O> extends { path: infer X } ? X : undefined;
type QueryParams<O> = Parameters<O> extends { query?: infer X } ? X : undefined;
type JsonBody<O> = O extends { requestBody?: { content: { "application/json": infer B } } } ? B : undefined;

/**
 * An operation's JSON answer and JSON body, named by method and path: screens use these rather than component names,
 * which follow the server's class names and may change without the wire format changing.
 */
export type ResponseOf<M extends Method, P extends PathWith<M>> = Success<Operation<P, M>>;
export type BodyOf<M extends Method, P extends PathWith<M>> = NonNullable<JsonBody<Operation<P, M>>>;

export interface CallOptions<O> {
  path?: PathParams<O>;
  query?: QueryParams<O>;
  body?: JsonBody<O>;
  /** A raw body with its content type (CSV import). */
  raw?: { body: BodyInit; contentType: string };
  /** Sent as If-Match: "<version>" (optimistic concurrency). */
  version?: number;
  /** Makes a write safe to retry (readings, payments). */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

const BASE = "/api";
/** Asks the API to set the refresh token as an HttpOnly cookie instead of returning it in the body. */
const TOKEN_TRANSPORT = { "X-Token-Transport": "cookie" } as const;

export function buildUrl(template: string, path?: object, query?: object): string {
  const filled = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = (path as Record<string, string | number | undefined> | undefined)?.[name];
    if (value === undefined || value === "") throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, string | number | boolean | null | undefined>)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const qs = search.toString();
  return BASE + filled + (qs ? `?${qs}` : "");
}

async function readProblem(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as Problem;
    if (parsed && typeof parsed.type === "string") return parsed;
  } catch {
    /* not JSON: described below */
  }
  return problemFromStatus(response.status, text);
}

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, credentials: "same-origin" });
  } catch (error) {
    if ((error as { name?: string }).name === "AbortError") throw error;
    throw new NetworkError(error);
  }
}

let refreshing: Promise<boolean> | null = null;

/** Renews the access token from the refresh cookie; one request at a time, however many calls are waiting. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const response = await send(`${BASE}/auth/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...TOKEN_TRANSPORT },
        body: "{}",
      });
      if (!response.ok) {
        setAccessToken(null);
        return false;
      }
      const tokens = (await response.json()) as { access_token: string };
      setAccessToken(tokens.access_token);
      return true;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export interface Answer<T> {
  data: T;
  status: number;
  headers: Headers;
}

export async function request<M extends Method, P extends PathWith<M>>(
  method: M,
  path: P,
  options: CallOptions<Operation<P, M>> = {},
): Promise<Answer<Success<Operation<P, M>>>> {
  const url = buildUrl(path, options.path ?? undefined, options.query ?? undefined);
  const attempt = async (): Promise<Response> => {
    const headers: Record<string, string> = { Accept: "application/json", ...TOKEN_TRANSPORT };
    const token = currentAccessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (options.version !== undefined) headers["If-Match"] = `"${options.version}"`;
    if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    let body: BodyInit | undefined;
    if (options.raw) {
      headers["Content-Type"] = options.raw.contentType;
      body = options.raw.body;
    } else if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    } else if (method !== "get") {
      headers["Content-Type"] = "application/json";
      body = "{}";
    }
    return send(url, { method: method.toUpperCase(), headers, body, signal: options.signal });
  };
  let response = await attempt();
  const isAuthCall = path.startsWith("/auth/login") || path.startsWith("/auth/refresh") || path.startsWith("/auth/mfa/verify");
  if (response.status === 401 && currentAccessToken() !== null && !isAuthCall && (await refreshSession())) {
    response = await attempt();
  }
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  const text = response.status === 204 ? "" : await response.text();
  const data = (text ? JSON.parse(text) : undefined) as Success<Operation<P, M>>;
  return { data, status: response.status, headers: response.headers };
}

/** The answer's JSON only: what most screens need. */
export async function call<M extends Method, P extends PathWith<M>>(
  method: M,
  path: P,
  options: CallOptions<Operation<P, M>> = {},
): Promise<Success<Operation<P, M>>> {
  return (await request(method, path, options)).data;
}

/** Reads every page of a cursor-paged list. */
export async function allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard += 1) {
    const answer = await page(cursor);
    items.push(...answer.items);
    if (!answer.next_cursor) break;
    cursor = answer.next_cursor;
  }
  return items;
}

/** Uploads a file with a short-lived ticket from the API (S3 presigned POST, or the local stage's signed PUT). */
export async function uploadWithTicket(ticket: ResponseOf<"post", "/groups/{group_id}/meters/{meter_id}/readings/{reading_id}/photo">, file: Blob): Promise<void> {
  let response: Response;
  if (ticket.method === "PUT") {
    response = await send(ticket.url, { method: "PUT", headers: ticket.headers, body: file });
  } else {
    const form = new FormData();
    for (const [name, value] of Object.entries(ticket.fields)) form.append(name, String(value));
    form.append("file", file);
    response = await send(ticket.url, { method: "POST", body: form });
  }
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
}
