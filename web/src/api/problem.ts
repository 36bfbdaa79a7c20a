import type { components } from "./schema";

export type Problem = components["schemas"]["Problem"];

/** An RFC 9457 problem the API answered with; `fieldErrors` maps each named field to its message. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }

  /** The stable problem code: the last path segment of `type` (`.../problems/version-conflict` -> `version-conflict`). */
  get code(): string {
    return this.problem.type.split("/").pop() ?? "";
  }

  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { field, detail } of this.problem.errors ?? []) if (!(field in out)) out[field] = detail;
    return out;
  }
}

/** The request never reached the API (offline, DNS, connection refused). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("network unavailable", { cause });
    this.name = "NetworkError";
  }
}

/** A problem for an answer that was not problem+json (a proxy's 502 page, say). */
export function problemFromStatus(status: number, text: string): Problem {
  return { type: "about:blank", title: `HTTP ${status}`, status, detail: text.slice(0, 200) || `HTTP ${status}`, correlation_id: "", errors: null };
}
