// The typed API client (openapi-fetch over the generated schema) and what every call shares: the CSRF
// header on writes, problem+json errors turned into ApiError with a message a person can act on.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

export const CSRF_COOKIE = "runcoach_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function readCookie(name: string, cookies: string = globalThis.document?.cookie ?? ""): string | null {
  for (const part of cookies.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

/** Headers a cookie-authenticated write needs (the double-submit CSRF token). */
export function csrfHeaders(): Record<string, string> {
  const token = readCookie(CSRF_COOKIE);
  return token ? { [CSRF_HEADER]: token } : {};
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null, fallback: string) {
    super(problem ? describeProblem(problem) : fallback);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }
}

/** The problem's own words, plus which fields were wrong when the input was invalid. */
export function describeProblem(problem: Problem): string {
  const errors = (problem as Problem & { errors?: { field: string; message: string }[] }).errors;
  if (!errors?.length) return problem.detail;
  const fields = errors.map((e) => `${e.field.replace(/^(body|query|path)\./, "")}: ${e.message}`);
  return `${problem.detail} (${fields.join("; ")})`;
}

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "detail" in value && "status" in value;
}

/** Reads an error response (problem+json or not) into an ApiError. */
export async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const fallback =
    response.status >= 500
      ? "The server had a problem. Try again in a moment."
      : `The request failed (${response.status} ${response.statusText}).`;
  return new ApiError(response.status, isProblem(body) ? body : null, fallback);
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (UNSAFE.has(request.method)) {
      for (const [key, value] of Object.entries(csrfHeaders())) request.headers.set(key, value);
    }
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(csrf);

/** `await unwrap(api.GET(...))`: the data, or an ApiError carrying the server's problem details. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const problem = isProblem(error) ? error : null;
    throw new ApiError(response.status, problem, `The request failed (${response.status}).`);
  }
  return data as T;
}

/** fetch() for what the typed client cannot express (streams, multipart), with the same CSRF header. */
export function rawFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const method = (init.method ?? "GET").toUpperCase();
  const headers = new Headers(init.headers);
  if (UNSAFE.has(method)) for (const [k, v] of Object.entries(csrfHeaders())) headers.set(k, v);
  return fetch(path, { credentials: "same-origin", ...init, headers });
}
