import { execFile } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import type { Collection, Collector, PollCollector } from "../../src/collectors/collector.js";
import { ExporterMetrics } from "../../src/metrics/exporter-metrics.js";
import { answering } from "./answering.js";
import { DEFAULT_COLLECTOR_OPTIONS } from "./collector-options.js";

/**
 * Strict, independent checks of an exposition: `promtool check metrics` (text format only) and the
 * Python client's parsers (Debian's python3-prometheus-client): the strict OpenMetrics parser,
 * which raises on any violation, and its reading of the text format. A missing tool fails.
 */

export type ExpositionFormat = "text" | "openmetrics";

export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** NaN and the infinities come as the exposition spells them. */
  readonly value: number | "NaN" | "+Inf" | "-Inf";
  readonly timestamp: string | null;
}

/** A family as the Python client reads it (counters named without `_total`, as OpenMetrics does). */
export interface ParsedFamily {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly unit: string;
  readonly samples: readonly ParsedSample[];
}

/** Debian's interpreter: the one python3-prometheus-client installs the module for. */
export const PYTHON_INTERPRETER = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("./parse_exposition.py", import.meta.url));
const CLIENT_NOT_INSTALLED =
  "python3-prometheus-client is not installed: apt-get install -y python3-prometheus-client";
const MAX_OUTPUT = 512 * 1024 * 1024;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program with stdin; a missing program rejects with `notInstalled`. */
function run(program: string, args: string[], input: Buffer, notInstalled: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(program, args, { maxBuffer: MAX_OUTPUT }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
        reject(new Error(`${program} not found: ${notInstalled}`));
        return;
      }
      const code = error ? Number((error as NodeJS.ErrnoException).code ?? 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.on("error", () => undefined); // a parser that exits early closes its stdin
    child.stdin?.end(input);
  });
}

const asBuffer = (body: string | Buffer): Buffer =>
  typeof body === "string" ? Buffer.from(body, "utf8") : body;

/** `promtool check metrics` on a text-format body: its exit code and everything it printed. */
export async function promtoolCheck(
  body: string | Buffer,
): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await run(
    "promtool",
    ["check", "metrics"],
    asBuffer(body),
    "promtool is not installed: apt-get install -y prometheus",
  );
  return { code, output: `${stdout}${stderr}` };
}

/**
 * The Python client's parse of a body; rejects with the parser's message when it refuses it.
 * `interpreter` is Debian's python3, with any options before the script.
 */
export async function parseExposition(
  body: string | Buffer,
  format: ExpositionFormat,
  interpreter: readonly string[] = [PYTHON_INTERPRETER],
): Promise<ParsedFamily[]> {
  const [program = PYTHON_INTERPRETER, ...options] = interpreter;
  const args = [...options, SCRIPT, format];
  const result = await run(program, args, asBuffer(body), CLIENT_NOT_INSTALLED);
  if (result.code === 3) {
    throw new Error(`${program} has no prometheus_client module: ${CLIENT_NOT_INSTALLED}`);
  }
  if (result.code !== 0) {
    throw new Error(
      `the Python client's ${format} parser refuses the exposition: ${result.stderr}`,
    );
  }
  return JSON.parse(result.stdout) as ParsedFamily[];
}

/**
 * Every strict check that applies to the format (promtool for the text format, the Python parser
 * for both); resolves to the parsed families, rejects naming the check that failed.
 */
export async function checkExposition(
  body: string | Buffer,
  format: ExpositionFormat,
): Promise<ParsedFamily[]> {
  const [families, promtool] = await Promise.all([
    parseExposition(body, format),
    format === "text" ? promtoolCheck(body) : undefined,
  ]);
  if (promtool !== undefined && (promtool.code !== 0 || promtool.output !== "")) {
    throw new Error(
      `promtool check metrics refuses the exposition (${promtool.code}): ${promtool.output}`,
    );
  }
  return families;
}

