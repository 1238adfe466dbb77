// Per-customer alerts, from the opt-in collectors customer-usage and customer-deployment (no
// series, so no alerts, unless COLLECTORS enables them). Business signals, quiet by default:
// severity info, which the example Alertmanager configuration keeps visible but never sends.
// Scope them with _config.customerSelector (docs/runbook.md#scoping-the-customer-alerts).
local alerts = import '../lib/alerts.libsonnet';
local durations = import '../lib/durations.libsonnet';
local promql = import '../lib/promql.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local customer(metric) = promql.selector(metric, [c.exporterSelector, c.customerSelector]),
    groups+: [
      {
        name: 'partner-center-customers',
        rules: [
          // Products are summed; channels are not.
          alerts.rule(
            c,
            'PartnerCenterCustomerLowAdoption',
            'info',
            |||
              (
                  sum by (job, instance, customer_id, customer, service, workload, channel) (
                    %(active)s
                  )
                /
                  (
                      sum by (job, instance, customer_id, customer, service, workload, channel) (
                        %(qualified)s
                      )
                    >=
                      %(minQualified)s
                  )
              )
              * 100
              < %(percent)s
            ||| % {
              active: customer('partner_customer_licenses_active'),
              qualified: customer('partner_customer_licenses_qualified'),
              minQualified: promql.number(c.customerLowAdoptionMinQualified),
              percent: promql.number(c.customerLowAdoptionPercent),
            },
            'A customer uses few of its qualified licences of a workload.',
            |||
              Customer {{ $labels.customer }} ({{ $labels.customer_id }}, channel {{ $labels.channel }})
              uses {{ printf "%%.1f" $value }}%% of its qualified licences of {{ $labels.workload }}
              ({{ $labels.service }}), below the %(percent)s%% threshold for more than %(for)s (customers with at
              least %(minQualified)s qualified licences).
            ||| % {
              percent: promql.number(c.customerLowAdoptionPercent),
              minQualified: promql.number(c.customerLowAdoptionMinQualified),
              'for': durations.words(c.customerLowAdoptionFor),
            },
            c.customerLowAdoptionFor,
          ),
          // Licences sold but not deployed (assigned to users), summed over products.
          alerts.rule(
            c,
            'PartnerCenterCustomerUnassignedLicenses',
            'info',
            |||
              (
                  sum by (job, instance, customer_id, customer, service, channel) (%(sold)s)
                -
                  sum by (job, instance, customer_id, customer, service, channel) (%(deployed)s)
              )
              >= %(min)s
              and
              (
                  sum by (job, instance, customer_id, customer, service, channel) (%(deployed)s)
                <
                  %(deployedShare)s * sum by (job, instance, customer_id, customer, service, channel) (%(sold)s)
              )
            ||| % {
              sold: customer('partner_customer_licenses_sold'),
              deployed: customer('partner_customer_licenses_deployed'),
              min: promql.number(c.customerUnassignedMin),
              deployedShare: promql.number((100 - c.customerUnassignedPercent) / 100),
            },
            'A customer has many licences sold but not assigned to users.',
            |||
              {{ printf "%%.0f" $value }} of the {{ $labels.service }} licences sold to customer
              {{ $labels.customer }} ({{ $labels.customer_id }}, channel {{ $labels.channel }}) have not
              been assigned to users for more than %(for)s: at least %(min)s, and more than %(percent)s%% of the
              licences sold.
            ||| % {
              min: promql.number(c.customerUnassignedMin),
              percent: promql.number(c.customerUnassignedPercent),
              'for': durations.words(c.customerUnassignedFor),
            },
            c.customerUnassignedFor,
          ),
        ],
      },
    ],
  },
}
