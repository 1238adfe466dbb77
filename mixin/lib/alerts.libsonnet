// One alerting rule as the monitoring-mixin guidelines have it: an UpperCamelCase name, a
// severity, a static summary sentence, a templated description and a runbook link.
local oneLine(text) =
  std.join(' ', [
    std.stripChars(line, ' ')
    for line in std.split(text, '\n')
    if std.stripChars(line, ' ') != ''
  ]);

{
  // description may be a text block: its lines are joined with spaces (as YAML's >- folds them).
  rule(config, name, severity, expr, summary, description, pendingFor=null):: {
    alert: name,
    expr: expr,
    labels: { severity: severity },
    annotations: {
      summary: summary,
      description: oneLine(description),
      runbook_url: config.runbookURLPattern % std.asciiLower(name),
    },
  } + (if pendingFor == null then {} else { 'for': pendingFor }),
}
