import { expect, it, describe as suite } from "vitest";
import { describe } from "../../src/boundaries/check-boundary.js";

/** What describe showed before it wrote the prefix itself: JSON.stringify, cut at 60. */
function stringified(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

suite("describe: a value as a log line shows it", () => {
  it.each([
    ["a string", "12"],
    ["a long string", "x".repeat(500)],
    ["quotes and escapes", 'a "quoted" \\ value\n'],
    ["a number", 12.5],
    ["null", null],
    ["a boolean", true],
    ["an empty array", []],
    ["an empty object", {}],
    ["a short object", { a: 1, b: [true, null, "x"] }],
    ["a long array", Array.from({ length: 100 }, (_, i) => i)],
    ["a wide object", Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key${i}`, i]))],
    [
      "nested objects",
      { a: { b: { c: { d: "deep enough to cut here, well past sixty characters" } } } },
    ],
  ])("%s: the same text as JSON.stringify, cut at 60 characters", (_name, value) => {
    expect(describe(value)).toBe(stringified(value));
  });

  it("says missing for an absent value", () => {
    expect(describe(undefined)).toBe("missing");
  });

  it("shows the start of a value nested 100k levels deep (JSON.stringify overflows the stack)", () => {
    const deep: unknown = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(describe(deep)).toBe(`${"[".repeat(60)}...`);
    const deepObject: unknown = JSON.parse(`${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`);
    expect(describe(deepObject)).toBe(`${'{"a":'.repeat(12)}...`);
  });
});
