// Small builders for the dashboard's JSON (Grafana 10.4, schema 39), in plain jsonnet: each
// returns a panel or a piece of one with Grafana's defaults, and callers add what differs with +.
local datasource = { type: 'prometheus', uid: '${datasource}' };

local thresholds(steps) = {
  mode: 'absolute',
  steps: [{ color: step[0], value: step[1] } for step in steps],
};

local reduceLast = { calcs: ['lastNotNull'], fields: '', values: false };

// A panel with one Prometheus datasource; fieldConfig.defaults gets the unit and thresholds.
local panel(type, id, title, description, pos, targets, unit, steps) = {
  id: id,
  type: type,
  title: title,
  description: description,
  datasource: datasource,
  gridPos: pos,
  fieldConfig: {
    defaults: {
      unit: unit,
      color: { mode: 'thresholds' },
      thresholds: thresholds(steps),
    },
    overrides: [],
  },
  targets: targets,
};

local tableCustom = {
  align: 'auto',
  cellOptions: { type: 'auto' },
  filterable: true,
  inspect: false,
};

local timeseriesCustom = {
  axisBorderShow: false,
  axisCenteredZero: false,
  axisColorMode: 'text',
  axisLabel: '',
  axisPlacement: 'auto',
  barAlignment: 0,
  drawStyle: 'line',
  fillOpacity: 0,
  gradientMode: 'none',
  hideFrom: { legend: false, tooltip: false, viz: false },
  insertNulls: false,
  lineInterpolation: 'linear',
  lineWidth: 1,
  pointSize: 5,
  scaleDistribution: { type: 'linear' },
  showPoints: 'never',
  spanNulls: false,
  stacking: { group: 'A', mode: 'none' },
  thresholdsStyle: { mode: 'off' },
};

{
  datasource: datasource,
  thresholds: thresholds,

  // {job=~"$job",instance=~"$instance"}: a selector on the dashboard's variables.
  variables(names):: '{%s}' % std.join(',', ['%s=~"$%s"' % [name, name] for name in names]),

  pos(x, y, w, h):: { h: h, w: w, x: x, y: y },

  row(id, title, y):: {
    id: id,
    type: 'row',
    title: title,
    collapsed: false,
    gridPos: { h: 1, w: 24, x: 0, y: y },
    panels: [],
  },

  // Queries: the value now (instant, optionally as a table) or over the time range.
  instant(refId, expr, legendFormat='__auto'):: {
    refId: refId,
    datasource: datasource,
    expr: expr,
    legendFormat: legendFormat,
    instant: true,
    range: false,
  },
  tableQuery(refId, expr):: self.instant(refId, expr) + { format: 'table' },
  range(refId, expr, legendFormat):: {
    refId: refId,
    datasource: datasource,
    expr: expr,
    legendFormat: legendFormat,
    range: true,
  },

  bargauge(id, title, description, pos, targets, unit, decimals, steps)::
    panel('bargauge', id, title, description, pos, targets, unit, steps) + {
      fieldConfig+: { defaults+: { decimals: decimals, min: 0 } },
      options: {
        displayMode: 'gradient',
        maxVizHeight: 300,
        minVizHeight: 16,
        minVizWidth: 8,
        namePlacement: 'left',
        orientation: 'horizontal',
        reduceOptions: reduceLast,
        showUnfilled: true,
        sizing: 'auto',
        valueMode: 'color',
      },
    },

  stat(id, title, description, pos, targets, unit, steps)::
    panel('stat', id, title, description, pos, targets, unit, steps) + {
      options: {
        colorMode: 'background',
        graphMode: 'none',
        justifyMode: 'auto',
        orientation: 'auto',
        reduceOptions: reduceLast,
        showPercentChange: false,
        textMode: 'value_and_name',
        wideLayout: true,
      },
    },

  // Columns: [[field, header], ...] in display order; exclude: fields to hide.
  table(id, title, description, pos, targets, unit, decimals, steps, columns, sortBy, exclude, merge=false)::
    panel('table', id, title, description, pos, targets, unit, steps) + {
      fieldConfig+: { defaults+: { decimals: decimals, custom: tableCustom } },
      options: {
        cellHeight: 'sm',
        footer: { countRows: false, fields: '', reducer: ['sum'], show: false },
        showHeader: true,
        sortBy: [sortBy],
      },
      transformations: (if merge then [{ id: 'merge', options: {} }] else []) + [{
        id: 'organize',
        options: {
          excludeByName: { [field]: true for field in exclude },
          indexByName: { [columns[i][0]]: i for i in std.range(0, std.length(columns) - 1) },
          renameByName: { [column[0]]: column[1] for column in columns },
        },
      }],
    },

  timeseries(id, title, description, pos, targets, unit, steps, custom={})::
    panel('timeseries', id, title, description, pos, targets, unit, steps) + {
      fieldConfig+: {
        defaults+: { min: 0, color: { mode: 'palette-classic' }, custom: timeseriesCustom + custom },
      },
      options: {
        legend: { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: true },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
    },

  // Counts per window, stacked bars.
  bars(id, title, description, pos, targets)::
    self.timeseries(id, title, description, pos, targets, 'short', [['green', null]], {
      drawStyle: 'bars',
      fillOpacity: 80,
      stacking: { group: 'A', mode: 'normal' },
    }) + { fieldConfig+: { defaults+: { decimals: 0 } } },

  // Field overrides.
  override(matcherId, options, properties):: {
    matcher: { id: matcherId, options: options },
    properties: [{ id: property[0], value: property[1] } for property in properties],
  },
  fixedColor(pattern, color):: self.override('byRegexp', pattern, [
    ['color', { fixedColor: color, mode: 'fixed' }],
  ]),
  // Value mappings 0 and 1 (Failing/OK and the like).
  mapping(zero, one):: {
    type: 'value',
    options: {
      '0': { color: zero[0], index: 0, text: zero[1] },
      '1': { color: one[0], index: 1, text: one[1] },
    },
  },
}
