import { parseArgs } from "node:util";
import type { SettingKind } from "./parsers.js";

/** What the flag reader needs to know of a setting. */
export interface FlagSpec {
  readonly flag: string;
  readonly kind: SettingKind;
  /** Its environment variable, if it has one. */
  readonly env?: string;
  readonly repeatable?: boolean;
}

/** How problems name a setting: its variable (if any) and its flag. */
export function flagLabel(spec: FlagSpec): string {
  return spec.env === undefined ? `--${spec.flag}` : `${spec.env} (--${spec.flag})`;
}

/** The env-style spelling of a flag is accepted too: --poll-interval for --poll.interval. */
export function flagAliases(spec: FlagSpec): string[] {
  const kebab = spec.env?.toLowerCase().replaceAll("_", "-");
  return kebab === undefined || kebab === spec.flag ? [spec.flag] : [spec.flag, kebab];
}

export interface FlagValue {
  readonly value: string;
  /** Given as `--flag-file PATH`: the value is the path of a secret file. */
  readonly fromFile: boolean;
}

export interface ReadFlags<S> {
  readonly values: ReadonlyMap<S, FlagValue>;
  /** --collector.NAME (true) and --no-collector.NAME (false), by NAME. */
  readonly toggles: ReadonlyMap<string, boolean>;
  readonly help: boolean;
  readonly version: boolean;
  /** Arguments that are none of these flags, as given (when the caller passes them on). */
  readonly rest: readonly string[];
}

type Token = ReturnType<typeof parseArgs>["tokens"] extends (infer T)[] | undefined ? T : never;
type OptionToken = Extract<Token, { kind: "option" }>;

const TOGGLE = /^collector\.([a-z0-9-]+)$/;

/** Every spelling of every flag, with what it sets: `--x`, `--x-file` for secrets. */
function spellings<S extends FlagSpec>(
  specs: readonly S[],
): Map<string, { spec: S; file: boolean }> {
  const byName = new Map<string, { spec: S; file: boolean }>();
  for (const spec of specs) {
    for (const name of flagAliases(spec)) {
      byName.set(name, { spec, file: false });
      if (spec.kind === "secret") byName.set(`${name}-file`, { spec, file: true });
    }
  }
  return byName;
}

/**
 * parseArgs' tokens, except that a flag is never the value of the flag before it (`--log.level
 * --demo` is a missing value and `--demo`), as kingpin and the exporter always read it.
 */
function tokensOf(argv: readonly string[], options: ParseOptions): Token[] {
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    allowNegative: true,
    tokens: true,
  });
  const at = tokens.findIndex(
    (t) => t.kind === "option" && t.inlineValue === false && t.value?.startsWith("--") === true,
  );
  const taken = tokens[at];
  if (taken === undefined || taken.kind !== "option") return tokens;
  const rest = tokensOf(argv.slice(taken.index + 1), options).map((t) => ({
    ...t,
    index: t.index + taken.index + 1,
  }));
  const bare: OptionToken = { ...taken, value: undefined, inlineValue: undefined };
  return [...tokens.slice(0, at), bare, ...rest];
}

type ParseOptions = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

function optionsOf(byName: ReadonlyMap<string, { spec: FlagSpec }>): ParseOptions {
  const options: NonNullable<ParseOptions> = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean" },
  };
  for (const [name, { spec }] of byName) {
    options[name] = {
      type: spec.kind === "boolean" && !name.endsWith("-file") ? "boolean" : "string",
    };
  }
  return options;
}

/** The argument as given, for a caller that passes unknown flags on. */
function original(token: Token): string {
  if (token.kind === "positional") return token.value;
  if (token.kind === "option-terminator") return "--";
  return token.value === undefined ? token.rawName : `${token.rawName}=${token.value}`;
}

/**
 * Reads argv against `specs` with node:util's parseArgs: `--flag=value`, `--flag value`, the
 * aliases, `--flag-file` for secrets, `--no-` for booleans, `--[no-]collector.NAME`, repeated
 * flags. Problems are collected, one line each; with `passOn`, unknown arguments go to `rest`.
 */
export function readFlags<S extends FlagSpec>(
  argv: readonly string[],
  specs: readonly S[],
  problems: string[],
  passOn = false,
): ReadFlags<S> {
  const byName = spellings(specs);
  const values = new Map<S, FlagValue>();
  const toggles = new Map<string, boolean>();
  const rest: string[] = [];
  const flags = { help: false, version: false };
  const unknown = (token: Token, problem: string): void => {
    if (passOn) rest.push(original(token));
    else problems.push(problem);
  };
  for (const token of tokensOf(argv, optionsOf(byName))) {
    if (token.kind !== "option" || !token.rawName.startsWith("-")) {
      unknown(token, `unexpected argument "${original(token)}" (see --help)`);
      continue;
    }
    if (token.name === "help" || (token.name === "version" && !passOn)) {
      flags[token.name] = true;
      continue;
    }
    if (!token.rawName.startsWith("--")) {
      unknown(token, `unexpected argument "${token.rawName}" (see --help)`);
      continue;
    }
    const negated = token.rawName === `--no-${token.name}`;
    const toggle = TOGGLE.exec(token.name);
    // Collector toggles are the exporter's; a caller passing flags on leaves them to it.
    if (toggle?.[1] !== undefined && token.value === undefined && !passOn) {
      toggles.set(toggle[1], !negated);
      continue;
    }
    const problem = readOne(token, negated, byName, values);
    if (problem === UNKNOWN) unknown(token, `unknown flag ${token.rawName} (see --help)`);
    else if (problem !== undefined) problems.push(problem);
  }
  return { values, toggles, rest, ...flags };
}

const UNKNOWN = Symbol("unknown flag");

/** One flag into `values`; returns UNKNOWN if it is not one of `byName`'s, or how it is misused. */
function readOne<S extends FlagSpec>(
  token: OptionToken,
  negated: boolean,
  byName: ReadonlyMap<string, { spec: S; file: boolean }>,
  values: Map<S, FlagValue>,
): string | typeof UNKNOWN | undefined {
  const entry = byName.get(token.name);
  if (entry === undefined) {
    const positive = byName.get(token.name.replace(/^no-/, ""));
    if (token.name.startsWith("no-") && positive?.spec.kind === "boolean" && !positive.file) {
      return `${flagLabel(positive.spec)}: --${token.name} takes no value`;
    }
    return UNKNOWN;
  }
  const { spec, file } = entry;
  if (spec.kind === "boolean" && !file) {
    values.set(spec, { value: negated ? "false" : (token.value ?? "true"), fromFile: false });
    return undefined;
  }
  if (negated) return UNKNOWN;
  if (token.value === undefined) return `${flagLabel(spec)}: --${token.name} needs a value`;
  const earlier = spec.repeatable ? values.get(spec)?.value : undefined;
  const value = earlier === undefined ? token.value : `${earlier},${token.value}`;
  values.set(spec, { value, fromFile: file });
  return undefined;
}
