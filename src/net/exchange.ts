import ky from "ky";
import { AbortedError, ExporterError } from "../errors/exporter-error.js";
import { backoffDelay, parseRetryAfter, sleep } from "./backoff.js";
import { linkedAbort } from "./linked-abort.js";
import { type ProxySettings, proxyFor, throughProxy } from "./proxy.js";
import { BodyTooLargeError, readBodyBytes, textOf, UndecodableBodyError } from "./read-body.js";
import { isRedirect, RedirectRefused } from "./redirect.js";

/** How the exporter talks HTTP to Microsoft: one policy for the API and the token authority. */
export interface HttpPolicy {
  /** One attempt, body included. */
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
  /** First retry delay; doubles per retry, with jitter, up to 30 s. */
  readonly retryBackoffMs: number;
  /** Cap on the wait a Retry-After asks for. */
  readonly maxRetryAfterMs: number;
  readonly userAgent: string;
  /** Outbound proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY); none: every request goes direct. */
  readonly proxy?: ProxySettings;
  /** For tests: the jitter's randomness. */
  readonly random?: () => number;
}

/** The policy from the settings that make it: one object for every client, built in one place. */
export function httpPolicy(
  settings: Pick<
    HttpPolicy,
    "requestTimeoutMs" | "maxRetries" | "retryBackoffMs" | "maxRetryAfterMs"
  >,
  userAgent: string,
  proxy?: ProxySettings,
): HttpPolicy {
  const { requestTimeoutMs, maxRetries, retryBackoffMs, maxRetryAfterMs } = settings;
  const policy = { requestTimeoutMs, maxRetries, retryBackoffMs, maxRetryAfterMs, userAgent };
  return proxy === undefined ? policy : { ...policy, proxy };
}

/** An HTTP answer, read whole: its body as bytes and as text (readBodyBytes dropped a BOM). */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Uint8Array;
  /** Decoded when first read (a large page may never be, read a part at a time from bytes). */
  readonly text: string;
}

/** Why an attempt has no answer to give. */
export type Failure =
  | { readonly kind: "timeout" }
  | { readonly kind: "network"; readonly cause: unknown }
  | { readonly kind: "too_large"; readonly limitBytes: number }
  | { readonly kind: "undecodable"; readonly cause: UndecodableBodyError }
  /** A redirect answer, never followed: every request carries a credential. */
  | { readonly kind: "redirect"; readonly refused: RedirectRefused };

/** What an attempt came to. */
export type Outcome = Failure | Answer;

/**
 * 408, 429 and every 5xx are worth asking again for (the .NET SDK retries 5xx too), at the API
 * and at the token authority alike; a Retry-After on them is honoured.
 */
export const RETRY_STATUSES: readonly number[] = [
  408,
  429,
  ...Array.from({ length: 100 }, (_, i) => 500 + i),
];

/** A retry about to be waited for. */
export interface RetryNotice {
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** Why: the attempt's outcome in the caller's words. */
  readonly why: ExporterError;
}

/** An exchange, and the caller's words for what can come of it. */
export interface ExchangeRequest {
  readonly url: string;
  readonly method: "GET" | "POST";
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: URLSearchParams;
  readonly signal?: AbortSignal;
  readonly maxBodyBytes: number;
  /**
   * Before each attempt: the headers only it carries (a fresh bearer token, a request id);
   * `answeredBefore` when the attempt before it got an HTTP answer. What it throws ends the
   * exchange as it is (no access token, say).
   */
  readonly perAttempt?: (answeredBefore: boolean) => Promise<Record<string, string>>;
  /**
   * A 401: whether to try once more at once, outside the retry budget (after the caller
   * dropped the access token it had sent). Asked once per exchange.
   */
  readonly againOn401?: () => boolean;
  /** Every attempt, as the request metric counts it: its status, or `timeout` / `network`. */
  readonly onAttempt?: (code: string) => void;
  /** A retry is decided, before its wait. */
  readonly onRetry?: (notice: RetryNotice) => void;
  /** The caller's error for an outcome that is not a 2xx answer. */
  readonly failure: (outcome: Outcome) => ExporterError;
  /** The caller's error when its signal ends the exchange before any outcome. */
  readonly cancelled: () => ExporterError;
}

/**
 * One HTTP exchange, one attempt at a time, ky sending each (never retrying, never following a
 * redirect). The loop here owns the rest: the per-attempt headers, the timeout (the body read
 * included), what each outcome is, and whether to ask again: RETRY_STATUSES, timeouts and network
 * failures up to maxRetries times, waiting Retry-After (capped) or a backoff with equal jitter;
 * one more at once after a 401 when the caller asks. Resolves with a 2xx answer; rejects with the
 * caller's failure() for anything else, or, cancelled, with the signal's ExporterError reason,
 * else failure() of what it was waiting out, else cancelled().
 */
