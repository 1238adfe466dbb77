import type { Registry } from "prom-client";
import { Body } from "./body.js";
import { gzipStream } from "./gzip-stream.js";
import type { BodyPart, Segment } from "./segment.js";
import { toSegment } from "./segment.js";

export { type Segment, toSegment } from "./segment.js";

export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
export const OPENMETRICS_CONTENT_TYPE =
  "application/openmetrics-text; version=1.0.0; charset=utf-8";

/** Told of every change of a self-metric (the recorders call it once per event). */
export interface ChangeMarker {
  markChanged(): void;
}

/** Process metrics are read at most this often, however many scrapes come. */
export const PROCESS_METRICS_MAX_AGE_MS = 1_000;

/**
 * The text format as OpenMetrics wants it: no blank lines, and a counter family named without its
 * `_total` suffix (its samples keep it). prom-client can render OpenMetrics itself, but only by
 * renaming its counters in place, which breaks the same metrics in the text format.
 */
export function toOpenMetrics(prometheusText: string): string {
  const text = prometheusText.replace(/\n{2,}/g, "\n").replace(/^\n/, "");
  const counters = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+)_total counter$/gm)) counters.add(match[1] ?? "");
  if (counters.size === 0) return text;
  return text.replace(/^# (HELP|TYPE) (\S+)_total /gm, (line, kind: string, name: string) =>
    counters.has(name) ? `# ${kind} ${name} ` : line,
  );
}

/** One registry rendered in both formats, re-rendered only when invalidated (then single-flight). */
class RegistrySegments {
  readonly #registry: Registry;
  #rendered: Promise<{ text: Segment; openMetrics: Segment }> | undefined;

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  invalidate(): void {
    this.#rendered = undefined;
  }

  get(): Promise<{ text: Segment; openMetrics: Segment }> {
    this.#rendered ??= (async () => {
      const text = await this.#registry.metrics();
      const [a, b] = await Promise.all([toSegment(text), toSegment(toOpenMetrics(text))]);
      return { text: a, openMetrics: b };
    })();
    const rendered = this.#rendered;
    rendered.catch(() => {
      if (this.#rendered === rendered) this.#rendered = undefined;
    });
    return rendered;
  }
}

/**
 * What a scrape answers, from memory: the collectors' series (rendered once per successful poll),
 * then the exporter's own metrics (re-rendered when they change) and the process metrics (read at
 * most once a second), in the Prometheus text format or OpenMetrics, plain or gzip. Compression is
 * done once per change, per segment; the pieces join under one gzip header and trailer into a
 * single gzip stream.
 */
export class ScrapeCache implements ChangeMarker {
  readonly #order: readonly string[];
  #collectors = new Map<string, Segment>();
  readonly #health: RegistrySegments;
  readonly #process: RegistrySegments | undefined;
  /** Bumped by markChanged(); the self-metrics are re-rendered only when it moved. */
  #healthChanges = 0;
  /** The count of changes the health segments were last invalidated at. */
  #healthSegmentsAt = -1;
  #processReadAt = 0;
  readonly #eof: Promise<Segment> = toSegment("# EOF\n");
  #processEpoch = 0;
  #bodies = new Map<
    string,
    {
      healthVersion: number;
      processEpoch: number;
      collectors: ReadonlyMap<string, Segment>;
      body: Body;
    }
  >();

  constructor(options: {
    collectorOrder: readonly string[];
    health: Registry;
    process: Registry | undefined;
  }) {
    this.#order = options.collectorOrder;
    this.#health = new RegistrySegments(options.health);
    this.#process =
      options.process === undefined ? undefined : new RegistrySegments(options.process);
  }

  /** A self-metric changed: the next scrape renders them again. */
  markChanged(): void {
    this.#healthChanges++;
  }

  /** Swaps in new segments for some collectors, all at once: a scrape sees all of them or none. */
  setCollectorSegments(segments: ReadonlyMap<string, Segment>): void {
    if (segments.size === 0) return;
    const next = new Map(this.#collectors);
    for (const [name, segment] of segments) next.set(name, segment);
    this.#collectors = next;
    // Bodies built on the previous segments would hold them until their variant is asked for.
    this.#bodies.clear();
  }

  collectorSegment(name: string): Segment | undefined {
    return this.#collectors.get(name);
  }

  /**
   * The answer to a scrape in this format and encoding: the body built last for this variant
   * while nothing changed (no self-metric marked, no new segment, process metrics under a second
   * old), otherwise a new one.
   */
  async body(openMetrics: boolean, gzipped: boolean, now: number = Date.now()): Promise<Body> {
    this.#invalidateStale(now);
    const key = `${openMetrics}/${gzipped}`;
    const version = this.#healthChanges;
    const collectors = this.#collectors;
    const processEpoch = this.#processEpoch;
    const cached = this.#bodies.get(key);
    if (
      cached !== undefined &&
      cached.healthVersion === version &&
      cached.processEpoch === processEpoch &&
      cached.collectors === collectors
    ) {
      return cached.body;
    }
    const [health, processSegments, eof] = await Promise.all([
      this.#health.get(),
      this.#process?.get(),
      this.#eof,
    ]);
    const pick = (pair: { text: Segment; openMetrics: Segment }): Segment =>
      openMetrics ? pair.openMetrics : pair.text;
    const segments: Segment[] = [];
    for (const name of this.#order) {
      const segment = collectors.get(name);
      if (segment !== undefined) segments.push(segment);
    }
    segments.push(pick(health));
    if (processSegments !== undefined) segments.push(pick(processSegments));
    if (openMetrics) segments.push(eof);
    const parts: readonly BodyPart[] = gzipped
      ? gzipStream(segments.flatMap((s) => s.deflated))
      : segments.flatMap((s): readonly BodyPart[] => s.plain ?? s.deflated);
    const body = new Body(parts, openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE);
    this.#bodies.set(key, { healthVersion: version, processEpoch, collectors, body });
    return body;
  }

  /** A marked self-metric change renders them again; process metrics are read at most once a second. */
  #invalidateStale(now: number): void {
    const version = this.#healthChanges;
    if (version !== this.#healthSegmentsAt) {
      this.#healthSegmentsAt = version;
      this.#health.invalidate();
    }
    if (this.#process !== undefined && now - this.#processReadAt >= PROCESS_METRICS_MAX_AGE_MS) {
      this.#processReadAt = now;
      this.#processEpoch++;
      this.#process.invalidate();
    }
  }
}
