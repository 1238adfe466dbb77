{{/* app.kubernetes.io/name is always the chart's name: ServiceMonitor's jobLabel turns it into
job="partner-center-exporter", the job the alert rules expect. */}}
{{- define "partner-center-exporter.name" -}}
{{- .Chart.Name -}}
{{- end }}

{{/* The release's name for its objects; the per-exporter objects of a tenant add "-<tenant>".
nameOverride replaces the chart's name here only, not in app.kubernetes.io/name (see above). */}}
{{- define "partner-center-exporter.releaseFullname" -}}
{{- $name := .Values.nameOverride | default .Chart.Name -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end }}

{{/* The namespace of every namespaced object (the dashboard's may be set apart). */}}
{{- define "partner-center-exporter.namespace" -}}
{{- .Values.namespaceOverride | default .Release.Namespace -}}
{{- end }}

{{/* The name of an exporter's objects (for the release-wide ones, the release's name). A tenant's
name is kept whole: the release's part is shortened instead, so two tenants never share a name. */}}
{{- define "partner-center-exporter.fullname" -}}
{{- $base := include "partner-center-exporter.releaseFullname" . -}}
{{- if .Tenant -}}
{{- printf "%s-%s" ($base | trunc (int (sub 62 (len .Tenant))) | trimSuffix "-") .Tenant -}}
{{- else -}}
{{- $base -}}
{{- end -}}
{{- end }}

{{- define "partner-center-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "partner-center-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- with .Tenant }}
partner-center-exporter/tenant: {{ . }}
{{- end }}
{{- end }}

