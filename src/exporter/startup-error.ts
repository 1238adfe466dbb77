/** A start-up problem the operator must fix; the CLI prints it as one line. */
export class StartupError extends Error {
  override name = "StartupError";
}
