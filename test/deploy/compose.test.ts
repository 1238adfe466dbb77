import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join, posix, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DEFAULT_PORT } from "../../src/config/settings.js";
import { startHarness } from "../helpers/harness.js";
import { keyValues, parseDockerfile } from "./support/dockerfile.js";
import {
  expectedJobName,
  isRecord,
  parseYaml,
  REQUIRED_ENVS,
  ROOT,
  readText,
  SECRET_ENVS,
  SETTING_ENVS,
} from "./support/repo.js";

const run = promisify(execFile);
const DIR = "deploy/compose";
const COMPOSE_DIR = `${ROOT}${DIR}`;

interface Service {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile: string };
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly volumes?: readonly string[];
  readonly ports?: readonly string[];
  readonly secrets?: readonly string[];
  readonly read_only?: boolean;
  readonly cap_drop?: readonly string[];
  readonly user?: string;
  readonly healthcheck?: { readonly test: readonly string[] };
}

interface ComposeFile {
  readonly services: Readonly<Record<string, Service>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
  readonly secrets?: Readonly<Record<string, { readonly file: string }>>;
}

function loadCompose(file: string): ComposeFile {
  const value = parseYaml(readText(`${DIR}/${file}`), file);
  if (!isRecord(value) || !isRecord(value.services)) throw new Error(`${file}: no services`);
  for (const [name, service] of Object.entries(value.services)) {
    if (!isRecord(service)) throw new Error(`${file}: service ${name} is not a map`);
    if (service.environment !== undefined && !isRecord(service.environment)) {
      throw new Error(`${file}: ${name}.environment must be a map`);
    }
    for (const list of ["volumes", "ports", "secrets", "command", "cap_drop"]) {
      const entries = service[list];
      if (
        entries !== undefined &&
        !(Array.isArray(entries) && entries.every((e) => typeof e === "string"))
      ) {
        throw new Error(`${file}: ${name}.${list} must be a list of strings`);
      }
    }
  }
  return value as unknown as ComposeFile;
}

const compose = loadCompose("docker-compose.yml");
const credentials = loadCompose("docker-compose.credentials.yml");
const tls = loadCompose("docker-compose.tls.yml");

function service(name: string, file: ComposeFile = compose): Service {
  const found = file.services[name];
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
}

/** Bind mounts of a service: host path (resolved) -> container path. */
function binds(svc: Service): { host: string; container: string }[] {
  return (svc.volumes ?? [])
    .map((v) => v.split(":"))
    .filter(([source]) => source?.startsWith(".") === true || source?.startsWith("/") === true)
    .map(([source = "", target = ""]) => ({
      host: resolve(COMPOSE_DIR, source),
      container: target,
    }));
}

