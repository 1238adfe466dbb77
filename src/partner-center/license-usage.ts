import { parseApiDateTime } from "./datetime.js";
import { InvalidResponseError } from "./errors.js";

export const LICENSE_USAGE_PATH = "/v1/analytics/licenses/usage";

/** One PartnerLicensesUsageInsights item, checked and typed. */
export interface LicenseUsageItem {
  readonly workload: string;
  readonly service: string;
  readonly channel: string;
  /** proratedLicensesUsagePercent exactly as received (0-100 scale, may exceed 100). */
  readonly usagePercent: number;
  /** processedDateTime, epoch milliseconds. */
  readonly processedAt: number;
}

export const SKIP_REASONS = [
  "not_an_object",
  "missing_workload",
  "invalid_labels",
  "invalid_value",
  "invalid_date",
] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];

export interface SkippedItem {
  readonly reason: SkipReason;
  /** Where and why, e.g. `items[3].proratedLicensesUsagePercent is "12"`. */
  readonly detail: string;
}

export interface ParsedBody<T> {
  readonly items: readonly T[];
  readonly skipped: readonly SkippedItem[];
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  const text = JSON.stringify(value) ?? String(value);
  return `${text.length > 60 ? `${text.slice(0, 60)}...` : text}`;
}

/**
 * The boundary for `{totalCount, items: [...]}`: a body without an items array is rejected whole;
 * an unusable item is skipped with the reason, and the rest of the body still counts.
 */
export function parseLicenseUsageBody(body: unknown): ParsedBody<LicenseUsageItem> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidResponseError(
      `body is ${Array.isArray(body) ? "an array" : describe(body)}, expected an object with "items"`,
    );
  }
  const rawItems = (body as Record<string, unknown>).items;
  if (!Array.isArray(rawItems)) {
    throw new InvalidResponseError(`"items" is ${describe(rawItems)}, expected an array`);
  }
  const items: LicenseUsageItem[] = [];
  const skipped: SkippedItem[] = [];
  rawItems.forEach((raw: unknown, index) => {
    const at = `items[${index}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      skipped.push({ reason: "not_an_object", detail: `${at} is ${describe(raw)}` });
      return;
    }
    const item = raw as Record<string, unknown>;
    const { workloadName, serviceName, channel, proratedLicensesUsagePercent } = item;
    if (typeof workloadName !== "string" || workloadName === "") {
      skipped.push({
        reason: "missing_workload",
        detail: `${at}.workloadName is ${describe(workloadName)}`,
      });
      return;
    }
    if (typeof serviceName !== "string" || typeof channel !== "string") {
      const field = typeof serviceName !== "string" ? "serviceName" : "channel";
      skipped.push({
        reason: "invalid_labels",
        detail: `${at}.${field} is ${describe(item[field])}`,
      });
      return;
    }
    if (
      typeof proratedLicensesUsagePercent !== "number" ||
      !Number.isFinite(proratedLicensesUsagePercent)
    ) {
      skipped.push({
        reason: "invalid_value",
        detail: `${at}.proratedLicensesUsagePercent is ${describe(proratedLicensesUsagePercent)}`,
      });
      return;
    }
    const processedAt = parseApiDateTime(item.processedDateTime);
    if (processedAt === undefined) {
      skipped.push({
        reason: "invalid_date",
        detail: `${at}.processedDateTime is ${describe(item.processedDateTime)}`,
      });
      return;
    }
    items.push({
      workload: workloadName,
      service: serviceName,
      channel,
      usagePercent: proratedLicensesUsagePercent,
      processedAt,
    });
  });
  return { items, skipped };
}
