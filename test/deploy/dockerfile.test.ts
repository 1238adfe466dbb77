import { describe, expect, it } from "vitest";
import { DEFAULT_PORT } from "../../src/config/settings.js";
import {
  copyPaths,
  execForm,
  type Instruction,
  includedByDockerignore,
  keyValues,
  parseDockerfile,
  type Stage,
  withArgs,
} from "./support/dockerfile.js";
import { onlyOne, parseManifests } from "./support/kubernetes.js";
import { PACKAGE, PROJECT_URL, readText } from "./support/repo.js";

const dockerfile = parseDockerfile(readText("Dockerfile"));
const dockerignore = readText(".dockerignore");
const stages = dockerfile.stages;
const final = stages.at(-1) as Stage;

function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

function runCommands(stage: Stage): string[] {
  return all(stage, "RUN").flatMap((i) => i.args.split(/\s*&&\s*/));
}

const plainPod = onlyOne(
  parseManifests(readText("deploy/kubernetes/deployment.yaml"), "deployment.yaml"),
  "Deployment",
).spec?.template.spec;
const plainEnv = plainPod?.containers[0]?.env ?? [];

describe("Dockerfile lint", () => {
  it("is multi-stage, the final stage taking dist/ from the build stage", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.find((s) => s.name !== undefined && s !== final);
    expect(runCommands(build as Stage).some((c) => /^npm (ci|run build)\b/.test(c))).toBe(true);
    const fromBuild = all(final, "COPY").filter((c) => c.flags.from === build?.name);
    expect(fromBuild.flatMap((c) => copyPaths(c).sources)).toEqual(["/src/dist"]);
  });

  it("builds for any platform: no architecture is hard-coded, the JavaScript is built once", () => {
    // buildx runs the final stage per --platform; the build stage's dist/ is plain JavaScript.
    expect(final.platform).toBeUndefined();
    for (const stage of stages.slice(0, -1)) expect(stage.platform).toBe("$BUILDPLATFORM");
    const written = stages.flatMap((s) => [s.image, ...s.instructions.map((i) => i.args)]);
    for (const text of written) expect(text).not.toMatch(/amd64|arm64|aarch64|x86_64|\/x64/);
    // npm ci in the final stage fetches the same files on every platform: nothing native.
    const lock = JSON.parse(readText("package-lock.json")) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const native = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript === true);
    expect(native.map(([path]) => path)).toEqual([]);
  });

  it("records the REVISION and CREATED build args where --version and build_info read them", () => {
    const build = stages.find((s) => s.name !== undefined && s !== final) as Stage;
    const buildArgs = all(build, "ARG").map((a) => a.args.split("=")[0]);
    expect(buildArgs).toEqual(expect.arrayContaining(["REVISION", "CREATED"]));
    const $ = "$"; // the Dockerfile's own ${ARG} substitution
    expect(runCommands(build)).toContain(
      `BUILD_REVISION="${$}{REVISION}" BUILD_DATE="${$}{CREATED}" npm run build`,
    );
    expect(PACKAGE.scripts.build).toContain("node scripts/build-info.mjs");
  });

  it("pins every base image to a full version tag of a current Node.js LTS", () => {
    const stageNames = new Set(stages.map((s) => s.name));
    for (const stage of stages) {
      if (stageNames.has(stage.image)) continue;
      const match = /^([\w./-]+):([\w.-]+)(@sha256:[a-f0-9]{64})?$/.exec(stage.image);
      expect(match, `${stage.image} has no tag`).not.toBeNull();
      const tag = match?.[2] ?? "";
      expect(tag).not.toBe("latest");
      expect(tag, `${stage.image}: a floating tag`).toMatch(/^\d+\.\d+\.\d+-/);
      expect(match?.[1]).toBe("node");
      const major = Number(tag.split(".")[0]);
      // Even majors are the LTS lines; package.json's engines floor is 20.
      expect(major % 2).toBe(0);
      expect(major).toBeGreaterThanOrEqual(22);
    }
  });

  it("installs only production dependencies in the final stage, with npm ci", () => {
    const installs = runCommands(final).filter((c) => /\bnpm (ci|install|i)\b/.test(c));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/^npm ci\b/);
    expect(installs[0]).toContain("--omit=dev");
    // npm ci would run `prepare` (tsc, a dev dependency): dist/ comes from the build stage.
    expect(installs[0]).toContain("--ignore-scripts");
    for (const stage of stages) {
      expect(runCommands(stage).filter((c) => /\b(npm (install|i)|yarn|pnpm)\b/.test(c))).toEqual(
        [],
      );
    }
  });

  it("never uses ADD, nor fetches anything with curl or wget", () => {
    for (const stage of stages) {
      expect(all(stage, "ADD")).toEqual([]);
      expect(runCommands(stage).filter((c) => /\b(curl|wget)\b/.test(c))).toEqual([]);
    }
  });

  it("runs as a numeric non-root user, set before the entrypoint", () => {
    const users = all(final, "USER");
    const user = users.at(-1);
    expect(user).toBeDefined();
    const [uid, gid] = (user?.args ?? "").split(":");
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).not.toBe(0);
    expect(gid === undefined || Number(gid) !== 0).toBe(true);
    const index = final.instructions.indexOf(user as Instruction);
    const starts = final.instructions.filter(
      (i) => i.keyword === "ENTRYPOINT" || i.keyword === "CMD",
    );
    expect(starts.length).toBeGreaterThan(0);
    for (const start of starts) expect(final.instructions.indexOf(start)).toBeGreaterThan(index);
    // Kubernetes runs it as the same user (runAsNonRoot needs the numeric USER to verify).
    expect(plainPod?.securityContext?.runAsUser).toBe(Number(uid));
    expect(plainPod?.securityContext?.runAsGroup).toBe(Number(gid ?? uid));
  });

  it("starts the package's bin with node, in exec form, the open-file soft limit raised to the hard one", () => {
    const [entrypoint] = all(final, "ENTRYPOINT");
    const argv = execForm(entrypoint?.args ?? "");
    const workdir = all(final, "WORKDIR").at(-1)?.args;
    const bin = `${workdir}/${PACKAGE.bin["partner-center-exporter"]}`;
    // exec: node becomes PID 1 and gets the signals; "$@": the CMD and `docker run` arguments.
    expect(argv).toEqual([
      "/bin/sh",
      "-c",
      `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec node ${bin} "$@"`,
      "partner-center-exporter",
    ]);
    for (const stage of stages) {
      for (const dir of all(stage, "WORKDIR")) expect(dir.args).toMatch(/^\//);
      for (const cmd of all(stage, "CMD")) expect(execForm(cmd.args)).toBeDefined();
    }
  });

  it("checks /healthz with Node's http and https (no curl in slim images)", () => {
    const [healthcheck, ...more] = all(final, "HEALTHCHECK");
    expect(more).toEqual([]);
    const command = /^CMD\s+(.*)$/s.exec(healthcheck?.args ?? "")?.[1] ?? "";
    const argv = execForm(command);
    expect(argv?.slice(0, 2)).toEqual(["node", "-e"]);
    expect(argv?.[2]).toContain("/healthz");
    expect(argv?.[2]).toContain(`:${DEFAULT_PORT}`);
    expect(healthcheck?.flags.timeout).toBeDefined();
  });

  it(`EXPOSEs the exporter's default port ${DEFAULT_PORT}`, () => {
    const ports = all(final, "EXPOSE").flatMap((e) => e.args.split(/\s+/));
    expect(ports.map((p) => p.replace(/\/tcp$/, ""))).toContain(String(DEFAULT_PORT));
  });

  it("carries the OCI labels, agreeing with package.json", () => {
    const labels = new Map<string, string>();
    for (const label of all(final, "LABEL")) {
      for (const [key, value] of keyValues(label.args)) labels.set(key, withArgs(final, value));
    }
    for (const key of [
      "title",
      "description",
      "source",
      "licenses",
      "version",
      "revision",
      "created",
    ]) {
      expect(labels.has(`org.opencontainers.image.${key}`), key).toBe(true);
    }
    expect(labels.get("org.opencontainers.image.title")).toBe("partner-center-exporter");
    expect(labels.get("org.opencontainers.image.licenses")).toBe(PACKAGE.license);
    expect(labels.get("org.opencontainers.image.source")).toBe(PROJECT_URL);
    expect(labels.get("org.opencontainers.image.version")).toBe(PACKAGE.version);
  });

  it("keeps the app root-owned; only STATE_DIR, a volume, belongs to the runtime user", () => {
    const env = new Map<string, string>();
    for (const e of all(final, "ENV")) for (const [k, v] of keyValues(e.args)) env.set(k, v);
    const stateDir = env.get("STATE_DIR");
    expect(stateDir).toBe(plainEnv.find((e) => e.name === "STATE_DIR")?.value);
    const volumes = all(final, "VOLUME").flatMap((v) => execForm(v.args) ?? v.args.split(/\s+/));
    expect(volumes).toEqual([stateDir]);

    const [uid, gid] = (all(final, "USER").at(-1)?.args ?? "").split(":");
    const owned = runCommands(final).some(
      (c) =>
        (c.startsWith("install -d") && c.includes(`-o ${uid}`) && c.includes(`-g ${gid ?? uid}`)) ||
        c.startsWith(`chown ${uid}`),
    );
    const copiedOwned = all(final, "COPY").some(
      (c) => c.flags.chown?.startsWith(`${uid}`) === true && copyPaths(c).dest === stateDir,
    );
    expect(owned || copiedOwned, `${stateDir} is not made the runtime user's`).toBe(true);
    // COPY --chown only where needed: the code stays unwritable for the exporter.
    for (const copy of all(final, "COPY")) {
      if (copy.flags.chown !== undefined) expect(copyPaths(copy).dest).toBe(stateDir);
    }
  });

  it("has a .dockerignore that admits exactly what the COPY instructions need", () => {
    for (const stage of stages) {
      for (const copy of all(stage, "COPY")) {
        if (copy.flags.from !== undefined) continue;
        for (const source of copyPaths(copy).sources) {
          expect(includedByDockerignore(dockerignore, source), source).toBe(true);
        }
      }
    }
    expect(includedByDockerignore(dockerignore, "src/config/settings.ts")).toBe(true);
    for (const kept of [
      "node_modules/express/package.json",
      "dist/src/cli.js",
      ".git/config",
      "deploy/compose/secrets/azure-client-secret",
      "state/refresh-token.json",
      "test/cli/cli.test.ts",
      ".env",
    ]) {
      expect(includedByDockerignore(dockerignore, kept), kept).toBe(false);
    }
  });
});
