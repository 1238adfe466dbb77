import { parser } from "@prometheus-io/lezer-promql";

type SyntaxNode = ReturnType<typeof parser.parse>["topNode"];

export interface LabelMatcher {
  readonly name: string;
  readonly op: string;
  /** The string literal's content, without quotes (no escape handling: the dashboard has none). */
  readonly value: string;
}

export interface VectorSelector {
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
}

const GRAFANA_INTERVALS: Readonly<Record<string, string>> = {
  __rate_interval: "1m",
  __interval: "30s",
  __range: "1h",
};

/**
 * Substitutes Grafana's template variables the way Grafana does before sending a query:
 * built-in intervals become durations, dashboard variables `$name`, `${name}` and
 * `${name:format}` become `values[name]`. An unknown variable is an error, not a silent pass.
 */
export function interpolate(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\$(\w+)/g,
    (match, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? "";
      const value = GRAFANA_INTERVALS[name] ?? values[name];
      if (value === undefined) throw new Error(`unknown template variable ${match} in ${expr}`);
      return value;
    },
  );
}

/** Where the lezer PromQL parser found syntax errors (it never throws; errors are nodes). */
export function syntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) {
        errors.push(`at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`);
      }
    },
  });
  return errors;
}

function unquote(literal: string): string {
  return literal.slice(1, -1);
}

/** Every instant or range vector selector in `expr`, with its label matchers. */
export function vectorSelectors(expr: string): VectorSelector[] {
  const selectors: VectorSelector[] = [];
  parser.parse(expr).iterate({
    enter(ref) {
      if (ref.name !== "VectorSelector") return;
      const node: SyntaxNode = ref.node;
      const identifier = node.getChild("Identifier");
      const matchers = (
        node.getChild("LabelMatchers")?.getChildren("UnquotedLabelMatcher") ?? []
      ).map((matcher): LabelMatcher => {
        const text = (child: string): string => {
          const found = matcher.getChild(child);
          return found ? expr.slice(found.from, found.to) : "";
        };
        return {
          name: text("LabelName"),
          op: text("MatchOp"),
          value: unquote(text("StringLiteral")),
        };
      });
      selectors.push({
        metric: identifier ? expr.slice(identifier.from, identifier.to) : "",
        matchers,
      });
    },
  });
  return selectors;
}

const RANGE_FUNCTIONS = new Set(["Rate", "Irate", "Increase"]);

/** Names of rate/irate/increase calls whose argument is not a plain range selector (e.g. a subquery). */
export function rangeFunctionsWithoutMatrixSelector(expr: string): string[] {
  const offending: string[] = [];
  parser.parse(expr).iterate({
    enter(ref) {
      if (ref.name !== "FunctionCall") return;
      const node: SyntaxNode = ref.node;
      const fn = node.getChild("FunctionIdentifier")?.firstChild?.name;
      if (fn === undefined || !RANGE_FUNCTIONS.has(fn)) return;
      if (node.getChild("FunctionCallBody")?.getChild("MatrixSelector") == null) offending.push(fn);
    },
  });
  return offending;
}
