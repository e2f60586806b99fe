// Shared by the audit tests: a seeded random source and generators of odd strings, numbers, JSON values
// and audit entries, so that the serialisers are compared with `canonicalize` over many shapes.

import { AUDIT_EFFECTS, type AuditAction, type AuditEntry } from "./record.js";

/** A seeded PRNG (mulberry32): the same runs every time, on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;

export const int = (r: Rand, n: number): number => Math.floor(r() * n);
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

export const POLICY = "b".repeat(64);
export const hex = (c: string): string => c.repeat(64);

// Pieces that stress JSON escaping and UTF-16 ordering: control characters, quotes, backslashes, the
// line separators JSON allows raw, DEL, non-ASCII in every UTF-8 length, surrogate pairs.
const PIECES = [
  "a", "Z", "0", "_", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\u0000", "\u0001", "\u001f", "\u007f",
  "\u0080", "é", "ß", "€", "中", "\u2028", "\u2029", "\ufeff", "\uffff", "😀", "\ud83d\ude00", "𝄞", "ud800", "\\ud800",
  "key", "__proto__", "constructor", "toString",
];
const LONE = ["\ud800", "\udbff", "\udc00", "\udfff"];

/** A string of 0–12 odd pieces; with `lone`, sometimes a lone surrogate too. */
export function oddString(r: Rand, lone = false): string {
  let s = "";
  const n = int(r, 13);
  for (let i = 0; i < n; i++) s += lone && r() < 0.05 ? pick(r, LONE) : pick(r, PIECES);
  return s;
}

const NUMBERS = [
  0, -0, 1, -1, 0.1, 0.5, 1.5e-7, 1e-7, 1e-6, 123e-20, 1e21, 1e20, 999999999999999900000, 2 ** 53, -(2 ** 53), 2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 0.1 + 0.2, 1 / 3, 4.35, 333333333.3333333,
  1767225600000, 65535, 9007199254740993,
];

/** A finite number: an edge case, a random double (any bit pattern), or a small integer. */
export function oddNumber(r: Rand): number {
  const k = int(r, 3);
  if (k === 0) return pick(r, NUMBERS);
  if (k === 1) return int(r, 2000) - 1000;
  const b = new DataView(new ArrayBuffer(8));
  b.setUint32(0, int(r, 2 ** 32));
  b.setUint32(4, int(r, 2 ** 32));
  const x = b.getFloat64(0);
  return Number.isFinite(x) ? x : 0;
}

/** A plain JSON value, nested up to `depth`; keys are odd strings (integer-like ones with `indexKeys`). */
export function jsonValue(r: Rand, depth: number, opts: { lone?: boolean; indexKeys?: boolean } = {}): unknown {
  const k = int(r, depth > 0 ? 7 : 5);
  switch (k) {
    case 0:
      return oddString(r, opts.lone);
    case 1:
      return oddNumber(r);
    case 2:
      return r() < 0.5;
    case 3:
      return null;
    case 4:
      return oddString(r, opts.lone);
    case 5: {
      const n = int(r, 4);
      return Array.from({ length: n }, () => jsonValue(r, depth - 1, opts));
    }
    default:
      return jsonObject(r, depth - 1, opts);
  }
}

export function jsonObject(r: Rand, depth: number, opts: { lone?: boolean; indexKeys?: boolean } = {}): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const n = int(r, 5);
  for (let i = 0; i < n; i++) {
    const key = opts.indexKeys && r() < 0.3 ? String(int(r, 20)) : oddString(r, opts.lone);
    Object.defineProperty(o, key, { value: jsonValue(r, depth, opts), enumerable: true, writable: true, configurable: true });
  }
  return o;
}

const KINDS = ["tool", "http", "shell", "fs.read", "fs.write", "db", "message", "delegate", "mcp"];

/** A valid entry with a random subset of fields and odd values everywhere a string or number may go. */
export function randomEntry(r: Rand, opts: { lone?: boolean; indexKeys?: boolean } = {}): AuditEntry {
  const s = () => oddString(r, opts.lone);
  const maybe = <T>(f: () => T): T | undefined => (r() < 0.5 ? f() : undefined);
  const type = pick(r, ["decision", "result", "instruction", "plan", "reset", "approval"] as const);
  const action: AuditAction | undefined = maybe(() => {
    const a: AuditAction = { kind: pick(r, KINDS) };
    for (const f of ["tool", "target", "method", "url", "host", "path", "query", "command", "program", "file", "statement", "origin"] as const) {
      if (r() < 0.3) a[f] = s();
    }
    if (r() < 0.3) a.port = int(r, 65536);
    if (r() < 0.3) a.labels = Array.from({ length: int(r, 3) }, s);
    if (r() < 0.2) a.usage = { tokens: int(r, 10000), cost: oddNumber(r) };
    if (r() < 0.5) {
      a.args_hash = hex(pick(r, ["a", "0", "f"]));
      if (r() < 0.7) a.args = jsonObject(r, 3, opts);
    }
    return a;
  });
  const e: AuditEntry = { type, now: 1767225600000 + int(r, 10 ** 9), session: s(), policy: POLICY };
  const set = <K extends keyof AuditEntry>(k: K, v: AuditEntry[K] | undefined) => {
    if (v !== undefined) e[k] = v;
  };
  set("agent", maybe(s));
  set("adapter", maybe(() => pick(r, ["core", "langchain", "openai"])));
  set("action", action);
  set("effect", maybe(() => pick(r, AUDIT_EFFECTS)));
  set("rule", maybe(s));
  set("code", maybe(s));
  set("reason", maybe(s));
  set("matched", maybe(() => Array.from({ length: int(r, 4) }, s)));
  set("labels", maybe(() => Array.from({ length: int(r, 3) }, s)));
  set("shadow", maybe(() => true as const));
  set("input", maybe(() => hex("c")));
  set("latency_us", maybe(() => Math.abs(oddNumber(r))));
  if (type === "approval") e.event = { ...jsonObject(r, 2, opts), id: s(), state: pick(r, ["pending", "granted", "denied"]) };
  else if (type === "result") set("event", maybe(() => ({ output_hash: hex("d"), labels: [s()], ...(r() < 0.5 ? { redacted: int(r, 5), ...(r() < 0.5 ? { redaction: pick(r, ["over", "withheld"] as const) } : {}) } : {}) })));
  else set("event", maybe(() => jsonObject(r, 3, opts)));
  return e;
}

/** A plain decision entry, the shape the guard writes most. */
export function decision(i: number, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    type: "decision", now: 1767225600000 + i, session: `s${i % 7}`, adapter: "core", policy: POLICY,
    action: { kind: "tool", tool: "refund", args_hash: hex("a"), args: { amount: i } },
    effect: i % 3 === 0 ? "deny" : "allow", code: "rule", rule: `r${i % 5}`, matched: [`r${i % 5}`], input: hex("c"), latency_us: 2.5,
    ...extra,
  };
}
