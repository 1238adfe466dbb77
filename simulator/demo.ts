import type { Logger } from "pino";
import { Cleanup, temporaryDir } from "../src/cleanup.js";
import { ALL_COLLECTORS } from "../src/collectors/index.js";
import type { Config } from "../src/config/load-config.js";
import { type RunningExporter, startExporter } from "../src/exporter/start-exporter.js";
import type { SecretScrubber } from "../src/log/secret-scrubber.js";
import { PartnerCenterSimulator } from "./simulator.js";

/** A running demo: the exporter, and the simulator it polls. */
export interface RunningDemo extends RunningExporter {
  readonly simulator: PartnerCenterSimulator;
}

/**
 * `--demo`: starts the simulator (every real-world quirk on, BOM included, so the default path
 * exercises them each time) and the exporter with a configuration pointed at it, every collector
 * on unless COLLECTORS says otherwise. Its rotated tokens are the simulator's: the temporary
 * STATE_DIR goes when the demo stops.
 */
export async function startDemo(
  config: Config,
  logger: Logger,
  scrubber: SecretScrubber,
): Promise<RunningDemo> {
  const cleanup = new Cleanup();
  try {
    const simulator = new PartnerCenterSimulator();
    const url = await simulator.start();
    cleanup.defer(() => simulator.stop());
    logger.info({ simulator: url }, "demo mode: polling the built-in Partner Center simulator");
    const dir = config.state.dir ?? (await temporaryDir("partner-center-exporter-demo-", cleanup));
    const exporter = await startExporter(pointedAt(config, simulator, dir), logger, scrubber);
    cleanup.defer(() => exporter.stop());
    return { ...exporter, simulator, stop: () => cleanup.run() };
  } catch (error) {
    await cleanup.run().catch(() => undefined);
    throw error;
  }
}

/** The configuration with the simulator as tenant, app, authority and API. */
function pointedAt(config: Config, simulator: PartnerCenterSimulator, stateDir: string): Config {
  const { tenantId, clientId, clientSecret, initialRefreshToken, url } = simulator;
  return {
    ...config,
    azure: {
      ...config.azure,
      ...{ tenantId, clientId, clientSecret, authorityHost: url },
      // The simulator's app signs in with its secret; another configured credential is ignored.
      ...{ clientCertificatePath: undefined, federatedTokenFile: undefined },
    },
    partnerCenter: { ...config.partnerCenter, refreshToken: initialRefreshToken, url },
    collectors: {
      ...config.collectors,
      list: config.collectors.list ?? ALL_COLLECTORS.map((c) => c.name),
    },
    state: { ...config.state, dir: stateDir },
  };
}
