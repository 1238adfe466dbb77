import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// src/version.ts sits one level below package.json, its build dist/src/version.js two.
const pkg = (() => {
  try {
    return require("../package.json") as { version: string; name: string };
  } catch {
    return require("../../package.json") as { version: string; name: string };
  }
})();

export const VERSION: string = pkg.version;
export const USER_AGENT = `partner-center-exporter/${VERSION} (+https://github.com/partner-center-exporter/partner-center-exporter) node/${process.versions.node}`;

export interface BuildInfo {
  readonly revision: string;
  readonly date: string;
}

/**
 * The revision and date scripts/build-info.mjs records beside dist/src/version.js at build time;
 * "unknown" when run from src/ or from a dist/ built without it (the exporter never asks git at run time).
 */
function readBuildInfo(): BuildInfo {
  const unknown = { revision: "unknown", date: "unknown" };
  try {
    const text = readFileSync(new URL("build-info.json", import.meta.url), "utf8");
    const parsed = JSON.parse(text) as Partial<Record<keyof BuildInfo, unknown>>;
    const field = (value: unknown): string =>
      typeof value === "string" && value !== "" ? value : "unknown";
    return { revision: field(parsed.revision), date: field(parsed.date) };
  } catch {
    return unknown;
  }
}

export const BUILD_INFO: BuildInfo = readBuildInfo();

/** `--version`, as Prometheus exporters print it. */
export function versionText(): string {
  const { revision, date } = BUILD_INFO;
  return [
    `partner-center-exporter, version ${VERSION} (revision: ${revision}, date: ${date})`,
    `  node version: ${process.version}, platform: ${process.platform}/${process.arch}`,
    "",
  ].join("\n");
}
