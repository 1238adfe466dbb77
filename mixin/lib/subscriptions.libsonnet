// PromQL shared by the renewal alerts and the Renewals row, so both read the subscriptions the
// same way. Each builder takes how to select a metric: sub(name) for
// partner_customer_subscription_<name>, usage(name) for a customer-usage metric (the alerts
// pass _config's matchers, the dashboard its variables).
{
  // Subscription series are keyed by these; customer usage joins on the customer tenant id, the
  // only key documented on both sides (offer and product names are not documented to match).
  bySubscription: 'job, instance, customer_id, subscription_id',
  byCustomer: 'job, instance, customer_id',

  // Seats that can be reduced now: refundableQuantity.totalQuantity when the API gives it, else
  // the quantity.
  reducibleSeats(sub):: '(%s or %s)' % [sub('refundable_licenses'), sub('licenses')],

  // Seats that renew: scheduledNextTermInstructions.quantity when one is scheduled, else the
  // quantity.
  renewingSeats(sub):: '(%s or %s)' % [sub('renewal_licenses'), sub('licenses')],

  // A customer's adoption (0-100): the active licences of its best-used workload as a share of
  // that workload's qualified licences, products and channels summed. The usage data does not say
  // which workload a subscription's seats serve, so a customer counts as underusing only when no
  // workload is used well; workloads without qualified licences are left out.
  adoption(usage)::
    local by = 'sum by (%s, workload)' % self.byCustomer;
    'max by (%(customer)s) (%(by)s (%(active)s) / (%(by)s (%(qualified)s) > 0)) * 100' % {
      customer: $.byCustomer,
      by: by,
      active: usage('partner_customer_licenses_active'),
      qualified: usage('partner_customer_licenses_qualified'),
    },

  // The active licences of the customer's best-used workload (the numerator of adoption).
  bestActive(usage)::
    'max by (%(customer)s) (sum by (%(customer)s, workload) (%(active)s))' % {
      customer: $.byCustomer,
      active: usage('partner_customer_licenses_active'),
    },

  // Adds the customer's name (from the info metric) to per-customer values.
  customerNamed(expr, info)::
    '%s * on (%s) group_left (customer) group by (%s, customer) (%s)' % [expr, self.byCustomer, self.byCustomer, info],

  // Adds the info metric's names to per-subscription values (and drops subscriptions the info
  // selector leaves out).
  named(expr, info, labels='customer, offer, offer_id, term, billing_cycle')::
    '%s * on (%s) group_left (%s) %s' % [std.rstripChars(expr, '\n'), self.bySubscription, labels, info],
}
