import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** node_exporter-style start-up: every stage that started something defers its undo here. */
export type Step = () => Promise<void> | void;

/** What has started, undone in reverse: on a failed start and on stop, by the same steps. */
export class Cleanup {
  readonly #steps: Step[] = [];

  defer(step: Step): void {
    this.#steps.push(step);
  }

  /** Runs every step once, last deferred first; the first failure is thrown after all ran. */
  async run(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (let step = this.#steps.pop(); step !== undefined; step = this.#steps.pop()) {
      try {
        await step();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}

/** A fresh folder in the temporary directory, removed with what was written in it by `cleanup`. */
export async function temporaryDir(prefix: string, cleanup: Cleanup): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
