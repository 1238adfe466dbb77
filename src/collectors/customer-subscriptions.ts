import { ExporterError } from "../errors/exporter-error.js";
import { backoffDelay } from "../net/backoff.js";
import { type Clock, REAL_CLOCK, RequestPace } from "../net/request-pace.js";
import { ApiHttpError, InvalidResponseError } from "../partner-center/errors.js";
import { nextLinkPath } from "../partner-center/paging.js";
import {
  CUSTOMERS_PATH,
  SUBSCRIPTIONS_ENDPOINT,
  subscriptionsPath,
} from "../partner-center/paths.js";
import { normaliseNextUri, readCollection } from "../partner-center/resource-collection.js";
import {
  CUSTOMER_SKIP_REASONS,
  type Customer,
  readCustomer,
  readSubscription,
  SUBSCRIPTION_SKIP_REASONS,
  type Subscription,
} from "../partner-center/subscriptions.js";
import type {
  CollectorOptions,
  CrawlCollector,
  CrawlContext,
  CrawlResult,
  Skip,
} from "./collector.js";
import { SUBSCRIPTION_FAMILIES, subscriptionCollection } from "./subscription-families.js";

/** The documented maximum page size of the customer list. */
export const CUSTOMERS_PAGE_SIZE = 500;
/** However the links chain: 2,000 pages of 500 is a million customers. */
const MAX_CUSTOMER_PAGES = 2_000;
/** A 429 without Retry-After waits this, doubling (with jitter) while they keep coming. */
const THROTTLE_BACKOFF_MS = 5_000;

export interface SubscriptionCrawlOptions {
  /** The pace's clock (tests run minutes of pacing in no time). */
  readonly clock?: Clock;
  /** The pace's window; a minute unless a test says otherwise. */
  readonly windowMs?: number;
}

/** Which customers the crawl visits: SUBSCRIPTIONS_CUSTOMER_FILTER (ids, or `!id` to leave out). */
export function customerFilter(items: readonly string[]): (id: string) => boolean {
  const include = new Set<string>();
  const exclude = new Set<string>();
  for (const item of items) {
    if (item.startsWith("!")) exclude.add(item.slice(1).trim().toLowerCase());
    else include.add(item.toLowerCase());
  }
  return (id) => {
    const lower = id.toLowerCase();
    return !exclude.has(lower) && (include.size === 0 || include.has(lower));
  };
}

/** SUBSCRIPTIONS_EXCLUDE_OFFERS: an offer id, or the `productId` / `productId:skuId` it starts with. */
export function offerExclusion(items: readonly string[]): (offerId: string) => boolean {
  const lower = items.map((i) => i.toLowerCase());
  return (offerId) => {
    const id = offerId.toLowerCase();
    return lower.some((item) => id === item || id.startsWith(`${item}:`));
  };
}

/** One crawl: the requests it makes (each paced, retries too) and what they came to. */
class Crawl {
  readonly #context: CrawlContext;
  readonly #pace: RequestPace;
  readonly #clock: Clock;

  constructor(context: CrawlContext, pace: RequestPace, clock: Clock) {
    this.#context = context;
    this.#pace = pace;
    this.#clock = clock;
  }

