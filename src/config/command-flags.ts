import { type FlagSpec, flagLabel, readFlags } from "./argv.js";
import { helpEntry } from "./help.js";
import type { ValueParser } from "./parsers.js";

/** A flag of a subcommand (login, simulator), declared as the exporter's settings are. */
export type CommandFlag<T> = FlagSpec &
  ValueParser<T> & { readonly help: string; readonly default: string };

/** The help lines of a subcommand's flags: spelling, text, default and choices. */
export function commandFlagsHelp(flags: readonly CommandFlag<unknown>[]): string[] {
  return flags.flatMap((f) => {
    const choices = f.choices === undefined ? [] : [`one of ${f.choices.join(", ")}`];
    return helpEntry(f.flag, f.kind !== "boolean", f.help, [`default ${f.default}`, ...choices]);
  });
}

export interface CommandArgs {
  /** The flag's value as given, else its default; a bad one is added to the problems. */
  value<T>(spec: CommandFlag<T>): T;
  readonly help: boolean;
  /** Arguments that are none of the flags, when the command passes them on. */
  readonly rest: readonly string[];
}

/** Reads a subcommand's argv; with `passOn`, unknown arguments go to `rest`, else are problems. */
export function readCommandArgs(
  argv: readonly string[],
  flags: readonly CommandFlag<unknown>[],
  problems: string[],
  passOn: boolean,
): CommandArgs {
  const read = readFlags(argv, flags, problems, passOn);
  return {
    value: (spec) =>
      spec.parse(read.values.get(spec)?.value ?? spec.default, {
        problem: (text) => problems.push(`${flagLabel(spec)}: ${text}`),
        warning: () => undefined,
      }),
    help: read.help,
    rest: read.rest,
  };
}
