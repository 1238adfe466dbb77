import type { Response } from "express";
import { type Quirk, REAL_QUIRKS } from "./quirks.js";

/** Partner Center's fault body: `code` as a string, as documented, or a number, as it comes. */
export function faultBody(code: string, description: string, quirks: ReadonlySet<Quirk>): string {
  const numeric = quirks.has("numeric-fault-codes") && /^\d+$/.test(code);
  return JSON.stringify({
    code: numeric ? Number(code) : code,
    description,
    data: [],
    source: "PartnerFD",
  });
}

const KNOWN_FAULTS: Readonly<Record<number, readonly [string, string]>> = {
  400: ["400", "Bad request"],
  401: ["800001", "Partner Token missing in request context or expired"],
  403: ["2032", "Access denied"],
  404: ["404", "Not found"],
  500: ["800003", "Unexpected service error"],
  502: ["502", "Bad gateway"],
  503: ["503", "Service unavailable"],
  504: ["504", "Gateway timeout"],
};

/** Partner Center's error body for a status (the 429 one has its own documented shape). */
export function apiErrorBody(
  status: number,
  retryAfterSeconds?: number,
  quirks: ReadonlySet<Quirk> = REAL_QUIRKS,
): string {
  if (status === 429) {
    const message = `Rate limit is exceeded. Try again in ${retryAfterSeconds ?? 57} seconds.`;
    return quirks.has("plain-throttle-body")
      ? JSON.stringify({ statusCode: 429, message })
      : faultBody("429", message, quirks);
  }
  const [code, description] = KNOWN_FAULTS[status] ?? [String(status), "Error"];
  return faultBody(code, description, quirks);
}

/** Sends a JSON body with a status, as every error answer of the API does. */
export function sendJson(res: Response, status: number, body: string): void {
  res.status(status).type("application/json; charset=utf-8").send(body);
}
