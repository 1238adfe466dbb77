#!/usr/bin/env node
// Rewrites the manual's generated tables (settings, metrics, collectors) from the built sources:
// `npm run readme`. test/docs/readme.test.ts fails when a committed file differs.
import { readFileSync, writeFileSync } from "node:fs";
import { GENERATED_DOCS, renderDoc } from "../dist/src/docs/readme-tables.js";

for (const file of Object.keys(GENERATED_DOCS)) {
  const path = new URL(`../${file}`, import.meta.url);
  const before = readFileSync(path, "utf8");
  const after = renderDoc(file, before);
  if (after === before) {
    console.log(`${file}: generated tables are up to date`);
  } else {
    writeFileSync(path, after);
    console.log(`${file}: generated tables rewritten`);
  }
}
