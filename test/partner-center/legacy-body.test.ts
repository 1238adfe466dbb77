import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rowLimit, TooManySeriesError } from "../../src/collectors/row-cap.js";
import { InvalidResponseError } from "../../src/partner-center/errors.js";
import { fetchLegacyRows } from "../../src/partner-center/legacy-body.js";
import { LICENSE_USAGE_PATH } from "../../src/partner-center/paths.js";
import { clientStack } from "../helpers/client-stack.js";
import { usageItem } from "../helpers/harness.js";
import { PartnerCenterSimulator } from "../helpers/simulator.js";

const context = { correlationId: "6b588e9b-1d02-471a-bce2-79374497c24e" };
const cap = (max: number) => rowLimit({ max, setting: "PARTNER_MAX_SERIES" });

let simulator: PartnerCenterSimulator;
beforeEach(async () => {
  simulator = new PartnerCenterSimulator();
  await simulator.start();
});
afterEach(async () => {
  await simulator.stop();
});

/**
 * The rows fetchLegacyRows hands over, slice by slice, in `marks` with the turns of the event loop:
 * each slice schedules a mark for the next turn, which comes before the next slice only if the
 * reader let the event loop run in between.
 */
async function read(max: number, client?: Awaited<ReturnType<typeof clientStack>>["client"]) {
  const api = client ?? (await clientStack(simulator)).client;
  const slices: unknown[][] = [];
  const marks: string[] = [];
  const count = await fetchLegacyRows(
    api,
    { path: LICENSE_USAGE_PATH, cap: cap(max) },
    context,
    (rows) => {
      slices.push([...rows]);
      marks.push("slice");
      setImmediate(() => marks.push("turn"));
    },
  );
  return { count, slices, marks };
}

describe("the legacy partner-wide body", () => {
  it("hands its rows over a slice of 1,000 at a time, with the event loop free in between", async () => {
    const items = Array.from({ length: 2_500 }, (_, i) => usageItem(`w${i}`, i));
    simulator.setUsageBody(JSON.stringify({ totalCount: items.length, items }));
    const { count, slices, marks } = await read(50_000);
    expect(count).toBe(2_500);
    expect(slices.map((s) => s.length)).toEqual([1_000, 1_000, 500]);
    expect(slices.flat()).toEqual(items);
    expect(marks.slice(0, 5)).toEqual(["slice", "turn", "slice", "turn", "slice"]);
  });

  it("fails over the cap before parsing a row, naming the setting", async () => {
    const items = Array.from({ length: 4 }, (_, i) => usageItem(`w${i}`, i));
    simulator.setUsageBody(JSON.stringify({ totalCount: 4, items }));
    const { client } = await clientStack(simulator);
    const error = await read(3, client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManySeriesError);
    expect((error as Error).message).toBe(
      "Partner Center reports 4 rows, over PARTNER_MAX_SERIES=3: raise PARTNER_MAX_SERIES",
    );
    expect((await read(4, client)).count).toBe(4);
  });

  it("trusts an announced totalCount over the cap without scanning, and a low one not at all", async () => {
    const { client } = await clientStack(simulator);
    const items = Array.from({ length: 4 }, (_, i) => usageItem(`w${i}`, i));
    simulator.setUsageBody(JSON.stringify({ totalCount: 900, items }));
    expect(await read(10, client).catch((e: unknown) => (e as Error).message)).toMatch(
      /^Partner Center reports 900 rows, over PARTNER_MAX_SERIES=10/,
    );
    simulator.setUsageBody(JSON.stringify({ totalCount: 1, items }));
    expect(await read(3, client).catch((e: unknown) => (e as Error).message)).toMatch(
      /^Partner Center reports 4 rows, over PARTNER_MAX_SERIES=3/,
    );
  });

  it.each([
    ['{"totalCount":1,"items":"x"}', 'items is "x"'],
    ['{"totalCount":1}', "items is missing"],
    ['{"totalCount":1,"items":null}', "items is null"],
    ["[1,2]", "items is missing"],
    ['{"items":[{"a":1},]}', "body is not JSON"],
  ])("rejects a body of another shape whole: %s", async (body, message) => {
    simulator.setUsageBody(body);
    const error = await read(10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toContain(message);
  });
});
