// Records what `--version` and the build_info metric report beside package.json's version: the
// git revision and the build date, at build time (npm run build, npm pack, the image).
// BUILD_REVISION and BUILD_DATE win (the Dockerfile passes its REVISION and CREATED build args;
// the image's context has no .git); otherwise git, otherwise "unknown" and now.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";

function gitRevision() {
  try {
    const options = { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] };
    return execFileSync("git", ["rev-parse", "HEAD"], options).trim();
  } catch {
    return "unknown";
  }
}

const revision = process.env.BUILD_REVISION || gitRevision();
const date = process.env.BUILD_DATE || new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
const file = new URL("../dist/src/build-info.json", import.meta.url);
writeFileSync(file, `${JSON.stringify({ revision, date })}\n`);
process.stdout.write(`dist/src/build-info.json: revision ${revision}, date ${date}\n`);
