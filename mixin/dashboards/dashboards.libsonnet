// grafanaDashboards: one entry per dashboard file.
(import 'partner-center-exporter.libsonnet')
