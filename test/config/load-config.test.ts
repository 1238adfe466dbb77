import { describe, expect, it } from "vitest";
import { ALL_COLLECTORS } from "../../src/collectors/index.js";
import { formatDuration, parseDuration } from "../../src/config/duration.js";
import { renderHelp } from "../../src/config/help.js";
import { parseListenAddress } from "../../src/config/listen-address.js";
import { type ConfigSources, loadConfig } from "../../src/config/load-config.js";
import { SETTINGS } from "../../src/config/settings.js";

const VALID = {
  AZURE_TENANT_ID: "contoso.onmicrosoft.com",
  AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
  AZURE_CLIENT_SECRET: "s3cr3t-client-value",
  PARTNER_CENTER_REFRESH_TOKEN: "0.refresh-token-value",
};

function load(
  env: Record<string, string>,
  argv: string[] = [],
  files: Record<string, string> = {},
) {
  const sources: ConfigSources = {
    argv,
    env,
    readFile: (path) => {
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error("missing"), { code: "ENOENT" });
      return content;
    },
  };
  return loadConfig(sources);
}

function problems(env: Record<string, string>, argv: string[] = []): readonly string[] {
  const result = load(env, argv);
  if (result.kind !== "invalid") throw new Error(`expected problems, got ${result.kind}`);
  return result.problems;
}

