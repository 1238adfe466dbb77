import { describe, expect, it } from "vitest";
import { SecretScrubber } from "../../src/log/secret-scrubber.js";
import { proxyCredentials } from "../../src/net/proxy.js";

/** Issue 19: a secret is masked in every spelling it can travel in, not only raw and JSON. */

const SECRET = 'abc8Q~Xy+z/Secret=value with "quotes", a\\backslash & (parens)!';

const spelled: Record<string, string> = {
  raw: SECRET,
  "JSON-escaped": JSON.stringify(SECRET).slice(1, -1),
  encodeURIComponent: encodeURIComponent(SECRET),
  "encodeURIComponent, lower-case hex": encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (e) =>
    e.toLowerCase(),
  ),
  "a form (x-www-form-urlencoded, + for space)": new URLSearchParams({ s: SECRET })
    .toString()
    .slice(2),
  base64: Buffer.from(SECRET).toString("base64"),
};

describe("the secret scrubber", () => {
  it("the spellings differ from each other (else the table proves less than it says)", () => {
    expect(new Set(Object.values(spelled)).size).toBe(Object.keys(spelled).length);
    expect(spelled["a form (x-www-form-urlencoded, + for space)"]).toContain("+");
    expect(spelled["a form (x-www-form-urlencoded, + for space)"]).toContain("%7E");
    expect(spelled.encodeURIComponent).toContain("~");
  });

  it.each(Object.entries(spelled))("masks the secret %s, inside other text", (_name, spelling) => {
    const scrubber = new SecretScrubber();
    scrubber.add(SECRET);
    const line = `{"msg":"refused: grant_type=refresh_token&client_secret=${spelling}&x=1"}`;
    const out = scrubber.scrub(line);
    expect(out).toBe('{"msg":"refused: grant_type=refresh_token&client_secret=[REDACTED]&x=1"}');
  });

  it.each(Object.entries(spelled))("masks a rotating token %s too", (_name, spelling) => {
    const scrubber = new SecretScrubber();
    scrubber.addRotating(SECRET);
    expect(scrubber.scrub(`token ${spelling}.`)).toBe("token [REDACTED].");
  });

  it("keeps the newest 32 rotating tokens, each in all its spellings", () => {
    const scrubber = new SecretScrubber();
    const tokens = Array.from({ length: 33 }, (_, i) => `token ${i} with/odd+chars`);
    for (const token of tokens) scrubber.addRotating(token);
    expect(scrubber.scrub(encodeURIComponent(tokens[1] ?? ""))).toBe("[REDACTED]");
    expect(scrubber.scrub(tokens[32] ?? "")).toBe("[REDACTED]");
    // The oldest one is gone: it is a past token, not one of the newest 32.
    expect(scrubber.scrub(tokens[0] ?? "")).toBe(tokens[0]);
  });

  it("masks proxy credentials as Basic auth sends them (base64 of user:password, decoded)", () => {
    const scrubber = new SecretScrubber();
    for (const credential of proxyCredentials({
      https: "http://svc%20pce:p%40ss%3Aw0rd@proxy:3128",
    })) {
      scrubber.add(credential);
    }
    const header = `Proxy-Authorization: Basic ${Buffer.from("svc pce:p@ss:w0rd").toString("base64")}`;
    expect(scrubber.scrub(header)).toBe("Proxy-Authorization: Basic [REDACTED]");
    expect(scrubber.scrub("p@ss:w0rd and p%40ss%3Aw0rd")).toBe("[REDACTED] and [REDACTED]");
  });
});
