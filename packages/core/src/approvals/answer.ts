import { frozenCopy, isPlainObject } from "./frozen-copy.js";
import { bounded, messageOf } from "./text.js";
import type { ApprovalAnswer } from "./types.js";

/**
 * An approver's answer checked and normalised, or why it is not one.
 *
 * @example
 * const checked: CheckedAnswer = { ok: false, error: "`approved` must be a boolean" };
 */
export type CheckedAnswer = { ok: true; answer: ApprovalAnswer } | { ok: false; error: string };

/**
 * Checks that `value` is an {@link ApprovalAnswer} and returns a normalised, deep-frozen copy holding
 * only the known fields: extra fields are dropped. `approved` must be a boolean; `args`, when present,
 * a plain object of JSON values; `ttlMs`, when present, a non-negative finite number. `by` and `note`
 * are informational: kept when they are strings (bounded, control characters escaped), dropped
 * otherwise, so a badly typed note never overturns a person's decision.
 *
 * @example
 * checkAnswer({ approved: true, ttlMs: 60_000, extra: 1 }) // { ok: true, answer: { approved: true, ttlMs: 60000 } }
 * checkAnswer({ approved: "yes" }) // { ok: false, error: "`approved` must be a boolean" }
 */
export function checkAnswer(value: unknown): CheckedAnswer {
  try {
    if (!isPlainObject(value)) return { ok: false, error: "the answer is not an object" };
    const { approved, args, ttlMs, by, note } = value;
    if (typeof approved !== "boolean") return { ok: false, error: "`approved` must be a boolean" };
    const answer: ApprovalAnswer = { approved };
    if (args !== undefined) {
      if (!isPlainObject(args)) return { ok: false, error: "`args` must be an object" };
      answer.args = frozenCopy(args, "args") as Record<string, unknown>;
    }
    if (ttlMs !== undefined) {
      if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs < 0) {
        return { ok: false, error: "`ttlMs` must be a non-negative finite number" };
      }
      answer.ttlMs = ttlMs;
    }
    if (typeof by === "string") answer.by = bounded(by);
    if (typeof note === "string") answer.note = bounded(note);
    return { ok: true, answer: Object.freeze(answer) };
  } catch (e) {
    // A getter that throws, or arguments that are not JSON: either way not a usable answer.
    return { ok: false, error: bounded(messageOf(e)) };
  }
}