/** The family of that name; rejects a parse that lacks it. */
export function family(families: readonly ParsedFamily[], name: string): ParsedFamily {
  const found = families.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no family ${name} in the parsed exposition`);
  return found;
}

/** How many samples the parse holds, over all families. */
export function sampleCount(families: readonly ParsedFamily[]): number {
  return families.reduce((n, f) => n + f.samples.length, 0);
}

export interface CheckedScrape {
  /** The decompressed body, as text. */
  readonly text: string;
  readonly families: ParsedFamily[];
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
}

const OPENMETRICS_ACCEPT = "application/openmetrics-text; version=1.0.0";

/** One GET of a metrics URL, raw (fetch would decompress and hide the encoding). */
function getRaw(
  url: string,
  headers: Record<string, string>,
): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * Scrapes in the format and encoding asked for, decompresses a gzip body and runs every strict
 * check on it. The response must be in what was asked for: OpenMetrics ends with its content type.
 */
export async function scrapeChecked(
  url: string,
  options: { format: ExpositionFormat; gzip: boolean },
): Promise<CheckedScrape> {
  const headers: Record<string, string> = {};
  if (options.format === "openmetrics") headers.Accept = OPENMETRICS_ACCEPT;
  if (options.gzip) headers["Accept-Encoding"] = "gzip";
  const response = await getRaw(url, headers);
  const contentType = response.headers["content-type"] as string | undefined;
  const contentEncoding = response.headers["content-encoding"] as string | undefined;
  const plain = options.gzip ? gunzipSync(response.body) : response.body;
  const families = await checkExposition(plain, options.format);
  return { text: plain.toString("utf8"), families, contentType, contentEncoding };
}

/** Every combination a scraper can ask for: both formats, plain and gzip. */
export const SCRAPE_VARIANTS: readonly { format: ExpositionFormat; gzip: boolean }[] = [
  { format: "text", gzip: false },
  { format: "text", gzip: true },
  { format: "openmetrics", gzip: false },
  { format: "openmetrics", gzip: true },
];

/** What serves a body in each format and encoding (ExporterMetrics, without HTTP). */
export interface ExpositionSource {
  body(openMetrics: boolean, gzip: boolean): Promise<{ bytes(): Promise<Buffer> }>;
}

export interface CheckedBodies {
  readonly text: ParsedFamily[];
  readonly openMetrics: ParsedFamily[];
}

/** One format, plain and gzip: the decompressed gzip body must be the plain one, byte for byte. */
async function checkedFormat(
  source: ExpositionSource,
  format: ExpositionFormat,
): Promise<ParsedFamily[]> {
  const openMetrics = format === "openmetrics";
  const plain = await (await source.body(openMetrics, false)).bytes();
  const gzipped = gunzipSync(await (await source.body(openMetrics, true)).bytes());
  if (!gzipped.equals(plain)) throw new Error(`the gzip ${format} body is not the plain one`);
  return checkExposition(plain, format);
}

/**
 * Every body a source serves (both formats, plain and gzip), through every strict check; the
 * parsed families of each format.
 */
export async function checkServedBodies(source: ExpositionSource): Promise<CheckedBodies> {
  return {
    text: await checkedFormat(source, "text"),
    openMetrics: await checkedFormat(source, "openmetrics"),
  };
}

/** The metrics after one collector's successful poll (no process metrics: a fixed body). */
export async function metricsAfterCollection(
  collector: Collector,
  collection: Collection,
): Promise<ExporterMetrics> {
  const metrics = new ExporterMetrics({
    collectors: [collector],
    version: "t",
    processMetrics: false,
  });
  await metrics.onPollComplete({
    correlationId: "c",
    ok: true,
    startedAt: 0,
    finishedAt: 1000,
    results: [{ collector, ok: true, collection, durationMs: 1 }],
  });
  return metrics;
}

/** Runs a collector on a fixed API body, as a poll would: the metrics that then serve it. */
export async function metricsAfterPoll(
  collector: PollCollector,
  body: unknown,
): Promise<ExporterMetrics> {
  const collection = await collector.collect({
    client: answering(body),
    correlationId: "0e3b1f4c-6a7d-4e2b-9c1a-5f8d7e6c4b3a",
    signal: new AbortController().signal,
    options: DEFAULT_COLLECTOR_OPTIONS,
  });
  return metricsAfterCollection(collector, collection);
}

/** A collector's rendered families for a body, once every body serving them passed the checks. */
export async function checkedCollectorExposition(
  collector: PollCollector,
  body: unknown,
): Promise<string> {
  const metrics = await metricsAfterPoll(collector, body);
  await checkServedBodies(metrics);
  return metrics.collectorExposition(collector.name);
}
