import type { Response } from "express";
import type { Endpoint, ErrorBody, Intercept } from "../../simulator/intercept.js";

/** A planned misbehaviour of the simulator, for tests of failure handling. */
export interface Fault {
  /** Which endpoint it hits: one of them, any API endpoint (`api`), or anything (`any`). */
  readonly target: Endpoint | "api" | "any";
  /** Only this page (1-based, from skip/top) of a paged endpoint. */
  readonly page?: number;
  /** Answer with this status and the API's error body for it (or `body`). */
  readonly status?: number;
  /** Retry-After header value, as sent. */
  readonly retryAfter?: string;
  /** Location header value, as sent (a redirect, with a 3xx status). */
  readonly location?: string;
  /** Raw body to send instead (malformed JSON, a wrong shape, an OAuth error...). */
  readonly body?: string;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Never answer (the client must time out). */
  readonly hang?: boolean;
  /** How many matching requests it applies to; default 1, Infinity for "until cleared". */
  readonly times?: number;
}

/** Faults applied in order, each to its next `times` matching requests. */
export class FaultQueue {
  #queue: { fault: Fault; left: number }[] = [];

  push(...faults: Fault[]): void {
    for (const fault of faults) this.#queue.push({ fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.#queue = [];
  }

  /** The fault for this request, if any, consuming one use of it. */
  take(target: Endpoint, page = 1): Fault | undefined {
    const entry = this.#queue.find(
      ({ fault }) =>
        (fault.target === target ||
          fault.target === "any" ||
          (fault.target === "api" && target !== "token")) &&
        (fault.page === undefined || fault.page === page),
    );
    if (entry === undefined) return undefined;
    entry.left--;
    if (entry.left <= 0) this.#queue.splice(this.#queue.indexOf(entry), 1);
    return entry.fault;
  }
}

/**
 * Answers a request as its fault says (never, after a delay, or with a status and body), the way
 * every simulated endpoint does. Returns whether the request is answered (or never will be).
 */
async function answerFault(
  fault: Fault | undefined,
  res: Response,
  errorBody: ErrorBody,
): Promise<boolean> {
  if (fault === undefined) return false;
  if (fault.hang) return true;
  if (fault.delayMs !== undefined) await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault.status === undefined && fault.body === undefined) return false;
  const status = fault.status ?? 200;
  if (fault.retryAfter !== undefined) res.set("Retry-After", fault.retryAfter);
  if (fault.location !== undefined) res.set("Location", fault.location);
  res
    .status(status)
    .type("application/json; charset=utf-8")
    .send(fault.body ?? errorBody(status, retryAfterSeconds(fault.retryAfter)));
  return true;
}

function retryAfterSeconds(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** The simulator's intercept that answers with the queue's faults. */
export function faultIntercept(queue: FaultQueue): Intercept {
  return (endpoint, page, res, errorBody) =>
    answerFault(queue.take(endpoint, page), res, errorBody);
}
