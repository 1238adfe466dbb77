// The exporter's own health: scrapes, polls, collectors, tokens and throttling.
local alerts = import '../lib/alerts.libsonnet';
local durations = import '../lib/durations.libsonnet';
local promql = import '../lib/promql.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local metric(name, matchers=[]) = promql.selector(name, [c.exporterSelector] + matchers),
    groups+: [
      {
        name: 'partner-center-exporter',
        rules: [
          // The only rule that needs the scrape job: `up` is every target's.
          alerts.rule(
            c,
            'PartnerCenterExporterDown',
            'critical',
            '%s == 0' % promql.selector('up', [c.jobSelector]),
            'Prometheus cannot scrape partner-center-exporter.',
            |||
              Prometheus has not been able to scrape {{ $labels.instance }} (job {{ $labels.job }})
              for %s: licence usage and the exporter's own health metrics are missing.
            ||| % durations.words(c.exporterDownFor),
            c.exporterDownFor,
          ),
          // The last poll failed (after its retries), or polling stalled: no success for a while
          // although polls used to succeed.
          alerts.rule(
            c,
            'PartnerCenterPollsFailing',
            'warning',
            |||
              %(up)s == 0
              or
              (
                  time() - %(lastSuccess)s > %(stalled)s
                and
                  %(lastSuccess)s > 0
              )
            ||| % {
              up: metric('partner_center_up'),
              lastSuccess: metric('partner_center_last_success_timestamp_seconds'),
              stalled: durations.promql(c.pollsStalledAfter),
            },
            'The exporter cannot poll Partner Center.',
            |||
              The last poll of Partner Center by {{ $labels.instance }} (job {{ $labels.job }}) failed,
              or no poll has succeeded for more than %s. The exporter keeps serving the last good
              data, which is getting older; partner_center_poll_errors_total and the exporter's log
              say why (network or timeout: Partner Center or the token authority unreachable, the
              log names host:port and the error code; redirect: a configured URL redirects).
            ||| % durations.words(c.pollsStalledAfter),
            c.pollsFailingFor,
          ),
          // One collector's polls fail while the others' succeed (partner_center_up is 0 then
          // too, so PollsFailing fires first; this names the collector, and the example
          // Alertmanager configuration lets it silence PollsFailing).
          alerts.rule(
            c,
            'PartnerCenterCollectorFailing',
            'warning',
            |||
              (%(success)s == 0)
              and on (job, instance)
              (max by (job, instance) (%(success)s) == 1)
            ||| % { success: metric('partner_center_collector_success') },
            'One collector of the exporter is failing.',
            |||
              The polls of collector {{ $labels.collector }} on {{ $labels.instance }} (job {{ $labels.job }})
              have failed for more than %s while the other collectors succeed. Its series are the
              last good ones and are getting older; partner_center_poll_errors_total{collector="{{ $labels.collector }}"}
              and the exporter's log say why (too_many_series: more rows than CUSTOMER_MAX_SERIES or
              PARTNER_MAX_SERIES).
            ||| % durations.words(c.collectorFailingFor),
            c.collectorFailingFor,
          ),
          // Entra ID refused the grant in a way no retry fixes (a result other than success or
          // the transient "error"): the exporter stays blind until an operator acts.
          alerts.rule(
            c,
            'PartnerCenterAuthenticationFailing',
            'critical',
            'increase(%s[%s]) > 0' % [
              metric('partner_center_token_refreshes_total', ['result!~"success|error"']),
              c.authenticationFailingWindow,
            ],
            'The exporter cannot authenticate to Partner Center.',
            |||
              Entra ID refused the refresh token grant of {{ $labels.instance }} (job {{ $labels.job }})
              with {{ $labels.result }} in the last %s. This does not heal by itself: an operator
              has to sign in again or fix the app registration; the exporter's log names the AADSTS
              code and what to do.
            ||| % durations.words(c.authenticationFailingWindow),
          ),
          // Every successful refresh renews the token's 90 days: getting close means grants have
          // not succeeded for weeks (or the exporter ran on an old token).
          alerts.rule(
            c,
            'PartnerCenterRefreshTokenExpiringSoon',
            'warning',
            '%s - time() < %s' % [
              metric('partner_center_refresh_token_expiry_timestamp_seconds'),
              durations.promql(c.refreshTokenExpiryWindow),
            ],
            "The exporter's refresh token expires soon.",
            |||
              The refresh token used by {{ $labels.instance }} (job {{ $labels.job }}) can be redeemed
              for only {{ $value | humanizeDuration }} more; after that an operator has to sign in again
              with MFA (partner-center-exporter login).
            |||,
            c.refreshTokenExpiringFor,
          ),
          // Partner Center enforces MFA for App+User calls: a token without the claim is refused.
          alerts.rule(
            c,
            'PartnerCenterAccessTokenWithoutMfa',
            'warning',
            '%s == 0' % metric('partner_center_access_token_mfa'),
            'The exporter signs in without MFA.',
            |||
              The access tokens of {{ $labels.instance }} (job {{ $labels.job }}) carry no MFA claim (amr):
              the refresh token was issued by a sign-in without MFA, and Partner Center requires MFA for
              App+User calls. Sign in again with MFA.
            |||,
            c.accessTokenWithoutMfaFor,
          ),
          // Persisting throttling: most API requests (retries included) answered 429.
          alerts.rule(
            c,
            'PartnerCenterThrottled',
            'warning',
            |||
              (
                  sum by (job, instance) (increase(%(throttled)s[%(window)s]))
                /
                  sum by (job, instance) (increase(%(all)s[%(window)s]))
              )
              > %(ratio)s
            ||| % {
              throttled: metric('partner_center_api_requests_total', ['code="429"']),
              all: metric('partner_center_api_requests_total'),
              window: c.throttledWindow,
              ratio: promql.number(c.throttledRatio),
            },
            'Partner Center is throttling the exporter.',
            |||
              {{ $value | humanizePercentage }} of the Partner Center API requests made by
              {{ $labels.instance }} (job {{ $labels.job }}) in the last %s were answered
              429 Too Many Requests.
            ||| % durations.words(c.throttledWindow),
            c.throttledFor,
          ),
        ],
      },
    ],
  },
}
