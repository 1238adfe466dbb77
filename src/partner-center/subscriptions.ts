import { describe } from "../boundaries/check-boundary.js";
import { parseApiDateTime } from "./datetime.js";
import { member } from "./resource-collection.js";
import type { SkippedRow } from "./rows.js";

/** A customer from `GET /v1/customers`: its tenant id and company name. */
export interface Customer {
  readonly id: string;
  readonly name: string;
}

/** A subscription from `GET /v1/customers/{id}/subscriptions`, checked and typed. */
export interface Subscription {
  readonly id: string;
  readonly offerId: string;
  readonly offerName: string;
  /** termDuration (P1M, P1Y, P3Y); empty for legacy subscriptions. */
  readonly term: string;
  readonly billingCycle: string;
  /** Lower case: active, suspended, pending. */
  readonly status: string;
  readonly quantity: number;
  readonly autoRenew: boolean | undefined;
  /** When the term ends, epoch ms (NCE end dates are inclusive: the end of that day, UTC). */
  readonly termEndsAt: number | undefined;
  /** undefined: not given, or null (it can no longer be cancelled or reduced). */
  readonly cancellationAllowedUntil: number | undefined;
  readonly refundableQuantity: number | undefined;
  readonly renewalQuantity: number | undefined;
}

/** Statuses that are not a subscription the customer has: never exported. */
const NOT_EXPORTED = new Set(["deleted", "expired", "disabled", "none"]);

export const SUBSCRIPTION_SKIP_REASONS = [
  "not_an_object",
  "missing_subscription_id",
  "invalid_value",
  "invalid_date",
  "not_current",
  "excluded_offer",
] as const;

export const CUSTOMER_SKIP_REASONS = ["missing_customer_id"] as const;

const DAY_MS = 86_400_000;

/**
 * The signal for new commerce: its offer ids read `productId:skuId:availabilityId`
 * (CFQ7TTC0LH18:0001:...), legacy ones are GUIDs. Seen in public code, not stated in the docs; an
 * offer id is on every subscription, where termDuration may be absent.
 */
export function isNewCommerce(offerId: string): boolean {
  return /^[A-Za-z0-9]+:[A-Za-z0-9]+(:[A-Za-z0-9]+)?$/.test(offerId);
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function count(value: unknown): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function readCustomer(item: unknown): Customer | undefined {
  const id = text(member(item, "id"));
  if (id === "") return undefined;
  return { id, name: text(member(member(item, "companyProfile"), "companyName")) };
}

type Read = { subscription: Subscription } | { skip: SkippedRow };

function skip(reason: string, detail: string): Read {
  return { skip: { reason, detail } };
}

/** The term's end: NCE dates are inclusive (the term runs through that day), legacy exclusive. */
function termEnd(item: unknown, offerId: string): number | undefined | null {
  const raw = member(item, "commitmentEndDate");
  if (raw === undefined || raw === null || raw === "") return undefined;
  const at = parseApiDateTime(
    typeof raw === "string" && raw.length === 10 ? `${raw}T00:00:00Z` : raw,
  );
  if (at === undefined) return null;
  return isNewCommerce(offerId) ? Math.floor(at / DAY_MS) * DAY_MS + DAY_MS : at;
}

/**
 * One subscription item, or why it is not exported: a deleted, expired or disabled one, an
 * excluded offer, or an unusable item (its first problem names the field and the value).
 */
export function readSubscription(
  item: unknown,
  where: string,
  excluded: (offerId: string) => boolean,
): Read {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    return skip("not_an_object", `${where} is ${describe(item)}`);
  }
  const id = text(member(item, "id"));
  if (id === "")
    return skip("missing_subscription_id", `${where}.id is ${describe(member(item, "id"))}`);
  const status = text(member(item, "status")).toLowerCase();
  if (NOT_EXPORTED.has(status)) return skip("not_current", `${where} (${id}) is ${status}`);
  const offerId = text(member(item, "offerId"));
  if (excluded(offerId)) return skip("excluded_offer", `${where} (${id}) has offer ${offerId}`);
  const quantity = count(member(item, "quantity"));
  const refundable = count(member(member(item, "refundableQuantity"), "totalQuantity"));
  const renewal = count(member(member(item, "scheduledNextTermInstructions"), "quantity"));
  const counts = [
    ["quantity", quantity, member(item, "quantity")],
    [
      "refundableQuantity.totalQuantity",
      refundable,
      member(member(item, "refundableQuantity"), "totalQuantity"),
    ],
    [
      "scheduledNextTermInstructions.quantity",
      renewal,
      member(member(item, "scheduledNextTermInstructions"), "quantity"),
    ],
  ] as const;
  for (const [field, value, raw] of counts) {
    if (value === null || (field === "quantity" && value === undefined)) {
      return skip("invalid_value", `${where}.${field} is ${describe(raw)}`);
    }
  }
  const ends = termEnd(item, offerId);
  const cancelRaw = member(item, "cancellationAllowedUntilDate");
  const cancel =
    cancelRaw === null || cancelRaw === undefined ? undefined : parseApiDateTime(cancelRaw);
  if (ends === null || (cancelRaw != null && cancel === undefined)) {
    const field = ends === null ? "commitmentEndDate" : "cancellationAllowedUntilDate";
    return skip("invalid_date", `${where}.${field} is ${describe(member(item, field))}`);
  }
  const autoRenew = member(item, "autoRenewEnabled");
  return {
    subscription: {
      id,
      offerId,
      offerName: text(member(item, "offerName")),
      term: text(member(item, "termDuration")),
      billingCycle: text(member(item, "billingCycle")).toLowerCase(),
      status,
      quantity: quantity as number,
      autoRenew: typeof autoRenew === "boolean" ? autoRenew : undefined,
      termEndsAt: ends,
      cancellationAllowedUntil: cancel,
      refundableQuantity: refundable ?? undefined,
      renewalQuantity: renewal ?? undefined,
    },
  };
}
