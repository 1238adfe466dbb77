import { randomUUID } from "node:crypto";
import ky from "ky";
import type { Logger } from "pino";
import { AbortedError, ExporterError } from "../errors/exporter-error.js";
import { backoffDelay, parseRetryAfter, sleep } from "../net/backoff.js";
import { withExchangeTimeout } from "../net/exchange-timeout.js";
import { BodyTooLargeError, readBodyText } from "../net/read-body.js";
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

export interface PartnerCenterClientOptions {
  readonly baseUrl: string;
  readonly locale: string;
  readonly userAgent: string;
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
  readonly retryBackoffMs: number;
  readonly maxRetryAfterMs: number;
  readonly maxBodyBytes?: number;
  readonly tokens: AccessTokenSource;
  readonly observer: ApiObserver;
  readonly logger: Logger;
  readonly random?: () => number;
}

export interface RequestContext {
  /** One per poll: every request of a poll carries it. */
  readonly correlationId: string;
  readonly signal?: AbortSignal;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

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
    const { signal } = context;
    // MS-RequestId is an idempotency key: kept when retrying after no answer, renewed after any answer.
    let requestId = randomUUID();
    let retried401 = false;
    for (let attempt = 0; ; ) {
      const info: RequestInfo = {
        method: "GET",
        path,
        requestId,
        correlationId: context.correlationId,
      };
      const outcome = await this.#attempt(info, signal);
      if (outcome.kind === "ok") return outcome.body;
      if (outcome.answered) requestId = randomUUID();
      if (outcome.kind === "unauthorized" && !retried401) {
        // An access token can be revoked before it expires: refresh once, then retry.
        retried401 = true;
        continue;
      }
      const { failure } = outcome;
      if (!outcome.retryable || attempt >= this.#options.maxRetries) throw failure;
      const delay =
        outcome.retryAfterMs !== undefined
          ? Math.min(outcome.retryAfterMs, this.#options.maxRetryAfterMs)
          : backoffDelay(attempt, this.#options.retryBackoffMs, this.#options.random);
      this.#options.logger.debug(
        { attempt: attempt + 1, delayMs: delay, reason: failure.reason, error: failure.message },
        "retrying Partner Center request",
      );
      try {
        await sleep(delay, signal);
      } catch {
        // Cancelled while waiting: unless shutting down, what matters is why we were waiting.
        if (signal?.reason instanceof AbortedError) throw signal.reason;
        throw failure;
      }
      attempt++;
    }
  }

  async #attempt(info: RequestInfo, signal: AbortSignal | undefined): Promise<AttemptOutcome> {
    const { tokens } = this.#options;
    const endpoint = new URL(info.path, `${this.#options.baseUrl}/`).pathname;
    const accessToken = await tokens.getAccessToken(signal);
    return withExchangeTimeout(signal, this.#options.requestTimeoutMs, (requestSignal, timedOut) =>
      this.#exchange(info, accessToken, endpoint, requestSignal, signal, timedOut),
    );
  }

  async #exchange(
    info: RequestInfo,
    accessToken: string,
    endpoint: string,
    requestSignal: AbortSignal,
    signal: AbortSignal | undefined,
    timedOut: () => boolean,
  ): Promise<AttemptOutcome> {
    const { tokens, observer } = this.#options;
    let response: Response;
    try {
      response = await ky.get(`${this.#options.baseUrl}${info.path}`, {
        headers: {
          Authorization: `Bearer ${accessToken}`,
          Accept: "application/json",
          "MS-RequestId": info.requestId,
          "MS-CorrelationId": info.correlationId,
          "X-Locale": this.#options.locale,
          "User-Agent": this.#options.userAgent,
        },
        timeout: false,
        retry: 0,
        throwHttpErrors: false,
        redirect: "error",
        signal: requestSignal,
      });
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      const failure = timedOut()
        ? new ApiTimeoutError(info, this.#options.requestTimeoutMs)
        : new ApiNetworkError(info, error);
      observer.onRequest(endpoint, timedOut() ? "timeout" : "network");
      return { kind: "failed", failure, retryable: true, retryAfterMs: undefined, answered: false };
    }
    observer.onRequest(endpoint, String(response.status));
    let text: string;
    try {
      text = await readBodyText(response, this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (error instanceof BodyTooLargeError) {
        throw new InvalidResponseError(
          `${error.message} (far more than any real answer; refusing to hold it in memory)`,
          info,
        );
      }
      // The status line came but the body did not finish: timed out, or the connection broke.
      const failure = timedOut()
        ? new ApiTimeoutError(info, this.#options.requestTimeoutMs)
        : new ApiNetworkError(info, error);
      return { kind: "failed", failure, retryable: true, retryAfterMs: undefined, answered: true };
    }
    if (response.ok) return { kind: "ok", body: parseJson(text, response, info) };
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    const failure = new ApiHttpError(response.status, parseApiFault(text), info, retryAfterMs);
    if (response.status === 401) {
      tokens.invalidate(accessToken);
      return { kind: "unauthorized", failure, retryable: false, retryAfterMs, answered: true };
    }
    const retryable = isRetryableStatus(response.status);
    return { kind: "failed", failure, retryable, retryAfterMs, answered: true };
  }
}

type AttemptOutcome =
  | { readonly kind: "ok"; readonly body: unknown }
  | {
      readonly kind: "failed" | "unauthorized";
      readonly failure: ExporterError;
      readonly retryable: boolean;
      readonly retryAfterMs: number | undefined;
      /** An HTTP answer came back (so the next attempt gets a new MS-RequestId). */
      readonly answered: boolean;
    };

function abortReason(signal: AbortSignal): ExporterError {
  const reason: unknown = signal.reason;
  return reason instanceof ExporterError ? reason : new AbortedError();
}

function parseJson(text: string, response: Response, info: RequestInfo): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const type = response.headers.get("content-type") ?? "no content type";
    throw new InvalidResponseError(`body is not JSON (${type}, ${text.length} bytes)`, info);
  }
}
