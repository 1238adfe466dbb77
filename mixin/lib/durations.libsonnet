// Prometheus durations of one unit ('5m', '3h', '7d'), the way _config spells them, turned into
// what the alerts and the dashboard need: seconds, PromQL arithmetic and words for descriptions.
local units = {
  s: { seconds: 1, factors: [], singular: 'a second', plural: 'seconds' },
  m: { seconds: 60, factors: ['60'], singular: 'a minute', plural: 'minutes' },
  h: { seconds: 3600, factors: ['3600'], singular: 'an hour', plural: 'hours' },
  d: { seconds: 86400, factors: ['24', '3600'], singular: 'a day', plural: 'days' },
  w: { seconds: 604800, factors: ['7', '24', '3600'], singular: 'a week', plural: 'weeks' },
};

local isDigit(c) = std.member('0123456789', c);

local parse(duration) =
  local unit = if std.isString(duration) && std.length(duration) > 1
  then duration[std.length(duration) - 1]
  else '';
  local count = std.substr(duration, 0, std.length(duration) - 1);
  assert std.objectHas(units, unit)
         && std.length(std.filter(function(c) !isDigit(c), std.stringChars(count))) == 0
         : 'duration %s: write a whole number and one unit (s, m, h, d or w), for example 3h'
           % std.toString(duration);
  { count: std.parseInt(count), unit: units[unit] };

{
  // '3h' -> 10800
  seconds(duration):: local d = parse(duration); d.count * d.unit.seconds,

  // '3d' -> '3 * 24 * 3600': PromQL arithmetic that still reads as the duration.
  promql(duration)::
    local d = parse(duration);
    std.join(' * ', [std.toString(d.count)] + d.unit.factors),

  // '1d' -> 'a day', '3h' -> '3 hours'
  words(duration)::
    local d = parse(duration);
    if d.count == 1 then d.unit.singular else '%d %s' % [d.count, d.unit.plural],

  // 172800 -> '2d': the largest unit that divides the seconds evenly.
  fromSeconds(seconds)::
    local whole = std.floor(seconds);
    local unit = [u for u in ['w', 'd', 'h', 'm', 's'] if whole % units[u].seconds == 0][0];
    '%d%s' % [whole / units[unit].seconds, unit],
}
