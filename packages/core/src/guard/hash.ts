/**
 * cyrb53: a fast 53-bit string hash, exact in an f64. Used where a collision can only make the guard
 * stricter (two actions looking alike to a `repeat` limit, a new session looking evicted).
 *
 * @example
 * hash53("session-1") // a number in [1, 2^53]
 */
export function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // +1 keeps 0 free: the engine's fresh records hold 0 as "no previous action".
  return 4294967296 * (2097151 & h2) + (h1 >>> 0) + 1;
}

/**
 * A 53-bit hash of a JSON-like value that does not depend on object key order (keys are visited
 * sorted, as RFC 8785 orders them) and builds no string: the `repeat` key of every action.
 *
 * @example
 * hashValue({ a: 1, b: [2, "x"] }) === hashValue({ b: [2, "x"], a: 1 }) // true
 */
export function hashValue(value: unknown): number {
  ha = 0xdeadbeef;
  hb = 0x41c6ce57;
  feedValue(value, 0);
  let h1 = Math.imul(ha ^ (ha >>> 16), 2246822507) ^ Math.imul(hb ^ (hb >>> 13), 3266489909);
  const h2 = Math.imul(hb ^ (hb >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  h1 >>>= 0;
  return 4294967296 * (2097151 & h2) + h1 + 1;
}

// Nesting beyond this is hashed as a marker: a repeat key needs no more, and a hostile value cannot
// make hashing recurse without bound.
const MAX_DEPTH = 64;

// The hash state lives in module scope: hashing runs on every action and must not allocate.
let ha = 0;
let hb = 0;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function feed(c: number): void {
  ha = Math.imul(ha ^ c, 2654435761);
  hb = Math.imul(hb ^ c, 1597334677);
}

function feedString(s: string): void {
  for (let i = 0; i < s.length; i++) feed(s.charCodeAt(i));
  feed(0x10000 + s.length);
}

function feedValue(v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) return feed(0x20007);
  switch (typeof v) {
    case "undefined": return feed(0x20000);
    case "boolean": return feed(v ? 0x20001 : 0x20002);
    case "number":
      // The number's bits: exact, and no string to build. (+0 and -0 differ; JSON would print both as 0.)
      f64[0] = v;
      feed(0x20003);
      feed(u32[0]!);
      return feed(u32[1]!);
    case "string": feed(0x20004); return feedString(v);
    case "object": {
      if (v === null) return feed(0x20005);
      if (Array.isArray(v)) {
        feed(0x20006);
        for (let i = 0; i < v.length; i++) feedValue(v[i], depth + 1);
        return feed(0x30000 + v.length);
      }
      feed(0x20008);
      const keys = Object.keys(v);
      // Sorted order, as RFC 8785 orders keys; most objects arrive sorted or nearly, so check first.
      for (let i = 1; i < keys.length; i++) {
        if (keys[i - 1]! > keys[i]!) {
          keys.sort();
          break;
        }
      }
      for (let i = 0; i < keys.length; i++) {
        feedString(keys[i]!);
        feedValue((v as Record<string, unknown>)[keys[i]!], depth + 1);
      }
      return feed(0x40000 + keys.length);
    }
    default:
      // bigint, symbol, function: not JSON; hashed by kind only.
      return feed(0x20009);
  }
}
