import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

/** Set to 1 to rewrite the golden files from what the tests produce (then review the diff). */
export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === "1";

/**
 * The exposition must be the golden file, byte for byte. With UPDATE_GOLDEN=1 the file is
 * written first, so the run rewrites every golden file it reaches: `git diff` shows the change.
 */
export async function expectGolden(actual: string, golden: URL): Promise<void> {
  if (UPDATE_GOLDEN) await writeFile(golden, actual);
  const expected = await readFile(golden, "utf8");
  expect(actual, `${fileURLToPath(golden)} differs (UPDATE_GOLDEN=1 rewrites it)`).toBe(expected);
}
