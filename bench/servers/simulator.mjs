// The Partner Center simulator in a process of its own (so its work never shows up as the
// exporter's latency). Usage: node simulator.mjs [customers] [partnerRows]; prints its URL and
// credentials. partnerRows: the partner-level usage endpoint answers that many rows (compact,
// about 100 bytes each, every one its own label set), for the partner-level large poll.
import { PartnerCenterSimulator } from "../../dist/simulator/simulator.js";

const simulator = new PartnerCenterSimulator({ customers: Number(process.argv[2] ?? 50) });
const partnerRows = Number(process.argv[3] ?? 0);
if (partnerRows > 0) {
  const rows = [];
  for (let i = 0; i < partnerRows; i++) {
    rows.push(
      `{"workloadName":"w${i}","proratedLicensesUsagePercent":${i % 150},"processedDateTime":"2026-11-25T00:00:00Z"}`,
    );
  }
  simulator.setUsageBody(`{"totalCount":${partnerRows},"items":[${rows.join(",")}]}`);
}
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
