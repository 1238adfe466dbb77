import * as v from "valibot";
import { formatDuration } from "../config/duration.js";
import { ExporterError } from "../errors/exporter-error.js";
import { networkFailureWords } from "../net/network-words.js";

export interface RequestInfo {
  readonly method: string;
  /** Path and query only: never a token. */
  readonly path: string;
  readonly requestId: string;
  readonly correlationId: string;
}

/** Partner Center's error body: `{code, description, data, source}`, or the 429 shape `{statusCode, message}`. */
export interface ApiFault {
  readonly code: string | undefined;
  readonly description: string | undefined;
  readonly source: string | undefined;
}

export class ApiHttpError extends ExporterError {
  readonly reason: "throttled" | "http_error";
  constructor(
    readonly status: number,
    readonly fault: ApiFault,
    readonly request: RequestInfo,
    readonly retryAfterMs: number | undefined,
  ) {
    const detail = [fault.code && `code ${fault.code}`, fault.description]
      .filter(Boolean)
      .join(": ");
    super(
      `Partner Center answered ${status} to ${request.method} ${request.path}${detail ? ` (${detail})` : ""}`,
    );
    this.name = "ApiHttpError";
    this.reason = status === 429 ? "throttled" : "http_error";
  }
}

export class ApiTimeoutError extends ExporterError {
  readonly reason = "timeout";
  constructor(
    readonly request: RequestInfo,
    timeoutMs: number,
  ) {
    super(`no answer to ${request.method} ${request.path} within ${formatDuration(timeoutMs)}`);
    this.name = "ApiTimeoutError";
  }
}

export class ApiNetworkError extends ExporterError {
  readonly reason = "network";
  constructor(
    readonly request: RequestInfo,
    url: string,
    cause: unknown,
  ) {
    super(networkFailureWords(request.method, url, cause));
    this.name = "ApiNetworkError";
  }
}

/** The body was not what the API documents; `detail` says where and why. */
export class InvalidResponseError extends ExporterError {
  readonly reason = "invalid_response";
  constructor(
    readonly detail: string,
    readonly request?: RequestInfo,
  ) {
    super(
      `unexpected response${request ? ` to ${request.method} ${request.path}` : ""}: ${detail}`,
    );
    this.name = "InvalidResponseError";
  }
}

// A field of another type is as good as absent: the rest of the fault still tells something.
const code = v.fallback(v.optional(v.union([v.string(), v.number()])), undefined);
const words = v.fallback(v.optional(v.string()), undefined);
/** Both documented fault shapes, and what really comes (`code` a number). */
const faultBody = v.looseObject({
  code,
  description: words,
  source: words,
  statusCode: code,
  message: words,
});

/** Parses both documented error-body shapes; anything else yields an empty fault. */
export function parseApiFault(text: string): ApiFault {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { code: undefined, description: text.slice(0, 200) || undefined, source: undefined };
  }
  const result = v.safeParse(faultBody, body);
  if (!result.success) return { code: undefined, description: undefined, source: undefined };
  const fault = result.output;
  const str = (value: string | number | undefined) =>
    value === undefined ? undefined : String(value).slice(0, 1024);
  return {
    code: str(fault.code) ?? str(fault.statusCode),
    description: str(fault.description) ?? str(fault.message),
    source: str(fault.source),
  };
}
