import type { Request } from "express";
import { AnalyticsQueryError } from "./commercial-analytics.js";
import type { CustomerProductRow } from "./customer-data.js";
import type { Quirk } from "./quirks.js";
import {
  customerResource,
  customersOf,
  type SimulatedCustomer,
  subscriptionItems,
} from "./subscription-data.js";

/** The customer list's documented page size limit. */
export const MAX_CUSTOMER_PAGE = 500;

export interface SubscriptionPagesOptions {
  /** The customers' product rows (the commercial analytics' data: the same tenant ids). */
  readonly rows: () => readonly CustomerProductRow[];
  readonly quirks: ReadonlySet<Quirk>;
  readonly now: () => number;
}

interface Indexed {
  readonly rows: readonly CustomerProductRow[];
  readonly customers: readonly SimulatedCustomer[];
  readonly byId: ReadonlyMap<string, { index: number; products: CustomerProductRow[] }>;
}

/** The continuation token: where the next page starts (opaque to the client, as the real one). */
const tokenFor = (offset: number): string => Buffer.from(`offset:${offset}`).toString("base64");
function offsetOf(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, "base64").toString("utf8"));
  if (match === null) throw new AnalyticsQueryError("invalid continuation token");
  return Number(match[1]);
}

/**
 * `GET /v1/customers` in pages with continuation tokens (the next link repeats `/v1` with the
 * `v1-next-link` quirk), and `GET /v1/customers/{id}/subscriptions`.
 */
export class SubscriptionPages {
  readonly #options: SubscriptionPagesOptions;
  #indexed: Indexed | undefined;
  readonly #overrides = new Map<string, unknown>();
  readonly #removed = new Set<string>();

  constructor(options: SubscriptionPagesOptions) {
    this.#options = options;
  }

  #index(): Indexed {
    const rows = this.#options.rows();
    if (this.#indexed?.rows === rows) return this.#indexed;
    const customers = customersOf(rows);
    const byId = new Map<string, { index: number; products: CustomerProductRow[] }>();
    for (const [index, c] of customers.entries()) byId.set(c.id, { index, products: [] });
    for (const row of rows) {
      const entry = byId.get(row.customerTenantId);
      if (entry !== undefined && !entry.products.some((p) => p.productId === row.productId)) {
        entry.products.push(row);
      }
    }
    this.#indexed = { rows, customers, byId };
    return this.#indexed;
  }

  /** Serve this body for a customer's subscriptions (an items array, or any JSON); undefined: the data. */
  setSubscriptions(customerId: string, body: unknown): void {
    if (body === undefined) this.#overrides.delete(customerId);
    else this.#overrides.set(customerId, body);
  }

  /** The partner no longer has this customer: gone from the list and its subscriptions 404. */
  removeCustomer(customerId: string): void {
    this.#removed.add(customerId);
  }

  customers(): readonly SimulatedCustomer[] {
    return this.#index().customers.filter((c) => !this.#removed.has(c.id));
  }

  /** The 1-based page a customers request asks for (faults can target one). */
  pageOf(req: Request): number {
    const size = this.#size(req);
    try {
      return Math.floor(offsetOf(req.get("MS-ContinuationToken")) / size) + 1;
    } catch {
      return 1;
    }
  }

  #size(req: Request): number {
    const size = Number(
      (req.query as Record<string, string | undefined>).size ?? MAX_CUSTOMER_PAGE,
    );
    return Number.isInteger(size) && size > 0
      ? Math.min(size, MAX_CUSTOMER_PAGE)
      : MAX_CUSTOMER_PAGE;
  }

  customersPage(req: Request, baseUrl: string): unknown {
    const customers = this.customers();
    const size = this.#size(req);
    const next = (req.query as Record<string, string | undefined>).seekOperation === "Next";
    const offset = next ? offsetOf(req.get("MS-ContinuationToken")) : 0;
    const items = customers.slice(offset, offset + size).map(customerResource);
    const body: Record<string, unknown> = {
      totalCount: items.length,
      items,
      links: { self: { uri: `/customers?size=${size}`, method: "GET", headers: [] } },
      attributes: { objectType: "Collection" },
    };
    if (offset + size < customers.length) {
      const token = tokenFor(offset + size);
      const uri = this.#options.quirks.has("v1-next-link")
        ? `${baseUrl}/v1//v1/customers?size=${size}&seekOperation=Next`
        : `/customers?size=${size}&seekOperation=Next`;
      body.continuationToken = token;
      (body.links as Record<string, unknown>).next = {
        uri,
        method: "GET",
        headers: [{ key: "MS-ContinuationToken", value: token }],
      };
    }
    return body;
  }

  /** A customer's subscriptions; undefined for a customer the partner does not have. */
  subscriptions(customerId: string): unknown {
    if (this.#overrides.has(customerId)) {
      const body = this.#overrides.get(customerId);
      return Array.isArray(body) ? collection(body) : body;
    }
    const entry = this.#index().byId.get(customerId);
    if (entry === undefined || this.#removed.has(customerId)) return undefined;
    const customer = this.#index().customers[entry.index] as SimulatedCustomer;
    return collection(
      subscriptionItems(customer, entry.index, entry.products, this.#options.now()),
    );
  }
}

function collection(items: readonly unknown[]): unknown {
  return {
    totalCount: items.length,
    items,
    links: { self: { uri: "/customers/subscriptions", method: "GET", headers: [] } },
    attributes: { objectType: "Collection" },
  };
}
