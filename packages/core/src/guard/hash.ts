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
  const h = { a: 0xdeadbeef, b: 0x41c6ce57 };
  feedValue(h, value, 0);
  let h1 = Math.imul(h.a ^ (h.a >>> 16), 2246822507) ^ Math.imul(h.b ^ (h.b >>> 13), 3266489909);
  const h2 = Math.imul(h.b ^ (h.b >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  h1 >>>= 0;
  return 4294967296 * (2097151 & h2) + h1 + 1;
}

// Nesting beyond this is hashed as a marker: a repeat key needs no more, and a hostile value cannot
// make hashing recurse without bound.
const MAX_DEPTH = 64;

function feed(h: { a: number; b: number }, c: number): void {
  h.a = Math.imul(h.a ^ c, 2654435761);
  h.b = Math.imul(h.b ^ c, 1597334677);
}

function feedString(h: { a: number; b: number }, s: string): void {
  for (let i = 0; i < s.length; i++) feed(h, s.charCodeAt(i));
  feed(h, 0x10000 + s.length);
}

function feedValue(h: { a: number; b: number }, v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) return feed(h, 0x20007);
  switch (typeof v) {
    case "undefined": return feed(h, 0x20000);
    case "boolean": return feed(h, v ? 0x20001 : 0x20002);
    case "number": feed(h, 0x20003); return feedString(h, String(v));
    case "string": feed(h, 0x20004); return feedString(h, v);
    case "object": {
      if (v === null) return feed(h, 0x20005);
      if (Array.isArray(v)) {
        feed(h, 0x20006);
        for (const x of v) feedValue(h, x, depth + 1);
        return feed(h, 0x30000 + v.length);
      }
      feed(h, 0x20008);
      const keys = Object.keys(v).sort();
      for (const k of keys) {
        feedString(h, k);
        feedValue(h, (v as Record<string, unknown>)[k], depth + 1);
      }
      return feed(h, 0x40000 + keys.length);
    }
    default:
      // bigint, symbol, function: not JSON; hashed by kind only.
      return feed(h, 0x20009);
  }
}
