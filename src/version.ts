import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// src/ and dist/ both sit one level below package.json.
const pkg = require("../package.json") as { version: string; name: string };

export const VERSION: string = pkg.version;
export const USER_AGENT = `partner-center-exporter/${VERSION} (+https://github.com/partner-center-exporter/partner-center-exporter) node/${process.versions.node}`;
