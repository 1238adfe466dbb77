// The ceiling: a bare node:http server answering every request with the very same bytes and
// headers as the exporter's /metrics. Usage: node bare.mjs <body-file> <headers-json>; prints its port.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const body = readFileSync(process.argv[2]);
const headers = JSON.parse(process.argv[3]);
const server = createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
process.on("SIGTERM", () => process.exit(0));
