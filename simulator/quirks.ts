import type { NextFunction, Request, Response } from "express";

/**
 * Ways the real Partner Center and Entra ID answer differently from their documented examples,
 * each seen in public (docs/real-answers.md says where). The simulator reproduces each one it is
 * given, so the exporter is tested against answers as they really come.
 */
export const QUIRKS = {
  "utf8-bom": "JSON bodies (API, pages, errors, token answers) start with a UTF-8 byte-order mark",
  "numeric-fault-codes": 'API fault bodies carry `code` as a number (`"code": 2000`)',
  "license-active-spelling": "commercial usage rows spell `licensesActive` as `licenseActive`",
  "v1-string-numbers": 'v1 token answers carry numbers as strings (`"expires_in": "3599"`)',
  "offsetless-datetimes": "commercial rows' `processedDateTime` has no UTC offset",
  "plain-throttle-body": "a 429 body is `{statusCode, message}`, not the fault schema",
  "v1-next-link":
    "the customer list's next link repeats the API version (`/v1//v1/customers?size=500&seekOperation=Next`)",
  "aadsts-trace-body":
    "Entra ID errors carry trace lines in `error_description`, `error_codes`, ids and `error_uri`",
} as const;

export type Quirk = keyof typeof QUIRKS;

export const QUIRK_NAMES = Object.keys(QUIRKS) as Quirk[];

/** What the simulator does unless told otherwise, and what `--demo` runs: every quirk on. */
export const REAL_QUIRKS: ReadonlySet<Quirk> = new Set(QUIRK_NAMES);

/** The quirks a simulator was given (all of them unless it was told otherwise). */
export function quirkSet(quirks: Iterable<Quirk> | undefined): ReadonlySet<Quirk> {
  return quirks === undefined ? REAL_QUIRKS : new Set(quirks);
}

const BOM = "\uFEFF";

/**
 * Express middleware that puts a byte-order mark before every JSON body the app sends, as
 * Microsoft's services do: one place, whatever route (or fault) answers.
 */
export function byteOrderMark(_req: Request, res: Response, next: NextFunction): void {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    // res.json and res.send(object) come back here with the serialised text: marked once.
    const json = /\bjson\b/i.test(String(res.get("Content-Type") ?? ""));
    return send(typeof body === "string" && json && !body.startsWith(BOM) ? BOM + body : body);
  };
  next();
}
