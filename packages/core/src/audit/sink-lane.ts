// One sink's queue in a chain: records go to the sink in order, one batch at a time (never a second
// batch before the first has settled); a failed batch stays at the head of the queue until a flush asks
// for a retry.

import { AuditError } from "../errors.js";
import type { AuditRecord } from "./record.js";
import type { AuditSink } from "./sinks.js";

// The most records one `write` receives: large enough to amortise a sink's per-call cost (a syscall, a
// request), small enough that a backlog after an outage is not handed over as one huge string.
const MAX_BATCH = 1024;

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

  constructor(sink: AuditSink, index: number, onError?: (error: AuditError) => void) {
    this.sink = sink;
    this.index = index;
    this.#onError = onError;
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
        (pending as Promise<void>).then(
          () => {
            this.#busy = false;
            this.#written(records.length);
            this.drain();
          },
          (e: unknown) => {
            this.#busy = false;
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
      await new Promise<void>((resolve, reject) => this.#waiters.push({ target, resolve, reject }));
    }
    if (this.sink.flush === undefined) return;
    try {
      await this.sink.flush();
    } catch (e) {
      throw this.#fail(e);
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
