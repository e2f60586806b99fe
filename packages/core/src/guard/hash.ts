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
 * A 32-bit hash of a JSON-like value that does not depend on object key order — an object's entries are
 * combined by addition, which commutes — and builds no string: the `repeat` key of every action. A
 * `repeat` limit compares consecutive actions only, so 32 bits leave a collision at odds of 1 in 4
 * billion per pair, and a collision could only make two actions look alike (deny more).
 *
 * @example
 * hashValue({ a: 1, b: [2, "x"] }) === hashValue({ b: [2, "x"], a: 1 }) // true
 */
export function hashValue(value: unknown): number {
  // +1 keeps 0 free: the engine's fresh records hold 0 as "no previous action".
  return h32(value, 0x9e3779b1, 0) + 1;
}

/**
 * The hash of a sequence of values, built one value at a time with no array: start from
 * {@link SEQUENCE_SEED}, fold each value in with `hashStep`, end with `hashEnd`. The same as hashing
 * the values as one list, for the same collision odds.
 *
 * @example
 * hashEnd(hashStep(hashStep(SEQUENCE_SEED, "a"), 1), 2) === hashValue(["a", 1]) // true
 */
export const SEQUENCE_SEED = 0x9e3779b1 ^ 8;

/** Folds one value into a sequence hash; see {@link SEQUENCE_SEED}. */
export function hashStep(h: number, value: unknown): number {
  // Most of an action's fields are absent: their term is a constant, computed once.
  return Math.imul(h ^ (value === undefined ? ABSENT_TERM : h32(value, 0x9e3779b1, 1)), 0x01000193);
}

/** Ends a sequence hash of `count` values; see {@link SEQUENCE_SEED}. */
export function hashEnd(h: number, count: number): number {
  return mix(h ^ count) + 1;
}

// Nesting beyond this is hashed as a marker: a repeat key needs no more, and a hostile value cannot
// make hashing recurse without bound.
const MAX_DEPTH = 64;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hStr(s: string, seed: number): number {
  let h = seed ^ s.length;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h);
}

function h32(v: unknown, seed: number, depth: number): number {
  if (depth > MAX_DEPTH) return mix(seed ^ 7);
  // Most frequent kinds first: an agent's arguments are mostly strings and numbers.
  if (typeof v === "string") return hStr(v, seed ^ 5);
  if (typeof v === "number") {
    f64[0] = v;
    return mix(Math.imul(seed ^ u32[0]!, 0x01000193) ^ u32[1]! ^ 4);
  }
  if (v === undefined) return mix(seed ^ 1);
  if (typeof v === "boolean") return mix(seed ^ (v ? 2 : 3));
  if (v === null) return mix(seed ^ 6);
  // bigint, symbol, function: not JSON; hashed by kind only.
  if (typeof v !== "object") return mix(seed ^ 10);
  if (Array.isArray(v)) {
    let h = seed ^ 8;
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ h32(v[i], seed, depth + 1), 0x01000193);
    return mix(h ^ v.length);
  }
  // Entries summed: the order of keys cannot change the result, and nothing is sorted. (Object.keys lists
  // own enumerable string keys, as JSON does, and is faster than `for…in` with an own-property test.)
  const keys = Object.keys(v);
  let sum = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    sum = (sum + mix(hStr(k, seed) ^ Math.imul(h32((v as Record<string, unknown>)[k], seed, depth + 1), 0x27d4eb2d))) >>> 0;
  }
  return mix(sum ^ Math.imul(keys.length, 0x165667b1) ^ 9);
}

// h32(undefined, seed, 1) for hashStep's seed, after the functions it needs are defined.
const ABSENT_TERM = h32(undefined, 0x9e3779b1, 1);
