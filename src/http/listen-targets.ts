import type { ListenAddress } from "../config/listen-address.js";

/** Where a server listens: a host:port, or a socket systemd passed in (socket activation). */
export type ListenTarget = { readonly address: ListenAddress } | { readonly fd: number };

/** A listen problem the operator must fix: one line naming the setting. */
export class ListenError extends Error {
  override name = "ListenError";
}

/** sd_listen_fds(3): passed sockets start at file descriptor 3. */
const SD_LISTEN_FDS_START = 3;
const SYSTEMD_SETTING = "WEB_SYSTEMD_SOCKET (--web.systemd-socket)";

/**
 * The sockets systemd passed (LISTEN_FDS, LISTEN_PID), as go-systemd's activation.Listeners
 * reads them for exporter-toolkit, then unset so a child process does not take them too.
 * LISTEN_PID must name this process; an unset one is accepted, since a supervisor that passes
 * sockets without it has no other process in mind.
 */
export function systemdTargets(env: Record<string, string | undefined>): ListenTarget[] {
  const pid = env.LISTEN_PID;
  const fds = env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (pid !== undefined && pid !== "" && pid !== String(process.pid)) {
    throw new ListenError(
      `${SYSTEMD_SETTING}: LISTEN_PID is ${pid}, not this process (${process.pid}): the sockets were passed to another process`,
    );
  }
  const count = fds === undefined ? 0 : /^\d+$/.test(fds) ? Number(fds) : Number.NaN;
  if (Number.isNaN(count))
    throw new ListenError(`${SYSTEMD_SETTING}: LISTEN_FDS "${fds}" is not a number`);
  if (count < 1) {
    throw new ListenError(
      `${SYSTEMD_SETTING}: no socket activation file descriptors found (LISTEN_FDS is not set)`,
    );
  }
  return Array.from({ length: count }, (_, i) => ({ fd: SD_LISTEN_FDS_START + i }));
}

/** How a target is named in messages: `127.0.0.1:9841`, `:9841`, `fd 3`. */
export function describeTarget(target: ListenTarget): string {
  if ("fd" in target) return `fd ${target.fd}`;
  return `${target.address.host ?? ""}:${target.address.port}`;
}

export function listenFailure(target: ListenTarget, error: unknown): ListenError {
  const code = (error as NodeJS.ErrnoException).code ?? "error";
  const setting = "fd" in target ? SYSTEMD_SETTING : "WEB_LISTEN_ADDRESS (--web.listen-address)";
  return new ListenError(`${setting}: cannot listen on ${describeTarget(target)} (${code})`);
}
