import { describe, expect, it } from "vitest";
import { InvalidResponseError } from "../../src/partner-center/errors.js";
import { nextLinkPath } from "../../src/partner-center/paging.js";

const BASE = "http://127.0.0.1:9842";

describe("nextLinkPath", () => {
  it("turns a link under the base URL into a path", () => {
    expect(nextLinkPath(BASE, `${BASE}/v1/analytics/x?skip=10`)).toBe("/v1/analytics/x?skip=10");
    expect(nextLinkPath(`${BASE}/pc`, "/pc/v1/x?skip=10")).toBe("/v1/x?skip=10");
  });

  it.each([
    ["another host", "http://partner-center.example.invalid/v1/x", /points to another host/],
    ["no URL at all", "http://exa mple.com/v1/x", /next link is not a URL \("http:\/\/exa mple/],
  ])("refuses a link to %s as an invalid response (never a TypeError)", (_, link, message) => {
    expect(() => nextLinkPath(BASE, link)).toThrow(InvalidResponseError);
    expect(() => nextLinkPath(BASE, link)).toThrow(message);
  });
});
