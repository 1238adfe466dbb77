import { ALL_COLLECTORS } from "../collectors/index.js";
import { type CollectorInfo, settingRows } from "../config/help.js";

/** The README's generated tables, from the settings table and the collector registry. */
const code = (text: string): string => `\`${text}\``;
const row = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [row(header), row(header.map(() => "---")), ...rows.map(row)].join("\n");
}

export function settingsTable(collectors: readonly CollectorInfo[] = ALL_COLLECTORS): string {
  return table(
    ["Environment", "Flag", "Default", "Meaning"],
    settingRows(collectors).map((r) => [
      code(r.spec.env),
      code(`--${r.spec.flag}`),
      r.default,
      r.meaning,
    ]),
  );
}

export function collectorsTable(collectors: readonly CollectorInfo[] = ALL_COLLECTORS): string {
  return table(
    ["Collector", "Default", "What it reads", "Metrics (labels)"],
    collectors.map((c) => [
      code(c.name),
      c.defaultEnabled ? "on" : "off",
      c.description,
      c.families.map((f) => code(`${f.name}{${f.labelNames.join(",")}}`)).join(", "),
    ]),
  );
}

const TABLES: Readonly<Record<string, () => string>> = {
  settings: () => settingsTable(),
  collectors: () => collectorsTable(),
};

/** The README with every generated block (between its markers) rewritten from the source. */
export function renderReadme(readme: string): string {
  let text = readme;
  for (const [name, render] of Object.entries(TABLES)) {
    const begin = `<!-- generated: ${name} (npm run readme) -->`;
    const end = `<!-- end generated: ${name} -->`;
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from === -1 || to < from) throw new Error(`README.md: no ${begin} ... ${end} block`);
    text = `${text.slice(0, from + begin.length)}\n${render()}\n${text.slice(to)}`;
  }
  return text;
}
