// Partner-level licence usage, from the default collector partner-usage.
local alerts = import '../lib/alerts.libsonnet';
local durations = import '../lib/durations.libsonnet';
local promql = import '../lib/promql.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local usage(matchers) = promql.selector('partner_license_usage_percent', [c.exporterSelector] + matchers),
    groups+: [
      {
        name: 'partner-center-license-usage',
        rules: [
          alerts.rule(
            c,
            'PartnerCenterLicenseUsageLow',
            'warning',
            '%s < %s' % [usage([c.licenseUsageLowSelector]), promql.number(c.licenseUsageLowPercent)],
            'Licence usage of a workload is below the low-adoption threshold.',
            |||
              Partner Center reports {{ printf "%%.1f" $value }}%% licence usage for workload
              {{ $labels.workload }} (service {{ $labels.service }}, channel {{ $labels.channel }}),
              below the %(percent)s%% low-adoption threshold for more than %(for)s.
            ||| % {
              percent: promql.number(c.licenseUsageLowPercent),
              'for': durations.words(c.licenseUsageLowFor),
            },
            c.licenseUsageLowFor,
          ),
          // Informational: Partner Center computes the value, and above 100 is possible.
          alerts.rule(
            c,
            'PartnerCenterLicenseUsageAbove100',
            'info',
            '%s > %s' % [usage([]), promql.number(c.licenseUsageHighPercent)],
            'Licence usage of a workload is above %s%%.' % promql.number(c.licenseUsageHighPercent),
            |||
              Partner Center reports {{ printf "%.1f" $value }}% licence usage for workload
              {{ $labels.workload }} (service {{ $labels.service }}, channel {{ $labels.channel }}):
              more active users than qualified licences.
            |||,
            c.licenseUsageHighFor,
          ),
          // Partner Center processes usage about daily: days without new data is not a normal delay.
          alerts.rule(
            c,
            'PartnerCenterDataStale',
            'warning',
            'time() - %s > %s' % [
              promql.selector('partner_license_usage_processed_timestamp_seconds', [c.exporterSelector]),
              durations.promql(c.dataStaleAfter),
            ],
            'Partner Center usage data is more than %s old.' % durations.words(c.dataStaleAfter),
            |||
              Partner Center last processed usage data for workload {{ $labels.workload }}
              (service {{ $labels.service }}, channel {{ $labels.channel }}) {{ $value | humanizeDuration }}
              ago, as reported to exporter {{ $labels.instance }}; it normally refreshes about daily.
            |||,
            c.dataStaleFor,
          ),
        ],
      },
    ],
  },
}
