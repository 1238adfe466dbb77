import { SETTINGS } from "./settings.js";

/** `--help`: every setting with its flag, environment variable and default. */
export function renderHelp(version: string): string {
  const lines = [
    `partner-center-exporter ${version}`,
    "Prometheus exporter for Microsoft Partner Center licence usage analytics.",
    "",
    "Usage: partner-center-exporter [flags]",
    "       partner-center-exporter --demo",
    "       partner-center-exporter login [--flow browser|device] [--print]   (see login --help)",
    "",
    "Every flag has an environment variable; flags win. Secrets can also be read from a file:",
    "NAME_FILE=/path (or --flag-file /path). The env-style flag spelling works too (--poll-interval).",
    "",
    "Flags:",
  ];
  for (const spec of SETTINGS) {
    const value = spec.kind === "boolean" ? "" : " VALUE";
    lines.push(`  --${spec.flag}${value}`);
    const details = [`env ${spec.env}`];
    if (spec.kind === "secret") details.push(`or ${spec.env}_FILE`);
    if ("required" in spec && spec.required) details.push("required unless --demo");
    if ("default" in spec) details.push(`default ${spec.default}`);
    lines.push(`      ${spec.help} [${details.join("; ")}]`);
  }
  lines.push("  --help", "      Show this help", "  --version", "      Print the version");
  return `${lines.join("\n")}\n`;
}
