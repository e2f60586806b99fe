/**
 * Percent-decoding shared by the URL and path canonicalisers. Internal: not re-exported from the index.
 */

const encoder = new TextEncoder();
// `ignoreBOM` keeps a decoded leading U+FEFF instead of silently dropping it: what we show must be what was sent.
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * Decodes every valid `%XX` escape once, reading the resulting bytes as UTF-8. Invalid escapes (`%zz`, a lone `%`)
 * stay as written and byte sequences that are not valid UTF-8 become U+FFFD. Never throws.
 *
 * @example
 * percentDecodeOnce("/a%2Fb%zz%C3%A9"); // "/a/b%zzé"
 */
export function percentDecodeOnce(s: string): string {
  if (!s.includes("%")) return s;
  const bytes: number[] = [];
  let literalStart = 0;
  let i = 0;
  const flushLiteral = (end: number): void => {
    if (end > literalStart) for (const b of encoder.encode(s.slice(literalStart, end))) bytes.push(b);
  };
  while (i < s.length) {
    if (s.charCodeAt(i) === 37 && i + 2 < s.length) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        flushLiteral(i);
        bytes.push(hi * 16 + lo);
        i += 3;
        literalStart = i;
        continue;
      }
    }
    i++;
  }
  flushLiteral(s.length);
  return decoder.decode(Uint8Array.from(bytes));
}

/**
 * Decodes repeatedly until nothing changes (at most `maxRounds` rounds), so double-encoded input (`%252e`) reaches the
 * same form as plain input. Each round is linear and the rounds are capped, so the whole is linear.
 *
 * @example
 * percentDecodeFully("/%252e%252e/etc"); // "/../etc"
 */
export function percentDecodeFully(s: string, maxRounds = 8): string {
  let current = s;
  for (let round = 0; round < maxRounds; round++) {
    const next = percentDecodeOnce(current);
    if (next === current) break;
    current = next;
  }
  return current;
}
