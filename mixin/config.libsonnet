// Everything a user may want to change, in one place. Override in your own jsonnet:
//   (import 'mixin.libsonnet') + { _config+:: { licenseUsageLowPercent: 30 } }
// Durations are Prometheus durations of one unit ('15m', '3h', '7d'); the descriptions and the
// dashboard follow them. The defaults assume the exporter's default poll (POLL_INTERVAL=1h) and
// Partner Center's daily refresh of its licence analytics: hours and days, not minutes.
{
  _config+:: {
    // Selectors: label matchers without braces; an empty string adds none.
    // The scrape job(s) of the exporter. Only PartnerCenterExporterDown needs it: `up` is every
    // target's, while the exporter's own metrics are found whatever the job is called.
    jobSelector: 'job="partner-center-exporter"',
    // Extra matchers on the exporter's metrics in every other alert, e.g. 'cluster="prod"'.
    exporterSelector: '',
    // Extra matchers on the per-customer metrics of the customer alerts, e.g.
    // 'channel="reseller", customer_id!~"<tenant id>|<tenant id>"'.
    customerSelector: '',
    // Extra matchers for PartnerCenterLicenseUsageLow, e.g. 'workload!~"Yammer|Skype For Business"'.
    licenseUsageLowSelector: '',

    // PartnerCenterLicenseUsageLow: usage (Partner Center's 0-100 scale) below this, for this long.
    licenseUsageLowPercent: 20,
    licenseUsageLowFor: '1d',
    // PartnerCenterLicenseUsageAbove100: usage above this (more active users than licences).
    licenseUsageHighPercent: 100,
    licenseUsageHighFor: '1h',
    // PartnerCenterDataStale: Partner Center processed the data longer ago than this.
    dataStaleAfter: '3d',
    dataStaleFor: '1h',

    // PartnerCenterCustomerLowAdoption: active under this share of the qualified licences, for
    // customers with at least this many qualified licences (tiny tenants stay quiet).
    customerLowAdoptionPercent: 20,
    customerLowAdoptionMinQualified: 25,
    customerLowAdoptionFor: '7d',
    // PartnerCenterCustomerUnassignedLicenses: at least this many licences sold but not deployed,
    // and more than this share of the licences sold.
    customerUnassignedMin: 25,
    customerUnassignedPercent: 20,
    customerUnassignedFor: '7d',

    // The renewal alerts (collector customer-subscriptions, docs/renewals.md). Extra matchers on
    // partner_customer_subscription_info, which every renewal alert and panel joins: it carries
    // customer_id, offer_id, offer, term, billing_cycle and status, e.g. 'term="P1Y"' or
    // 'offer!~"Visio.*"'. (Free and nonprofit offers are best left out by the collector's
    // --subscriptions.exclude-offers.) customerSelector scopes the usage side of the join.
    subscriptionSelector: '',
    // A customer's adoption, for the renewal alerts: its best-used workload's active licences
    // as a percentage of its qualified licences (partner_customer_licenses_active / _qualified,
    // collector customer-usage), joined on customer_id. Below this, the seats look unused.
    renewalAdoptionPercent: self.customerLowAdoptionPercent,
    // Subscriptions with fewer seats to cut or to renew than this stay quiet.
    renewalMinLicenses: 5,
    // PartnerCenterSubscriptionReductionWindowOpen: seats can still be reduced (NCE: within 168 h
    // of purchase or renewal) at a customer below renewalAdoptionPercent. The window is short:
    // keep this well under 7 days.
    reductionWindowOpenFor: '1h',
    // PartnerCenterSubscriptionRenewsUnderused: auto-renew on, the term ends within renewalWarning,
    // the customer below renewalAdoptionPercent.
    renewalWarning: '30d',
    renewsUnderusedFor: '1h',

    // PartnerCenterExporterDown: Prometheus cannot scrape the exporter for this long.
    exporterDownFor: '5m',
    // PartnerCenterPollsFailing: the last poll failed, or none succeeded for pollsStalledAfter
    // (keep it above twice POLL_INTERVAL).
    pollsStalledAfter: '3h',
    pollsFailingFor: '15m',
    // PartnerCenterCollectorFailing: one collector fails while the others succeed.
    collectorFailingFor: '1h',
    // PartnerCenterAuthenticationFailing: a refused grant within this window (two refreshes at
    // the default poll interval); it fires at once.
    authenticationFailingWindow: '3h',
    // PartnerCenterRefreshTokenExpiringSoon: the refresh token lapses within this window
    // (a healthy exporter stays about 90 days ahead).
    refreshTokenExpiryWindow: '14d',
    refreshTokenExpiringFor: '1h',
    // PartnerCenterAccessTokenWithoutMfa
    accessTokenWithoutMfaFor: '1h',
    // PartnerCenterThrottled: more than this share of the API requests answered 429, over the window.
    throttledRatio: 0.5,
    throttledWindow: '3h',
    throttledFor: '1h',

    // The project's page; the dashboard links to it and to the runbook.
    projectURL: 'https://github.com/partner-center-exporter/partner-center-exporter',
    runbookURL: self.projectURL + '/blob/main/docs/runbook.md',
    // Every alert's runbook_url: its section of the runbook (%s: the alert name in lower case).
    runbookURLPattern: self.runbookURL + '#%s',

    // The dashboard.
    dashboardUid: 'partner-center-exporter',
    dashboardTitle: 'Partner Center licence usage',
    dashboardTags: ['partner-center', 'microsoft', 'licensing', 'prometheus', 'exporter'],
    dashboardRefresh: '5m',
    dashboardTimeFrom: 'now-30d',
  },
}
