// The chart's `helm test` pod, run for real: its rendered command and environment (Secrets read
// from files, as the kubelet would mount them) against the real exporter serving TLS and basic
// auth from a web config laid out as webConfig.existingSecret's volume.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import type { IPod } from "kubernetes-models/v1/Pod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { ciValues } from "./support/chart.js";
import { renderObjects, useRenderer } from "./support/helm.js";
import { onlyOne } from "./support/kubernetes.js";

const renderer = useRenderer();
const PASSWORD = "scrape-pass";

let pki: TestPki;
let secrets: string;
let harness: Harness;
let port: string;

/** A Secret as its volume shows it: a directory with one file per key. */
async function writeSecret(name: string, files: Record<string, string>): Promise<void> {
  await mkdir(join(secrets, name), { recursive: true });
  for (const [key, content] of Object.entries(files)) {
    await writeFile(join(secrets, name, key), content);
  }
}

beforeAll(async () => {
  pki = await makeTestPki();
  secrets = await mkdtemp(join(tmpdir(), "pce-helm-test-"));
  // webConfig.existingSecret: web-config.yml names its files relative to itself, as the README
  // shows, and the exporter reads them from the mounted directory.
  await writeSecret("pce-web", {
    "web-config.yml": [
      "tls_server_config:",
      "  cert_file: tls.crt",
      "  key_file: tls.key",
      "basic_auth_users:",
      `  prometheus: ${bcrypt.hashSync(PASSWORD, 4)}`,
      "",
    ].join("\n"),
  });
  await cp(pki.serverCert, join(secrets, "pce-web", "tls.crt"));
  await cp(pki.serverKey, join(secrets, "pce-web", "tls.key"));
  await cp(pki.caCert, join(secrets, "pce-web", "ca.crt"));
  await writeSecret("pce-scrape", { username: "prometheus", password: PASSWORD });
  harness = await startHarness({
    env: { WEB_CONFIG_FILE: join(secrets, "pce-web", "web-config.yml") },
  });
  expect(harness.exporter.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  port = new URL(harness.exporter.url).port;
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await rm(secrets, { recursive: true, force: true });
  await rm(pki.dir, { recursive: true, force: true });
});

interface PodRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the test pod's container as the kubelet would: its command, its env with secretKeyRefs
 * read from the Secrets' files and mount paths mapped onto them. The Service's address is the one
 * thing changed: the exporter listens on 127.0.0.1, which its certificate names.
 */
async function runPod(pod: IPod, override: Record<string, string> = {}): Promise<PodRun> {
  const container = pod.spec?.containers[0];
  const [node, ...args] = container?.command ?? [];
  expect(node).toBe("node");
  const mounts = new Map<string, string>();
  for (const mount of container?.volumeMounts ?? []) {
    const volume = pod.spec?.volumes?.find((v) => v.name === mount.name);
    mounts.set(mount.mountPath, join(secrets, volume?.secret?.secretName ?? "?"));
  }
  const local = (path: string): string => {
    for (const [mountPath, dir] of mounts) {
      if (path.startsWith(`${mountPath}/`)) return join(dir, path.slice(mountPath.length + 1));
    }
    return path;
  };
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  for (const variable of container?.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    env[variable.name] =
      ref === undefined
        ? local(variable.value ?? "")
        : await readFile(join(secrets, ref.name ?? "", ref.key), "utf8");
  }
  const url = new URL(env.METRICS_URL ?? "");
  url.hostname = "127.0.0.1";
  url.port = port;
  env.METRICS_URL = url.href;
  Object.assign(env, override);
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function testPodOf(values: object): Promise<IPod> {
  const { objects } = await renderObjects(renderer(), values, { name: "pce" });
  return onlyOne(objects, "Pod");
}

describe("the helm test pod, run against the real exporter", () => {
  it("passes over TLS with the CA and basic auth of ci/tls-values.yaml", async () => {
    const run = await runPod(await testPodOf(ciValues("tls-values.yaml")));
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/metrics: partner_center_up 1\n$/);
    expect(run.code).toBe(0);
  });

  it("fails on a wrong password", async () => {
    await writeSecret("wrong-scrape", { username: "prometheus", password: "not-it" });
    const values = ciValues("tls-values.yaml") as { serviceMonitor: object };
    const pod = await testPodOf({
      ...values,
      serviceMonitor: {
        ...values.serviceMonitor,
        basicAuth: {
          username: { name: "wrong-scrape", key: "username" },
          password: { name: "wrong-scrape", key: "password" },
        },
      },
    });
    const run = await runPod(pod);
    expect(run.stderr).toContain("/metrics: HTTP 401");
    expect(run.code).toBe(1);
  });

  it("verifies the certificate against the CA it is given", async () => {
    const pod = await testPodOf(ciValues("tls-values.yaml"));
    const run = await runPod(pod, { NODE_EXTRA_CA_CERTS: join(pki.dir, "stranger-ca.crt") });
    expect(run.stderr).toMatch(/certificate/i);
    expect(run.code).toBe(1);
  });

  it("passes without a CA when not asked to verify (no tests.caKey)", async () => {
    const values = ciValues("tls-values.yaml") as { tests: object };
    const run = await runPod(await testPodOf({ ...values, tests: { ...values.tests, caKey: "" } }));
    expect(run.stdout).toContain("partner_center_up 1");
    expect(run.code).toBe(0);
  });

  it("fails when the answer has no partner_center_up", async () => {
    const pod = await testPodOf(ciValues("tls-values.yaml"));
    const healthz = new URL(harness.exporter.url);
    healthz.pathname = "/healthz";
    const run = await runPod(pod, { METRICS_URL: healthz.href });
    expect(run.stderr).toContain("/healthz: no partner_center_up in the answer");
    expect(run.code).toBe(1);
  });

  it("fails when plain HTTP meets the TLS port (a chart told the wrong scheme)", async () => {
    const run = await runPod(await testPodOf({}));
    expect(run.stdout).toBe("");
    expect(run.code).toBe(1);
  });
});
