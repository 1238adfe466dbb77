/**
 * What a request met on the way, in the same words for the API and the token authority: the
 * method, `host:port` and path (never a query, which may carry a secret), and the system error
 * code beside its message (`fetch failed` alone names nothing).
 */
export function networkFailureWords(method: string, url: string, cause: unknown): string {
  const target = new URL(url);
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  return `network error on ${method} ${target.hostname}:${port}${target.pathname}: ${describeCause(cause)}`;
}

/** Node's fetch hides the real cause (ECONNREFUSED, ENOTFOUND, a TLS code) one level down. */
export function describeCause(cause: unknown): string {
  let inner: unknown = cause;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  if (!(inner instanceof Error)) return String(inner);
  const code = (inner as NodeJS.ErrnoException).code;
  if (code === undefined || inner.message.includes(code)) return inner.message;
  return `${code}: ${inner.message}`;
}
