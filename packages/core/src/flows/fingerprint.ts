// Value taint (DESIGN §4.3): the host remembers fingerprints of labelled outputs and labels an action
// whose arguments carry one. Fingerprints are hashes of (a) single tokens that look like data — they hold
// a digit or `@`, or are long — and (b) runs of four consecutive tokens of ordinary text.
//
// Precision, honestly: a value is recognised when it leaves verbatim or re-tokenised (case, spacing and
// punctuation between tokens do not matter). It is not recognised when it is transformed — encoded
// (base64, hex, URL-encoding beyond what canonicalisation undoes), summarised, translated, split into
// pieces shorter than a fingerprint, or spelled differently. Session taint (`scope: session`) has none of
// these gaps: it denies by what the session has seen, whatever the arguments hold.

/** A token long enough to identify data on its own, without a digit or `@`. */
const LONG_TOKEN = 12;
/** Tokens that carry a digit or `@` (ids, emails, card numbers, keys) count from this length. */
const DATA_TOKEN = 6;
/** Ordinary words count in runs of this many. */
const SHINGLE = 4;
/** The most fingerprints one session keeps; past it the session's value taint widens to its session taint. */
export const MAX_FINGERPRINTS = 50_000;
/** Text scanned per output or action; the rest is not fingerprinted (and a saturated store widens). */
export const MAX_SCAN = 1 << 20;

const TOKEN = /[\p{L}\p{N}@._+-]+/gu;

function hash(s: string): number {
  // FNV-1a over UTF-16 units, 32-bit, then mixed: collisions only ever add labels.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Every fingerprint of `text`.
 *
 * @example
 * fingerprints("mail jane.doe@example.com today") // includes the hash of "jane.doe@example.com"
 */
export function fingerprints(text: string): number[] {
  const out: number[] = [];
  // Punctuation around a token is not part of it (`closes.` is `closes`), and a token that is only
  // punctuation (`--`, `...`) is none: both must not break a run of words.
  const tokens: string[] = [];
  for (const raw of (text.length > MAX_SCAN ? text.slice(0, MAX_SCAN) : text).toLowerCase().match(TOKEN) ?? []) {
    const t = raw.replace(/^[._+-]+|[._+-]+$/g, "");
    if (t !== "") tokens.push(t);
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.length >= LONG_TOKEN || (t.length >= DATA_TOKEN && /[\d@]/.test(t))) out.push(hash(t));
    if (i + SHINGLE <= tokens.length) out.push(hash(tokens.slice(i, i + SHINGLE).join(" ")));
  }
  return out;
}

/**
 * Renders any output or argument value as text to fingerprint (strings as they are, the rest as JSON,
 * bigints as their digits). Throws for a value JSON cannot write at all (a cycle): its text is unknown,
 * and "[object Object]" would carry none of its data.
 */
export function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, bigintAsText) ?? "";
}

function bigintAsText(_key: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

/** One session's fingerprints, each with the labels of the output it came from. */
export class FingerprintStore {
  private readonly map = new Map<number, bigint>();
  /** True once the store has overflowed: its value taint is then its whole session taint. */
  saturated = false;

  /** Remembers the fingerprints of a labelled output. */
  add(output: unknown, labels: bigint): void {
    if (labels === 0n) return;
    let text: string;
    try {
      text = textOf(output);
    } catch {
      // An output whose text cannot be read cannot be told apart from others: its labels count for every
      // later action of the session (the guard falls back to session taint).
      this.saturated = true;
      return;
    }
    if (text.length > MAX_SCAN) this.saturated = true;
    for (const f of fingerprints(text)) {
      if (this.map.size >= MAX_FINGERPRINTS && !this.map.has(f)) {
        this.saturated = true;
        return;
      }
      this.map.set(f, (this.map.get(f) ?? 0n) | labels);
    }
  }

  /** The labels carried by the data in `value`. Throws when its text cannot be read (the guard then denies). */
  labelsOf(value: unknown): bigint {
    if (this.map.size === 0) return 0n;
    let labels = 0n;
    for (const f of fingerprints(textOf(value))) labels |= this.map.get(f) ?? 0n;
    return labels;
  }

  get size(): number {
    return this.map.size;
  }

  /** The fingerprints and their labels, for export. */
  entries(): [number, bigint][] {
    return [...this.map.entries()];
  }

  /** A store holding exported entries. */
  static from(entries: Iterable<[number, bigint]>, saturated: boolean): FingerprintStore {
    const store = new FingerprintStore();
    for (const [k, v] of entries) store.map.set(k, v);
    store.saturated = saturated;
    return store;
  }
}
