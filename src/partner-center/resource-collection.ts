import { InvalidResponseError } from "./errors.js";

/**
 * The Partner Center resource collection, `{totalCount, items, links, continuationToken,
 * attributes}` (customers, subscriptions): member names read in any casing, as the API's answers
 * and examples vary in it.
 */
export interface ResourceCollection {
  readonly items: readonly unknown[];
  /** `links.next`, when there is a next page: its URI and the continuation token to send. */
  readonly next:
    | { readonly uri: string; readonly continuationToken: string | undefined }
    | undefined;
}

/** A member of an object, by name in any casing (the exact spelling first). */
export function member(value: unknown, name: string): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The continuation token a next link carries in its headers (`MS-ContinuationToken`). */
function headerToken(headers: unknown): string | undefined {
  if (!Array.isArray(headers)) return undefined;
  const found = headers.find(
    (h) => String(member(h, "key") ?? "").toLowerCase() === "ms-continuationtoken",
  );
  return text(member(found, "value"));
}

export function readCollection(body: unknown, where: string): ResourceCollection {
  const items = member(body, "items");
  if (!Array.isArray(items)) {
    throw new InvalidResponseError(`${where}: expected a collection with an items array`);
  }
  const next = member(member(body, "links"), "next");
  const uri = text(member(next, "uri"));
  return {
    items,
    next:
      uri === undefined
        ? undefined
        : {
            uri,
            continuationToken:
              headerToken(member(next, "headers")) ?? text(member(body, "continuationToken")),
          },
  };
}

/**
 * A next link's URI as the API wrote it, made a path under the API root: relative ones are under
 * `/v1`, and production links have repeated it (`/v1//v1/customers?...`, Partner-Center-PowerShell
 * #379), which is read as the one `/v1` it means.
 */
export function normaliseNextUri(uri: string): string {
  const url = new URL(uri, "https://api.invalid/v1/");
  const path = url.pathname.replace(/\/{2,}/g, "/").replace(/^(\/v1)+(?=\/|$)/, "/v1");
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(uri);
  const rooted = path.startsWith("/v1/") ? path : `/v1${path}`;
  const search = url.search;
  return absolute ? `${url.protocol}//${url.host}${rooted}${search}` : `${rooted}${search}`;
}
