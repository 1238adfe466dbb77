import type { Subscription } from "../partner-center/subscriptions.js";
import type { Collection, GaugeFamily, Sample, Skip } from "./collector.js";

const INFO_LABELS = [
  "customer_id",
  "customer",
  "subscription_id",
  "offer_id",
  "offer",
  "term",
  "billing_cycle",
  "status",
] as const;
const KEY_LABELS = ["customer_id", "subscription_id"] as const;

type Value = (s: Subscription) => number | undefined;

const gauge = (name: string, help: string, value: Value) =>
  [{ name, help, labelNames: KEY_LABELS }, value] as const;

/** Each family and the subscription field it exports (undefined: no series). */
const FAMILIES: readonly (readonly [GaugeFamily, Value])[] = [
  [
    {
      name: "partner_customer_subscription_info",
      help: "A customer's subscription as Partner Center lists it (offerName, termDuration, billingCycle, status); deleted, expired and disabled ones are not exported. Always 1.",
      labelNames: INFO_LABELS,
    },
    () => 1,
  ],
  gauge(
    "partner_customer_subscription_licenses",
    "The subscription's quantity: the licences (seats) it has, as Partner Center reports it.",
    (s) => s.quantity,
  ),
  gauge(
    "partner_customer_subscription_auto_renew",
    "1 if the subscription renews automatically at the end of its term (autoRenewEnabled), else 0.",
    (s) => (s.autoRenew === undefined ? undefined : s.autoRenew ? 1 : 0),
  ),
  gauge(
    "partner_customer_subscription_term_end_timestamp_seconds",
    "When the subscription's term ends (commitmentEndDate; new commerce end dates are inclusive: the end of that day, UTC), in Unix seconds.",
    (s) => seconds(s.termEndsAt),
  ),
  gauge(
    "partner_customer_subscription_cancellation_allowed_until_timestamp_seconds",
    "Until when the subscription can still be cancelled or reduced (cancellationAllowedUntilDate), in Unix seconds; absent when Partner Center gives none.",
    (s) => seconds(s.cancellationAllowedUntil),
  ),
  gauge(
    "partner_customer_subscription_refundable_licenses",
    "Licences that can still be reduced with a refund (refundableQuantity.totalQuantity); absent when Partner Center gives none.",
    (s) => s.refundableQuantity,
  ),
  gauge(
    "partner_customer_subscription_renewal_licenses",
    "Licences scheduled for the next term (scheduledNextTermInstructions.quantity): the seats that will renew; absent when none are scheduled.",
    (s) => s.renewalQuantity,
  ),
];

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

export const SUBSCRIPTION_FAMILIES: readonly GaugeFamily[] = FAMILIES.map(([family]) => family);

/** One customer's subscriptions as samples, per family (every family present). */
export function subscriptionCollection(
  customer: { readonly id: string; readonly name: string },
  subscriptions: readonly Subscription[],
  received: number,
  skipped: readonly Skip[],
): Collection {
  const series = new Map<string, Sample[]>(FAMILIES.map(([family]) => [family.name, []]));
  for (const s of subscriptions) {
    const key = { customer_id: customer.id, subscription_id: s.id };
    const info = {
      ...key,
      customer: customer.name,
      offer_id: s.offerId,
      offer: s.offerName,
      term: s.term,
      billing_cycle: s.billingCycle,
      status: s.status,
    };
    for (const [family, value] of FAMILIES) {
      const v = value(s);
      if (v === undefined) continue;
      series
        .get(family.name)
        ?.push({ labels: family.labelNames === KEY_LABELS ? key : info, value: v });
    }
  }
  return { series, received, skipped };
}
