import type { Cloud } from "./clouds.js";
import type { ValueParser } from "./parsers.js";

/** One setting: its names, its parser (bounds, choices), its default, its place in Config. */
export interface SettingSpec extends ValueParser<unknown> {
  /** Environment variable name; secrets are also read from `${env}_FILE`. */
  readonly env: string;
  /** Other spellings of the variable, read first (the lowercase proxy variables, as curl does). */
  readonly envAliases?: readonly string[];
  /** A secret whose `_FILE` is read once, at start-up (the others are re-read when they change). */
  readonly readOnce?: true;
  /** Canonical flag, without the leading dashes. */
  readonly flag: string;
  /** Its place in Config: `section.field`, or a top-level field. */
  readonly at: string;
  /** One line for --help and the README (Markdown backticks allowed). */
  readonly help: string;
  /** Default as text, parsed as a given value would be; absent means "no default". */
  readonly default?: string;
  /** What --demo uses instead of `default`. */
  readonly demoDefault?: string;
  /** The default is the chosen cloud's (AZURE_CLOUD); an explicit value wins. */
  readonly perCloud?: keyof Cloud;
  /** For the documentation when there is no fixed default (it is decided later). */
  readonly documentedDefault?: string;
  /** The default is the collectors that are on by default (the registry knows them). */
  readonly defaultFromCollectors?: true;
  /** Required to talk to the real Partner Center (not in --demo). */
  readonly required?: boolean;
  /** The flag may be given several times; the values join as a comma list, as in the env var. */
  readonly repeatable?: boolean;
  /** The login command reads it too. */
  readonly login?: boolean;
}
