import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * Unanswered requests one connection may have waiting behind the one being answered. Prometheus
 * never pipelines; a client past this is not reading its answers.
 */
export const MAX_PIPELINED = 16;

interface Line {
  busy: boolean;
  readonly waiting: [IncomingMessage, ServerResponse][];
}

/**
 * Node's parser hands over every pipelined request in a read at once, and each answer would be
 * built (and held) at once. Here a connection's next request is handled only when the previous
 * answer is flushed to the socket ("close" follows "finish"), so an unread connection holds one
 * answer; past `max` waiting requests the connection is closed and `onOverflow` told.
 */
export function pipelineGate(
  handle: RequestListener,
  onOverflow: () => void,
  max = MAX_PIPELINED,
): RequestListener {
  const lines = new WeakMap<Socket, Line>();
  const run = (line: Line, socket: Socket, req: IncomingMessage, res: ServerResponse): void => {
    line.busy = true;
    res.once("close", () => {
      const next = socket.destroyed ? undefined : line.waiting.shift();
      if (next === undefined) {
        line.busy = false;
        line.waiting.length = 0;
      } else run(line, socket, ...next);
    });
    handle(req, res);
  };
  return (req, res) => {
    const { socket } = req;
    if (socket.destroyed) return;
    let line = lines.get(socket);
    if (line === undefined) {
      line = { busy: false, waiting: [] };
      lines.set(socket, line);
    }
    if (!line.busy) run(line, socket, req, res);
    else if (line.waiting.length < max) line.waiting.push([req, res]);
    else {
      line.waiting.length = 0;
      socket.destroy();
      onOverflow();
    }
  };
}

interface ParserHook {
  onIncoming?: (req: IncomingMessage, ...rest: unknown[]) => number;
}

/**
 * Node's parser hands over every request of a read even once the socket is destroyed: each gets
 * a response object and, at close, an abort error (200 connections x 1000 pipelined requests
 * stalled the event loop for seconds). Its per-request hook, parser.onIncoming (internal, there
 * since Node 0.x), is wrapped so a destroyed connection's remaining requests are dropped. Where
 * the hook is missing, the gate alone still bounds what is kept.
 */
export function dropRequestsAfterClose(socket: Socket): void {
  const parser = (socket as Socket & { parser?: ParserHook | null }).parser;
  const onIncoming = parser?.onIncoming;
  if (parser == null || typeof onIncoming !== "function") return;
  parser.onIncoming = (req, ...rest) => (socket.destroyed ? 0 : onIncoming(req, ...rest));
}
