// The trace format of DESIGN §3: JSON Lines, one event per line. The CLI, the conformance corpus and
// audit replay all read it through this one parser.

import { TraceError } from "../errors.js";
import type { Action } from "../guard/action.js";

/** One event of a trace. */
export type TraceEvent =
  | ({ type: "action" } & Action)
  | { type: "result"; session: string; tool?: string; output: unknown; origin?: string }
  | { type: "instruction"; session: string; origin: string; text: string }
  | { type: "plan"; session: string; plan: unknown; signature: string }
  | { type: "clock"; now: number };

const TYPES = ["action", "result", "instruction", "plan", "clock"];

/**
 * Parses a JSONL trace. Blank lines are skipped. Throws {@link TraceError} with the 1-based line number
 * of the first line that is not a valid event. Whether an action is well-formed is the guard's call
 * (it denies with `invalid_action`), not the parser's.
 *
 * @example
 * const events = parseTrace('{"type":"action","kind":"tool","session":"s","tool":"search"}\n');
 */
export function parseTrace(text: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new TraceError(i + 1, `not valid JSON: ${(e as Error).message.toLowerCase()}`);
    }
    events.push(toEvent(value, i + 1));
  }
  return events;
}

/**
 * Checks one event object (from a trace line, or a YAML test case).
 *
 * @example
 * toEvent({ type: "clock", now: 1767225600000 }, 1);
 */
export function toEvent(value: unknown, line: number): TraceEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TraceError(line, "an event must be a JSON object");
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !TYPES.includes(type)) {
    throw new TraceError(line, `unknown event type \`${String(type)}\`; expected one of ${TYPES.join(", ")}`);
  }
  if (type === "clock" && typeof (value as { now?: unknown }).now !== "number") throw new TraceError(line, "a clock event needs `now` (milliseconds since the epoch)");
  return value as TraceEvent;
}
