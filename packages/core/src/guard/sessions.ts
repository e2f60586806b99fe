// What the host keeps per session beside the engine's state record: the slot the record lives in, the
// fingerprints of labelled outputs (value taint), the labels of the last action's output, the last
// trusted instruction (to tell which actions it names), and whether a fault left the session unsure.

import { FingerprintStore } from "../flows/fingerprint.js";
import { hash53 } from "./hash.js";
import type { PendingOutputs } from "./outputs.js";

/** Evicted sessions remembered (by 53-bit hash), so a returning one is recognised; past it the oldest are forgotten. */
export const MAX_TOMBSTONES = 1_000_000;

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
  plan: number | undefined;
  /** Why the last plan offered for this session was refused (`bad_signature`, `invalid_plan`). */
  planError: string | undefined;
  /** The time of its last action (for idle eviction). */
  lastSeen: number;
  /** Its slot last held an evicted session: the engine's record must be reset before use. */
  needsReset: boolean;
  /**
   * Until when an approval grant made for it may live (`-Infinity`: none): its actions are hashed for the
   * engine's grant check only until then.
   */
  grantsUntil: number;
  /** Output rules and labels of its actions that ran, waiting for their results (created on first use). */
  outputs: PendingOutputs | undefined;
}

/**
 * Assigns engine slots to sessions and agents. Sessions are kept in least-recently-active order; evicted
 * ones give their slot back and leave a tombstone, so that their return is recognised.
 */
export class SlotTable {
  readonly sessions = new Map<string, SessionState>();
  readonly agents = new Map<string, number>();
  private readonly free: number[] = [];
  private readonly tombstones = new Set<number>();
  /** Slots handed out so far: the engine must hold this many records. */
  highWater = 0;
  /** The id of the entry at the end of `sessions` (the most recent), when known. */
  private last: string | undefined = undefined;

  /** The session's state, created on first sight; `reused` says its slot held an evicted session. */
  session(id: string): { state: SessionState; fresh: boolean; reused: boolean } {
    const known = this.sessions.get(id);
    if (known) return { state: known, fresh: false, reused: false };
    const reused = this.free.length > 0;
    const slot = reused ? this.free.pop()! : this.highWater++;
    // Every field present from the start, never deleted: one object shape for every session keeps V8's
    // property accesses on the decision path monomorphic (a field added later, or a `delete`, gives the
    // sessions several shapes and made every decision of a trajectory policy about 2 µs slower).
    const state: SessionState = {
      slot, fingerprints: new FingerprintStore(), pendingLabels: 0n, trustedText: "", faulted: false, plan: undefined,
      planError: undefined, lastSeen: 0, needsReset: reused, grantsUntil: -Infinity, outputs: undefined,
    };
    this.sessions.set(id, state);
    this.last = id;
    return { state, fresh: true, reused };
  }

  /** Marks the session as the most recently active one. */
  touch(id: string, state: SessionState, now: number): void {
    state.lastSeen = now;
    // An agent's actions mostly come one session at a time: the entry already at the end stays there.
    if (id === this.last) return;
    // Re-inserting moves the entry to the end of the map's order: the front is the least recent.
    this.sessions.delete(id);
    this.sessions.set(id, state);
    this.last = id;
  }


  /**
   * Undoes the creation of a session that never acted (the engine had no room for it): no tombstone, as
   * nothing of it is lost, and its slot goes back last in line, so that the slots the engine holds are
   * handed out first.
   */
  release(id: string): void {
    const state = this.sessions.get(id);
    if (!state) return;
    this.sessions.delete(id);
    if (id === this.last) this.last = undefined;
    if (state.slot === this.highWater - 1) this.highWater--;
    else this.free.unshift(state.slot);
  }

  /** Evicts the least recently active sessions until at most `max` remain. */
  evictOver(max: number): void {
    for (const [id] of this.sessions) {
      if (this.sessions.size <= max) break;
      this.evict(id);
    }
  }

  /** Evicts every session whose last action is older than `before`. */
  evictIdle(before: number): void {
    for (const [id, state] of this.sessions) {
      if (state.lastSeen >= before) break;
      this.evict(id);
    }
  }

  private evict(id: string): void {
    const state = this.sessions.get(id);
    if (!state) return;
    this.sessions.delete(id);
    if (id === this.last) this.last = undefined;
    this.free.push(state.slot);
    if (this.tombstones.size >= MAX_TOMBSTONES) this.tombstones.delete(this.tombstones.values().next().value!);
    this.tombstones.add(hash53(id));
  }

  /** Whether the session was evicted (and not reset since). */
  wasEvicted(id: string): boolean {
    return this.tombstones.size > 0 && this.tombstones.has(hash53(id));
  }

  /** Forgets an eviction: the session may start afresh. */
  forgetEviction(id: string): void {
    this.tombstones.delete(hash53(id));
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
  state.grantsUntil = -Infinity;
  state.outputs = undefined;
  state.plan = undefined;
  state.planError = undefined;
}
