import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import { SETTINGS } from "../../src/config/settings.js";
import { renderReadme } from "../../src/docs/readme-tables.js";

const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
const ci = await readFile(new URL("../../.ci/run", import.meta.url), "utf8");

describe("README, the manual", () => {
  it("holds the test command CI runs, verbatim", () => {
    const section = readme.slice(readme.indexOf("## Run the tests"));
    const command = /```sh\n(.+)\n```/.exec(section)?.[1];
    expect(command).toMatch(/^apt-get update && apt-get install -y .+ && npm ci && npm test/);
    expect(ci.split("\n").map((line) => line.trim())).toContain(command);
  });

  it("holds the settings and collector tables as generated from their sources", () => {
    expect(renderReadme(readme), "README.md's generated tables are stale: run npm run readme").toBe(
      readme,
    );
  });

  it.each(SETTINGS.map((s) => [s.env, s.flag] as const))(
    "documents %s (--%s) in the settings table, as --help does",
    (env, flag) => {
      expect(readme).toMatch(
        new RegExp(`^\\| \`${env}\` +\\| \`--${flag.replaceAll(".", "\\.")}\` `, "m"),
      );
    },
  );

  it.each(ALL_COLLECTORS.map((c) => [c.name, c.families.map((f) => f.name)] as const))(
    "documents the %s collector and its metrics",
    (name, families) => {
      expect(readme).toContain(`| \`${name}\` |`);
      for (const family of families) expect(readme).toMatch(new RegExp(`\`${family}[\`{]`));
    },
  );
});
