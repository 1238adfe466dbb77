/** A problem found in the web config file's content; the caller names the file and setting. */
export class WebConfigProblem extends Error {
  override name = "WebConfigProblem";
}

export function problemText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
