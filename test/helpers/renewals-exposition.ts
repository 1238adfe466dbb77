// A /metrics page with the series the Renewals row and the renewal alerts read: the collector
// customer-subscriptions' metrics as the spec names them (spec.md, "Renewals"), customer-usage's
// active and qualified licences, and the two series the dashboard's variables list values of.
// Timestamps are values, so the page is built around a given time.

const DAY = 86_400;

/** The customer-subscriptions collector's metrics, as the spec fixes their names. */
export const SUBSCRIPTION_METRICS = [
  "partner_customer_subscription_info",
  "partner_customer_subscription_licenses",
  "partner_customer_subscription_auto_renew",
  "partner_customer_subscription_term_end_timestamp_seconds",
  "partner_customer_subscription_cancellation_allowed_until_timestamp_seconds",
  "partner_customer_subscription_refundable_licenses",
  "partner_customer_subscription_renewal_licenses",
] as const;

type Metric = (typeof SUBSCRIPTION_METRICS)[number];

interface Subscription {
  readonly customerId: string;
  readonly customer: string;
  readonly id: string;
  readonly offer: string;
  readonly licenses: number;
  readonly autoRenew: 0 | 1;
  /** Days from now. */
  readonly termEndsIn: number;
  readonly windowOpenFor?: number;
  readonly refundable?: number;
  readonly renewal?: number;
}

/**
 * Contoso's best workload is at 10% (below the 20% threshold), Fabrikam's at 60%. Contoso's
 * s-open can still be reduced (12 refundable seats), s-renews renews 25 seats in 20 days,
 * s-manual has auto-renew off; Fabrikam's f-sub has a window open and renews in 10 days.
 */
export const SUBSCRIPTIONS: readonly Subscription[] = [
  {
    customerId: "c-contoso",
    customer: "Contoso Ltd",
    id: "s-open",
    offer: "Microsoft 365 Business Standard",
    licenses: 40,
    autoRenew: 1,
    termEndsIn: 365,
    windowOpenFor: 3,
    refundable: 12,
  },
  {
    customerId: "c-contoso",
    customer: "Contoso Ltd",
    id: "s-renews",
    offer: "Microsoft 365 Business Premium",
    licenses: 30,
    autoRenew: 1,
    termEndsIn: 20,
    renewal: 25,
  },
  {
    customerId: "c-contoso",
    customer: "Contoso Ltd",
    id: "s-manual",
    offer: "Microsoft 365 F3",
    licenses: 30,
    autoRenew: 0,
    termEndsIn: 10,
  },
  {
    customerId: "c-fabrikam",
    customer: "Fabrikam Ltd",
    id: "f-sub",
    offer: "Microsoft 365 E3",
    licenses: 100,
    autoRenew: 1,
    termEndsIn: 10,
    windowOpenFor: 2,
  },
];

const USAGE = [
  ["c-contoso", "Contoso Ltd", "Exchange", 5, 100],
  ["c-contoso", "Contoso Ltd", "Teams", 10, 100],
  ["c-fabrikam", "Fabrikam Ltd", "Exchange", 10, 100],
  ["c-fabrikam", "Fabrikam Ltd", "Teams", 60, 100],
] as const;

const labels = (pairs: Readonly<Record<string, string>>): string =>
  `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;

/** Seconds since the epoch, whole, `days` from `nowSeconds`. */
export const daysFrom = (nowSeconds: number, days: number): number =>
  Math.floor(nowSeconds) + days * DAY;

/** The page, in the Prometheus text format, for a Prometheus scraping at about `nowSeconds`. */
export function renewalsExposition(nowSeconds: number): string {
  const families = new Map<string, string[]>();
  const add = (name: string, pairs: Readonly<Record<string, string>>, value: number): void => {
    const lines = families.get(name) ?? [];
    lines.push(`${name}${labels(pairs)} ${value}`);
    families.set(name, lines);
  };
  add("partner_center_up", {}, 1);
  add(
    "partner_license_usage_percent",
    { channel: "reseller", service: "o365", workload: "Exchange" },
    42,
  );
  for (const [customerId, customer, workload, active, qualified] of USAGE) {
    const pairs = { customer_id: customerId, customer, workload, channel: "reseller" };
    add("partner_customer_licenses_active", pairs, active);
    add("partner_customer_licenses_qualified", pairs, qualified);
  }
  for (const s of SUBSCRIPTIONS) {
    const key = { customer_id: s.customerId, subscription_id: s.id };
    const values: Partial<Record<Metric, number>> = {
      partner_customer_subscription_licenses: s.licenses,
      partner_customer_subscription_auto_renew: s.autoRenew,
      partner_customer_subscription_term_end_timestamp_seconds: daysFrom(nowSeconds, s.termEndsIn),
    };
    if (s.windowOpenFor !== undefined)
      values.partner_customer_subscription_cancellation_allowed_until_timestamp_seconds = daysFrom(
        nowSeconds,
        s.windowOpenFor,
      );
    if (s.refundable !== undefined)
      values.partner_customer_subscription_refundable_licenses = s.refundable;
    if (s.renewal !== undefined) values.partner_customer_subscription_renewal_licenses = s.renewal;
    add(
      "partner_customer_subscription_info",
      {
        ...key,
        customer: s.customer,
        offer_id: "CFQ7TTC0LH18:0001",
        offer: s.offer,
        term: "P1Y",
        billing_cycle: "monthly",
        status: "active",
      },
      1,
    );
    for (const [name, value] of Object.entries(values)) add(name, key, value);
  }
  return [...families]
    .map(([name, lines]) => `# TYPE ${name} gauge\n${lines.join("\n")}\n`)
    .join("");
}
