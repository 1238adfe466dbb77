import ky, { HTTPError, isForceRetryError, isTimeoutError, type Options } from "ky";
import { backoffDelay, MAX_BACKOFF_MS, parseRetryAfter } from "./backoff.js";
import { linkedAbort } from "./linked-abort.js";
import { type ProxySettings, proxyFor, throughProxy } from "./proxy.js";
import {
  BodyTooLargeError,
  readBodyBytes,
  textOf,
  UndecodableBodyError,
  UnusableBodyError,
} from "./read-body.js";
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

/** An HTTP answer, read whole: its body as bytes and as text, both without a byte-order mark. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Uint8Array;
  /** Decoded when first read (a large page may never be, read a part at a time from bytes). */
  readonly text: string;
}

/** Why an exchange has no answer to give. */
export type Failure =
  | { readonly kind: "timeout" }
  | { readonly kind: "network"; readonly cause: unknown }
  | { readonly kind: "too_large"; readonly limitBytes: number }
  | { readonly kind: "undecodable"; readonly cause: UndecodableBodyError }
  /** A redirect answer, never followed: every request carries a credential. */
  | { readonly kind: "redirect"; readonly refused: RedirectRefused };

/** What an attempt came to when it is not the final answer. */
export type Outcome = Failure | Answer;

/**
 * No final answer: the last attempt failed (`last` says how), or the caller's signal aborted the
 * exchange (`last` is then what the exchange was waiting out, if anything).
 */
export class ExchangeError extends Error {
  constructor(
    readonly last: Outcome | undefined,
    /** The caller's signal aborted (shutdown or the poll's deadline). */
    readonly aborted: boolean,
  ) {
    super(last === undefined ? "aborted" : "status" in last ? String(last.status) : last.kind);
    this.name = "ExchangeError";
  }
}

/** A retry about to be waited for. */
export interface RetryNotice {
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly why: Outcome;
}

export interface ExchangeRequest {
  readonly url: string;
  readonly method: "GET" | "POST";
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: URLSearchParams;
  readonly signal?: AbortSignal;
  readonly maxBodyBytes: number;
  /** Statuses worth asking again for; a Retry-After on them is honoured. */
  readonly retryStatuses: readonly number[];
  /** Before every attempt (a fresh bearer token, say). */
  readonly beforeAttempt?: (request: Request) => Promise<void>;
  /** Every attempt's outcome: its HTTP status, or `timeout` / `network`. */
  readonly onAttempt?: (code: string) => void;
  /** A retry is decided, before its wait. */
  readonly onRetry?: (notice: RetryNotice) => void;
  /** Before a retry is sent; `answered` when the attempt before it got an HTTP answer. */
  readonly beforeRetry?: (request: Request, answered: boolean) => void;
  /** Sees every answer; true earns one immediate retry, outside the retry budget (a 401's). */
  readonly retryOnceOn?: (status: number) => boolean;
}

/** Statuses a Response cannot carry a body with. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** The bytes readWhole read, by the Response it made of them: answered without a second copy. */
const BODIES = new WeakMap<Response, Uint8Array>();

/**
 * One HTTP exchange with ky doing what ky does: retries (limit, statuses, Retry-After capped,
 * exponential backoff with equal jitter), the per-attempt timeout, hooks for headers and the one
 * extra retry a 401 earns. What ky cannot do is a small wrapper around its fetch: the body is read
 * (bounded) inside the attempt, so the timeout covers it, and decoded once (readBodyBytes drops a BOM).
 * Resolves with any HTTP answer that is final (2xx, or an error not worth retrying, or the last
 * one); rejects with ExchangeError when none came.
 */
export async function exchange(policy: HttpPolicy, request: ExchangeRequest): Promise<Answer> {
  const abort = linkedAbort(request.signal);
  const state: AttemptState = {
    answered: false,
    forced: 0,
    last: undefined,
    nextDelayMs: 0,
    own: undefined,
  };
  try {
    const response = await ky(request.url, kyOptions(policy, request, abort.signal, state));
    return await answerOf(response);
  } catch (error) {
    if (state.own !== undefined && error === state.own) throw error;
    if (request.signal?.aborted) throw new ExchangeError(state.last, true);
    if (error instanceof HTTPError) return await answerOf(error.response);
    if (!state.answered) request.onAttempt?.(codeOf(failureOf(error)));
    throw new ExchangeError(failureOf(error), false);
  } finally {
    abort.release();
  }
}

interface AttemptState {
  /** The current attempt got its status line (so it was counted, and a retry is "after an answer"). */
  answered: boolean;
  /** Retries ky made that do not count against the budget (the 401's). */
  forced: number;
  /** What the attempt before the current wait came to. */
  last: Outcome | undefined;
  /** The backoff the next retry waits (decided, and reported, before ky waits it). */
  nextDelayMs: number;
  /** What the caller's beforeAttempt threw. */
  own: unknown;
}

