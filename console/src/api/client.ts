/**
 * The HTTP core of the API client: same-origin requests under `/v1` carrying the session
 * cookie and the tenant/project scope headers, JSON in and out, errors as {@link ApiError}.
 */
import { ApiError, errorFromResponse, networkError } from "./errors";

/** The workspace and project a request acts in (`X-Tenant-Id`, `X-Project-Id`). */
export interface Scope {
  tenant?: string | null;
  project?: string | null;
}

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  signal?: AbortSignal;
}

/** The subset of `fetch` the client uses; tests pass a fake. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpClientOptions {
  /** Origin prefix; empty for same-origin (the console is served by the API server). */
  baseUrl?: string;
  /** Read at every request, so switching workspace or project takes effect at once. */
  getScope?: () => Scope;
  fetch?: FetchLike;
}

/** Builds `/v1/...` URLs with an encoded query string, skipping unset values. */
export function buildUrl(baseUrl: string, path: string, query?: RequestOptions["query"]): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return `${baseUrl}/v1${path}${qs ? `?${qs}` : ""}`;
}

/** Encodes one path segment (ids come from the server or the URL bar and may hold anything). */
export const seg = (s: string | number): string => encodeURIComponent(String(s));

export class HttpClient {
  private readonly baseUrl: string;
  private readonly getScope: () => Scope;
  private readonly fetchImpl: FetchLike;

  constructor(opts: HttpClientOptions = {}) {
    this.baseUrl = opts.baseUrl ?? "";
    this.getScope = opts.getScope ?? (() => ({}));
    // Bound so `this` is the global object, as browsers require for fetch.
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The scope headers every request carries, with `accept` as the wanted answer. */
  private headers(accept: string): Record<string, string> {
    const headers: Record<string, string> = { Accept: accept };
    const scope = this.getScope();
    if (scope.tenant) headers["X-Tenant-Id"] = scope.tenant;
    if (scope.project) headers["X-Project-Id"] = scope.project;
    return headers;
  }

  /**
   * Opens a Server-Sent Events stream (`GET`, `Accept: text/event-stream`) and returns its
   * body once the server has accepted it. Read with `fetch` rather than `EventSource`, which
   * cannot send the scope headers; a refusal (403, 404, …) is thrown as an {@link ApiError}.
   */
  async openEventStream(path: string, opts: Omit<RequestOptions, "body"> = {}): Promise<ReadableStream<Uint8Array>> {
    let response: Response;
    try {
      response = await this.fetchImpl(buildUrl(this.baseUrl, path, opts.query), {
        method: "GET",
        headers: this.headers("text/event-stream"),
        credentials: "same-origin",
        signal: opts.signal,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      throw networkError(err);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => "");
      let decoded: unknown = text;
      try {
        decoded = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: the raw text is the body
      }
      throw errorFromResponse(response.status, decoded);
    }
    if (!response.body) throw new ApiError("bad_response", response.status, "The server sent an empty stream.");
    return response.body;
  }

  /** Sends one request and decodes the JSON answer (`undefined` for 204 / empty bodies). */
  async request<T>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers = this.headers("application/json");
    const init: RequestInit = {
      method,
      headers,
      // The session cookie; the browser adds `Origin` to writes, which the server's CSRF
      // check requires (docs/contract.md §9).
      credentials: "same-origin",
      signal: opts.signal,
    };
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }

    let response: Response;
    try {
      response = await this.fetchImpl(buildUrl(this.baseUrl, path, opts.query), init);
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      throw networkError(err);
    }

    const text = await response.text().catch(() => "");
    let decoded: unknown = undefined;
    if (text !== "") {
      try {
        decoded = JSON.parse(text);
      } catch {
        if (response.ok) {
          throw new ApiError("bad_response", response.status, "The server sent a response that is not JSON.", text);
        }
        decoded = text;
      }
    }
    if (!response.ok) throw errorFromResponse(response.status, decoded);
    return decoded as T;
  }
}
