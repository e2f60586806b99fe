// JavaScript RegExp on the attack strings, with a time cap. Catastrophic backtracking blocks the thread
// that runs it and cannot be interrupted from inside, so each run happens in a worker thread that is
// terminated when the cap passes (and replaced for the next run).

import { Worker } from "node:worker_threads";

// Runs shorter than this are repeated (best of `reps`); longer ones are timed once.
const REPEAT_MS = 20;

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", ({ pattern, inputs, reps, repeatMs }) => {
  let re;
  try { re = new RegExp(pattern); } catch (e) { parentPort.postMessage({ syntax: String(e.message) }); return; }
  const out = [];
  for (const input of inputs) {
    const text = typeof input === "string" ? input : input.prefix + input.pump.repeat(input.n) + input.suffix;
    let best = Infinity, matched = false, spent = 0;
    // Repeat only the short runs, where a best-of filters noise: a run of tens of milliseconds is
    // backtracking, and repeating it would only spend the benchmark's time.
    for (let r = 0; r < reps && spent < repeatMs; r++) {
      re.lastIndex = 0;
      const t = performance.now();
      matched = re.test(text);
      const ms = performance.now() - t;
      spent += ms;
      if (ms < best) best = ms;
    }
    out.push({ ms: best, matched });
  }
  parentPort.postMessage({ out });
});
parentPort.postMessage({ ready: true });
`;

/**
 * One RegExp worker, replaced after each time-out.
 *
 * @example
 * const js = new RegExpRunner();
 * await js.run("^(a+)+$", [{ prefix: "", pump: "a", n: 40, suffix: "!" }], { capMs: 200 }); // { timedOut: true }
 * js.close();
 */
export class RegExpRunner {
  #worker = null;
  #ready = null;
  /** Workers started, the first included: each time-out costs one. */
  started = 0;

  async #get() {
    if (!this.#worker) {
      this.started++;
      this.#worker = new Worker(WORKER_SOURCE, { eval: true });
      // Startup is not part of any timing: wait for the worker before starting a cap's clock.
      this.#ready = new Promise((resolve, reject) => {
        this.#worker.once("message", resolve);
        this.#worker.once("error", reject);
      });
    }
    await this.#ready;
    return this.#worker;
  }

  /**
   * Tests `pattern` against each input (a string, or a recipe `{prefix, pump, n, suffix}` the worker
   * builds itself so that megabytes are not copied between threads). Resolves to `{ syntax }` when
   * JavaScript rejects the pattern, `{ timedOut: true }` when the whole batch outlives `capMs`, else
   * `{ out: [{ ms, matched }] }` with the best of `reps` runs per input.
   */
  async run(pattern, inputs, { capMs, reps = 3 }) {
    const worker = await this.#get();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        this.#worker = null;
        void worker.terminate();
        resolve({ timedOut: true });
      }, capMs);
      const onMessage = (msg) => {
        clearTimeout(timer);
        worker.off("error", onError);
        resolve(msg);
      };
      const onError = (e) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        this.#worker = null;
        reject(e);
      };
      worker.once("message", onMessage);
      worker.once("error", onError);
      worker.postMessage({ pattern, inputs, reps, repeatMs: REPEAT_MS });
    });
  }

  close() {
    if (this.#worker) void this.#worker.terminate();
    this.#worker = null;
  }
}
