import * as v from "valibot";

/** A schema of what crosses a boundary (an answer, a file): valibot's, any output type. */
export type BoundarySchema<T> = v.GenericSchema<unknown, T>;

export type Issue = v.BaseIssue<unknown>;

/** An issue's place in the input: `items[3].workloadName`, from the top-level name `where`. */
export function issuePath(issue: Issue, where: string): string {
  let path = where;
  for (const step of issue.path ?? []) {
    path +=
      typeof step.key === "number"
        ? `[${step.key}]`
        : path === ""
          ? String(step.key)
          : `.${String(step.key)}`;
  }
  return path;
}

const SHOWN_CHARS = 60;

/** A value as a log line may show it: JSON, at most 60 characters; "missing" when absent. */
export function describe(value: unknown): string {
  if (value === undefined) return "missing";
  const text = jsonPrefix(value, SHOWN_CHARS + 1);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}...` : text;
}

/**
 * The start of a value's JSON, written until it is `budget` characters long and no further: what
 * an upstream sends may be huge or nested 100k levels deep (JSON.stringify of that overflows the
 * stack), and only the first characters are shown. Each level adds a bracket, so depth <= budget.
 */
function jsonPrefix(value: unknown, budget: number): string {
  if (typeof value !== "object" || value === null) {
    const shown =
      typeof value === "string" && value.length > budget ? value.slice(0, budget) : value;
    return JSON.stringify(shown) ?? String(shown);
  }
  const array = Array.isArray(value);
  let text = array ? "[" : "{";
  let first = true;
  for (const key in value) {
    if (text.length >= budget) return text;
    if (!Object.hasOwn(value, key)) continue;
    const member: unknown = (value as Record<string, unknown>)[key];
    text += first ? "" : ",";
    text += array ? "" : `${JSON.stringify(key)}:`;
    text += member === undefined ? "null" : jsonPrefix(member, budget - text.length);
    first = false;
  }
  return `${text}${array ? "]" : "}"}`;
}

/** What a value is, without showing it: for answers that carry secrets. */
function kindOf(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * Parses `data` with `schema` or throws what `fail` makes of a line naming the failing path and
 * the value there (homebridge-prometheus-exporter's checkBoundary). `secret`: the value is never
 * shown (token answers), only the path and its type.
 */
export function checkBoundary<T>(
  schema: BoundarySchema<T>,
  data: unknown,
  options: {
    readonly where: string;
    readonly fail: (problem: string) => Error;
    readonly secret?: boolean;
  },
): T {
  const result = v.safeParse(schema, data, { abortEarly: true });
  if (result.success) return result.output;
  const [issue] = result.issues;
  const shown = options.secret ? kindOf(issue.input) : describe(issue.input);
  throw options.fail(
    `${issuePath(issue, options.where) || "the body"} is ${shown}, expected ${issue.expected ?? "something else"}`,
  );
}
