// The "Customers" row (collectors partner-deployment, customer-usage and customer-deployment):
// deployment per service, the customers with the lowest adoption and the most unassigned licences.
local durations = import '../lib/durations.libsonnet';
local g = import '../lib/grafana.libsonnet';
local promql = import '../lib/promql.libsonnet';

function(c)
  local perService = g.variables(['job', 'instance', 'channel', 'service']);
  // The Service and Workload variables list service codes; the customer metrics carry names.
  local perCustomer = g.variables(['job', 'instance', 'channel']);
  local byWorkload = 'sum by (customer, customer_id, workload)';
  local byService = 'sum by (customer, customer_id, service)';
  local adoption = 'bottomk(20, %(by)s (partner_customer_licenses_active%(m)s) / (%(by)s (partner_customer_licenses_qualified%(m)s) > 0) * 100)' % { by: byWorkload, m: perCustomer };
  local unassigned = 'topk(20, %(by)s (partner_customer_licenses_sold%(m)s - partner_customer_licenses_deployed%(m)s) > 0)' % { by: byService, m: perCustomer };
  local deployedGreen = 100 - c.customerUnassignedPercent;
  local lowAdoption = promql.number(c.customerLowAdoptionPercent);
  local unassignedPercent = promql.number(c.customerUnassignedPercent);
  local colorText = ['custom.cellOptions', { type: 'color-text' }];
  [
    g.row(17, 'Customers', 20),
    g.bargauge(
      18,
      'Licence deployment by service',
      "Partner Center's proratedDeploymentPercent per service and channel (partner_license_deployment_percent, collector partner-deployment): the share of the licences sold that are assigned to users, as reported on a 0-100 scale that can exceed 100 (never clamped). Red below 50%%, orange below %(green)s%%, green from %(green)s%% (the PartnerCenterCustomerUnassignedLicenses alert looks at more than %(unassigned)s%% unassigned per customer). Filtered by channel and service, not by workload: deployment is per service." % { green: promql.number(deployedGreen), unassigned: unassignedPercent },
      g.pos(0, 21, 12, 8),
      [g.instant('A', 'sort_desc(partner_license_deployment_percent%s)' % perService, '{{service}} · {{channel}}')],
      'percent',
      1,
      [['red', null], ['orange', 50], ['green', deployedGreen]],
    ),
    g.bargauge(
      19,
      'Licences sold by service',
      'Licences sold per service and channel (partner_licenses_sold, collector partner-deployment), the base of the deployment percentage on the left. Filtered by channel and service, not by workload.',
      g.pos(12, 21, 12, 8),
      [g.instant('A', 'sort_desc(partner_licenses_sold%s)' % perService, '{{service}} · {{channel}}')],
      'short',
      0,
      [['blue', null]],
    ),
    g.table(
      20,
      'Lowest adoption by customer and workload',
      "The 20 customer workloads with the lowest adoption right now: active licences as a percentage of qualified licences (partner_customer_licenses_active / partner_customer_licenses_qualified * 100, summed over products and channels, collector customer-usage); workloads without qualified licences are left out. Qualified: the customer's qualified licences, to tell a large tenant from a tiny one. Red below %(low)s%%: under %(low)s%% for %(for)s, with at least %(min)s qualified licences, raises PartnerCenterCustomerLowAdoption (info). Filtered by job, instance and channel only: the Service and Workload variables list Partner Center's service codes, which these metrics spell differently." % {
        low: lowAdoption,
        'for': durations.words(c.customerLowAdoptionFor),
        min: promql.number(c.customerLowAdoptionMinQualified),
      },
      g.pos(0, 29, 12, 12),
      [
        g.tableQuery('A', adoption),
        g.tableQuery('B', '%s (partner_customer_licenses_qualified%s) and on (customer, customer_id, workload) %s' % [byWorkload, perCustomer, adoption]),
      ],
      'percent',
      1,
      [['red', null], ['orange', c.customerLowAdoptionPercent], ['green', 50], ['blue', 100]],
      [
        ['customer', 'Customer'],
        ['workload', 'Workload'],
        ['Value #A', 'Adoption'],
        ['Value #B', 'Qualified'],
        ['customer_id', 'Customer ID'],
      ],
      { desc: false, displayName: 'Adoption' },
      ['Time'],
      merge=true,
    ) + {
      fieldConfig+: {
        defaults+: { min: 0 },
        overrides: [
          g.override('byName', 'Adoption', [
            ['custom.cellOptions', { type: 'color-background', mode: 'gradient' }],
          ]),
          g.override('byName', 'Qualified', [['unit', 'short'], ['decimals', 0]]),
        ],
      },
    },
    g.table(
      21,
      'Licences sold but not deployed by customer',
      "The 20 customer services with the most licences sold but not assigned to users: partner_customer_licenses_sold - partner_customer_licenses_deployed (collector customer-deployment), summed over products and channels; customers with none unassigned are left out. Unassigned share: unassigned as a percentage of sold. Orange from %(min)s licences and from %(percent)s%%: both for %(for)s raise PartnerCenterCustomerUnassignedLicenses (info). Filtered by job, instance and channel only: the Service variable lists service codes, these metrics carry the service's name." % {
        min: promql.number(c.customerUnassignedMin),
        percent: unassignedPercent,
        'for': durations.words(c.customerUnassignedFor),
      },
      g.pos(12, 29, 12, 12),
      [
        g.tableQuery('A', unassigned),
        g.tableQuery('B', '%s (partner_customer_licenses_sold%s) and on (customer, customer_id, service) %s' % [byService, perCustomer, unassigned]),
        g.tableQuery('C', '(%(by)s (partner_customer_licenses_sold%(m)s - partner_customer_licenses_deployed%(m)s) / (%(by)s (partner_customer_licenses_sold%(m)s) > 0) * 100) and on (customer, customer_id, service) %(top)s' % { by: byService, m: perCustomer, top: unassigned }),
      ],
      'short',
      0,
      [['text', null]],
      [
        ['customer', 'Customer'],
        ['service', 'Service'],
        ['Value #A', 'Unassigned'],
        ['Value #C', 'Unassigned share'],
        ['Value #B', 'Sold'],
        ['customer_id', 'Customer ID'],
      ],
      { desc: true, displayName: 'Unassigned' },
      ['Time'],
      merge=true,
    ) + {
      fieldConfig+: {
        defaults+: { noValue: 'none unassigned' },
        overrides: [
          g.override('byName', 'Unassigned', [
            ['thresholds', g.thresholds([['green', null], ['orange', c.customerUnassignedMin]])],
            colorText,
          ]),
          g.override('byName', 'Unassigned share', [
            ['unit', 'percent'],
            ['decimals', 1],
            ['thresholds', g.thresholds([['green', null], ['orange', c.customerUnassignedPercent]])],
            colorText,
          ]),
        ],
      },
    },
  ]
