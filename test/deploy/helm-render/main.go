// helm-render emulates `helm template` for this repository's chart, for the tests: no helm binary
// is available where they run, while Go, sprig and sigs.k8s.io/yaml come from Debian's packages.
//
// It follows Helm 3's engine where the chart relies on it: text/template with sprig's functions
// (less env and expandenv), Helm's include, tpl, required, toYaml, fromYaml, toJson, fromJson and
// lookup; missing keys render as empty; .Values (values.yaml coalesced with each -f file, a null
// deleting a key), .Release, .Chart, .Capabilities, .Template and .Files. A chart that needs
// anything else fails here ("function not defined"), which keeps the chart within what is checked.
//
// Usage: helm-render -chart DIR [-f values.yaml]... [-name NAME] [-namespace NS]
//
//	[-kube-version v1.31.0] [-notes FILE]
//
// It prints the manifests to stdout as `helm template` does ("---" and "# Source:" lines).
// Build with GO111MODULE=off GOPATH=<tmp>:/usr/share/gocode go build.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/semver"
	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

// Metadata mirrors Helm's Chart.yaml (apiVersion v2); unknown fields are an error.
type Metadata struct {
	APIVersion   string            `json:"apiVersion"`
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Description  string            `json:"description,omitempty"`
	Type         string            `json:"type,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Dependencies []interface{}     `json:"dependencies,omitempty"`
	Maintainers  []Maintainer      `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

type Maintainer struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Files is .Files: every chart file outside templates/ and Helm's special files.
type Files map[string][]byte

func (f Files) Get(name string) string { return string(f[name]) }

func (f Files) GetBytes(name string) []byte { return f[name] }

func (f Files) Lines(name string) []string {
	text := strings.TrimRight(string(f[name]), "\n")
	if text == "" {
		return []string{}
	}
	return strings.Split(text, "\n")
}

// VersionSet is .Capabilities.APIVersions; Has answers true for every group/version (and kind),
// as if the cluster had the Prometheus Operator's CRDs.
type VersionSet []string

func (v VersionSet) Has(string) bool { return true }

type KubeVersion struct {
	Version    string
	Major      string
	Minor      string
	GitVersion string
}

func (k KubeVersion) String() string { return k.Version }

type Capabilities struct {
	APIVersions VersionSet
	KubeVersion KubeVersion
	HelmVersion map[string]string
}

type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run() error {
	var valueFiles multiFlag
	chartDir := flag.String("chart", "", "chart directory")
	name := flag.String("name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kubeVersion := flag.String("kube-version", "v1.31.0", "Kubernetes version for .Capabilities")
	notes := flag.String("notes", "", "also render templates/NOTES.txt into this file")
	flag.Var(&valueFiles, "f", "values file (repeatable; later files win)")
	flag.Parse()
	if *chartDir == "" {
		return errors.New("-chart is required")
	}

	meta, err := loadMetadata(*chartDir)
	if err != nil {
		return err
	}
	kube, err := parseKubeVersion(*kubeVersion)
	if err != nil {
		return err
	}
	if meta.KubeVersion != "" {
		constraint, err := semver.NewConstraint(meta.KubeVersion)
		if err != nil {
			return fmt.Errorf("Chart.yaml kubeVersion %q: %w", meta.KubeVersion, err)
		}
		if !constraint.Check(semver.MustParse(kube.Version)) {
			return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", meta.KubeVersion, kube.Version)
		}
	}

	values, err := readValues(filepath.Join(*chartDir, "values.yaml"))
	if err != nil {
		return err
	}
	for _, file := range valueFiles {
		override, err := readValues(file)
		if err != nil {
			return err
		}
		values = coalesce(values, override)
	}

	files, templates, err := loadChartFiles(*chartDir)
	if err != nil {
		return err
	}

	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": *name, "Namespace": *namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart": meta,
		"Capabilities": Capabilities{
			APIVersions: VersionSet{"v1", "apps/v1", "networking.k8s.io/v1", "monitoring.coreos.com/v1"},
			KubeVersion: kube,
			HelmVersion: map[string]string{"Version": "v3.16.0"},
		},
		"Files": files,
	}
	return render(meta.Name, templates, top, *notes)
}

func loadMetadata(dir string) (Metadata, error) {
	var meta Metadata
	data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return meta, err
	}
	if err := yaml.UnmarshalStrict(data, &meta); err != nil {
		return meta, fmt.Errorf("Chart.yaml: %w", err)
	}
	if meta.APIVersion != "v2" {
		return meta, fmt.Errorf("Chart.yaml: apiVersion must be v2, got %q", meta.APIVersion)
	}
	if meta.Name == "" {
		return meta, errors.New("Chart.yaml: name is required")
	}
	if _, err := semver.StrictNewVersion(meta.Version); err != nil {
		return meta, fmt.Errorf("Chart.yaml: version %q is not SemVer 2: %w", meta.Version, err)
	}
	if meta.Type != "" && meta.Type != "application" && meta.Type != "library" {
		return meta, fmt.Errorf("Chart.yaml: type %q is not application or library", meta.Type)
	}
	return meta, nil
}

