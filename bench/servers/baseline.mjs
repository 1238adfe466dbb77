// The idle baseline: Node.js with the libraries the exporter is built on loaded (Express,
// prom-client, pino, ky) and a node:http server answering a constant, nothing else. The exporter's
// idle RSS is compared with this process's, on the same runtime. Prints its port as JSON.
import { createServer } from "node:http";
import express from "express";
import ky from "ky";
import pino from "pino";
import { Registry } from "prom-client";

const keep = [express, ky, pino, new Registry()];
const body = Buffer.from("ok\n");
const server = createServer((_req, res) => res.end(body));
server.listen(0, "127.0.0.1", () =>
  console.log(JSON.stringify({ port: server.address().port, loaded: keep.length })),
);
process.on("SIGTERM", () => process.exit(0));
