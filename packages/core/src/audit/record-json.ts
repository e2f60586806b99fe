// The canonical JSON of one audit record, written field by field in RFC 8785 order (properties sorted by
// UTF-16 code units) instead of sorting keys at run time: the record's shape is fixed. The verifier and
// the chain's fallback use it; record-json.test.ts proves it equal to `canonicalize`.

import { fastValue, isFallback, jsonString, toPlainJson } from "./canonical.js";
import type { AuditRecord } from "./record.js";

/**
 * The canonical JSON (RFC 8785) of a record without `hash`: what the chain hashes. A `hash` present is
 * ignored. The record and its `action` must hold only the format's keys — the chain builds them so and
 * the verifier checks them first — because only those keys are written. `depth` is where nested values
 * start counting towards the fast path's depth limit; pass `-Infinity` for a value already made plain
 * (no limit: it cannot hold a cycle). Throws the fast path's fallback marker for values it does not
 * handle (see `isFallback`).
 *
 * @example
 * const body = recordBody({ v: 1, seq: 0, type: "reset", ts, now, session: "s", policy, prev });
 */
export function recordBody(r: Readonly<Record<string, unknown>>, depth = 1): string {
  let out = "";
  const action = r.action;
  if (action !== undefined) {
    const a = action !== null && typeof action === "object" && !Array.isArray(action)
      ? actionJson(action as Record<string, unknown>, depth + 1)
      : fastValue(action, depth);
    if (a !== undefined) out += ',"action":' + a;
  }
  out = member(out, "adapter", r.adapter, depth);
  out = member(out, "agent", r.agent, depth);
  out = member(out, "code", r.code, depth);
  out = member(out, "effect", r.effect, depth);
  out = member(out, "event", r.event, depth);
  out = member(out, "input", r.input, depth);
  out = member(out, "labels", r.labels, depth);
  out = member(out, "latency_us", r.latency_us, depth);
  out = member(out, "matched", r.matched, depth);
  out = member(out, "now", r.now, depth);
  out = member(out, "policy", r.policy, depth);
  out = member(out, "prev", r.prev, depth);
  out = member(out, "reason", r.reason, depth);
  out = member(out, "rule", r.rule, depth);
  out = member(out, "seq", r.seq, depth);
  out = member(out, "session", r.session, depth);
  out = member(out, "shadow", r.shadow, depth);
  out = member(out, "ts", r.ts, depth);
  out = member(out, "type", r.type, depth);
  out = member(out, "v", r.v, depth);
  // Each member starts with a comma; the first drops it.
  return "{" + out.slice(1) + "}";
}

/**
 * The line the log holds for a record: its canonical JSON without `hash` (what was hashed), with `hash`
 * added as the last member. A reader can see what was hashed; a verifier recomputes it from the parsed
 * record all the same.
 *
 * @example
 * const line = recordLineFrom(recordBody(record), record.hash);
 */
export function recordLineFrom(body: string, hash: string): string {
  // `hash` comes from a SHA-256 function (hex) or a checked record: nothing in it to escape.
  return (body === "{}" ? "{" : body.slice(0, -1) + ",") + '"hash":"' + hash + '"}';
}

/**
 * The line a sink writes for a record (without the newline), for sinks that are not handed the lines
 * (the chain hands them along with the records).
 *
 * @example
 * stream.write(recordLine(record) + "\n");
 */
export function recordLine(record: AuditRecord): string {
  let body: string;
  try {
    body = recordBody(record as unknown as Record<string, unknown>);
  } catch (e) {
    if (!isFallback(e)) throw e;
    body = recordBody(toPlainJson(record) as Record<string, unknown>, -Infinity);
  }
  return recordLineFrom(body, record.hash);
}

function member(out: string, key: string, v: unknown, depth: number): string {
  if (v === undefined) return out;
  // Most fields are strings: skip the generic dispatch for them.
  const s = typeof v === "string" ? jsonString(v) : fastValue(v, depth);
  return s === undefined ? out : out + ',"' + key + '":' + s;
}

function actionJson(a: Record<string, unknown>, depth: number): string {
  let out = "";
  out = member(out, "args", a.args, depth);
  out = member(out, "args_hash", a.args_hash, depth);
  out = member(out, "command", a.command, depth);
  out = member(out, "file", a.file, depth);
  out = member(out, "host", a.host, depth);
  out = member(out, "kind", a.kind, depth);
  out = member(out, "labels", a.labels, depth);
  out = member(out, "method", a.method, depth);
  out = member(out, "origin", a.origin, depth);
  out = member(out, "path", a.path, depth);
  out = member(out, "port", a.port, depth);
  out = member(out, "program", a.program, depth);
  out = member(out, "query", a.query, depth);
  out = member(out, "statement", a.statement, depth);
  out = member(out, "target", a.target, depth);
  out = member(out, "tool", a.tool, depth);
  out = member(out, "url", a.url, depth);
  out = member(out, "usage", a.usage, depth);
  return "{" + out.slice(1) + "}";
}
