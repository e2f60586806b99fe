// What audit replay needs from a guard beyond its public API: the action as the engine decided it (to
// check a rebuilt action against the record's `input`), approval grants (to replay an approved action)
// and the labels an output would carry (to tell when value taint is out of the replay's reach). Kept off
// the `Guard` interface, and out of the package's entry points, because these are not for adapters: a
// grant made outside the approval flow would bypass the approver.

import type { AuditAction } from "../audit/record.js";
import type { Action } from "./action.js";
import type { Decision } from "./decision.js";
import type { Guard } from "./guard.js";

/** A decision with the action it was decided on, as the audit log keeps it. */
export interface InspectedDecision {
  decision: Decision;
  /** The canonical action with its arguments hashed (`auditAction`), when the action could be read. */
  audited?: AuditAction;
  /** SHA-256 of `audited`: the record's `input`. */
  input?: string;
}

/** The internal surface of one guard (see the file comment). */
export interface GuardInternals {
  /** `check` at `now`, returning what the decision was made on as well. */
  decide(action: Action, now: number): InspectedDecision;
  /** The `input` hash the action would be decided with (nothing is decided); undefined when unreadable. */
  inputOf(action: Action): string | undefined;
  /** Grants the session an approval for the action with this input hash; false when it could not. */
  grant(session: string, input: string, until: number, once: boolean): boolean;
  /** The labels the output of the session's last action that ran would carry (before `recordResult`). */
  outputLabels(session: string): string[];
}

const internals = new WeakMap<Guard, GuardInternals>();

/**
 * Called once by `createGuard` for the guard it returns.
 *
 * @example
 * registerInternals(guard, { decide, inputOf, grant, outputLabels });
 */
export function registerInternals(guard: Guard, inner: GuardInternals): void {
  internals.set(guard, inner);
}

/**
 * The internal surface of a guard made by `createGuard`; undefined for any other object.
 *
 * @example
 * const { decision, input } = guardInternals(guard)!.decide(action, record.now);
 */
export function guardInternals(guard: Guard): GuardInternals | undefined {
  return internals.get(guard);
}
