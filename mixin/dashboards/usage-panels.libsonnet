// The "Licence usage" row: partner_license_usage_percent now, over time, the lowest, and how old
// Partner Center's data is. Colours follow the alerts' thresholds in _config.
local durations = import '../lib/durations.libsonnet';
local g = import '../lib/grafana.libsonnet';
local promql = import '../lib/promql.libsonnet';

function(c)
  local low = promql.number(c.licenseUsageLowPercent);
  local high = promql.number(c.licenseUsageHighPercent);
  local usageSteps = [['red', null], ['orange', c.licenseUsageLowPercent], ['green', 50], ['blue', c.licenseUsageHighPercent]];
  local usage = 'partner_license_usage_percent' + g.variables(['job', 'instance', 'channel', 'service', 'workload']);
  local processed = 'partner_license_usage_processed_timestamp_seconds' + g.variables(['job', 'instance', 'channel', 'service', 'workload']);
  local legend = '{{workload}} · {{service}} · {{channel}}';
  // Orange from two thirds of the alert's threshold.
  local staleSeconds = durations.seconds(c.dataStaleAfter);
  local lateSeconds = std.floor(staleSeconds * 2 / 3);
  local usageColumns = [
    ['workload', 'Workload'],
    ['service', 'Service'],
    ['channel', 'Channel'],
    ['Value', 'Usage'],
    ['instance', 'Exporter'],
  ];
  local usageCells = {
    fieldConfig+: {
      overrides: [g.override('byName', 'Usage', [
        ['custom.cellOptions', { type: 'color-background', mode: 'gradient' }],
      ])],
    },
  };
  [
    g.row(1, 'Licence usage', 0),
    g.bargauge(
      2,
      'Licence usage by workload',
      "Partner Center's proratedLicensesUsagePercent per workload, service and channel (partner_license_usage_percent), as reported: a 0-100 scale that exceeds 100 when more users are active than licences qualify. Red: below %s%%, the PartnerCenterLicenseUsageLow threshold; blue: %s%% or more. Bars are scaled to the largest value, so values above 100 are never cut off." % [low, high],
      g.pos(0, 1, 12, 10),
      [g.instant('A', 'sort_desc(%s)' % usage, legend)],
      'percent',
      1,
      usageSteps,
    ),
    g.table(
      3,
      'Licence usage by workload (table)',
      "The same values as a sortable table (partner_license_usage_percent, last value). The percentage is Partner Center's own and can exceed 100.",
      g.pos(12, 1, 12, 10),
      [g.tableQuery('A', usage)],
      'percent',
      1,
      usageSteps,
      usageColumns,
      { desc: false, displayName: 'Workload' },
      ['Time', '__name__', 'job'],
    ) + usageCells + { fieldConfig+: { defaults+: { min: 0 } } },
    g.timeseries(
      4,
      'Licence usage over time',
      'partner_license_usage_percent over time. Partner Center refreshes these numbers about once a day, so expect steps, not curves. Dashed lines: %s%% (low adoption), 50%% and %s%%.' % [low, high],
      g.pos(0, 11, 12, 9),
      [g.range('A', usage, legend)],
      'percent',
      usageSteps,
      { lineWidth: 2, thresholdsStyle: { mode: 'dashed' } },
    ) + {
      fieldConfig+: { defaults+: { decimals: 1 } },
      options+: {
        legend+: { calcs: ['lastNotNull', 'min', 'max'], displayMode: 'table', placement: 'right' },
      },
    },
    g.table(
      5,
      'Lowest adoption',
      'The 5 workloads (per service and channel) with the lowest licence usage right now: bottomk(5, partner_license_usage_percent). Candidates for adoption work; below %s%% for %s raises PartnerCenterLicenseUsageLow.' % [low, durations.words(c.licenseUsageLowFor)],
      g.pos(12, 11, 6, 9),
      [g.tableQuery('A', 'bottomk(5, %s)' % usage)],
      'percent',
      1,
      usageSteps,
      usageColumns,
      { desc: false, displayName: 'Usage' },
      ['Time', '__name__', 'job'],
    ) + usageCells + { fieldConfig+: { defaults+: { min: 0 } } },
    g.stat(
      6,
      'Partner Center data age',
      'Age of the oldest usage data Partner Center reports for the selected workloads: time() minus processedDateTime (partner_license_usage_processed_timestamp_seconds). Partner Center processes licence analytics about daily; orange from %s, red from %s (PartnerCenterDataStale).' % [durations.words(durations.fromSeconds(lateSeconds)), durations.words(c.dataStaleAfter)],
      g.pos(18, 11, 6, 9),
      [g.instant('A', 'max by (job, instance) (time() - %s)' % processed, '{{instance}}')],
      's',
      [['green', null], ['orange', lateSeconds], ['red', staleSeconds]],
    ) + { fieldConfig+: { defaults+: { decimals: 1 } } },
  ]