  /** GETs a path; a 429 waits its Retry-After (or backs off), slows the pace and asks again. */
  async get(path: string, endpoint: string, headers?: Record<string, string>): Promise<unknown> {
    const { client, correlationId, signal, progress } = this.#context;
    const pace = this.#pace;
    for (let throttles = 0; ; throttles++) {
      try {
        return await client.getJson(path, {
          correlationId,
          signal,
          endpoint,
          ...(headers !== undefined ? { headers } : {}),
          beforeAttempt: (s) => pace.acquire(s),
          onAttempt: (code) => {
            if (code !== "429") return;
            pace.throttled();
            progress.pace(this.perMinute());
          },
        });
      } catch (error) {
        if (!(error instanceof ApiHttpError) || error.status !== 429) throw error;
        await this.#clock.sleep(
          error.retryAfterMs ?? backoffDelay(Math.min(throttles, 3), THROTTLE_BACKOFF_MS),
          signal,
        );
      }
    }
  }

  perMinute(): number {
    return Math.round((this.#pace.current * 60_000) / this.#pace.windowMs);
  }

  /** Every page of the customer list, following the next link with its continuation token. */
  async customers(skipped: Skip[]): Promise<Customer[]> {
    const { client } = this.#context;
    const customers: Customer[] = [];
    const tokens = new Set<string>();
    let path = `${CUSTOMERS_PATH}?size=${CUSTOMERS_PAGE_SIZE}`;
    let headers: Record<string, string> | undefined;
    for (let page = 1; ; page++) {
      const body = readCollection(await this.get(path, CUSTOMERS_PATH, headers), "customers");
      body.items.forEach((item, i) => {
        const customer = readCustomer(item);
        if (customer !== undefined) customers.push(customer);
        else
          skipped.push({
            reason: "missing_customer_id",
            detail: `customers page ${page} items[${i}] has no id`,
          });
      });
      const next = body.next;
      if (next === undefined) return customers;
      const token = next.continuationToken ?? "";
      if (tokens.has(token))
        throw new InvalidResponseError("customer pages repeat a continuation token");
      if (page >= MAX_CUSTOMER_PAGES)
        throw new InvalidResponseError(`more than ${MAX_CUSTOMER_PAGES} customer pages; stopping`);
      tokens.add(token);
      path = nextLinkPath(client.baseUrl, normaliseNextUri(next.uri));
      headers = token === "" ? undefined : { "MS-ContinuationToken": token };
    }
  }

  /** One customer's subscriptions, checked item by item. */
  async subscriptions(customer: Customer, excluded: (offerId: string) => boolean) {
    const body = readCollection(
      await this.get(subscriptionsPath(customer.id), SUBSCRIPTIONS_ENDPOINT),
      `subscriptions of ${customer.id}`,
    );
    const kept: Subscription[] = [];
    const skipped: Skip[] = [];
    body.items.forEach((item, i) => {
      const read = readSubscription(
        item,
        `customers/${customer.id}/subscriptions items[${i}]`,
        excluded,
      );
      if ("skip" in read) skipped.push(read.skip);
      else kept.push(read.subscription);
    });
    return subscriptionCollection(customer, kept, body.items.length, skipped);
  }
}

/**
 * Renewals: every customer's subscriptions (GET /v1/customers, then each customer's
 * /subscriptions), one customer at a time at SUBSCRIPTIONS_REQUESTS_PER_MINUTE.
 */
export function customerSubscriptionsCollector(
  crawlOptions: SubscriptionCrawlOptions = {},
): CrawlCollector {
  const clock = crawlOptions.clock ?? REAL_CLOCK;
  let pace: RequestPace | undefined;
  const paceFor = (options: CollectorOptions): RequestPace => {
    pace ??= new RequestPace({
      limit: options.subscriptions.requestsPerMinute,
      clock,
      ...(crawlOptions.windowMs !== undefined ? { windowMs: crawlOptions.windowMs } : {}),
    });
    return pace;
  };
  return {
    name: "customer-subscriptions",
    mode: "crawl",
    defaultEnabled: false,
    description:
      "renewals: each customer's subscriptions, seats, terms and cancellation windows (/v1/customers/{id}/subscriptions), crawled customer by customer",
    families: SUBSCRIPTION_FAMILIES,
    skipReasons: [...CUSTOMER_SKIP_REASONS, ...SUBSCRIPTION_SKIP_REASONS],
    async crawl(context): Promise<CrawlResult> {
      const { options, progress, signal } = context;
      const crawl = new Crawl(context, paceFor(options), clock);
      progress.pace(crawl.perMinute());
      const skipped: Skip[] = [];
      const wanted = customerFilter(options.subscriptions.customerFilter);
      const excluded = offerExclusion(options.subscriptions.excludeOffers);
      const customers = (await crawl.customers(skipped)).filter((c) => wanted(c.id));
      progress.listed(customers.length);
      const keep = new Set<string>();
      let received = 0;
      let failed = 0;
      let exported = 0;
      for (const customer of customers) {
        if (signal.aborted) throw signal.reason;
        keep.add(customer.id);
        try {
          const collection = await crawl.subscriptions(customer, excluded);
          received += collection.received;
          skipped.push(...collection.skipped);
          exported += collection.series.get(SUBSCRIPTION_FAMILIES[0]?.name ?? "")?.length ?? 0;
          if (exported > options.customer.maxSeries)
            throw new TooManySubscriptionsError(options.customer.maxSeries);
          progress.part(customer.id, collection);
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          failed++;
          const reason = error instanceof ExporterError ? error.reason : "invalid_response";
          progress.failed(
            customer.id,
            reason,
            error instanceof Error ? error.message : String(error),
          );
        }
      }
      return { keep, received, skipped, failed };
    },
  };
}

/** More subscriptions than CUSTOMER_MAX_SERIES: the customers past it keep their last series. */
class TooManySubscriptionsError extends ExporterError {
  readonly reason = "too_many_series";
  constructor(limit: number) {
    super(
      `the crawl has found more than CUSTOMER_MAX_SERIES=${limit} subscriptions: narrow it with SUBSCRIPTIONS_CUSTOMER_FILTER or SUBSCRIPTIONS_EXCLUDE_OFFERS, or raise CUSTOMER_MAX_SERIES`,
    );
    this.name = "TooManySubscriptionsError";
  }
}
