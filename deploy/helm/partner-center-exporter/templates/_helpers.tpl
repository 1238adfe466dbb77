{{/* app.kubernetes.io/name is always the chart's name: ServiceMonitor's jobLabel turns it into
job="partner-center-exporter", the job the alert rules expect. */}}
{{- define "partner-center-exporter.name" -}}
{{- .Chart.Name -}}
{{- end }}

{{/* The release's name for its objects; the per-exporter objects of a tenant add "-<tenant>". */}}
{{- define "partner-center-exporter.releaseFullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
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
