// Where audit records go. A sink receives records in chain order, one batch at a time (the chain never
// hands a sink a second batch before the first has settled), and reports failure by throwing or
// rejecting: the chain keeps the batch and hands it again on the next flush. These sinks run in every
// runtime; the file sink is Node-only (file-sink-node.ts).

import { AuditError } from "../errors.js";
import { recordLine } from "./record-json.js";
import type { AuditRecord } from "./record.js";

/**
 * A destination for audit records.
 *
 * @example
 * const sink: AuditSink = { write: (records, lines) => { for (const l of lines) queue.push(l); } };
 */
export interface AuditSink {
  /**
   * Writes one batch, in order. `lines[i]` is the JSON line of `records[i]` (without newline), exactly as
   * it was hashed plus its `hash`: a sink that writes text writes these. Throw or reject on failure: the
   * batch is handed again later.
   */
  write(records: readonly AuditRecord[], lines: readonly string[]): void | Promise<void>;
  /** Makes everything written so far durable (the file sink syncs to disk). */
  flush?(): Promise<void>;
  /** Releases what the sink holds; called once, by the chain's `close`, after a final flush. */
  close?(): Promise<void>;
}

/**
 * A sink that keeps records in memory: `records` (the objects) and `lines` (the canonical lines, as a
 * file would hold them). For tests and short-lived tools; it grows without bound.
 *
 * @example
 * const mem = memorySink(); const chain = new AuditChain({ sinks: [mem] });
 * chain.append(entry); await chain.flush(); mem.records.length // 1
 */
export function memorySink(): AuditSink & { readonly records: AuditRecord[]; readonly lines: string[] } {
  const records: AuditRecord[] = [];
  const lines: string[] = [];
  return {
    records,
    lines,
    write(batch, batchLines) {
      for (let i = 0; i < batch.length; i++) {
        records.push(batch[i]!);
        lines.push(batchLines[i] ?? recordLine(batch[i]!));
      }
    },
  };
}

/**
 * A sink that hands each batch to a function; a rejection or throw is a sink failure.
 *
 * @example
 * const sink = callbackSink(async (records) => { await db.insertMany(records); });
 */
export function callbackSink(fn: (records: readonly AuditRecord[], lines: readonly string[]) => void | Promise<void>): AuditSink {
  return { write: (records, lines) => fn(records, lines) };
}

/**
 * Something with a `write(text)`: `process.stdout`, a Node stream, a test double.
 *
 * @example
 * const stream: LineStream = { write: (s) => void chunks.push(s) };
 */
export interface LineStream {
  write(text: string): unknown;
}

/**
 * A sink that prints one JSON line per record, to `console.log` or to `stream`.
 *
 * @example
 * new AuditChain({ sinks: [consoleSink({ stream: process.stderr })] });
 */
export function consoleSink(options: { stream?: LineStream } = {}): AuditSink {
  const { stream } = options;
  return {
    write(records, lines) {
      for (let i = 0; i < records.length; i++) {
        const line = lines[i] ?? recordLine(records[i]!);
        if (stream) stream.write(line + "\n");
        else console.log(line);
      }
    },
  };
}

/**
 * Options of {@link browserSink}.
 *
 * @example
 * const options: BrowserSinkOptions = { url: "/audit", headers: { authorization: "Bearer …" } };
 */
export interface BrowserSinkOptions {
  /** Where batches are POSTed. */
  url: string | URL;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

// Browsers refuse a `keepalive` request once the bodies of all pending keepalive requests exceed 64 KiB
// (Fetch standard, "HTTP-network-or-cache fetch"); staying below it leaves room for other keepalive
// traffic of the page. A single larger record goes alone, without keepalive.
const KEEPALIVE_BYTES = 48 * 1024;

/**
 * A sink that POSTs each batch as JSON Lines (`application/x-ndjson`) with `fetch`, `keepalive: true`
 * so that the last batch of a closing page still leaves. A response other than 2xx is a failure: the
 * batch is sent again on the next flush, so the endpoint may see a batch twice when a response is lost
 * (each record's `seq` and `hash` identify it). Works in Node too.
 *
 * @example
 * new AuditChain({ sinks: [browserSink({ url: "https://audit.example/ingest" })] });
 */
export function browserSink(options: BrowserSinkOptions): AuditSink {
  const url = String(options.url);
  const headers = { "content-type": "application/x-ndjson", ...options.headers };
  return {
    async write(records, lines) {
      const doFetch = options.fetch ?? globalThis.fetch;
      for (const { body, keepalive } of chunks(records, lines)) {
        const res = await doFetch(url, { method: "POST", body, headers, keepalive });
        // The body is not needed; cancelling frees the connection.
        await res.body?.cancel().catch(() => undefined);
        if (!res.ok) throw new AuditError("audit_sink", `audit endpoint \`${url}\` answered ${res.status}`);
      }
    },
  };
}

function* chunks(records: readonly AuditRecord[], lines: readonly string[]): Generator<{ body: string; keepalive: boolean }> {
  let body = "";
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const line = (lines[i] ?? recordLine(records[i]!)) + "\n";
    const n = utf8Length(line);
    if (bytes > 0 && bytes + n > KEEPALIVE_BYTES) {
      yield { body, keepalive: true };
      body = "";
      bytes = 0;
    }
    body += line;
    bytes += n;
  }
  if (bytes > 0) yield { body, keepalive: bytes <= KEEPALIVE_BYTES };
}

// UTF-8 sizes by code unit: below U+0080 one byte, below U+0800 two, the rest of the BMP three.
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    // A surrogate pair is 4 bytes: count 2 for each half.
    else if (c >= 0xd800 && c <= 0xdfff) n += 2;
    else n += 3;
  }
  return n;
}
