// The exporter as the CLI starts it, with one change: the customer-subscriptions crawl unpaced.
// SUBSCRIPTIONS_REQUESTS_PER_MINUTE stops at Partner Center's 500 a minute (50 minutes for 25,000
// customers); the bench measures what the crawl itself costs, so it lifts the pace in the config.
// Usage: node exporter-unpaced.mjs [flags]; settings from the environment, as the CLI reads them.
import { readFileSync } from "node:fs";
import { loadConfig } from "../../dist/src/config/load-config.js";
import { startExporter } from "../../dist/src/exporter/start-exporter.js";
import { createLogger } from "../../dist/src/log/logger.js";
import { SecretScrubber } from "../../dist/src/log/secret-scrubber.js";

const result = loadConfig({
  argv: process.argv.slice(2),
  env: process.env,
  readFile: (path) => readFileSync(path, "utf8"),
});
if (result.kind !== "run") throw new Error(`bad bench config: ${JSON.stringify(result)}`);
const config = {
  ...result.config,
  subscriptions: { ...result.config.subscriptions, requestsPerMinute: 1_000_000_000 },
};
const scrubber = new SecretScrubber();
const logger = createLogger({ ...config.log, scrubber });
const exporter = await startExporter(config, logger, scrubber);
process.on("SIGTERM", () => exporter.stop().then(() => process.exit(0)));
