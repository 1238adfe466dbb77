// The dashboard: licence usage, customers, renewals and the exporter's health, with datasource, job,
// instance, channel, service and workload variables so one dashboard serves several exporters.
local g = import '../lib/grafana.libsonnet';

local panelNames = {
  bargauge: 'Bar gauge',
  stat: 'Stat',
  table: 'Table',
  timeseries: 'Time series',
};

// label_values(metric{earlier variables}, name), multi-select with "All" (any value).
local labelVariable(name, label, description, metric, earlier) = {
  local values = 'label_values(%s%s, %s)' % [metric, if earlier == [] then '' else g.variables(earlier), name],
  name: name,
  label: label,
  description: description,
  type: 'query',
  datasource: g.datasource,
  definition: values,
  query: values,
  refresh: 2,
  regex: '',
  sort: 1,
  multi: true,
  includeAll: true,
  allValue: '.*',
  current: { selected: true, text: ['All'], value: ['$__all'] },
  options: [],
  hide: 0,
  skipUrlSync: false,
};

local link(title, tooltip, url, icon) = {
  title: title,
  tooltip: tooltip,
  type: 'link',
  url: url,
  icon: icon,
  targetBlank: true,
  asDropdown: false,
  includeVars: false,
  keepTime: false,
  tags: [],
};

{
  grafanaDashboards+:: {
    local c = $._config,
    local panels =
      (import 'usage-panels.libsonnet')(c)
      + (import 'customer-panels.libsonnet')(c)
      + (import 'renewal-panels.libsonnet')(c, 41)
      + (import 'health-panels.libsonnet')(c, 60),

    'partner-center-exporter.json': {
      // What Grafana's import dialog asks for: the Prometheus to use.
      __inputs: [{
        name: 'DS_PROMETHEUS',
        label: 'Prometheus',
        description: 'The Prometheus that scrapes partner-center-exporter',
        type: 'datasource',
        pluginId: 'prometheus',
        pluginName: 'Prometheus',
      }],
      __elements: {},
      __requires: [
        { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.4.0' },
        { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      ] + [
        { type: 'panel', id: type, name: panelNames[type], version: '' }
        for type in std.set([p.type for p in panels if p.type != 'row'])
      ],
      annotations: {
        list: [{
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        }],
      },
      description: 'Microsoft Partner Center licence usage per workload, service and channel, and the health of partner-center-exporter.',
      editable: true,
      fiscalYearStartMonth: 0,
      graphTooltip: 1,
      id: null,
      links: [
        link('partner-center-exporter', 'Project home: README, metrics, configuration', c.projectURL, 'external link'),
        link('Runbook', 'What each partner-center-exporter alert means and how to fix it', c.runbookURL, 'doc'),
      ],
      liveNow: false,
      panels: panels,
      refresh: c.dashboardRefresh,
      schemaVersion: 39,
      tags: c.dashboardTags,
      templating: {
        list: [
          {
            name: 'datasource',
            label: 'Data source',
            description: 'Prometheus that scrapes partner-center-exporter',
            type: 'datasource',
            query: 'prometheus',
            current: { selected: false, text: 'Prometheus', value: '${DS_PROMETHEUS}' },
            hide: 0,
            includeAll: false,
            multi: false,
            options: [],
            refresh: 1,
            regex: '',
            skipUrlSync: false,
          },
          labelVariable('job', 'Job', 'Prometheus job(s) scraping the exporter', 'partner_center_up', []),
          labelVariable('instance', 'Instance', 'Exporter instance(s), one per Partner Center tenant', 'partner_center_up', ['job']),
          labelVariable('channel', 'Channel', 'Sales channel (reseller, direct, ...)', 'partner_license_usage_percent', ['job', 'instance']),
          labelVariable('service', 'Service', 'Partner Center service (o365, crm, ...)', 'partner_license_usage_percent', ['job', 'instance', 'channel']),
          labelVariable('workload', 'Workload', 'Workload (Exchange, Teams, ...)', 'partner_license_usage_percent', ['job', 'instance', 'channel', 'service']),
        ],
      },
      time: { from: c.dashboardTimeFrom, to: 'now' },
      timepicker: {},
      timezone: '',
      title: c.dashboardTitle,
      uid: c.dashboardUid,
      version: 1,
      weekStart: '',
    },
  },
}
