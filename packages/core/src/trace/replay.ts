// Runs a trace (DESIGN §3) through a guard: `clock` sets the time, `action` is decided, `result` and
// `instruction` feed flows and origins. The CLI, the corpus runner and audit replay share it.

import type { Guard } from "../guard/guard.js";
import type { Decision } from "../guard/decision.js";
import type { Action } from "../guard/action.js";
import type { TraceEvent } from "./parse.js";
import type { RecordedResult } from "../guard/outputs.js";

/** One action's decision, with the action's index among the trace's events. */
export interface ReplayedDecision {
  index: number;
  session: string | null;
  decision: Decision;
}

/**
 * Replays `events` in order through `guard`. Time starts at 0 and moves only with `clock` events, so a
 * trace always gets the same decisions. `decide` lets an adapter route actions through its own path;
 * `onResult` receives what `recordResult` returned for each `result` event (its output, redacted).
 *
 * @example
 * for (const { index, decision } of await replayTrace(guard, parseTrace(text))) console.log(index, decision.effect);
 */
export async function replayTrace(
  guard: Guard,
  events: readonly TraceEvent[],
  decide: (action: Action, now: number) => Decision | Promise<Decision> = (action, now) => guard.check(action, { now }),
  onResult?: (index: number, recorded: RecordedResult) => void,
): Promise<ReplayedDecision[]> {
  let now = 0;
  const out: ReplayedDecision[] = [];
  for (let index = 0; index < events.length; index++) {
    const e = events[index]!;
    switch (e.type) {
      case "clock":
        now = e.now;
        break;
      case "action": {
        const { type: _type, ...action } = e;
        out.push({ index, session: typeof action.session === "string" ? action.session : null, decision: await decide(action as Action, now) });
        break;
      }
      case "result": {
        const recorded = guard.recordResult({ session: e.session, output: e.output, ...(e.tool !== undefined ? { tool: e.tool } : {}), ...(e.origin !== undefined ? { origin: e.origin } : {}) }, { now });
        onResult?.(index, recorded);
        break;
      }
      case "instruction":
        guard.recordInstruction({ session: e.session, origin: e.origin, text: e.text }, { now });
        break;
      case "plan":
        // A refused plan leaves the session planless; its next actions say why (`bad_signature`, …).
        guard.installPlan({ session: e.session, plan: e.plan, signature: e.signature }, { now });
        break;
    }
  }
  return out;
}
