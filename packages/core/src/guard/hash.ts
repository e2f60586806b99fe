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
