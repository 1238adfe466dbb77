// The Partner Center simulator in a process of its own (so its work never shows up as the
// exporter's latency). Usage: node simulator.mjs [customers]; prints its URL and credentials.
import { PartnerCenterSimulator } from "../../dist/simulator/simulator.js";

const simulator = new PartnerCenterSimulator({ customers: Number(process.argv[2] ?? 50) });
const url = await simulator.start();
console.log(
  JSON.stringify({
    url,
    tenantId: simulator.tenantId,
    clientId: simulator.clientId,
    clientSecret: simulator.clientSecret,
    refreshToken: simulator.initialRefreshToken,
  }),
);
process.on("SIGTERM", () => simulator.stop().then(() => process.exit(0)));