func parseKubeVersion(v string) (KubeVersion, error) {
	parsed, err := semver.NewVersion(v)
	if err != nil {
		return KubeVersion{}, fmt.Errorf("-kube-version %q: %w", v, err)
	}
	version := fmt.Sprintf("v%d.%d.%d", parsed.Major(), parsed.Minor(), parsed.Patch())
	return KubeVersion{
		Version:    version,
		Major:      fmt.Sprint(parsed.Major()),
		Minor:      fmt.Sprint(parsed.Minor()),
		GitVersion: version,
	}, nil
}

// readValues reads YAML as Helm does (through JSON: numbers become float64).
func readValues(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	values := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if values == nil {
		values = map[string]interface{}{}
	}
	return values, nil
}

// coalesce lays override over base as Helm does: maps merge key by key, anything else is replaced,
// and a null in the override deletes the key.
func coalesce(base, override map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range override {
		if v == nil {
			delete(out, k)
			continue
		}
		baseMap, baseIsMap := out[k].(map[string]interface{})
		overMap, overIsMap := v.(map[string]interface{})
		if baseIsMap && overIsMap {
			out[k] = coalesce(baseMap, overMap)
		} else {
			out[k] = v
		}
	}
	return out
}

func loadChartFiles(dir string) (Files, map[string]string, error) {
	files := Files{}
	templates := map[string]string{}
	special := map[string]bool{"Chart.yaml": true, "Chart.lock": true, "values.yaml": true, "values.schema.json": true, ".helmignore": true}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			templates[rel] = string(data)
		case strings.HasPrefix(rel, "charts/"):
			return fmt.Errorf("%s: subcharts are not supported", rel)
		case special[rel]:
		default:
			files[rel] = data
		}
		return nil
	})
	return files, templates, err
}

func render(chartName string, sources map[string]string, top map[string]interface{}, notesFile string) error {
	t := template.New("gotpl").Option("missingkey=zero")
	t.Funcs(funcMap(t))
	names := make([]string, 0, len(sources))
	for rel := range sources {
		names = append(names, rel)
	}
	sort.Strings(names)
	for _, rel := range names {
		full := chartName + "/" + rel
		if _, err := t.New(full).Parse(sources[rel]); err != nil {
			return fmt.Errorf("parse error in %s: %w", full, err)
		}
	}

	var out bytes.Buffer
	for _, rel := range names {
		base := path.Base(rel)
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		full := chartName + "/" + rel
		text, err := execute(t, full, top, chartName)
		if err != nil {
			return err
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", full, strings.TrimSpace(text))
	}
	if notesFile != "" {
		full := chartName + "/templates/NOTES.txt"
		if t.Lookup(full) == nil {
			return errors.New("the chart has no templates/NOTES.txt")
		}
		text, err := execute(t, full, top, chartName)
		if err != nil {
			return err
		}
		if err := os.WriteFile(notesFile, []byte(text), 0o644); err != nil {
			return err
		}
	}
	_, err := os.Stdout.Write(out.Bytes())
	return err
}

func execute(t *template.Template, name string, top map[string]interface{}, chartName string) (string, error) {
	vals := map[string]interface{}{}
	for k, v := range top {
		vals[k] = v
	}
	vals["Template"] = map[string]interface{}{"Name": name, "BasePath": chartName + "/templates"}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, name, vals); err != nil {
		return "", err
	}
	// Helm's engine replaces what missingkey=zero prints for a missing map key.
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

const recursionMaxNums = 1000

func funcMap(t *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")

	includedNames := map[string]int{}
	f["include"] = func(name string, data interface{}) (string, error) {
		if includedNames[name] > recursionMaxNums {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		includedNames[name]++
		defer func() { includedNames[name]-- }()
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	f["tpl"] = func(text string, vals interface{}) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		parsed, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := parsed.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return nil, errors.New(warn)
		}
		if s, ok := val.(string); ok && s == "" {
			return nil, errors.New(warn)
		}
		return val, nil
	}
	f["toYaml"] = func(v interface{}) string {
		data, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	f["fromYaml"] = func(text string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(text), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	f["fromJson"] = func(text string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	// No cluster to look anything up in: like `helm template`, lookup finds nothing.
	f["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return f
}
