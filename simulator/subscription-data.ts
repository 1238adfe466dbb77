import type { CustomerProductRow } from "./customer-data.js";

/**
 * Deterministic customers and subscriptions for `GET /v1/customers` and
 * `/v1/customers/{id}/subscriptions`: the customers of the commercial analytics (same tenant ids,
 * so usage and subscriptions join), each with four subscription items as Partner Center writes
 * them (7-digit fractional seconds, `cancellationAllowedUntilDate: null`, `renewalTermDuration: ""`),
 * new commerce and legacy, and now and then a deleted one. Dates are relative to `now`: some
 * reduction windows are open, some terms end within 30 days with auto-renew on.
 */

export interface SimulatedCustomer {
  readonly id: string;
  readonly name: string;
}

const DAY_MS = 86_400_000;
const SUBSCRIPTIONS_PER_CUSTOMER = 4;
/** New commerce: a licence can be reduced within 7 days (168 h) of purchase or renewal. */
const REDUCTION_WINDOW_DAYS = 7;

/** The customers, in the order of their rows. */
export function customersOf(rows: readonly CustomerProductRow[]): SimulatedCustomer[] {
  const seen = new Map<string, SimulatedCustomer>();
  for (const row of rows) {
    if (!seen.has(row.customerTenantId)) {
      seen.set(row.customerTenantId, { id: row.customerTenantId, name: row.customerName });
    }
  }
  return [...seen.values()];
}

/** A Customer resource as the list answers it. */
export function customerResource(customer: SimulatedCustomer): Record<string, unknown> {
  return {
    id: customer.id,
    companyProfile: {
      tenantId: customer.id,
      domain: `${customer.name.toLowerCase().replace(/[^a-z0-9]+/g, "")}.onmicrosoft.com`,
      companyName: customer.name,
      attributes: { objectType: "CustomerCompanyProfile" },
    },
    relationshipToPartner: "reseller",
    attributes: { objectType: "Customer" },
  };
}

/** A small hash of a string (deterministic per customer and slot). */
function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The API's date-time with 7 fractional digits, as real answers carry them. */
function apiDateTime(ms: number, ticks: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, `.${String(ticks % 10_000_000).padStart(7, "0")}Z`);
}

function day(ms: number): string {
  return new Date(ms).toISOString().replace(/T.*/, "T00:00:00Z");
}

function subscriptionId(customerId: string, slot: number): string {
  const h = hash(`${customerId}/${slot}`).toString(16).padStart(8, "0");
  return `${h}-${customerId.slice(9, 13)}-4${customerId.slice(15, 18)}-8${h.slice(0, 3)}-${customerId.slice(24)}`;
}

interface Slot {
  readonly customer: SimulatedCustomer;
  readonly slot: number;
  readonly index: number;
  readonly product: CustomerProductRow | undefined;
  readonly today: number;
}

function newCommerce({ customer, slot, index, product, today }: Slot): Record<string, unknown> {
  const h = hash(`${customer.id}#${slot}`);
  const annual = h % 3 !== 0;
  const termDays = annual ? 365 : 30;
  // The demo's first customers show the cases the alerts are about.
  let sinceStart = h % termDays;
  // Reduction windows open every 4th customer, and at customer 6, a direct one (customer-data.ts).
  if ((index % 4 === 0 || index === 6) && slot === 0) sinceStart = 2;
  if (index % 4 === 1 && slot === 0) sinceStart = termDays - 20; // renews within 30 days
  const start = today - sinceStart * DAY_MS;
  const quantity = product?.licensesSold ?? 1 + (h % 50);
  const open = sinceStart < REDUCTION_WINDOW_DAYS;
  const until = start + REDUCTION_WINDOW_DAYS * DAY_MS + 23 * 3_600_000 + 59 * 60_000;
  const productId = product?.productId ?? "CFQ7TTC0LH18";
  const subscription: Record<string, unknown> = {
    id: subscriptionId(customer.id, slot),
    offerId: `${productId}:0001:${productId}`,
    offerName: product?.productName ?? "Exchange Online (Plan 1)",
    friendlyName: product?.productName ?? "Exchange Online (Plan 1)",
    productType: { id: "OnlineServicesNCE", displayName: "OnlineServicesNCE" },
    quantity,
    unitType: "Licenses",
    status: h % 17 === 5 ? "suspended" : "active",
    creationDate: apiDateTime(start + 16 * 3_600_000, h),
    effectiveStartDate: day(start),
    commitmentEndDate: day(start + (termDays - 1) * DAY_MS),
    cancellationAllowedUntilDate: open ? apiDateTime(until, h) : null,
    autoRenewEnabled: index % 4 === 1 && slot === 0 ? true : h % 5 !== 0,
    billingType: "license",
    billingCycle: annual ? "annual" : "monthly",
    termDuration: annual ? "P1Y" : "P1M",
    renewalTermDuration: "",
    refundOptions: open ? [{ type: "Full", expiresAt: apiDateTime(until, h) }] : [],
    attributes: { objectType: "Subscription" },
  };
  if (open) {
    subscription.refundableQuantity = {
      totalQuantity: quantity,
      details: [{ quantity, allowedUntilDateTime: apiDateTime(until, h) }],
    };
  }
  if (h % 4 === 1 && quantity > 1) {
    subscription.scheduledNextTermInstructions = {
      product: {
        productId,
        skuId: "0001",
        availabilityId: productId,
        billingCycle: annual ? "annual" : "monthly",
        termDuration: annual ? "P1Y" : "P1M",
      },
      quantity: Math.max(1, Math.floor(quantity * 0.6)),
    };
  }
  return subscription;
}

function legacy({ customer, slot, today }: Slot, status: string): Record<string, unknown> {
  const h = hash(`${customer.id}#${slot}`);
  const start = today - (h % 28) * DAY_MS;
  return {
    id: subscriptionId(customer.id, slot),
    offerId: "91FD106F-4B2C-4938-95AC-F54F74E9A239",
    offerName: "Office 365 E1",
    friendlyName: "Office 365 E1",
    quantity: 1 + (h % 40),
    unitType: "Licenses",
    status,
    creationDate: apiDateTime(start - 400 * DAY_MS, h),
    effectiveStartDate: day(start),
    commitmentEndDate: day(start + 30 * DAY_MS),
    autoRenewEnabled: true,
    billingType: "license",
    billingCycle: "monthly",
    attributes: { objectType: "Subscription" },
  };
}

/** A customer's subscription items: one per product (new commerce), legacy ones to make four. */
export function subscriptionItems(
  customer: SimulatedCustomer,
  index: number,
  products: readonly CustomerProductRow[],
  now: number,
): Record<string, unknown>[] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const items: Record<string, unknown>[] = [];
  for (let slot = 0; slot < SUBSCRIPTIONS_PER_CUSTOMER; slot++) {
    const product = products[slot];
    const at = { customer, slot, index, product, today };
    items.push(product !== undefined ? newCommerce(at) : legacy(at, "active"));
  }
  if (index % 7 === 3)
    items.push(legacy({ customer, slot: 9, index, product: undefined, today }, "deleted"));
  return items;
}
