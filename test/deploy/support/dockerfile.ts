/** A small Dockerfile reader for lint rules in the spirit of hadolint, and a .dockerignore matcher. */

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY... */
  readonly keyword: string;
  /** Leading --name=value flags (COPY --from, RUN --mount, HEALTHCHECK --interval...). */
  readonly flags: Readonly<Record<string, string>>;
  /** The arguments after the flags, continuation lines joined. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly image: string;
  /** FROM's --platform flag, as written. */
  readonly platform: string | undefined;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  readonly globalArgs: ReadonlyMap<string, string>;
  readonly stages: readonly Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] ?? "";
    if (/^\s*(#.*)?$/.test(first)) continue;
    const start = i + 1;
    let joined = first;
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      joined = joined.replace(/\\\s*$/, " ");
      i++;
      const next = lines[i] ?? "";
      // Comment lines inside a continued instruction are dropped, as Docker does.
      if (!/^\s*#/.test(next)) joined += next;
    }
    const match = /^\s*(\S+)\s*(.*)$/.exec(joined);
    if (match === null) continue;
    let rest = (match[2] ?? "").trim();
    const flags: Record<string, string> = {};
    for (;;) {
      const flag = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
      if (flag === null) break;
      flags[flag[1] ?? ""] = flag[2] ?? "";
      rest = rest.slice(flag[0].length);
    }
    instructions.push({ keyword: (match[1] ?? "").toUpperCase(), flags, args: rest, line: start });
  }

  const globalArgs = new Map<string, string>();
  const stages: {
    image: string;
    platform: string | undefined;
    name: string | undefined;
    instructions: Instruction[];
  }[] = [];
  for (const instruction of instructions) {
    const current = stages.at(-1);
    if (instruction.keyword === "FROM") {
      const [image = "", as, name] = instruction.args.split(/\s+/);
      stages.push({
        image: substitute(image, globalArgs),
        platform: instruction.flags.platform,
        name: as?.toUpperCase() === "AS" ? name : undefined,
        instructions: [],
      });
    } else if (current === undefined) {
      if (instruction.keyword !== "ARG") throw new Error(`line ${instruction.line}: before FROM`);
      const [name = "", value = ""] = instruction.args.split("=", 2);
      globalArgs.set(name, unquote(value));
    } else {
      current.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

function substitute(text: string, args: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_all, braced: string, bare: string) => {
    return args.get(braced ?? bare) ?? "";
  });
}

function unquote(text: string): string {
  return text.replace(/^"(.*)"$/, "$1");
}

/** The exec form's argv, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trimStart().startsWith("[")) return undefined;
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new Error(`not a JSON array of strings: ${args}`);
  }
  return value;
}

/** LABEL and ENV key=value pairs (values may be double-quoted). */
export function keyValues(args: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const match of args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    pairs.set(match[1] ?? "", unquote(match[2] ?? ""));
  }
  return pairs;
}

/** Substitutes a stage's ARG defaults (and build-time values) into text. */
export function withArgs(
  stage: Stage,
  text: string,
  overrides: Record<string, string> = {},
): string {
  const args = new Map<string, string>();
  for (const instruction of stage.instructions) {
    if (instruction.keyword !== "ARG") continue;
    const [name = "", value = ""] = instruction.args.split("=", 2);
    args.set(name, overrides[name] ?? unquote(value));
  }
  return substitute(text, args);
}

/** COPY's sources and destination (shell form; JSON form too). */
export function copyPaths(instruction: Instruction): { sources: string[]; dest: string } {
  const parts = execForm(instruction.args) ?? instruction.args.split(/\s+/);
  const dest = parts.at(-1);
  if (dest === undefined || parts.length < 2) throw new Error(`line ${instruction.line}: bad COPY`);
  return { sources: parts.slice(0, -1), dest };
}

/**
 * Whether .dockerignore lets a path (relative to the context, "/"-separated) into the build
 * context: the last matching pattern wins, "!" re-includes, and a pattern that matches a parent
 * directory matches everything below it (Docker's rules, without the rarer "**" forms).
 */
export function includedByDockerignore(dockerignore: string, path: string): boolean {
  const patterns = dockerignore
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const prefixes = path.split("/").map((_part, i, parts) => parts.slice(0, i + 1).join("/"));
  let included = true;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+/, "").replace(/\/+$/, "");
    const regex = new RegExp(
      `^${pattern
        .split("")
        .map((c) => {
          if (c === "*") return "[^/]*";
          if (c === "?") return "[^/]";
          return c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
        })
        .join("")
        .replaceAll("[^/]*[^/]*", ".*")}$`,
    );
    if (prefixes.some((prefix) => regex.test(prefix))) included = negated;
  }
  return included;
}
