// The gzip knobs of the scrape cache, measured on a real exposition: the deflate level and the
// piece size (samples per piece; each piece is compressed on its own, ending in a full flush).
// Prints, per setting, the CPU time to compress the whole exposition and the gzip size.
// Usage: node bench/large-poll.mjs --save=/tmp/big.txt && node bench/gzip-knobs.mjs /tmp/big.txt
import { readFileSync } from "node:fs";
import { constants, deflateRawSync } from "node:zlib";

const text = readFileSync(process.argv[2] ?? "/tmp/big.txt", "utf8");
const lines = text.split("\n");
const rows = [];
for (const level of [1, 2, 4, 6]) {
  for (const perPiece of [500, 2000, 8000]) {
    const pieces = [];
    for (let i = 0; i < lines.length; i += perPiece) {
      pieces.push(Buffer.from(`${lines.slice(i, i + perPiece).join("\n")}\n`));
    }
    const cpu0 = process.cpuUsage();
    let size = 0;
    for (const piece of pieces) {
      size += deflateRawSync(piece, { level, finishFlush: constants.Z_FULL_FLUSH }).length;
    }
    const cpu = process.cpuUsage(cpu0);
    rows.push({ level, perPiece, cpuMs: Math.round((cpu.user + cpu.system) / 1000), size });
  }
}
console.log(`${(Buffer.byteLength(text) / 1048576).toFixed(1)} MiB plain\n`);
console.log("| level | samples per piece | CPU ms | gzip MiB |");
console.log("|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(`| ${r.level} | ${r.perPiece} | ${r.cpuMs} | ${(r.size / 1048576).toFixed(2)} |`);
}
