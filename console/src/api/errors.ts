/**
 * Errors the API client raises. Every failure becomes an {@link ApiError} whose `message` is
 * fit to show next to the control the user acted on.
 */

/** What kind of failure it was, so a screen can react (e.g. send the user to sign in). */
export type ApiErrorKind =
  | "network" // the server could not be reached
  | "unauthenticated" // 401: no or expired session
  | "forbidden" // 403: role or token scope does not allow it
  | "not_found" // 404: missing or not visible
  | "conflict" // 409
  | "invalid" // 422: validation (graph, bindings, billing, input schema)
  | "rate_limited" // 429
  | "server" // 5xx
  | "bad_response" // the server answered something that is not the expected JSON
  | "other";

/** A failed API call, carrying the server's `{"error": "…"}` message when it sent one. */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** The decoded error body (it may carry more fields than `error`, e.g. `issues`). */
  readonly body: unknown;

  constructor(kind: ApiErrorKind, status: number, message: string, body?: unknown) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.status = status;
    this.body = body;
  }
}

/** Maps an HTTP status to the kind of failure. */
export function kindOfStatus(status: number): ApiErrorKind {
  switch (status) {
    case 401:
      return "unauthenticated";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 422:
      return "invalid";
    case 429:
      return "rate_limited";
    default:
      return status >= 500 ? "server" : "other";
  }
}

/** Words to show when the server sent no message of its own. */
const FALLBACK_MESSAGES: Record<ApiErrorKind, string> = {
  network: "Cannot reach the server. Check your connection and try again.",
  unauthenticated: "Your session has ended. Sign in again.",
  forbidden: "You do not have permission to do this in this project.",
  not_found: "Not found. It may have been deleted, or you may not have access to it.",
  conflict: "This was changed by someone else in the meantime. Reload and try again.",
  invalid: "The server refused the request as invalid.",
  rate_limited: "Too many requests. Wait a moment and try again.",
  server: "The server failed to handle the request. Try again; if it keeps failing, check the server logs.",
  bad_response: "The server sent an unexpected response.",
  other: "The request failed.",
};

/**
 * Builds the error for a non-2xx response from its status and decoded body (or raw text).
 * The server's `error` string wins over the generic wording.
 */
export function errorFromResponse(status: number, body: unknown): ApiError {
  const kind = kindOfStatus(status);
  let message: string | undefined;
  if (body && typeof body === "object" && "error" in body) {
    const e = (body as { error: unknown }).error;
    if (typeof e === "string" && e.trim() !== "") message = e;
  }
  return new ApiError(kind, status, message ?? `${FALLBACK_MESSAGES[kind]} (HTTP ${status})`, body);
}

/** The error for a request that never got a response. */
export function networkError(cause: unknown): ApiError {
  const detail = cause instanceof Error && cause.message ? ` (${cause.message})` : "";
  return new ApiError("network", 0, FALLBACK_MESSAGES.network + detail);
}

/** A message for any thrown value, for components that catch broadly. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
