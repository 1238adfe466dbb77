import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

const require = createRequire(import.meta.url);

/**
 * One worker's loop: bcryptjs's compareSync, one check at a time. CommonJS source evaluated by
 * the worker, so it runs the same from dist/ and from the sources under test.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const bcrypt = require(workerData.bcryptjs);
parentPort.on("message", ({ password, hash }) => {
  let match = false;
  try { match = bcrypt.compareSync(password, hash); } catch {}
  parentPort.postMessage(match);
});
`;

/** Checks that may wait for a worker per worker; the rest are refused at once. */
const WAITING_PER_WORKER = 8;

interface Job {
  readonly password: string;
  readonly hash: string;
  readonly resolve: (match: boolean) => void;
}

export interface PasswordCheckPoolOptions {
  /** Workers; default: the cores but one (at least one), at most 4, so the event loop keeps a core. */
  readonly workers?: number;
  /** Checks waiting for a worker before more are refused. */
  readonly maxWaiting?: number;
}

/**
 * bcrypt is slow on purpose (tens of ms at cost 10); on the event loop a wrong-password flood
 * stalls every scrape and probe. Here each check runs in a worker thread, started when first
 * needed; a bounded queue waits for them and past it check() refuses (undefined) at once.
 */
export class PasswordCheckPool {
  readonly #size: number;
  readonly #maxWaiting: number;
  readonly #idle: Worker[] = [];
  readonly #all = new Set<Worker>();
  readonly #waiting: Job[] = [];

  constructor(options: PasswordCheckPoolOptions = {}) {
    this.#size = options.workers ?? Math.min(4, Math.max(1, availableParallelism() - 1));
    this.#maxWaiting = options.maxWaiting ?? this.#size * WAITING_PER_WORKER;
  }

  /** Whether `password` matches the bcrypt `hash`; undefined: too many checks waiting. */
  check(password: string, hash: string): Promise<boolean> | undefined {
    if (this.#idle.length === 0 && this.#all.size >= this.#size) {
      if (this.#waiting.length >= this.#maxWaiting) return undefined;
      return new Promise((resolve) => this.#waiting.push({ password, hash, resolve }));
    }
    return new Promise((resolve) =>
      this.#run(this.#idle.pop() ?? this.#spawn(), { password, hash, resolve }),
    );
  }

  /** Stops the workers; checks under way resolve as no match. */
  async close(): Promise<void> {
    const workers = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    for (const job of this.#waiting.splice(0)) job.resolve(false);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  #spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { bcryptjs: require.resolve("bcryptjs") },
    });
    // Idle workers never keep the process alive.
    worker.unref();
    this.#all.add(worker);
    return worker;
  }

  #run(worker: Worker, job: Job): void {
    const done = (match: boolean): void => {
      worker.off("message", answered);
      worker.off("error", lost);
      worker.off("exit", lost);
      job.resolve(match);
    };
    const answered = (match: boolean): void => {
      done(match);
      this.#next(worker);
    };
    const lost = (): void => {
      done(false);
      this.#all.delete(worker);
      void worker.terminate();
      const next = this.#waiting.shift();
      if (next !== undefined) this.#run(this.#spawn(), next);
    };
    worker.on("message", answered);
    worker.on("error", lost);
    worker.on("exit", lost);
    worker.postMessage({ password: job.password, hash: job.hash });
  }

  #next(worker: Worker): void {
    if (!this.#all.has(worker)) return;
    const next = this.#waiting.shift();
    if (next === undefined) this.#idle.push(worker);
    else this.#run(worker, next);
  }
}
