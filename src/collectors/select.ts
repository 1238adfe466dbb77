import type { CollectorSelection } from "../config/load-config.js";
import type { Collector } from "./collector.js";

/**
 * The collectors to run: the COLLECTORS list (or those on by default),
 * then the --collector.NAME / --no-collector.NAME toggles. Unknown names are problems, one each.
 */
export function selectCollectors(
  all: readonly Collector[],
  selection: CollectorSelection,
): { collectors: Collector[]; problems: string[] } {
  const known = new Set(all.map((c) => c.name));
  const names = all.map((c) => c.name).join(", ");
  const problems: string[] = [];
  const enabled = new Set(selection.list ?? all.filter((c) => c.defaultEnabled).map((c) => c.name));
  for (const name of selection.list ?? []) {
    if (!known.has(name))
      problems.push(`COLLECTORS (--collectors): unknown collector "${name}" (known: ${names})`);
  }
  for (const [name, on] of selection.toggles) {
    if (!known.has(name)) {
      problems.push(`--${on ? "" : "no-"}collector.${name}: unknown collector (known: ${names})`);
    } else if (on) enabled.add(name);
    else enabled.delete(name);
  }
  const collectors = all.filter((c) => enabled.has(c.name));
  if (collectors.length === 0 && problems.length === 0) {
    problems.push("COLLECTORS (--collectors): no collector is enabled");
  }
  return { collectors, problems };
}
