import { linkedAbort } from "./linked-abort.js";

/**
 * Runs one HTTP exchange under a single timer that covers all of it, body included: ky's own
 * timeout stops at the headers, so a body that starts and then stalls would otherwise hang until
 * the poll's deadline. `work` gets the signal to pass to the request (it also follows `parent`)
 * and tells, when the request fails, whether the timer was the cause.
 */
export async function withExchangeTimeout<T>(
  parent: AbortSignal | undefined,
  timeoutMs: number,
  work: (signal: AbortSignal, timedOut: () => boolean) => Promise<T>,
): Promise<T> {
  // Not AbortSignal.any: it leaks on Node 20; see linkedAbort.
  const abort = linkedAbort(parent);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.controller.abort(new Error(`no complete answer within ${timeoutMs}ms`));
  }, timeoutMs);
  try {
    return await work(abort.signal, () => timedOut);
  } finally {
    clearTimeout(timer);
    abort.release();
  }
}
