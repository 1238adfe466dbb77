import { type FlagValue, flagLabel } from "./argv.js";
import { secretFileText } from "./secret-source.js";
import type { SettingSpec } from "./settings.js";

export interface ConfigSources {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
  /** What a missing credential setting suggests instead; by default --demo (see load-config). */
  readonly withoutCredentials?: string;
}

/** A setting's value as given, before parsing; `failed` when its source was unusable. */
export type RawValue =
  | { readonly text: string; readonly file?: string }
  | { readonly failed: true };

/** Where a secret file was named: `--flag-file` or `NAME_FILE`, for the problem's first word. */
interface FileSource {
  readonly path: string;
  readonly label: string;
}

function given(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

/** The flag wins; then the variable or, for a secret, `NAME_FILE` (never both). */
function sourceOf(
  spec: SettingSpec,
  flag: FlagValue | undefined,
  env: ConfigSources["env"],
  problems: string[],
): RawValue | FileSource | undefined {
  if (flag !== undefined) {
    return flag.fromFile
      ? { path: flag.value, label: `--${spec.flag}-file` }
      : { text: flag.value };
  }
  const direct = [...(spec.envAliases ?? []), spec.env].map((name) => env[name]).find(given);
  const file = spec.kind === "secret" ? env[`${spec.env}_FILE`] : undefined;
  if (given(direct) && given(file)) {
    problems.push(`${flagLabel(spec)}: set either ${spec.env} or ${spec.env}_FILE, not both`);
    return { failed: true };
  }
  if (given(file)) return { path: file, label: `${spec.env}_FILE` };
  return given(direct) ? { text: direct } : undefined;
}

/** A secret file's content; an empty or unreadable file is a problem. */
function readSecretFile(
  source: FileSource,
  readFile: ConfigSources["readFile"],
  problems: string[],
): RawValue {
  try {
    const text = secretFileText(readFile(source.path));
    if (text !== "") return { text, file: source.path };
    problems.push(`${source.label}: ${source.path} is empty`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "read error";
    problems.push(`${source.label}: cannot read ${source.path} (${code})`);
  }
  return { failed: true };
}

/** Every setting's raw value from its flag, its variable or its file; absent ones are left out. */
export function gatherRawValues(
  specs: readonly SettingSpec[],
  flags: ReadonlyMap<SettingSpec, FlagValue>,
  sources: ConfigSources,
  problems: string[],
): Map<SettingSpec, RawValue> {
  const raw = new Map<SettingSpec, RawValue>();
  for (const spec of specs) {
    const source = sourceOf(spec, flags.get(spec), sources.env, problems);
    if (source === undefined) continue;
    raw.set(spec, "path" in source ? readSecretFile(source, sources.readFile, problems) : source);
  }
  return raw;
}
