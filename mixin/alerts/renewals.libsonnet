// Renewal alerts, from the opt-in collector customer-subscriptions joined with customer-usage on
// the customer tenant id (no series, so no alerts, unless both are enabled). Business signals
// with a deadline, quiet by default like the other per-customer alerts: severity info, which the
// example Alertmanager configuration keeps visible but never sends (docs/renewals.md says how to
// route them). Scope them with _config.subscriptionSelector and _config.customerSelector.
local alerts = import '../lib/alerts.libsonnet';
local durations = import '../lib/durations.libsonnet';
local promql = import '../lib/promql.libsonnet';
local subscriptions = import '../lib/subscriptions.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local sub(name) = promql.selector('partner_customer_subscription_' + name, [c.exporterSelector]),
    local usage(name) = promql.selector(name, [c.exporterSelector, c.customerSelector]),
    local info = promql.selector('partner_customer_subscription_info', [c.exporterSelector, c.subscriptionSelector]),
    local params = {
      bySubscription: subscriptions.bySubscription,
      byCustomer: subscriptions.byCustomer,
      adoption: subscriptions.adoption(usage),
      percent: promql.number(c.renewalAdoptionPercent),
      min: promql.number(c.renewalMinLicenses),
    },
    // The subscription's own timestamp, read in the description: "2027-01-31 23:59:59 +0000 UTC".
    local timeOf(name) =
      '{{ with printf "%s{job=%%q,instance=%%q,customer_id=%%q,subscription_id=%%q}" $labels.job $labels.instance $labels.customer_id $labels.subscription_id | query }}{{ . | first | value | humanizeTimestamp }}{{ end }}'
      % sub(name),
    local lowAdoption = |||
      the customer's best-used workload has fewer than %(percent)s%% of its qualified licences active
      (subscriptions with at least %(min)s seats).
    ||| % params,
    groups+: [
      {
        name: 'partner-center-renewals',
        rules: [
          // The value: the seats that can be reduced.
          alerts.rule(
            c,
            'PartnerCenterSubscriptionReductionWindowOpen',
            'info',
            subscriptions.named(|||
              (
                  %(seats)s >= %(min)s
                and on (%(bySubscription)s)
                  %(allowedUntil)s > time()
                and on (%(byCustomer)s)
                  %(adoption)s < %(percent)s
              )
            ||| % params {
              seats: subscriptions.reducibleSeats(sub),
              allowedUntil: sub('cancellation_allowed_until_timestamp_seconds'),
            }, info),
            'Seats of a subscription at a customer with low adoption can still be reduced.',
            |||
              Until %(until)s, {{ printf "%%.0f" $value }} seats of {{ $labels.offer }} at {{ $labels.customer }}
              ({{ $labels.customer_id }}, subscription {{ $labels.subscription_id }}) can still be reduced:
              %(low)s After that the seats are paid until the term ends.
            ||| % { until: timeOf('cancellation_allowed_until_timestamp_seconds'), low: lowAdoption },
            c.reductionWindowOpenFor,
          ),
          // The value: the seats that renew. Term ends already past (a renewal not yet seen by
          // the crawl) are left out.
          alerts.rule(
            c,
            'PartnerCenterSubscriptionRenewsUnderused',
            'info',
            subscriptions.named(|||
              (
                  %(seats)s >= %(min)s
                and on (%(bySubscription)s)
                  %(autoRenew)s == 1
                and on (%(bySubscription)s)
                  %(termEnd)s - time() > 0 < %(warning)s
                and on (%(byCustomer)s)
                  %(adoption)s < %(percent)s
              )
            ||| % params {
              seats: subscriptions.renewingSeats(sub),
              autoRenew: sub('auto_renew'),
              termEnd: sub('term_end_timestamp_seconds'),
              warning: durations.promql(c.renewalWarning),
            }, info),
            'A subscription at a customer with low adoption renews automatically soon.',
            |||
              {{ printf "%%.0f" $value }} seats of {{ $labels.offer }} at {{ $labels.customer }} ({{ $labels.customer_id }},
              subscription {{ $labels.subscription_id }}) renew automatically within %(warning)s, and %(low)s
              Turn auto-renew off or schedule fewer seats before %(end)s, when the term ends.
            ||| % {
              end: timeOf('term_end_timestamp_seconds'),
              warning: durations.words(c.renewalWarning),
              low: lowAdoption,
            },
            c.renewsUnderusedFor,
          ),
        ],
      },
    ],
  },
}
