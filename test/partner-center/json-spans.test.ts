import { describe, expect, it } from "vitest";
import {
  arrayElements,
  objectMembers,
  parseElements,
  parseSpan,
} from "../../src/partner-center/json-spans.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("json-spans: a page's rows parsed a slice at a time", () => {
  it("finds the members and the array's elements; slices parse to what JSON.parse gives", () => {
    const text =
      ' {"Value": [ {"a":"x\\\\\\"]}","b":[1,{"c":null}]}, 2 ,"s,]", true ],"TotalCount":4, "@nextLink":null}\n';
    const body = bytes(text);
    const members = objectMembers(body);
    expect([...(members?.keys() ?? [])]).toEqual(["Value", "TotalCount", "@nextLink"]);
    const value = members?.get("Value");
    if (value === undefined) throw new Error("no Value");
    const elements = arrayElements(body, value) ?? [];
    expect(elements).toHaveLength(4);
    const whole = JSON.parse(text) as { Value: unknown[] };
    expect(parseElements(body, elements, 0, 4)).toEqual(whole.Value);
    expect(parseElements(body, elements, 1, 3)).toEqual(whole.Value.slice(1, 3));
    expect(parseSpan(body, members?.get("TotalCount") ?? { start: 0, end: 0 })).toBe(4);
  });

  it.each([
    ["an array", "[1,2]"],
    ["unclosed", '{"Value":[1,2'],
    ["trailing text", '{"Value":[]} x'],
    ["no colon", '{"Value" []}'],
    ["an unterminated string", '{"Value":["abc]}'],
  ])("gives up on %s (the caller parses the body whole)", (_, text) => {
    const body = bytes(text);
    const members = objectMembers(body);
    const value = members?.get("Value");
    expect(members === undefined || value === undefined || !arrayElements(body, value)).toBe(true);
  });
});
