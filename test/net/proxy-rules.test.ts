import { describe, expect, it } from "vitest";
import { proxyCredentials, proxyFor, proxyName } from "../../src/net/proxy.js";

const PROXIES = {
  https: "http://user:p%40ss@proxy.example:3128",
  http: "http://plain.example:8080",
};

describe("which requests go through the proxy", () => {
  it.each([
    ["https://login.microsoftonline.com/t/oauth2/token", undefined, "proxy.example:3128"],
    ["http://simulator.local:8080/v1", undefined, "plain.example:8080"],
    ["https://api.partnercenter.microsoft.com/v1", "*", undefined],
    ["https://api.partnercenter.microsoft.com/v1", "microsoft.com", undefined],
    ["https://api.partnercenter.microsoft.com/v1", ".microsoft.com", undefined],
    ["https://api.partnercenter.microsoft.com/v1", "*.microsoft.com", undefined],
    ["https://notmicrosoft.com/v1", "microsoft.com", "proxy.example:3128"],
    ["https://10.0.0.5/v1", "10.0.0.5", undefined],
    ["https://10.0.0.5:8443/v1", "10.0.0.5:9443", "proxy.example:3128"],
    ["https://10.0.0.5:8443/v1", "10.0.0.5:8443", undefined],
    ["https://[::1]:8443/v1", "::1", undefined],
    ["https://login.microsoftonline.com/t", "example.org, LOGIN.microsoftonline.com", undefined],
  ])("%s with NO_PROXY=%s: %s", (url, noProxy, via) => {
    const proxy = proxyFor(new URL(url), { ...PROXIES, noProxy });
    expect(proxy && proxyName(proxy)).toBe(via);
  });

  it("goes direct when no proxy is set for the scheme", () => {
    expect(proxyFor(new URL("http://a.example/"), { https: PROXIES.https })).toBeUndefined();
  });

  it("names a proxy by host and port only, and hands its credentials to the scrubber", () => {
    expect(proxyName(new URL(PROXIES.https))).toBe("proxy.example:3128");
    expect(proxyCredentials(PROXIES)).toEqual(expect.arrayContaining(["p@ss", "p%40ss"]));
    expect(proxyCredentials({ http: PROXIES.http })).toEqual([]);
  });
});
