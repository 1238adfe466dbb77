import type { Logger } from "pino";
import type { HttpObserver } from "../metrics/http-recorder.js";
import { FileSnapshot } from "./file-snapshot.js";
import type { ParsedWebConfig } from "./web-config-parse.js";
import { problemText } from "./web-config-problem.js";

export type WebConfigState =
  | { readonly ok: true; readonly config: ParsedWebConfig }
  | { readonly ok: false; readonly problem: string };

/**
 * The web config file as it is now. exporter-toolkit reads it on every request (users and headers)
 * and every handshake (TLS); this re-parses it only when the file changed. Unlike the toolkit, it
 * fails closed: a file that becomes empty, unreadable, not a regular file, too large or invalid
 * leaves the last good configuration in force (an emptied file would otherwise mean "no users, so
 * no auth") until a valid file replaces it; a valid file without users applies.
 */
export class LiveWebConfig {
  readonly #file: FileSnapshot;
  readonly #parse: (source: string) => ParsedWebConfig;
  #state: WebConfigState | undefined;
  /** The problem the last good configuration is kept through, reported once each. */
  #keptThrough: string | undefined;
  #logger: Logger | undefined;
  #observer: HttpObserver | undefined;

  constructor(
    readonly path: string,
    parse: (source: string) => ParsedWebConfig,
  ) {
    this.#file = new FileSnapshot(path);
    this.#parse = parse;
  }

  /** Where reloads and kept configurations are reported (once each), once serving. */
  report(logger: Logger | undefined, observer: HttpObserver | undefined): void {
    this.#logger = logger;
    this.#observer = observer;
  }

  current(): WebConfigState {
    let source: string;
    try {
      const read = this.#file.read();
      // Unchanged, including still broken in the same way: what was decided for it stands.
      if (!read.changed && this.#state !== undefined) return this.#state;
      source = read.content.toString("utf8");
    } catch (error) {
      return this.#settle({ ok: false, problem: `cannot read it (${errorCode(error)})` });
    }
    // At start-up an empty file is the toolkit's "no TLS, no auth"; one emptied later is a fault.
    if (source.trim() === "" && this.#state?.ok) {
      return this.#settle({ ok: false, problem: "it is empty" });
    }
    try {
      return this.#settle({ ok: true, config: this.#parse(source) });
    } catch (error) {
      return this.#settle({ ok: false, problem: problemText(error) });
    }
  }

  #settle(next: WebConfigState): WebConfigState {
    const previous = this.#state;
    // At start-up there is nothing to keep: the problem stops the start.
    if (previous === undefined || !previous.ok) {
      this.#state = next;
      return next;
    }
    if (!next.ok) {
      if (this.#keptThrough !== next.problem) {
        this.#keptThrough = next.problem;
        this.#observer?.onWebConfigKept();
        this.#logger?.error(
          { webConfigFile: this.path, problem: next.problem },
          "web config file cannot be used: keeping the last good configuration until it is fixed",
        );
      }
      return previous;
    }
    this.#logger?.info({ webConfigFile: this.path }, "web config file reloaded");
    this.#keptThrough = undefined;
    this.#state = next;
    return next;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? problemText(error);
}
