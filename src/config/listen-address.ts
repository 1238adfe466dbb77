export interface ListenAddress {
  /** undefined means every interface, as Node's `listen(port)` does. */
  readonly host: string | undefined;
  readonly port: number;
}

/** Parses `host:port`, `:port` or `[v6]:port`. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text.trim());
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port > 65535) return undefined;
  const host = match[1] ?? match[2] ?? "";
  return { host: host === "" ? undefined : host, port };
}
