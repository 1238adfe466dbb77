// Child of sigkill-token.test.ts: saves refresh tokens in a loop with the exporter's real
// RefreshTokenStore (built), announcing each one before and after, until it is killed.
// Usage: node token-saver.mjs <STATE_DIR> <prefix>
import { RefreshTokenStore } from "../../dist/src/auth/refresh-token-store.js";

const [dir, prefix] = process.argv.slice(2);
if (dir === undefined || prefix === undefined) throw new Error("usage: token-saver.mjs DIR PREFIX");
// Big enough that a write takes a while, so kills land inside it.
const PADDING = "t".repeat(32 * 1024);
const store = new RefreshTokenStore(dir);
await store.removeLeftovers();
process.stdout.write("ready\n");
for (let n = 0; ; n++) {
  process.stdout.write(`saving ${prefix}.${n}\n`);
  await store.save(`${prefix}.${n}.${PADDING}`, undefined);
  process.stdout.write(`saved ${prefix}.${n}\n`);
}