describe("loadConfig", () => {
  it("reads every required setting from the environment, with the documented defaults", () => {
    const result = load(VALID);
    expect(result.kind).toBe("run");
    if (result.kind !== "run") return;
    expect(result.config).toMatchObject({
      azure: {
        tenantId: "contoso.onmicrosoft.com",
        clientSecret: "s3cr3t-client-value",
        authorityHost: "https://login.microsoftonline.com",
      },
      partnerCenter: {
        refreshToken: "0.refresh-token-value",
        url: "https://api.partnercenter.microsoft.com",
      },
      poll: { intervalMs: 3_600_000 },
      web: { listenAddresses: [{ host: undefined, port: 9841 }] },
      log: { level: "info" },
      demo: false,
    });
    expect(result.warnings).toEqual([]);
  });

  it("lets flags win over the environment, in both flag spellings", () => {
    const result = load({ ...VALID, POLL_INTERVAL: "2h" }, [
      "--poll.interval=30m",
      "--web-listen-address",
      "127.0.0.1:9000",
    ]);
    expect(result.kind === "run" && result.config.poll.intervalMs).toBe(1_800_000);
    expect(result.kind === "run" && result.config.web.listenAddresses[0]).toEqual({
      host: "127.0.0.1",
      port: 9000,
    });
  });

  it("reads secrets from NAME_FILE without the BOM Notepad writes first", () => {
    const { AZURE_CLIENT_SECRET: _s, ...rest } = VALID;
    const result = load({ ...rest, AZURE_CLIENT_SECRET_FILE: "/run/secrets/s" }, [], {
      "/run/secrets/s": "\uFEFFfrom-notepad\r\n",
    });
    expect(result.kind === "run" && result.config.azure.clientSecret).toBe("from-notepad");
  });

  it("reads secrets from NAME_FILE, without the trailing newline", () => {
    const { AZURE_CLIENT_SECRET: _s, PARTNER_CENTER_REFRESH_TOKEN: _t, ...rest } = VALID;
    const result = load(
      {
        ...rest,
        AZURE_CLIENT_SECRET_FILE: "/run/secrets/s",
        PARTNER_CENTER_REFRESH_TOKEN_FILE: "/run/secrets/t",
      },
      [],
      { "/run/secrets/s": "from-file-secret\n", "/run/secrets/t": "from-file-token" },
    );
    expect(result.kind === "run" && result.config.azure.clientSecret).toBe("from-file-secret");
    expect(result.kind === "run" && result.config.partnerCenter.refreshToken).toBe(
      "from-file-token",
    );
  });

  it("warns (but runs) when polling more often than once a minute", () => {
    const result = load({ ...VALID, POLL_INTERVAL: "30s" });
    expect(result.kind).toBe("run");
    expect(result.kind === "run" && result.warnings[0]).toMatch(
      /^POLL_INTERVAL is 30s: Partner Center discourages/,
    );
  });

  it("warns (but runs) when the authority or the API is plain http:// off this machine", () => {
    const result = load({
      ...VALID,
      AZURE_AUTHORITY_HOST: "http://login.example.test",
      PARTNER_CENTER_URL: "http://pc.example.test:8080",
    });
    expect(result.kind === "run" && result.warnings).toEqual([
      expect.stringMatching(
        /^AZURE_AUTHORITY_HOST is plain http:\/\/ to login\.example\.test: the client credential and the tokens would travel unencrypted/,
      ),
      expect.stringMatching(/^PARTNER_CENTER_URL is plain http:\/\/ to pc\.example\.test:8080: /),
    ]);
    // A simulator on this machine (the rehearsal, the tests) is no warning.
    for (const local of ["http://127.0.0.1:9842", "http://localhost:9842", "http://[::1]:9842"]) {
      const quiet = load({ ...VALID, AZURE_AUTHORITY_HOST: local, PARTNER_CENTER_URL: local });
      expect(quiet.kind === "run" && quiet.warnings).toEqual([]);
    }
  });

  it("needs no credentials in --demo, and polls every 15s there unless told otherwise", () => {
    const result = load({}, ["--demo"]);
    expect(result.kind === "run" && result.config.demo).toBe(true);
    expect(result.kind === "run" && result.config.poll.intervalMs).toBe(15_000);
  });

  it.each([
    [
      {},
      [
        "AZURE_TENANT_ID (--azure.tenant-id): required (set AZURE_TENANT_ID, or use --demo to try the exporter without credentials)",
        "AZURE_CLIENT_ID (--azure.client-id): required (set AZURE_CLIENT_ID, or use --demo to try the exporter without credentials)",
        "AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE: one client credential is required (set AZURE_CLIENT_SECRET or AZURE_CLIENT_SECRET_FILE, AZURE_CLIENT_CERTIFICATE_PATH, or AZURE_FEDERATED_TOKEN_FILE; or use --demo to try the exporter without credentials)",
      ],
    ],
    [
      { ...VALID, POLL_INTERVAL: "soon" },
      ['POLL_INTERVAL (--poll.interval): "soon" is not a duration (examples: 500ms, 30s, 15m, 1h)'],
    ],
    [
      { ...VALID, POLL_INTERVAL: "10" },
      ['POLL_INTERVAL (--poll.interval): "10" is not a duration (examples: 500ms, 30s, 15m, 1h)'],
    ],
    [
      { ...VALID, WEB_LISTEN_ADDRESS: "9841" },
      [
        'WEB_LISTEN_ADDRESS (--web.listen-address): "9841" is not host:port (examples: :9841, 127.0.0.1:9841)',
      ],
    ],
    [
      { ...VALID, WEB_LISTEN_ADDRESS: ":70000" },
      [
        'WEB_LISTEN_ADDRESS (--web.listen-address): ":70000" is not host:port (examples: :9841, 127.0.0.1:9841)',
      ],
    ],
    [
      { ...VALID, LOG_LEVEL: "verbose" },
      ['LOG_LEVEL (--log.level): "verbose" is not one of debug, info, warn, error'],
    ],
    [
      { ...VALID, PARTNER_CENTER_URL: "ftp://x" },
      ['PARTNER_CENTER_URL (--partner-center.url): "ftp://x" is not an http(s) URL'],
    ],
    [
      { ...VALID, MAX_RETRIES: "-1" },
      ['MAX_RETRIES (--partner-center.max-retries): "-1" is not a whole number from 0 to 20'],
    ],
    [
      { ...VALID, AZURE_TENANT_ID: "not a tenant" },
      ["AZURE_TENANT_ID (--azure.tenant-id): must be a tenant id or domain"],
    ],
    [
      { ...VALID, AZURE_CLIENT_SECRET_FILE: "/x" },
      [
        "AZURE_CLIENT_SECRET (--azure.client-secret): set either AZURE_CLIENT_SECRET or AZURE_CLIENT_SECRET_FILE, not both",
      ],
    ],
    [
      { ...VALID, PARTNER_CENTER_REFRESH_TOKEN: "", PARTNER_CENTER_REFRESH_TOKEN_FILE: "/nope" },
      ["PARTNER_CENTER_REFRESH_TOKEN_FILE: cannot read /nope (ENOENT)"],
    ],
  ])("reports one line per problem, naming the setting (%#)", (env, expected) => {
    expect(problems(env)).toEqual(expected);
  });

  it("reports unknown flags and flags without values", () => {
    expect(problems(VALID, ["--pol.interval=1h", "--log.level"])).toEqual([
      "unknown flag --pol.interval (see --help)",
      "LOG_LEVEL (--log.level): --log.level needs a value",
    ]);
  });

  it("reads every spelling: --flag value, --flag=value, repeats, --flag-file, --[no-]collector.NAME", () => {
    const result = load(
      VALID,
      [
        "--web.listen-address",
        "127.0.0.1:1",
        "--web.listen-address=127.0.0.1:2",
        "--partner-center.refresh-token-file",
        "/t",
        "--collector.customer-usage",
        "--no-collector.partner-usage",
        "--no-demo",
      ],
      { "/t": "token-from-file\n" },
    );
    if (result.kind !== "run") throw new Error(JSON.stringify(result));
    expect(result.config.web.listenAddresses.map((a) => a.port)).toEqual([1, 2]);
    expect(result.config.partnerCenter.refreshToken).toBe("token-from-file");
    expect(result.config.secretFiles.refreshToken).toBe("/t");
    expect([...result.config.collectors.toggles]).toEqual([
      ["customer-usage", true],
      ["partner-usage", false],
    ]);
    expect(result.config.demo).toBe(false);
  });

  it("never takes a flag for the value of the flag before it", () => {
    expect(problems(VALID, ["--log.level", "--demo=maybe", "--no-demo=x", "stray"])).toEqual([
      "LOG_LEVEL (--log.level): --log.level needs a value",
      "DEMO (--demo): --no-demo takes no value",
      'unexpected argument "stray" (see --help)',
      'DEMO (--demo): "maybe" is not a boolean (use true or false)',
    ]);
  });

  it("never echoes a secret in a problem", () => {
    const secret = "super-secret-client-value";
    const token = "0.super-secret-refresh-token";
    const all = problems(
      {
        ...VALID,
        AZURE_CLIENT_SECRET: secret,
        AZURE_CLIENT_SECRET_FILE: "/x",
        PARTNER_CENTER_REFRESH_TOKEN: token,
        LOG_LEVEL: "x",
      },
      ["--partner-center.refresh-token", token, "--azure.client-secret-file", "/missing"],
    ).join("\n");
    expect(all).toContain("--azure.client-secret-file: cannot read /missing (ENOENT)");
    expect(all).not.toContain(secret);
    expect(all).not.toContain(token);
  });
});

