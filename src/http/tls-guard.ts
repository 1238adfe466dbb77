import type { Server as HttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import { FileSnapshot } from "./file-snapshot.js";
import type { LiveWebConfig } from "./live-web-config.js";
import {
  clientCertificateAccepted,
  readTlsMaterial,
  secureContextOptions,
  type TlsMaterial,
  type TlsPolicy,
  tlsPolicy,
  verifyFlags,
} from "./tls.js";
import type { StartupTls } from "./web-config.js";
import type { TlsFields } from "./web-config-parse.js";
import { problemText, WebConfigProblem } from "./web-config-problem.js";

/**
 * exporter-toolkit rebuilds its TLS config from the file on every handshake (GetConfigForClient):
 * a renewed certificate or a changed `tls_server_config` applies to the next connection. This
 * checks the files (one stat each) as each connection arrives, before its handshake starts.
 *
 * A changed `tls_server_config` that cannot be applied refuses connections, as the toolkit does.
 * Certificate files that change but do not load (a renewal caught half-written) keep the previous
 * certificate and say so, where the toolkit would fail the handshake.
 */
export class TlsGuard {
  readonly #files = new Map<string, FileSnapshot>();
  #applied: { key: string; policy: TlsPolicy };
  #lastProblem: string | undefined;

  constructor(
    private readonly server: HttpsServer,
    private readonly live: LiveWebConfig,
    initial: StartupTls,
    private readonly logger: Logger | undefined,
  ) {
    this.#applied = { key: JSON.stringify(initial.fields), policy: initial.policy };
    try {
      this.#readMaterial(initial.fields);
    } catch {
      // Read again at the first connection.
    }
    server.prependListener("connection", (socket: Socket) => {
      if (!this.#refresh()) socket.destroy();
    });
    server.on("secureConnection", (socket: TLSSocket) => {
      if (!clientCertificateAccepted(socket, this.#applied.policy.clientAuth)) socket.destroy();
    });
  }

  #readMaterial(fields: TlsFields): { material: TlsMaterial; changed: boolean } {
    let changed = false;
    const material = readTlsMaterial(fields, (path, key) => {
      let file = this.#files.get(path);
      if (file === undefined) {
        file = new FileSnapshot(path);
        this.#files.set(path, file);
      }
      try {
        const read = file.read();
        changed ||= read.changed;
        return read.content;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "read error";
        throw new WebConfigProblem(`tls_server_config.${key}: cannot read ${path} (${code})`);
      }
    });
    return { material, changed };
  }

  /** Applies the file's TLS as it is now; false: refuse this connection. */
  #refresh(): boolean {
    const state = this.live.current();
    if (!state.ok) return false;
    const fields = state.config.tls;
    if (fields === undefined) {
      return this.#refuse(
        "tls_server_config was removed: restart the exporter to serve plain HTTP",
      );
    }
    const key = JSON.stringify(fields);
    const policyChanged = key !== this.#applied.key;
    try {
      const { material, changed } = this.#readMaterial(fields);
      if (!policyChanged && !changed) return true;
      const policy = tlsPolicy(fields);
      this.server.setSecureContext(secureContextOptions(policy, material));
      Object.assign(this.server, verifyFlags(policy));
      this.#applied = { key, policy };
      this.#lastProblem = undefined;
      this.logger?.info({ certFile: fields.certFile }, "TLS configuration reloaded");
      return true;
    } catch (error) {
      if (policyChanged) return this.#refuse(problemText(error));
      this.#report(
        problemText(error),
        "TLS certificate files changed but cannot be loaded; still serving the previous certificate",
      );
      return true;
    }
  }

  #refuse(problem: string): false {
    this.#report(
      problem,
      "TLS configuration cannot be applied: refusing connections until it is fixed",
    );
    return false;
  }

  /** Once per problem: a half-written renewal fixes itself at the next connection. */
  #report(problem: string, message: string): void {
    if (problem === this.#lastProblem) return;
    this.#lastProblem = problem;
    this.logger?.warn({ err: problem }, message);
  }
}
