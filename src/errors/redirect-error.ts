import type { RedirectRefused } from "../net/redirect.js";
import { ExporterError } from "./exporter-error.js";

/**
 * A configured endpoint answered with a redirect, which is refused, not followed: the request
 * carried a credential. Not retried (the same URL redirects again); the operator points the
 * setting at the endpoint itself.
 */
export class RedirectError extends ExporterError {
  readonly reason = "redirect";
  constructor(refused: RedirectRefused, what: string, setting: string) {
    super(redirectWords(refused, what, setting));
    this.name = "RedirectError";
  }
}

/** The one wording of a refused redirect, for the API and the token authority alike. */
export function redirectWords(refused: RedirectRefused, what: string, setting: string): string {
  return `${what} (${refused.message}): refused, no request follows a redirect (each carries a credential); set ${setting} to the endpoint itself`;
}
