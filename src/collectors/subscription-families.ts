import type { Subscription } from "../partner-center/subscriptions.js";
import type { Collection, GaugeFamily, Sample, Skip } from "./collector.js";

interface CustomerRef {
  readonly id: string;
  readonly name: string;
}

/** Label -> the field its value comes from, in the order the series print them. */
type Labels = Readonly<Record<string, (customer: CustomerRef, s: Subscription) => string>>;

/** What identifies a subscription: every family but the info one has just these. */
const KEY: Labels = { customer_id: (c) => c.id, subscription_id: (_c, s) => s.id };
const INFO: Labels = {
  customer_id: (c) => c.id,
  customer: (c) => c.name,
  subscription_id: (_c, s) => s.id,
  offer_id: (_c, s) => s.offerId,
  offer: (_c, s) => s.offerName,
  term: (_c, s) => s.term,
  billing_cycle: (_c, s) => s.billingCycle,
  status: (_c, s) => s.status,
};
const KEY_LABELS = Object.keys(KEY);
const INFO_LABELS = Object.keys(INFO);

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
  customer: CustomerRef,
  subscriptions: readonly Subscription[],
  received: number,
  skipped: readonly Skip[],
): Collection {
  const series = new Map<string, Sample[]>(FAMILIES.map(([family]) => [family.name, []]));
  for (const s of subscriptions) {
    const labelsOf = (labels: Labels): Record<string, string> =>
      Object.fromEntries(Object.entries(labels).map(([name, field]) => [name, field(customer, s)]));
    const key = labelsOf(KEY);
    const info = labelsOf(INFO);
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