describe("secrets pasted into the wrong setting", () => {
  it("are never echoed: a known secret is masked, a long value is described, not shown", () => {
    const secret = "Zx8Q~a-client-secret-value";
    const token = `0.${"A".repeat(120)}`;
    const all = problems({
      ...VALID,
      AZURE_CLIENT_SECRET: secret,
      POLL_INTERVAL: secret,
      LOG_LEVEL: token,
    }).join("\n");
    expect(all).toContain('POLL_INTERVAL (--poll.interval): "[REDACTED]" is not a duration');
    expect(all).toContain(
      "LOG_LEVEL (--log.level): (a value of 122 characters) is not one of debug, info, warn, error",
    );
    expect(all).not.toContain(secret);
    expect(all).not.toContain(token.slice(0, 30));
  });
});

describe("--help", () => {
  it("lists every setting with its flag and environment variable", () => {
    const help = renderHelp("1.2.3", ALL_COLLECTORS);
    for (const spec of SETTINGS) {
      expect(help).toContain(`--${spec.flag}`);
      expect(help).toContain(`env ${spec.env}`);
    }
  });
});

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["1.5s", 1500],
  ])("%s is %i ms", (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(["", "1", "1x", "h", "-1s", "1s 2s"])("rejects %j", (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});

describe("formatDuration", () => {
  it.each([
    [5_400_000, "1h30m"],
    [250, "250ms"],
    [1500, "1s500ms"],
    [120_000, "2m"],
    [3_599_000, "59m59s"],
    [90_000_000, "1d1h"],
    [400.4, "400ms"],
    [0, "0s"],
  ])("%i ms is %s, and reads back", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(Math.round(ms));
  });
});

describe("parseListenAddress", () => {
  it.each([
    [":9841", { host: undefined, port: 9841 }],
    ["127.0.0.1:0", { host: "127.0.0.1", port: 0 }],
    ["[::1]:9841", { host: "::1", port: 9841 }],
    ["localhost:80", { host: "localhost", port: 80 }],
  ])("%s", (text, expected) => expect(parseListenAddress(text)).toEqual(expected));
  it.each(["9841", "host:", ":99999", "a b:1"])("rejects %j", (text) =>
    expect(parseListenAddress(text)).toBeUndefined(),
  );
});
