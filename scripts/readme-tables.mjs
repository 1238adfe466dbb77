#!/usr/bin/env node
// Rewrites the README's generated tables (settings, collectors) from the built sources:
// `npm run readme`. test/docs/readme.test.ts fails when the committed README differs.
import { readFileSync, writeFileSync } from "node:fs";
import { renderReadme } from "../dist/docs/readme-tables.js";

const path = new URL("../README.md", import.meta.url);
const before = readFileSync(path, "utf8");
const after = renderReadme(before);
if (after === before) {
  console.log("README.md: generated tables are up to date");
} else {
  writeFileSync(path, after);
  console.log("README.md: generated tables rewritten");
}
