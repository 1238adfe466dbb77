const ISO_DATETIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Parses an ISO 8601 date-time to epoch milliseconds; no offset means UTC (as the API documents). */
export function parseApiDateTime(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = ISO_DATETIME.exec(value.trim());
  if (match === null) return undefined;
  const ms = Date.parse(match[1] === undefined ? `${value.trim()}Z` : value.trim());
  return Number.isNaN(ms) ? undefined : ms;
}
