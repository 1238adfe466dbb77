/**
 * A redirect answer, refused: no request of this exporter follows one, because every request
 * carries a credential (a secret, an assertion, a refresh token, a code, a bearer token, proxy
 * credentials) that must reach only the host the operator configured.
 */
export class RedirectRefused extends Error {
  /** `host:port` that answered with the redirect. */
  readonly from: string;
  /** Where it pointed: the Location resolved, without credentials, query or fragment. */
  readonly to: string;
  constructor(
    readonly status: number,
    requestUrl: string,
    location: string | null,
  ) {
    const from = new URL(requestUrl).host;
    const to = location === null ? "(no Location)" : withoutSecrets(location, requestUrl);
    super(`${from} answered ${status} redirecting to ${to}`);
    this.name = "RedirectRefused";
    this.from = from;
    this.to = to;
  }
}

/** Statuses that redirect (304 answers a conditional request, which this exporter never sends). */
export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400 && status !== 304;
}

/** Where a Location points, minus what could carry a secret (userinfo, query, fragment). */
function withoutSecrets(location: string, base: string): string {
  let url: URL;
  try {
    url = new URL(location, base);
  } catch {
    return "(an unreadable Location)";
  }
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return url.href;
}