function kyOptions(
  policy: HttpPolicy,
  request: ExchangeRequest,
  signal: AbortSignal,
  state: AttemptState,
): Options {
  const random = policy.random;
  return {
    method: request.method,
    headers: { ...request.headers, "User-Agent": policy.userAgent },
    ...(request.body !== undefined ? { body: request.body } : {}),
    signal,
    // Never followed (every request carries a credential): readWhole refuses a redirect.
    redirect: "manual",
    timeout: policy.requestTimeoutMs,
    throwHttpErrors: true,
    fetch: (input, init) => readWhole(input, init, policy.proxy, request, state),
    retry: {
      // One more than the budget: room for the 401's retry, which shouldRetry does not count.
      limit: policy.maxRetries + 1,
      methods: ["get", "post"],
      statusCodes: [...request.retryStatuses],
      afterStatusCodes: [...request.retryStatuses],
      maxRetryAfter: policy.maxRetryAfterMs,
      retryOnTimeout: true,
      // Equal jitter (half fixed, half random), decided in shouldRetry so the log can say it.
      delay: () => state.nextDelayMs,
      backoffLimit: MAX_BACKOFF_MS,
      shouldRetry: async ({ error, retryCount }) => {
        const attempt = retryCount - state.forced;
        if (signal.aborted || isFinal(error, state)) return false;
        if (attempt > policy.maxRetries) return false;
        if (error instanceof HTTPError && !request.retryStatuses.includes(error.response.status)) {
          return false;
        }
        state.nextDelayMs = backoffDelay(attempt - 1, policy.retryBackoffMs, random);
        const why =
          error instanceof HTTPError ? await answerOf(error.response.clone()) : failureOf(error);
        if (!state.answered && !("status" in why)) request.onAttempt?.(codeOf(why));
        state.last = why;
        request.onRetry?.({ attempt, delayMs: waitFor(why, state.nextDelayMs, policy), why });
        // undefined: ky's own rules (Retry-After on these statuses, capped) pick the wait.
        return undefined;
      },
    },
    hooks: {
      beforeRequest: [
        async (kyRequest) => {
          state.answered = false;
          try {
            await request.beforeAttempt?.(kyRequest);
          } catch (error) {
            // The caller's own failure (no access token, say): not retried, passed on as it is.
            state.own = error;
            throw error;
          }
        },
      ],
      afterResponse: [
        (_kyRequest, _options, response) => {
          if (!request.retryOnceOn?.(response.status) || state.forced > 0) return;
          state.forced = 1;
          return ky.retry({ delay: 0 });
        },
      ],
      beforeRetry: [
        ({ request: kyRequest, error }) => {
          const answered = state.answered || error instanceof HTTPError || isForceRetryError(error);
          request.beforeRetry?.(kyRequest, answered);
        },
      ],
    },
  };
}

/** What no retry can change: a body too large, a redirect, the caller's own failure. */
function isFinal(error: unknown, state: AttemptState): boolean {
  return (
    error instanceof UnusableBodyError || error instanceof RedirectRefused || error === state.own
  );
}

/** ky's fetch: the answer with its body read whole (bounded), inside the attempt's timeout. */
async function readWhole(
  input: Request | URL | string,
  init: RequestInit | undefined,
  proxies: ProxySettings | undefined,
  request: ExchangeRequest,
  state: AttemptState,
): Promise<Response> {
  const proxy = proxyFor(new URL(request.url), proxies);
  const response =
    proxy === undefined ? await fetch(input, init) : await throughProxy(input, proxy);
  state.answered = true;
  request.onAttempt?.(String(response.status));
  if (isRedirect(response.status)) {
    await response.body?.cancel();
    throw new RedirectRefused(response.status, request.url, response.headers.get("location"));
  }
  const bytes = await readBodyBytes(response, request.maxBodyBytes);
  const whole = new Response(NULL_BODY.has(response.status) ? null : bytes, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  BODIES.set(whole, bytes);
  return whole;
}

async function answerOf(response: Response): Promise<Answer> {
  const raw = BODIES.get(response) ?? new Uint8Array(await response.arrayBuffer());
  let text: string | undefined;
  return {
    status: response.status,
    headers: response.headers,
    bytes: raw,
    get text() {
      text ??= textOf(raw);
      return text;
    },
  };
}

/** The one mapping from what ky and fetch throw to why an exchange failed. */
function failureOf(error: unknown): Failure {
  if (isTimeoutError(error)) return { kind: "timeout" };
  if (error instanceof BodyTooLargeError)
    return { kind: "too_large", limitBytes: error.limitBytes };
  if (error instanceof UndecodableBodyError) return { kind: "undecodable", cause: error };
  if (error instanceof RedirectRefused) return { kind: "redirect", refused: error };
  return { kind: "network", cause: error };
}

/**
 * The wait ky will take before this retry: what the answer's Retry-After asks (capped at
 * maxRetryAfterMs; one it cannot read waits the cap, as ky does), else the backoff.
 */
function waitFor(why: Outcome, backoffMs: number, policy: HttpPolicy): number {
  if (!("status" in why)) return backoffMs;
  const header = why.headers.get("retry-after");
  if (header === null) return backoffMs;
  return Math.min(parseRetryAfter(header) ?? policy.maxRetryAfterMs, policy.maxRetryAfterMs);
}

function codeOf(failure: Failure): string {
  return failure.kind === "timeout" ? "timeout" : "network";
}
