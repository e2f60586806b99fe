// One sink's queue in a chain: records go to the sink in order, one batch at a time (never a second
// batch before the first has settled); a failed batch stays at the head of the queue until a flush asks
// for a retry.

import { AuditError } from "../errors.js";
import type { AuditRecord } from "./record.js";
import type { AuditSink } from "./sinks.js";

// The most records one `write` receives: large enough to amortise a sink's per-call cost (a syscall, a
// request), small enough that a backlog after an outage is not handed over as one huge string.
const MAX_BATCH = 1024;

/**
 * How long a sink's `write` or `flush` may take before the sink counts as failing (decisions are denied
 * while it lasts, `audit_error`): a guard decides in microseconds, and a write still pending after half a
 * minute is an outage, not a slow disk. The write is not abandoned: when it settles the lane goes on.
 */
export const DEFAULT_SINK_TIMEOUT_MS = 30_000;

interface Waiter {
  target: number;
  resolve(): void;
  reject(error: AuditError): void;
}

/**
 * The queue between a chain and one of its sinks.
 *
 * @example
 * const lane = new SinkLane(memorySink(), 0, console.error);
 * lane.push(record, line); lane.drain(); await lane.flush(1);
 */
export class SinkLane {
  readonly sink: AuditSink;
  readonly index: number;
  /** The sink's last failure, until a batch or a flush succeeds again. */
  error: AuditError | undefined;
  readonly #onError: ((error: AuditError) => void) | undefined;
  // What is not yet written, the first ones in flight while `#busy`.
  #records: AuditRecord[] = [];
  #lines: string[] = [];
  #busy = false;
  // Set by a failure: nothing more is written until a flush asks for a retry.
  #paused = false;
  // Records written since the chain started.
  #done = 0;
  #waiters: Waiter[] = [];
  readonly #timeoutMs: number;
  // The write in flight has taken longer than `#timeoutMs` (it still may settle, late).
  #stalled = false;

  constructor(sink: AuditSink, index: number, onError?: (error: AuditError) => void, timeoutMs = DEFAULT_SINK_TIMEOUT_MS) {
    this.sink = sink;
    this.index = index;
    this.#onError = onError;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Queues a record and its line (the caller drains later, once per batch of appends).
   *
   * @example
   * lane.push(record, line);
   */
  push(record: AuditRecord, line: string): void {
    this.#records.push(record);
    this.#lines.push(line);
  }

  /**
   * Hands queued records to the sink, batch after batch, unless one is in flight or the lane failed.
   *
   * @example
   * queueMicrotask(() => lane.drain());
   */
  drain(): void {
    while (!this.#busy && !this.#paused && this.#records.length > 0) {
      const records = this.#records.slice(0, MAX_BATCH);
      const lines = this.#lines.slice(0, MAX_BATCH);
      let pending: void | Promise<void>;
      try {
        pending = this.sink.write(records, lines);
      } catch (e) {
        this.#fail(e);
        return;
      }
      if (pending !== undefined && typeof (pending as Promise<void>).then === "function") {
        this.#busy = true;
        const stall = this.#watch("write");
        (pending as Promise<void>).then(
          () => {
            clearTimeout(stall);
            this.#busy = false;
            this.#stalled = false;
            this.#written(records.length);
            this.drain();
          },
          (e: unknown) => {
            clearTimeout(stall);
            this.#busy = false;
            this.#stalled = false;
            this.#fail(e);
          },
        );
        return;
      }
      this.#written(records.length);
    }
  }

  /**
   * Resolves once `target` records are written and the sink's own `flush` has resolved; retries a failed
   * batch first. Rejects with the lane's AuditError `audit_sink` if the sink fails meanwhile.
   *
   * @example
   * await lane.flush(recordsAppendedSoFar);
   */
  async flush(target: number): Promise<void> {
    this.#paused = false;
    this.drain();
    if (this.#done < target) {
      if (this.#paused) throw this.error!;
      // A write already past its timeout: waiting for it would be waiting for what the timeout bounds.
      if (this.#busy && this.#stalled) throw this.error!;
      await new Promise<void>((resolve, reject) => this.#waiters.push({ target, resolve, reject }));
    }
    if (this.sink.flush === undefined) return;
    let stall: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        stall = this.#watch("flush", reject);
        Promise.resolve(this.sink.flush!()).then(resolve, reject);
      });
    } catch (e) {
      throw e === this.error && e instanceof AuditError && e.code === "audit_sink" ? e : this.#fail(e);
    } finally {
      clearTimeout(stall);
    }
    if (!this.#paused) this.error = undefined;
  }

  /**
   * Closes the sink (after the chain's final flush).
   *
   * @example
   * await lane.close();
   */
  async close(): Promise<void> {
    try {
      await this.sink.close?.();
    } catch (e) {
      throw this.#fail(e);
    }
  }

  /**
   * Starts the clock on a write or flush in flight: past the timeout the sink counts as failing (`error`
   * is set, so decisions deny, and whoever waits is told), without pausing the lane, so that the call
   * settling late carries on where it was and nothing is written twice.
   */
  #watch(what: "write" | "flush", reject?: (e: AuditError) => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      const error = new AuditError("audit_sink", `audit sink ${this.index} failed: its ${what} has not finished within ${this.#timeoutMs} ms`);
      this.error = error;
      if (what === "write") this.#stalled = true;
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w.reject(error);
      reject?.(error);
      try {
        this.#onError?.(error);
      } catch {
        // A throwing error handler changes nothing here.
      }
    }, this.#timeoutMs);
    // The clock must not keep a process alive that has nothing else to do.
    (timer as { unref?: () => void }).unref?.();
    return timer;
  }

  #written(n: number): void {
    this.#records.splice(0, n);
    this.#lines.splice(0, n);
    this.#done += n;
    this.error = undefined;
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.target <= this.#done) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }

  #fail(cause: unknown): AuditError {
    const message = cause instanceof Error ? cause.message : String(cause);
    const error = new AuditError("audit_sink", `audit sink ${this.index} failed: ${message}`, { cause });
    this.error = error;
    this.#paused = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(error);
    try {
      this.#onError?.(error);
    } catch {
      // A throwing error handler must not stop the chain from reporting the failure through `failure`.
    }
    return error;
  }
}