function flag(svc: Service, name: string): string | undefined {
  return svc.command?.find((c) => c.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const finalStage = parseDockerfile(readText("Dockerfile")).stages.at(-1);
const imageStateDir = finalStage?.instructions
  .filter((i) => i.keyword === "ENV")
  .map((i) => keyValues(i.args).get("STATE_DIR"))
  .find((v) => v !== undefined);

describe("deploy/compose", () => {
  it("builds the exporter from the repository's Dockerfile", () => {
    const build = service("exporter").build;
    const context = resolve(COMPOSE_DIR, build?.context ?? "");
    expect(`${context}/`).toBe(ROOT);
    expect(existsSync(join(context, build?.dockerfile ?? ""))).toBe(true);
    expect(existsSync(join(context, ".dockerignore"))).toBe(true);
  });

  it("mounts only files that exist, and declares its named volumes", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const { host } of binds(svc)) expect(existsSync(host), `${name}: ${host}`).toBe(true);
      for (const volume of svc.volumes ?? []) {
        const [source = ""] = volume.split(":");
        if (source.startsWith(".") || source.startsWith("/")) continue;
        expect(Object.keys(compose.volumes ?? {}), `${name}: volume ${source}`).toContain(source);
      }
    }
  });

  it("pins every image it pulls to a version", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.build !== undefined) continue;
      expect(svc.image, name).toMatch(/^[\w./-]+:v?\d+\.\d+\.\d+$/);
    }
  });

  it("runs the exporter in demo mode, locked down as on Kubernetes", () => {
    const exporter = service("exporter");
    expect(exporter.environment?.DEMO).toBe("true");
    for (const name of Object.keys(exporter.environment ?? {}))
      expect(SETTING_ENVS).toContain(name);
    expect(exporter.read_only).toBe(true);
    expect(exporter.cap_drop).toEqual(["ALL"]);
    expect(exporter.user).toBeUndefined();
    expect(exporter.ports).toContain(`${DEFAULT_PORT}:${DEFAULT_PORT}`);
    // The state volume is where the image keeps STATE_DIR.
    const stateMount = exporter.volumes?.find((v) => !v.startsWith("."))?.split(":")[1];
    expect(stateMount).toBe(imageStateDir);
  });

  it("has Prometheus scrape the exporter as the job the rules expect, with the rules loaded", async () => {
    const prometheus = service("prometheus");
    const mounts = binds(prometheus);
    const configMount = mounts.find((m) => m.container === flag(prometheus, "config.file"));
    expect(configMount?.host).toBe(`${COMPOSE_DIR}/prometheus.yml`);
    const config = parseYaml(readText(`${DIR}/prometheus.yml`), "prometheus.yml") as {
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const job = config.scrape_configs.find((s) => s.job_name === expectedJobName());
    expect(job?.static_configs[0]?.targets).toEqual([`exporter:${DEFAULT_PORT}`]);
    expect(config.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual([
      "alertmanager:9093",
    ]);
    expect(Object.keys(compose.services)).toContain("alertmanager");
    // Rule files resolve beside the config file, inside the container, to the one source.
    for (const ruleFile of config.rule_files) {
      const inContainer = posix.join(posix.dirname(configMount?.container ?? ""), ruleFile);
      const mount = mounts.find((m) => m.container === inContainer);
      expect(mount?.host, ruleFile).toBe(
        `${ROOT}deploy/prometheus/partner-center-exporter.rules.yml`,
      );
    }

    // promtool (Debian's prometheus package) checks the config and the rules it loads.
    const dir = await mkdtemp(join(tmpdir(), "compose-prometheus-"));
    try {
      for (const mount of mounts) {
        if (posix.dirname(mount.container) === posix.dirname(configMount?.container ?? "")) {
          await cp(mount.host, join(dir, posix.basename(mount.container)));
        }
      }
      const { stdout } = await run("promtool", ["check", "config", join(dir, "prometheus.yml")]);
      expect(stdout).toContain("SUCCESS");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives Alertmanager the repository's configuration", () => {
    const alertmanager = service("alertmanager");
    const mount = binds(alertmanager).find(
      (m) => m.container === flag(alertmanager, "config.file"),
    );
    expect(mount?.host).toBe(`${ROOT}deploy/alertmanager/alertmanager.yml`);
  });

  it("provisions Grafana with the dashboard from grafana/ and the prometheus service", () => {
    const grafana = service("grafana");
    const mounts = binds(grafana);
    const provider = mounts.find((m) =>
      m.container.startsWith("/etc/grafana/provisioning/dashboards/"),
    );
    expect(provider?.host).toBe(
      `${ROOT}grafana/provisioning/dashboards/partner-center-exporter.yml`,
    );
    const providers = parseYaml(
      readText("grafana/provisioning/dashboards/partner-center-exporter.yml"),
      "p",
    ) as {
      providers: { options: { path: string } }[];
    };
    const dashboard = mounts.find((m) => m.host === `${ROOT}grafana/partner-center-exporter.json`);
    expect(posix.dirname(dashboard?.container ?? "")).toBe(providers.providers[0]?.options.path);
    expect(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(
      dashboard?.container,
    );

    const datasourceMount = mounts.find((m) =>
      m.container.startsWith("/etc/grafana/provisioning/datasources/"),
    );
    expect(dirname(datasourceMount?.host ?? "")).toBe(COMPOSE_DIR);
    const datasources = parseYaml(readText(`${DIR}/grafana-datasource.yml`), "datasource") as {
      datasources: { type: string; url: string }[];
    };
    expect(datasources.datasources[0]).toMatchObject({
      type: "prometheus",
      url: "http://prometheus:9090",
    });
  });

  it("switches to real credentials with secrets files (docker-compose.credentials.yml)", () => {
    const exporter = service("exporter", credentials);
    const env = exporter.environment ?? {};
    expect(env.DEMO).toBe("false");
    for (const [name, value] of Object.entries(env)) {
      if (name.endsWith("_FILE")) {
        const base = name.slice(0, -5);
        expect(SECRET_ENVS, name).toContain(base);
        const secret = /^\/run\/secrets\/(\w+)$/.exec(value)?.[1] ?? "";
        expect(exporter.secrets, name).toContain(secret);
        expect(credentials.secrets?.[secret]?.file, name).toMatch(/^\.\/secrets\//);
      } else {
        expect(SETTING_ENVS, name).toContain(name);
        expect(SECRET_ENVS.has(name), `${name} must come from a file`).toBe(false);
      }
    }
    for (const required of [...REQUIRED_ENVS, "PARTNER_CENTER_REFRESH_TOKEN"]) {
      expect(configured(env, required), required).toBe(true);
    }
    expect(readText(`${DIR}/.gitignore`).split("\n")).toContain("secrets/");
  });
});

function configured(env: Readonly<Record<string, string>>, setting: string): boolean {
  return env[setting] !== undefined || env[`${setting}_FILE`] !== undefined;
}

interface PrometheusConfig {
  readonly rule_files: string[];
  readonly scrape_configs: {
    readonly job_name: string;
    readonly scheme?: string;
    readonly tls_config?: { readonly ca_file: string; readonly server_name: string };
    readonly static_configs: { readonly targets: string[] }[];
  }[];
}

/** GET over TLS as Prometheus's tls_config does: this CA, this server name. */
function getVerified(
  url: string,
  ca: Buffer,
  servername: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    get(url, { ca, servername }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => resolvePromise({ status: response.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

describe("deploy/compose with TLS (docker-compose.tls.yml)", () => {
  const exporter = service("exporter", tls);
  const webConfig = flag(exporter, "web.config.file") ?? "";
  const webDir = posix.dirname(webConfig);
  const prometheus = service("prometheus", tls);
  // The override's Prometheus config replaces the base's, at the path the base's command reads.
  const configFile = flag(service("prometheus"), "config.file") ?? "";
  const config = parseYaml(
    readText(`${DIR}/prometheus.tls.yml`),
    "prometheus.tls.yml",
  ) as PrometheusConfig;
  const job = config.scrape_configs.find((s) => s.job_name === expectedJobName());
  const hostOf = (svc: Service, container: string) =>
    binds(svc).find((m) => m.container === container)?.host;

  it("starts the exporter with the web config and the certificates it names, from make-tls.sh's folder", () => {
    expect(hostOf(exporter, webConfig)).toBe(`${COMPOSE_DIR}/web-config.yml`);
    const web = parseYaml(readText(`${DIR}/web-config.yml`), "web-config.yml") as {
      tls_server_config: { cert_file: string; key_file: string };
    };
    for (const file of [web.tls_server_config.cert_file, web.tls_server_config.key_file]) {
      expect(hostOf(exporter, posix.join(webDir, file)), file).toBe(`${COMPOSE_DIR}/tls/${file}`);
    }
    expect(readText(`${DIR}/.gitignore`).split("\n")).toContain("tls/");
    // The image's healthcheck speaks plain HTTP: the override's speaks https.
    expect(exporter.healthcheck?.test.join(" ")).toContain(
      `https://127.0.0.1:${DEFAULT_PORT}/healthz`,
    );
  });

  it("has Prometheus scrape https, checking the certificate against the stack's CA", async () => {
    expect(hostOf(prometheus, configFile)).toBe(`${COMPOSE_DIR}/prometheus.tls.yml`);
    expect(job?.scheme).toBe("https");
    expect(job?.static_configs[0]?.targets).toEqual([`exporter:${DEFAULT_PORT}`]);
    const caInContainer = posix.join(posix.dirname(configFile), job?.tls_config?.ca_file ?? "");
    expect(hostOf(prometheus, caInContainer)).toBe(`${COMPOSE_DIR}/tls/ca.crt`);
    expect(config.rule_files).toEqual(
      (parseYaml(readText(`${DIR}/prometheus.yml`), "prometheus.yml") as PrometheusConfig)
        .rule_files,
    );

    // promtool checks the config with its CA and rules where the container has them.
    const dir = await mkdtemp(join(tmpdir(), "compose-prometheus-tls-"));
    try {
      await cp(`${COMPOSE_DIR}/prometheus.tls.yml`, join(dir, "prometheus.yml"));
      await cp(
        `${ROOT}deploy/prometheus/partner-center-exporter.rules.yml`,
        join(dir, config.rule_files[0] ?? ""),
      );
      await run(`${COMPOSE_DIR}/make-tls.sh`, [join(dir, "tls")]);
      const { stdout } = await run("promtool", ["check", "config", join(dir, "prometheus.yml")]);
      expect(stdout).toContain("SUCCESS");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("works end to end: make-tls.sh's certificates, the real exporter, Prometheus's tls_config", async () => {
    const dir = await mkdtemp(join(tmpdir(), "compose-tls-"));
    const harness = await (async () => {
      await run(`${COMPOSE_DIR}/make-tls.sh`, [join(dir, "tls")]);
      // The container's web folder, laid out from the mounts.
      const web = join(dir, "web");
      await mkdir(web);
      for (const mount of binds(exporter).filter((m) => posix.dirname(m.container) === webDir)) {
        const source = mount.host.startsWith(`${COMPOSE_DIR}/tls/`)
          ? join(dir, "tls", posix.basename(mount.host))
          : mount.host;
        await cp(source, join(web, posix.basename(mount.container)));
      }
      return startHarness({ env: { WEB_CONFIG_FILE: join(web, posix.basename(webConfig)) } });
    })();
    try {
      const { port } = new URL(harness.exporter.url);
      const ca = await readFile(join(dir, "tls", posix.basename(job?.tls_config?.ca_file ?? "")));
      const answer = await getVerified(
        `https://127.0.0.1:${port}/metrics`,
        ca,
        job?.tls_config?.server_name ?? "",
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/^partner_center_up 1$/m);
    } finally {
      await harness.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
