// The "Renewals" row (collector customer-subscriptions, joined with customer-usage on the customer
// tenant id): subscriptions by days to term end, open reduction windows, and seats renewing vs
// active licences per customer. The queries are those of the renewal alerts
// (lib/subscriptions.libsonnet), on the dashboard's variables.
local durations = import '../lib/durations.libsonnet';
local g = import '../lib/grafana.libsonnet';
local promql = import '../lib/promql.libsonnet';
local subscriptions = import '../lib/subscriptions.libsonnet';

// y: where the row starts.
function(c, y)
  // Subscriptions carry no channel, service or workload label; the usage side follows the
  // Channel variable like the Customers row.
  local sub(name) = 'partner_customer_subscription_%s%s' % [name, g.variables(['job', 'instance'])];
  local usage(name) = name + g.variables(['job', 'instance', 'channel']);
  local info = sub('info');
  local on = 'on (%s)' % subscriptions.bySubscription;
  local onCustomer = 'on (%s)' % subscriptions.byCustomer;
  local warningDays = durations.seconds(c.renewalWarning) / 86400;
  local adoption = promql.number(c.renewalAdoptionPercent);
  local min = promql.number(c.renewalMinLicenses);
  local byTermEnd = 'bottomk(50, %s)' % subscriptions.named('(%s - time()) / 86400' % sub('term_end_timestamp_seconds'), info);
  local windows = subscriptions.named('(%s - time() > 0) / 3600' % sub('cancellation_allowed_until_timestamp_seconds'), info);
  local renewing = 'topk(20, %s)' % subscriptions.customerNamed(
    'sum by (%s) (%s and %s %s == 1)' % [subscriptions.byCustomer, subscriptions.renewingSeats(sub), on, sub('auto_renew')],
    info,
  );
  local subscriptionColumns(value) = [
    ['customer', 'Customer'],
    ['offer', 'Offer'],
    ['term', 'Term'],
  ] + value + [
    ['billing_cycle', 'Billing'],
    ['subscription_id', 'Subscription ID'],
    ['customer_id', 'Customer ID'],
  ];
  local hidden = ['Time', 'job', 'instance', 'offer_id'];
  local seats = ['unit', 'short'];
  local colorBackground = ['custom.cellOptions', { type: 'color-background', mode: 'gradient' }];
  [
    g.row(26, 'Renewals', y),
    g.table(
      27,
      'Subscriptions by days to term end',
      "The 50 subscriptions whose term ends first (collector customer-subscriptions): days to partner_customer_subscription_term_end_timestamp_seconds (NCE end dates are inclusive: the end of that day, UTC), whether auto-renew is on, and the seats that renew (the quantity scheduled for the next term when there is one, else the quantity). Red within 7 days, orange within %(warning)s: auto-renew on, at least %(min)s seats and the customer's adoption under %(adoption)s%% raises PartnerCenterSubscriptionRenewsUnderused (info). Turning auto-renew off or scheduling fewer seats must happen before the term ends. Filtered by job and instance: subscriptions have no channel, service or workload." % {
        warning: durations.words(c.renewalWarning),
        min: min,
        adoption: adoption,
      },
      g.pos(0, y + 1, 12, 10),
      [
        g.tableQuery('A', byTermEnd),
        g.tableQuery('B', '%s and %s %s' % [subscriptions.named(sub('auto_renew'), info), on, byTermEnd]),
        g.tableQuery('C', '%s and %s %s' % [subscriptions.named(subscriptions.renewingSeats(sub), info), on, byTermEnd]),
      ],
      'd',
      1,
      [['red', null], ['orange', 7], ['green', warningDays]],
      subscriptionColumns([['Value #A', 'Days to term end'], ['Value #B', 'Auto-renew'], ['Value #C', 'Seats renewing']]),
      { desc: false, displayName: 'Days to term end' },
      hidden,
      merge=true,
    ) + {
      fieldConfig+: {
        overrides: [
          g.override('byName', 'Days to term end', [colorBackground]),
          g.override('byName', 'Auto-renew', [
            ['mappings', [g.mapping(['text', 'Off'], ['orange', 'On'])]],
            ['custom.cellOptions', { type: 'color-text' }],
          ]),
          g.override('byName', 'Seats renewing', [seats, ['decimals', 0]]),
        ],
      },
    },
    g.table(
      28,
      'Open reduction windows',
      "Subscriptions that can still be reduced or cancelled with a prorated refund: partner_customer_subscription_cancellation_allowed_until_timestamp_seconds in the future (new commerce: 7 days, 168 hours, from the purchase, the renewal or the addition of seats). Hours left; the seats that can be reduced (the refundable quantity when Partner Center gives it, else the quantity); the customer's adoption (its best-used workload's active licences as a percentage of its qualified licences, collector customer-usage, joined on the customer tenant id). Red under %(adoption)s%%: with at least %(min)s seats this raises PartnerCenterSubscriptionReductionWindowOpen (info)." % {
        min: min,
        adoption: adoption,
      },
      g.pos(12, y + 1, 12, 10),
      [
        g.tableQuery('A', windows),
        g.tableQuery('B', '%s and %s %s' % [subscriptions.named(subscriptions.reducibleSeats(sub), info), on, windows]),
        // Each subscription's row gets its customer's adoption: 0 * the row + the customer's value.
        g.tableQuery('C', '0 * %s + %s group_left () %s' % [windows, onCustomer, subscriptions.adoption(usage)]),
      ],
      'h',
      1,
      [['red', null], ['orange', 24], ['green', 72]],
      subscriptionColumns([['Value #A', 'Hours left'], ['Value #B', 'Seats reducible'], ['Value #C', 'Customer adoption']]),
      { desc: false, displayName: 'Hours left' },
      hidden,
      merge=true,
    ) + {
      fieldConfig+: {
        defaults+: { noValue: 'no open window' },
        overrides: [
          g.override('byName', 'Seats reducible', [seats, ['decimals', 0]]),
          g.override('byName', 'Customer adoption', [
            ['unit', 'percent'],
            ['thresholds', g.thresholds([['red', null], ['green', c.renewalAdoptionPercent]])],
            colorBackground,
          ]),
        ],
      },
    },
    g.table(
      29,
      'Seats renewing vs active licences per customer',
      "The 20 customers with the most seats on auto-renew (summed over their subscriptions with auto-renew on: the quantity scheduled for the next term, else the quantity) next to the active licences of their best-used workload and that workload's adoption (collector customer-usage, joined on the customer tenant id; the usage data does not say which workload a subscription's seats serve, and product and offer names are not documented to match). Many more seats renewing than active licences: seats nobody uses renew. Red adoption under %s%%, the renewal alerts' threshold." % adoption,
      g.pos(0, y + 11, 24, 8),
      [
        g.tableQuery('A', renewing),
        g.tableQuery('B', '%s and %s %s' % [subscriptions.customerNamed(subscriptions.bestActive(usage), info), onCustomer, renewing]),
        g.tableQuery('C', '%s and %s %s' % [subscriptions.customerNamed(subscriptions.adoption(usage), info), onCustomer, renewing]),
      ],
      'short',
      0,
      [['text', null]],
      [
        ['customer', 'Customer'],
        ['Value #A', 'Seats renewing'],
        ['Value #B', 'Active licences'],
        ['Value #C', 'Adoption'],
        ['customer_id', 'Customer ID'],
      ],
      { desc: true, displayName: 'Seats renewing' },
      ['Time', 'job', 'instance'],
      merge=true,
    ) + {
      fieldConfig+: {
        overrides: [
          g.override('byName', 'Adoption', [
            ['unit', 'percent'],
            ['decimals', 1],
            ['thresholds', g.thresholds([['red', null], ['green', c.renewalAdoptionPercent]])],
            colorBackground,
          ]),
        ],
      },
    },
  ]