{{- define "partner-center-exporter.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "partner-center-exporter.selectorLabels" . }}
app.kubernetes.io/component: exporter
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "partner-center-exporter.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end }}

{{- define "partner-center-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "partner-center-exporter.releaseFullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end }}

{{- define "partner-center-exporter.claimName" -}}
{{- .Values.persistence.existingClaim | default (printf "%s-state" (include "partner-center-exporter.fullname" .)) -}}
{{- end }}

{{/* Where the exporter finds its secrets and keeps its state (the image sets STATE_DIR too). */}}
{{- define "partner-center-exporter.secretsDir" -}}/etc/partner-center-exporter/secrets{{- end }}
{{- define "partner-center-exporter.stateDir" -}}/var/lib/partner-center-exporter{{- end }}
{{- define "partner-center-exporter.webConfigDir" -}}/etc/partner-center-exporter/web{{- end }}

{{/* The scheme the Service answers with: https when the web config serves TLS. */}}
{{- define "partner-center-exporter.scheme" -}}
{{- if .Values.webConfig.tls -}}https{{- else -}}http{{- end -}}
{{- end }}

{{/* The labels of the helm test pod: not the exporter's selector labels (the Service must not
select it), but what the NetworkPolicy admits besides Prometheus. */}}
{{- define "partner-center-exporter.testSelectorLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: helm-test
{{- with .Tenant }}
partner-center-exporter/tenant: {{ . }}
{{- end }}
{{- end }}

{{/* One kubelet probe of the metrics port: GET path (HTTPS with TLS), or only a TCP connection when
the web config asks for credentials the kubelet cannot send (basic auth, client certificates). */}}
{{- define "partner-center-exporter.probe" -}}
{{- $values := index . 0 -}}
{{- if eq $values.webConfig.probes "tcpSocket" -}}
tcpSocket:
  port: http
{{- else -}}
httpGet:
  path: {{ index . 1 }}
  port: http
  {{- if $values.webConfig.tls }}
  scheme: HTTPS
  {{- end }}
{{- end -}}
{{- end }}

{{/* Lays the map (index . 1) over the map (index . 0), in place: maps merge key by key, anything
else (lists included) replaces, null deletes. A map of the first is copied before it changes, so the
values it came from stay as they were. */}}
{{- define "partner-center-exporter.mergeInto" -}}
{{- $dst := index . 0 -}}
{{- range $key, $value := index . 1 -}}
{{- $old := index $dst $key -}}
{{- if kindIs "invalid" $value -}}
{{- $_ := unset $dst $key -}}
{{- else if and (kindIs "map" $value) (kindIs "map" $old) -}}
{{- $copy := dict -}}
{{- include "partner-center-exporter.mergeInto" (list $copy $old) -}}
{{- include "partner-center-exporter.mergeInto" (list $copy $value) -}}
{{- $_ := set $dst $key $copy -}}
{{- else -}}
{{- $_ := set $dst $key $value -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* The exporters to render: one per entry of .Values.tenants, or, with no tenants, the one of the
top-level values (rendered exactly as before tenants existed). Each is a context like the root one:
its .Values are the tenant's entry laid over the top-level values (see mergeInto) and .Tenant is
the tenant's name ("" for the single exporter). Called with (dict "root" $); sets "instances" in
that dict, as include can only return text. One exporter per tenant: each rotates its own refresh
token into its own STATE_DIR volume and is its own scrape target. */}}
{{- define "partner-center-exporter.instances" -}}
{{- $root := .root -}}
{{- $instances := list -}}
{{- if $root.Values.tenants -}}
{{- if $root.Values.persistence.existingClaim -}}
{{- fail "persistence.existingClaim would be every tenant's STATE_DIR: set tenants[].persistence.existingClaim instead" -}}
{{- end -}}
{{- $names := dict -}}
{{- $claims := dict -}}
{{- range $index, $tenant := $root.Values.tenants -}}
{{- $name := required (printf "tenants[%d].name is required" $index) $tenant.name -}}
{{- if hasKey $names $name -}}
{{- fail (printf "tenants: %q appears twice; each tenant needs its own name" $name) -}}
{{- end -}}
{{- $_ := set $names $name true -}}
{{- if not (or $root.Values.demo (dig "credentials" "existingSecret" "" $tenant)) -}}
{{- fail (printf "tenants[%d] (%s): credentials.existingSecret is required, each tenant has its own credentials" $index $name) -}}
{{- end -}}
{{- $values := dict -}}
{{- include "partner-center-exporter.mergeInto" (list $values $root.Values) -}}
{{- include "partner-center-exporter.mergeInto" (list $values (omit $tenant "name")) -}}
{{- $_ := unset $values "tenants" -}}
{{- if eq $values.credentials.mode "workloadIdentity" -}}
{{- fail "credentials.mode workloadIdentity and tenants: the tenants share one ServiceAccount, which carries one client id; use clientSecret or clientCertificate per tenant" -}}
{{- end -}}
{{- with $values.persistence.existingClaim -}}
{{- if hasKey $claims . -}}
{{- fail (printf "tenants: persistence.existingClaim %q is used twice; each tenant needs its own STATE_DIR" .) -}}
{{- end -}}
{{- $_ := set $claims . true -}}
{{- end -}}
{{- $instances = append $instances (dict "Values" $values "Tenant" $name "Release" $root.Release "Chart" $root.Chart "Files" $root.Files "Capabilities" $root.Capabilities "Template" $root.Template) -}}
{{- end -}}
{{- else -}}
{{- $instances = list (dict "Values" $root.Values "Tenant" "" "Release" $root.Release "Chart" $root.Chart "Files" $root.Files "Capabilities" $root.Capabilities "Template" $root.Template) -}}
{{- end -}}
{{- $_ := set . "instances" $instances -}}
{{- end }}

{{/* The `kubectl create secret` arguments for an exporter's credentials, per credentials.mode (for
NOTES.txt); "tenant" is what to call the tenant id. */}}
{{- define "partner-center-exporter.secretArgs" -}}
{{- $keys := .Values.credentials.keys -}}
{{- $mode := .Values.credentials.mode -}}
{{- if ne $mode "workloadIdentity" }}
    --from-literal={{ $keys.tenantId }}=<{{ if .Tenant }}{{ .Tenant }}'s {{ end }}tenant id or domain> \
    --from-literal={{ $keys.clientId }}=<app registration client id> \
{{- end }}
{{- if eq $mode "clientSecret" }}
    --from-file={{ $keys.clientSecret }}=./client-secret \
{{- else if eq $mode "clientCertificate" }}
    --from-file={{ $keys.clientCertificate }}=./certificate-and-key.pem \
{{- with $keys.clientCertificatePassword }}
    --from-file={{ . }}=./key-password \
{{- end }}
{{- end }}
    --from-file={{ $keys.refreshToken }}=./refresh-token
{{- end }}
