import type { GaugeFamily, Sample } from "../collectors/collector.js";

/** Label values as the exposition formats require: backslash, newline and double quote escaped. */
export function escapeLabelValue(value: string): string {
  return /[\\\n"]/.test(value)
    ? value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')
    : value;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** Samples per chunk between yields to the event loop: a large poll never stalls scrapes long. */
const CHUNK = 2_000;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Renders gauge families as exposition text (the same bytes in the Prometheus text format and in
 * OpenMetrics, for gauges), one Buffer per chunk (never one huge copy). Labels come in the
 * family's order; an absent or empty label is left out. Yields to the event loop between chunks.
 */
export async function renderGaugeFamilies(
  families: readonly GaugeFamily[],
  series: ReadonlyMap<string, readonly Sample[]>,
): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for (const family of families) {
    let text = `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} gauge\n`;
    const samples = series.get(family.name) ?? [];
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i] as Sample;
      let labels = "";
      for (const name of family.labelNames) {
        const value = sample.labels[name];
        if (value === undefined || value === "") continue;
        labels += `${labels === "" ? "" : ","}${name}="${escapeLabelValue(value)}"`;
      }
      text += `${family.name}${labels === "" ? "" : `{${labels}}`} ${formatValue(sample.value)}\n`;
      if ((i + 1) % CHUNK === 0) {
        chunks.push(Buffer.from(text, "utf8"));
        text = "";
        await yieldToEventLoop();
      }
    }
    chunks.push(Buffer.from(text, "utf8"));
  }
  return chunks;
}
