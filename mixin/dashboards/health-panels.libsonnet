// The "Exporter health" row: scrape and poll status, token state, version, poll durations,
// errors, API answers, token refreshes, items and each collector's state.
local durations = import '../lib/durations.libsonnet';
local g = import '../lib/grafana.libsonnet';

// y: where the row starts.
function(c, y)
  local m = g.variables(['job', 'instance']);
  // Red where PartnerCenterPollsFailing's stalled branch starts, orange from two thirds of it.
  local stalledSeconds = durations.seconds(c.pollsStalledAfter);
  local lateSeconds = std.floor(stalledSeconds * 2 / 3);
  local late = durations.fromSeconds(lateSeconds);
  local sinceSteps = [['green', null], ['orange', lateSeconds], ['red', stalledSeconds]];
  local perWindow(by, metric) = 'sum by (%s) (increase(%s%s[$__rate_interval]))' % [by, metric, m];
  [
    g.row(7, 'Exporter health', y),
    g.stat(
      8,
      'Exporter status',
      "scrape: Prometheus can scrape the exporter (up). last poll: the most recent poll of Partner Center succeeded (partner_center_up). Collectors: each enabled collector's last poll (partner_center_collector_success). The exporter keeps serving the last good data while polls fail.",
      g.pos(0, y + 1, 6, 6),
      [
        g.instant('A', 'up%s' % m, '{{instance}} scrape'),
        g.instant('B', 'partner_center_up%s' % m, '{{instance}} last poll'),
        g.instant('C', 'partner_center_collector_success%s' % m, '{{instance}} {{collector}}'),
      ],
      'none',
      [['red', null], ['green', 1]],
    ) + { fieldConfig+: { defaults+: { mappings: [g.mapping(['red', 'Failing'], ['green', 'OK'])] } } },
    g.stat(
      9,
      'Last successful poll',
      "Time since the last successful poll of Partner Center (time() - partner_center_last_success_timestamp_seconds). The default poll interval is 1h: orange from %s, red from %s (PartnerCenterPollsFailing). 'never' means no poll has succeeded since the exporter started." % [late, c.pollsStalledAfter],
      g.pos(6, y + 1, 6, 6),
      [g.instant('A', '(time() - partner_center_last_success_timestamp_seconds%(m)s) and (partner_center_last_success_timestamp_seconds%(m)s > 0)' % { m: m }, '{{instance}}')],
      's',
      sinceSteps,
    ) + { fieldConfig+: { defaults+: { decimals: 0, noValue: 'never' } } },
    g.stat(
      10,
      'Refresh token persisted',
      "Whether the refresh token in use is saved under STATE_DIR (partner_center_refresh_token_persisted). 'Memory only': Entra ID rotated the token but it could not be written, so a restart would fall back to an older token; make STATE_DIR writable.",
      g.pos(12, y + 1, 6, 6),
      [g.instant('A', 'partner_center_refresh_token_persisted%s' % m, '{{instance}}')],
      'none',
      [['orange', null], ['green', 1]],
    ) + { fieldConfig+: { defaults+: { mappings: [g.mapping(['orange', 'Memory only'], ['green', 'Saved'])] } } },
    g.stat(
      11,
      'Exporter version',
      'Version of partner-center-exporter and of Node.js it runs on (partner_center_exporter_build_info).',
      g.pos(18, y + 1, 6, 6),
      [g.instant('A', 'partner_center_exporter_build_info%s' % m, '{{version}} (Node.js {{nodejs_version}}) on {{instance}}')],
      'none',
      [['green', null]],
    ) + { options+: { colorMode: 'none', textMode: 'name' } },
    g.timeseries(
      12,
      'Poll duration',
      "Lines: how long each collector's most recent poll took, retries included (partner_center_collector_duration_seconds). Points: mean duration of the whole polls that finished within each $__rate_interval window (partner_center_poll_duration_seconds); with the default 1h poll interval most windows hold no poll, so there are only points where polls happened.",
      g.pos(0, y + 7, 12, 8),
      [
        g.range('A', 'partner_center_collector_duration_seconds%s' % m, '{{instance}} {{collector}} (last poll)'),
        g.range('B', 'sum by (job, instance) (rate(partner_center_poll_duration_seconds_sum%(m)s[$__rate_interval])) / sum by (job, instance) (rate(partner_center_poll_duration_seconds_count%(m)s[$__rate_interval]) > 0)' % { m: m }, '{{instance}} whole poll (mean)'),
      ],
      's',
      [['green', null], ['orange', 60], ['red', 300]],
      { lineInterpolation: 'stepAfter' },
    ) + {
      fieldConfig+: {
        overrides: [g.override('byFrameRefID', 'B', [
          ['custom.showPoints', 'always'],
          ['custom.lineWidth', 0],
          ['custom.pointSize', 8],
        ])],
      },
    },
    g.bars(
      13,
      'Poll errors by reason',
      'Failed collector polls per $__rate_interval window, by reason (increase of partner_center_poll_errors_total): network, timeout, throttled (429 after the retries), http_error, invalid_response (a body that is not the documented JSON), auth (the token authority refused the sign-in), redirect (an endpoint answered with a redirect, which is refused), too_many_series (a collector returned more rows than its cap, CUSTOMER_MAX_SERIES or PARTNER_MAX_SERIES; its last good series are kept), internal (a fault in the exporter code itself; its log line has the stack). The Collectors table shows which collector fails. See the runbook for each.',
      g.pos(12, y + 7, 12, 8),
      [g.range('A', perWindow('reason', 'partner_center_poll_errors_total'), '{{reason}}')],
    ) + {
      fieldConfig+: {
        defaults+: { thresholds: g.thresholds([['green', null], ['red', 1]]) },
        overrides: [
          g.fixedColor('^auth$', 'red'),
          g.fixedColor('^throttled$', 'orange'),
          g.fixedColor('^(network|timeout)$', 'purple'),
          g.fixedColor('^(http_error|invalid_response)$', 'yellow'),
          g.fixedColor('^aborted$', 'text'),
        ],
      },
    },
    g.bars(
      14,
      'Partner Center API requests by status code',
      'HTTP requests to the Partner Center API per $__rate_interval window, by status code (increase of partner_center_api_requests_total), retries included; timeout and network mean no answer came. Green 2xx, orange 429 (throttled), yellow other 4xx, red 5xx, purple no answer.',
      g.pos(0, y + 15, 12, 8),
      [g.range('A', perWindow('code', 'partner_center_api_requests_total'), '{{code}}')],
    ) + {
      fieldConfig+: {
        overrides: [
          g.fixedColor('^2\\d\\d$', 'green'),
          g.fixedColor('^4\\d\\d$', 'yellow'),
          g.fixedColor('^429$', 'orange'),
          g.fixedColor('^5\\d\\d$', 'red'),
          g.fixedColor('^(timeout|network)$', 'purple'),
        ],
      },
    },
    g.bars(
      15,
      'Token refreshes by result',
      'Access token refreshes (refresh token grants to Entra ID) per $__rate_interval window, by result (increase of partner_center_token_refreshes_total). error is transient (retried); invalid_grant, invalid_client, interaction_required and rejected need an operator (PartnerCenterAuthenticationFailing).',
      g.pos(12, y + 15, 12, 8),
      [g.range('A', perWindow('result', 'partner_center_token_refreshes_total'), '{{result}}')],
    ) + {
      fieldConfig+: {
        overrides: [
          g.fixedColor('^success$', 'green'),
          g.fixedColor('^error$', 'orange'),
          g.fixedColor('^(invalid_grant|invalid_client|interaction_required|rejected)$', 'red'),
        ],
      },
    },
    g.bars(
      16,
      'Items received and skipped',
      'Items Partner Center returned in successful polls, and items the exporter could not use or dropped as duplicates, per $__rate_interval window (increase of partner_center_items_received_total and partner_center_items_skipped_total, by collector and reason). The exporter logs skipped items once per poll.',
      g.pos(0, y + 23, 12, 8),
      [
        g.range('A', perWindow('collector', 'partner_center_items_received_total'), 'received: {{collector}}'),
        g.range('B', perWindow('collector, reason', 'partner_center_items_skipped_total'), 'skipped: {{collector}} {{reason}}'),
      ],
    ) + { fieldConfig+: { overrides: [g.fixedColor('^skipped: ', 'red')] } },
    g.table(
      22,
      'Collectors',
      "Each enabled collector's last poll, one row per collector and exporter: Status is partner_center_collector_success (OK or Failing), Since last success is time() - partner_center_collector_last_success_timestamp_seconds ('never' if none succeeded yet; orange from %s, red from %s at the default 1h poll interval), Last poll is partner_center_collector_duration_seconds. One collector failing while others succeed for %s raises PartnerCenterCollectorFailing; Poll errors by reason says why (too_many_series: CUSTOMER_MAX_SERIES or PARTNER_MAX_SERIES exceeded)." % [late, c.pollsStalledAfter, c.collectorFailingFor],
      g.pos(12, y + 23, 12, 8),
      [
        g.tableQuery('A', 'max by (job, instance, collector) (partner_center_collector_success%s)' % m),
        g.tableQuery('B', '(time() - partner_center_collector_last_success_timestamp_seconds%(m)s) and (partner_center_collector_last_success_timestamp_seconds%(m)s > 0)' % { m: m }),
        g.tableQuery('C', 'max by (job, instance, collector) (partner_center_collector_duration_seconds%s)' % m),
      ],
      's',
      1,
      [['text', null]],
      [
        ['collector', 'Collector'],
        ['Value #A', 'Status'],
        ['Value #B', 'Since last success'],
        ['Value #C', 'Last poll'],
        ['instance', 'Exporter'],
      ],
      { desc: false, displayName: 'Collector' },
      ['Time', '__name__', 'job'],
      merge=true,
    ) + {
      fieldConfig+: {
        overrides: [
          g.override('byName', 'Status', [
            ['unit', 'none'],
            ['decimals', 0],
            ['mappings', [g.mapping(['red', 'Failing'], ['green', 'OK'])]],
            ['custom.cellOptions', { type: 'color-background', mode: 'basic' }],
          ]),
          g.override('byName', 'Since last success', [
            ['decimals', 0],
            ['noValue', 'never'],
            ['thresholds', g.thresholds(sinceSteps)],
            ['custom.cellOptions', { type: 'color-text' }],
          ]),
        ],
      },
    },
  ]
