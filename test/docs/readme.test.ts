import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import { SETTINGS } from "../../src/config/settings.js";
import { GENERATED_DOCS, renderDoc } from "../../src/docs/readme-tables.js";

const read = (path: string): Promise<string> =>
  readFile(new URL(`../../${path}`, import.meta.url), "utf8");
const readme = await read("README.md");
const settingsDoc = await read("docs/settings.md");
const metricsDoc = await read("docs/metrics.md");
const ci = await readFile(new URL("../../.ci/run", import.meta.url), "utf8");

describe("README, the manual", () => {
  it("holds the test command CI runs, verbatim", () => {
    const section = readme.slice(readme.indexOf("## Run the tests"));
    const command = /```sh\n(.+)\n```/.exec(section)?.[1];
    expect(command).toMatch(/^apt-get update && apt-get install -y .+ && npm ci && npm test/);
    expect(ci.split("\n").map((line) => line.trim())).toContain(command);
  });

  it.each(Object.keys(GENERATED_DOCS))(
    "%s holds its tables as generated from their sources",
    async (path) => {
      const text = await read(path);
      expect(
        renderDoc(path, text),
        `${path}'s generated tables are stale: run npm run readme`,
      ).toBe(text);
    },
  );

  it("links every document of docs/ from the README", async () => {
    const docs = await readdir(new URL("../../docs/", import.meta.url));
    for (const doc of docs.filter((d) => d.endsWith(".md"))) {
      expect(readme, `README.md does not link docs/${doc}`).toContain(`(docs/${doc}`);
    }
  });

  it.each(SETTINGS.map((s) => [s.env, s.flag] as const))(
    "documents %s (--%s) in the settings table, as --help does",
    (env, flag) => {
      expect(settingsDoc).toMatch(
        new RegExp(`^\\| \`${env}\` +\\| \`--${flag.replaceAll(".", "\\.")}\` `, "m"),
      );
    },
  );

  it.each(ALL_COLLECTORS.map((c) => [c.name, c.families.map((f) => f.name)] as const))(
    "documents the %s collector and its metrics",
    (name, families) => {
      expect(metricsDoc).toContain(`| \`${name}\` |`);
      for (const family of families) expect(metricsDoc).toMatch(new RegExp(`\`${family}[\`{]`));
    },
  );
});
