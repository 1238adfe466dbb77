import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One answer of a fixture server: a file from test/fixtures, byte for byte. */
export interface FixtureAnswer {
  readonly file: string;
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Put a UTF-8 byte-order mark before the file's bytes. */
  readonly bom?: boolean;
}

export interface FixtureServer {
  readonly url: string;
  /** The paths asked for, in order. */
  readonly hits: string[];
  close(): Promise<void>;
}

const FIXTURES = new URL("../fixtures/", import.meta.url);
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * A real HTTP server on 127.0.0.1 that answers each path (query ignored) with captured answers,
 * exactly as stored: a list is answered in turn, its last answer repeated.
 */
export async function startFixtureServer(
  routes: Readonly<Record<string, FixtureAnswer | readonly FixtureAnswer[]>>,
): Promise<FixtureServer> {
  const hits: string[] = [];
  const served = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://fixture").pathname;
    hits.push(path);
    const route = routes[path];
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    const answers: readonly FixtureAnswer[] = Array.isArray(route)
      ? route
      : [route as FixtureAnswer];
    const turn = served.get(path) ?? 0;
    served.set(path, turn + 1);
    const answer = answers[Math.min(turn, answers.length - 1)] as FixtureAnswer;
    const bytes = await readFile(new URL(answer.file, FIXTURES));
    res
      .writeHead(answer.status ?? 200, {
        "Content-Type": "application/json; charset=utf-8",
        ...answer.headers,
      })
      .end(answer.bom ? Buffer.concat([BOM, bytes]) : bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
