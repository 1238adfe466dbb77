import { jsonBody } from "../../src/partner-center/client.js";
import type { PageSource } from "../../src/partner-center/paging.js";

/**
 * A client that answers every GET with this JSON, as the real one hands a 2xx body over (the same
 * JsonBody, parsed whole or a part at a time): for tests that drive a collector or the poller
 * without a simulator.
 */
export function answering(body: unknown): PageSource {
  const text = JSON.stringify(body);
  const read = () =>
    jsonBody(
      {
        status: 200,
        headers: new Headers({ "content-type": "application/json; charset=utf-8" }),
        bytes: new TextEncoder().encode(text),
        text,
      },
      { method: "GET", path: "/", requestId: "test", correlationId: "test" },
    );
  return {
    baseUrl: "http://127.0.0.1",
    getJsonBody: async () => read(),
    getJson: async () => read().parse(),
  };
}
