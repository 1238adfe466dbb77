import type { Logger } from "pino";
import type { HttpObserver, HttpRefusal } from "../metrics/http-recorder.js";

/** A flood refuses thousands of clients: one log line per reason and minute is enough. */
const LOG_EVERY_MS = 60_000;

const WHAT: Readonly<Record<HttpRefusal, string>> = {
  connection_limit:
    "connection refused: the connection cap (below the file-descriptor limit) is reached",
  pipeline_depth:
    "connection closed: too many pipelined requests left unanswered (the client is not reading)",
  auth_busy: "request answered 503: too many password checks waiting",
};

/** Counts every refusal and logs each reason at most once a minute, with how many since. */
export class Refusals {
  readonly #observer: HttpObserver | undefined;
  readonly #logger: Logger | undefined;
  readonly #lastLogged = new Map<HttpRefusal, number>();
  readonly #unlogged = new Map<HttpRefusal, number>();

  constructor(observer: HttpObserver | undefined, logger: Logger | undefined) {
    this.#observer = observer;
    this.#logger = logger;
  }

  refuse(reason: HttpRefusal, now = Date.now()): void {
    this.#observer?.onRefusal(reason);
    const count = (this.#unlogged.get(reason) ?? 0) + 1;
    const last = this.#lastLogged.get(reason);
    if (last !== undefined && now - last < LOG_EVERY_MS) {
      this.#unlogged.set(reason, count);
      return;
    }
    this.#lastLogged.set(reason, now);
    this.#unlogged.set(reason, 0);
    this.#logger?.warn({ reason, count }, WHAT[reason]);
  }
}