export async function exchange(policy: HttpPolicy, request: ExchangeRequest): Promise<Answer> {
  let last: Outcome | undefined;
  let retries = 0;
  let renewed = false;
  for (;;) {
    const headers = (await request.perAttempt?.(last !== undefined && "status" in last)) ?? {};
    const outcome = await attempt(policy, request, headers);
    if (outcome === undefined) throw cancelled(request, last);
    last = outcome;
    if ("status" in outcome && outcome.status >= 200 && outcome.status < 300) return outcome;
    if ("status" in outcome && outcome.status === 401 && !renewed && request.againOn401?.()) {
      renewed = true;
      continue;
    }
    const delayMs = retryDelay(outcome, retries, policy);
    if (delayMs === undefined) throw request.failure(outcome);
    retries++;
    request.onRetry?.({ attempt: retries, delayMs, why: request.failure(outcome) });
    try {
      await sleep(delayMs, request.signal);
    } catch {
      throw cancelled(request, last);
    }
  }
}

/**
 * Cancelled: on shutdown, AbortedError; otherwise what it was waiting out matters more (a 429,
 * say) than the deadline that ended the wait; with nothing waited out, the signal's own reason.
 */
function cancelled(request: ExchangeRequest, last: Outcome | undefined): ExporterError {
  const reason: unknown = request.signal?.reason;
  if (reason instanceof AbortedError) return reason;
  if (last !== undefined) return request.failure(last);
  return reason instanceof ExporterError ? reason : request.cancelled();
}

/** The wait before the next attempt; undefined: this outcome is final. */
function retryDelay(outcome: Outcome, retries: number, policy: HttpPolicy): number | undefined {
  if (retries >= policy.maxRetries) return undefined;
  const backoff = backoffDelay(retries, policy.retryBackoffMs, policy.random);
  if (!("status" in outcome)) {
    return outcome.kind === "timeout" || outcome.kind === "network" ? backoff : undefined;
  }
  if (!RETRY_STATUSES.includes(outcome.status)) return undefined;
  const header = outcome.headers.get("retry-after");
  if (header === null) return backoff;
  // One it cannot read waits the cap.
  const cap = policy.maxRetryAfterMs;
  return Math.min(parseRetryAfter(header) ?? cap, cap);
}

/**
 * One attempt: ky sends it (through the proxy, if any); the body is read whole, bounded, under
 * the same timeout. undefined: the caller's signal aborted it.
 */
async function attempt(
  policy: HttpPolicy,
  request: ExchangeRequest,
  headers: Record<string, string>,
): Promise<Outcome | undefined> {
  const abort = linkedAbort(request.signal);
  const timer = setTimeout(() => abort.controller.abort(TIMED_OUT), policy.requestTimeoutMs);
  const proxy = proxyFor(new URL(request.url), policy.proxy);
  let answered = false;
  try {
    const response = await ky(request.url, {
      method: request.method,
      headers: { ...request.headers, ...headers, "User-Agent": policy.userAgent },
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: abort.signal,
      // Never followed (every request carries a credential): refused below.
      redirect: "manual",
      retry: 0,
      timeout: false,
      throwHttpErrors: false,
      ...(proxy !== undefined ? { fetch: (input) => throughProxy(input, proxy) } : {}),
    });
    answered = true;
    request.onAttempt?.(String(response.status));
    if (isRedirect(response.status)) {
      await response.body?.cancel();
      return {
        kind: "redirect",
        refused: new RedirectRefused(
          response.status,
          request.url,
          response.headers.get("location"),
        ),
      };
    }
    const bytes = await readBodyBytes(response, request.maxBodyBytes);
    let text: string | undefined;
    return {
      status: response.status,
      headers: response.headers,
      bytes,
      get text() {
        text ??= textOf(bytes);
        return text;
      },
    };
  } catch (error) {
    if (request.signal?.aborted) return undefined;
    const failure = failureOf(abort.signal.reason === TIMED_OUT ? TIMED_OUT : error);
    if (!answered) request.onAttempt?.(failure.kind === "timeout" ? "timeout" : "network");
    return failure;
  } finally {
    clearTimeout(timer);
    abort.release();
  }
}

/** The reason an attempt's own signal aborts with when its time is up. */
const TIMED_OUT = new Error("request timed out");

/** The one mapping from what an attempt throws to why it failed. */
function failureOf(error: unknown): Failure {
  if (error === TIMED_OUT) return { kind: "timeout" };
  if (error instanceof BodyTooLargeError)
    return { kind: "too_large", limitBytes: error.limitBytes };
  if (error instanceof UndecodableBodyError) return { kind: "undecodable", cause: error };
  return { kind: "network", cause: error };
}
