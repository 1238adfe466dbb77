const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** Parses a Prometheus-style duration (`500ms`, `30s`, `1h30m`) into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < trimmed.length) {
    const start = PART.lastIndex;
    const match = PART.exec(trimmed);
    if (match === null || match.index !== start) return undefined;
    const [, amount, unit] = match;
    const factor = unit === undefined ? undefined : UNIT_MS[unit];
    if (amount === undefined || factor === undefined) return undefined;
    total += Number(amount) * factor;
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

const UNITS_DESCENDING: readonly [string, number][] = Object.entries(UNIT_MS).sort(
  (a, b) => b[1] - a[1],
);

/**
 * A duration as people (and Prometheus) write it: `1h30m`, `2m`, `1s500ms`, `250ms`, `0s`;
 * whole milliseconds, largest unit first. What parseDuration reads back to the same value: the
 * one spelling of every duration in log lines and messages.
 */
export function formatDuration(ms: number): string {
  let left = Math.round(ms);
  if (!(left > 0)) return "0s";
  let text = "";
  for (const [unit, size] of UNITS_DESCENDING) {
    const count = Math.floor(left / size);
    if (count === 0) continue;
    text += `${count}${unit}`;
    left -= count * size;
  }
  return text;
}
