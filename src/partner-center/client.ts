import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { formatDuration } from "../config/duration.js";
import { AbortedError, type ExporterError } from "../errors/exporter-error.js";
import { RedirectError } from "../errors/redirect-error.js";
import { parseRetryAfter } from "../net/backoff.js";
import { type Answer, exchange, type HttpPolicy, type Outcome } from "../net/exchange.js";
import {
  ApiHttpError,
  ApiNetworkError,
  ApiTimeoutError,
  InvalidResponseError,
  parseApiFault,
  type RequestInfo,
} from "./errors.js";

export interface AccessTokenSource {
  getAccessToken(signal?: AbortSignal): Promise<string>;
  invalidate(accessToken: string): void;
}

export interface ApiObserver {
  /** `code` is the HTTP status, or `timeout` / `network` when no answer came. */
  onRequest(endpoint: string, code: string): void;
}

export interface PartnerCenterClientOptions extends HttpPolicy {
  readonly baseUrl: string;
  readonly locale: string;
  readonly maxBodyBytes?: number;
  readonly tokens: AccessTokenSource;
  readonly observer: ApiObserver;
  readonly logger: Logger;
}

export interface RequestContext {
  /** One per poll: every request of a poll carries it. */
  readonly correlationId: string;
  readonly signal?: AbortSignal;
  /** The endpoint as the request metric names it (a path template); default: the path. */
  readonly endpoint?: string;
  /** More request headers (a continuation token, say). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Awaited before every attempt, retries included (a collector's request pace). */
  readonly beforeAttempt?: (signal?: AbortSignal) => Promise<void>;
  /** Every attempt's outcome, as the request metric counts it (a 429 slows a crawl down). */
  readonly onAttempt?: (code: string) => void;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Talks to the Partner Center REST API: documented headers, per-request timeout, retries with
 * backoff and jitter honouring Retry-After, one token refresh on a 401, typed errors.
 */
export class PartnerCenterClient {
  readonly #options: PartnerCenterClientOptions;

  constructor(options: PartnerCenterClientOptions) {
    this.#options = options;
  }

  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  /** GETs `path` (relative to the base URL) and returns the parsed JSON body. */
  async getJson(path: string, context: RequestContext): Promise<unknown> {
    return (await this.getJsonBody(path, context)).parse();
  }

  /** GETs `path` and returns its JSON body unparsed: whole with parse(), or a part at a time. */
  async getJsonBody(path: string, context: RequestContext): Promise<JsonBody> {
    const { tokens, observer, logger } = this.#options;
    const endpoint = context.endpoint ?? new URL(path, `${this.#options.baseUrl}/`).pathname;
    // MS-RequestId is an idempotency key: kept when retrying after no answer, renewed after any answer.
    const info = {
      method: "GET",
      path,
      requestId: randomUUID(),
      correlationId: context.correlationId,
    };
    let accessToken = "";
    const answer = await exchange(this.#options, {
      url: `${this.#options.baseUrl}${path}`,
      method: "GET",
      headers: {
        Accept: "application/json",
        "MS-CorrelationId": context.correlationId,
        "X-Locale": this.#options.locale,
        ...context.headers,
      },
      ...(context.signal !== undefined ? { signal: context.signal } : {}),
      maxBodyBytes: this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      perAttempt: async (answeredBefore) => {
        await context.beforeAttempt?.(context.signal);
        accessToken = await tokens.getAccessToken(context.signal);
        // MS-RequestId is an idempotency key: kept when retrying after no answer, renewed after any.
        if (answeredBefore) info.requestId = randomUUID();
        return { Authorization: `Bearer ${accessToken}`, "MS-RequestId": info.requestId };
      },
      // An access token can be revoked before it expires: refresh once, then retry.
      againOn401: () => {
        tokens.invalidate(accessToken);
        return true;
      },
      onAttempt: (code) => {
        observer.onRequest(endpoint, code);
        context.onAttempt?.(code);
      },
      onRetry: ({ attempt, delayMs, why }) => {
        logger.debug(
          { attempt, delay: formatDuration(delayMs), reason: why.reason, error: why.message },
          "retrying Partner Center request",
        );
      },
      failure: (outcome) => this.#failure(outcome, { ...info }),
      cancelled: () => new AbortedError(),
    });
    return jsonBody(answer, { ...info });
  }

  /** The typed error for an attempt that came to nothing usable. */
  #failure(outcome: Outcome, info: RequestInfo): ExporterError {
    if ("status" in outcome) {
      const retryAfterMs = parseRetryAfter(outcome.headers.get("retry-after"));
      return new ApiHttpError(outcome.status, parseApiFault(outcome.text), info, retryAfterMs);
    }
    switch (outcome.kind) {
      case "timeout":
        return new ApiTimeoutError(info, this.#options.requestTimeoutMs);
      case "too_large":
        return new InvalidResponseError(
          `response body exceeds ${outcome.limitBytes} bytes (far more than any real answer; refusing to hold it in memory)`,
          info,
        );
      case "undecodable":
        return new InvalidResponseError(outcome.cause.message, info);
      case "network":
        return new ApiNetworkError(info, `${this.#options.baseUrl}${info.path}`, outcome.cause);
      case "redirect":
        return new RedirectError(outcome.refused, "Partner Center", "PARTNER_CENTER_URL");
    }
  }
}

/** A 2xx answer's body, to be parsed as JSON: whole, or (its bytes) a part at a time. */
export interface JsonBody {
  readonly bytes: Uint8Array;
  /** The body parsed whole; InvalidResponseError when it is not JSON. */
  parse(): unknown;
  /** The error for a body (or a part of it) that is not JSON. */
  notJson(): InvalidResponseError;
}

export function jsonBody(answer: Answer, info: RequestInfo): JsonBody {
  const notJson = (): InvalidResponseError => {
    const type = answer.headers.get("content-type") ?? "no content type";
    return new InvalidResponseError(
      `body is not JSON (${type}, ${answer.text.length} bytes)`,
      info,
    );
  };
  return {
    bytes: answer.bytes,
    parse: () => {
      try {
        return JSON.parse(answer.text);
      } catch {
        throw notJson();
      }
    },
    notJson,
  };
}
