/**
 * Making outside text safe to show: approvers' errors and notes end up in audit lines and on a
 * terminal, and an agent's action ends up in front of a person who must not be misled by it.
 */

/**
 * Longest outside text quoted into a reason or kept as an answer's `by` / `note`: enough for a sentence,
 * bounded so one approver cannot bloat every audit record it touches.
 *
 * @example
 * bounded(note, MAX_QUOTED_CHARS * 2) // allow a longer excerpt where one is worth it
 */
export const MAX_QUOTED_CHARS = 200;

// C0 and C1 controls (ESC and CSI start terminal sequences that can rewrite what a person sees; CR and
// LF forge log lines), the line and paragraph separators, and the bidi marks and overrides that can
// display text in another order than it runs.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Replaces every control, separator and bidi character with its visible `\uXXXX` escape, so the text
 * shows what it contains and cannot drive a terminal or split a log line.
 *
 * @example
 * escapeUnsafe("ok\u001b[2Kfine") // "ok\\u001b[2Kfine"
 */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Cuts `text` to `max` characters (marking the cut) and escapes what is unsafe.
 *
 * @example
 * bounded("x".repeat(300)).length // 201: 200 characters and "…"
 */
export function bounded(text: string, max: number = MAX_QUOTED_CHARS): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return escapeUnsafe(cut);
}

/**
 * Outside text as it appears in a reason: bounded, escaped, in backticks.
 *
 * @example
 * quote("boom\n") // "`boom\\u000a`"
 */
export function quote(text: string): string {
  return `\`${bounded(text)}\``;
}

/**
 * The message of anything thrown, read defensively: a thrown value may be anything, and even reading
 * `message` may throw (a getter), which must not escape the desk.
 *
 * @example
 * messageOf(new Error("boom")) // "boom"
 * messageOf(42) // "42"
 */
export function messageOf(thrown: unknown): string {
  try {
    if (thrown instanceof Error) return thrown.message || thrown.name;
    if (typeof thrown === "string") return thrown;
    if (typeof thrown === "number" || typeof thrown === "boolean" || thrown === null || thrown === undefined) {
      return String(thrown);
    }
    return "a value that is not an error";
  } catch {
    return "an error whose message cannot be read";
  }
}
