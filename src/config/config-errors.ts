/** The exit code of every command whose configuration is wrong (a missing setting, a bad value). */
export const EXIT_CONFIG = 2;

/** Writes one `configuration error:` line per problem (and per line of one), for every command. */
export function reportConfigErrors(
  problems: Iterable<string>,
  write: (text: string) => void,
): typeof EXIT_CONFIG {
  for (const problem of problems)
    for (const line of problem.split("\n")) write(`configuration error: ${line}\n`);
  return EXIT_CONFIG;
}
