// What the host keeps per session beside the engine's state record: the slot the record lives in, the
// fingerprints of labelled outputs (value taint), the labels of the last action's output, the last
// trusted instruction (to tell which actions it names), and whether a fault left the session unsure.

import { FingerprintStore } from "../flows/fingerprint.js";

/** Host-side state of one session. */
export interface SessionState {
  slot: number;
  fingerprints: FingerprintStore;
  /** Labels the output of the session's last action that ran will carry (its flow sources). */
  pendingLabels: bigint;
  /** Lower-cased text of the last instruction of the highest origin, for naming. */
  trustedText: string;
  /** A fault interrupted this session's last decision: its next action is denied. */
  faulted: boolean;
  /** The session's sealed plan (index into the guard's plans), if one is installed. */
  plan?: number;
  /** Why the last plan offered for this session was refused (`bad_signature`, `invalid_plan`). */
  planError?: string;
}

/** Assigns engine slots to sessions and agents, in order of first appearance. */
export class SlotTable {
  readonly sessions = new Map<string, SessionState>();
  readonly agents = new Map<string, number>();

  /** The session's state, created on first sight; `fresh` says whether it was. */
  session(id: string): { state: SessionState; fresh: boolean } {
    let state = this.sessions.get(id);
    if (state) return { state, fresh: false };
    state = { slot: this.sessions.size, fingerprints: new FingerprintStore(), pendingLabels: 0n, trustedText: "", faulted: false };
    this.sessions.set(id, state);
    return { state, fresh: true };
  }

  /** The agent's slot (the empty id stands for actions without an agent). */
  agent(id: string): number {
    let slot = this.agents.get(id);
    if (slot === undefined) {
      slot = this.agents.size;
      this.agents.set(id, slot);
    }
    return slot;
  }

  /** Capacity to reserve in the engine for `n` slots: doubling, so growth is amortised. */
  static capacity(n: number): number {
    let cap = 64;
    while (cap < n) cap *= 2;
    return cap;
  }
}

/** Forgets what the host holds for a session, keeping its slot (the engine's record is reset separately). */
export function clearSession(state: SessionState): void {
  state.fingerprints = new FingerprintStore();
  state.pendingLabels = 0n;
  state.trustedText = "";
  state.faulted = false;
  delete state.plan;
  delete state.planError;
}
