// prometheusAlerts: one group per concern, in this order.
(import 'license-usage.libsonnet')
+ (import 'customers.libsonnet')
+ (import 'renewals.libsonnet')
+ (import 'exporter.libsonnet')
