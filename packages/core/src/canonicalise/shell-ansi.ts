/**
 * Decoding of bash ANSI-C quoting (`$'…'`). It is not an expansion: the value is fixed by the text, so decoding it
 * lets `$'\x72\x6d'` be judged as the `rm` it is.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

const SIMPLE_ESCAPES: ReadonlyMap<string, number> = new Map([
  ["a", 7], ["b", 8], ["e", 27], ["E", 27], ["f", 12], ["n", 10], ["r", 13], ["t", 9], ["v", 11],
  ["\\", 92], ["'", 39], ['"', 34], ["?", 63],
]);

function safeCodePoint(code: number): string {
  return code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? "\ufffd" : String.fromCodePoint(code);
}

/**
 * Decodes the body of `$'…'` starting at `start` (just after the opening quote) up to the closing quote. Like bash,
 * `\xHH` and octal escapes are bytes (read together as UTF-8), `\u`/`\U` are code points and a NUL ends the value.
 * Never throws; an unterminated body runs to the end of `src` with `closed: false`.
 *
 * @example
 * decodeAnsiC("$'r\\x6d'  x", 2); // { value: "rm", end: 9, closed: true }
 */
export function decodeAnsiC(src: string, start: number): { value: string; end: number; closed: boolean } {
  let pos = start;
  const bytes: number[] = [];
  let ended = false;
  const put = (code: number): void => {
    if (code === 0) ended = true;
    if (ended) return;
    if (code < 0x80) bytes.push(code);
    else for (const b of encoder.encode(safeCodePoint(code))) bytes.push(b);
  };
  const putByte = (byte: number): void => {
    if (byte === 0) ended = true;
    if (!ended) bytes.push(byte);
  };
  const digits = (re: RegExp, max: number): string => {
    const begin = pos;
    while (pos - begin < max && re.test(src[pos] ?? "")) pos++;
    return src.slice(begin, pos);
  };
  const done = (closed: boolean): { value: string; end: number; closed: boolean } => ({
    value: decoder.decode(Uint8Array.from(bytes)),
    end: pos,
    closed,
  });
  while (pos < src.length) {
    const c = src[pos];
    if (c === "'") {
      pos++;
      return done(true);
    }
    if (c !== "\\") {
      const code = src.codePointAt(pos) ?? 0;
      pos += code > 0xffff ? 2 : 1;
      put(code);
      continue;
    }
    const n = src[pos + 1] ?? "";
    pos += 2;
    const simple = SIMPLE_ESCAPES.get(n);
    if (simple !== undefined) put(simple);
    else if (n >= "0" && n <= "7") {
      pos--;
      putByte(parseInt(digits(/[0-7]/, 3), 8) & 0xff);
    } else if (n === "x" || n === "u" || n === "U") {
      const hex = digits(/[0-9a-fA-F]/, n === "x" ? 2 : n === "u" ? 4 : 8);
      if (hex === "") {
        put(92);
        put(n.charCodeAt(0));
      } else if (n === "x") putByte(parseInt(hex, 16));
      else put(parseInt(hex, 16));
    } else if (n === "c" && pos < src.length) {
      put((src.codePointAt(pos) ?? 0) & 0x1f);
      pos++;
    } else {
      put(92);
      if (n !== "") put(n.charCodeAt(0));
    }
  }
  return done(false);
}
