// Small PromQL builders shared by the alerts.
{
  // metric{a, b}: empty matchers are dropped, so an unset _config selector leaves the bare metric.
  selector(metric, matchers)::
    local given = std.filter(function(m) m != '', matchers);
    if given == [] then metric else '%s{%s}' % [metric, std.join(', ', given)],

  // 0.8, not jsonnet's 0.80000000000000004.
  number(value):: '%g' % value,
}
