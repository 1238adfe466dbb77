// partner-center-exporter's monitoring mixin: prometheusAlerts, grafanaDashboards and _config.
// Use it as any mixin: (import 'mixin.libsonnet') + { _config+:: { jobSelector: 'job="pce"' } }
(import 'config.libsonnet')
+ (import 'alerts/alerts.libsonnet')
+ (import 'dashboards/dashboards.libsonnet')
