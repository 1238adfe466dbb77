import type { Logger } from "pino";
import { FileSnapshot } from "./file-snapshot.js";
import type { ParsedWebConfig } from "./web-config-parse.js";
import { problemText } from "./web-config-problem.js";

export type WebConfigState =
  | { readonly ok: true; readonly config: ParsedWebConfig }
  | { readonly ok: false; readonly problem: string };

/**
 * The web config file as it is now. exporter-toolkit reads it on every request (users and headers)
 * and every handshake (TLS); this re-parses it only when the file changed.
 */
export class LiveWebConfig {
  readonly #file: FileSnapshot;
  readonly #parse: (source: string) => ParsedWebConfig;
  #state: WebConfigState | undefined;
  #logger: Logger | undefined;

  constructor(
    readonly path: string,
    parse: (source: string) => ParsedWebConfig,
  ) {
    this.#file = new FileSnapshot(path);
    this.#parse = parse;
  }

  /** Where reloads and problems are reported (once each). */
  set logger(logger: Logger | undefined) {
    this.#logger = logger;
  }

  current(): WebConfigState {
    let source: string;
    try {
      const read = this.#file.read();
      if (!read.changed && this.#state !== undefined) return this.#state;
      source = read.content.toString("utf8");
    } catch (error) {
      return this.#settle({ ok: false, problem: `cannot read it (${errorCode(error)})` });
    }
    try {
      return this.#settle({ ok: true, config: this.#parse(source) });
    } catch (error) {
      return this.#settle({ ok: false, problem: problemText(error) });
    }
  }

  #settle(next: WebConfigState): WebConfigState {
    const previous = this.#state;
    this.#state = next;
    if (previous === undefined) return next;
    if (!next.ok) {
      if (previous.ok || previous.problem !== next.problem) {
        this.#logger?.error(
          { webConfigFile: this.path, problem: next.problem },
          "web config file cannot be used: answering 500 and refusing TLS handshakes until it is fixed",
        );
      }
    } else {
      this.#logger?.info({ webConfigFile: this.path }, "web config file reloaded");
    }
    return next;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? problemText(error);
}
