// Hot reload's preparation: the new engine's records and each session's host state under the new
// policy, built beside the old ones and not yet in force, so that a failure anywhere leaves the guard
// as it was (guard.updatePolicy commits them in one synchronous step).

import type { CompiledPolicy } from "../compile/compile.js";
import type { Engine, InstalledPlan } from "../engine/host.js";
import { FingerprintStore } from "../flows/fingerprint.js";
import type { CompiledPlan } from "../plans/plan.js";
import { verifyPlan } from "../plans/sign.js";
import { carryLabels, carryMap, carryRecord, carrySession } from "./policy-carry.js";
import { SlotTable, type SessionState } from "./sessions.js";

/**
 * What {@link Guard.updatePolicy} resolves to, and what its audit record holds: the policy hashes before
 * and after, the reason given, and the ids of the sequences and limits whose state carried over or was
 * dropped.
 *
 * @example
 * const { from, to, carried, dropped } = await guard.updatePolicy(next);
 */
export interface PolicyUpdate {
  from: string;
  to: string;
  reason?: string;
  carried: string[];
  dropped: string[];
}

/** A plan the guard compiled, with the offer it came from. */
export interface PlannedOffer {
  plan: CompiledPlan;
  offer: { plan: unknown; signature: string };
}

/** The staged state of an update. */
export interface StagedUpdate {
  hosts: [SessionState, Partial<SessionState>][];
  installed: InstalledPlan[];
  sessionCap: number;
  agentCap: number;
  carried: string[];
  dropped: string[];
}

/** The new engine's records and the sessions' host state under `next`, not yet in force. Throws on a fault. */
export function stageUpdate(slots: SlotTable, plans: readonly PlannedOffer[], old: Engine, fresh: Engine, from: CompiledPolicy, next: CompiledPolicy, oldAgentCap: number): StagedUpdate {
  const nSessions = SlotTable.capacity(slots.highWater);
  const nAgents = SlotTable.capacity(slots.agents.size);
  fresh.ensure(nSessions, nAgents);
  // Every plan is installed, in the same order, so plan ids stay valid; a session keeps its plan only
  // when a key of the new policy verifies it.
  const nextInstalled = plans.map((p) => fresh.installPlan(p.plan.program, p.plan.slots));
  const trusted = plans.map((p) => next.plans.keys.length > 0 && verifyPlan(p.offer.plan, p.offer.signature, next.plans.keys));
  const map = carryMap(from, next);
  const hosts: [SessionState, Partial<SessionState>][] = [];
  for (const st of slots.sessions.values()) {
    const before = old.exportRecord(st.slot);
    const record = carrySession(before, fresh.exportRecord(st.slot), map);
    const host: Partial<SessionState> = {
      pendingLabels: carryLabels(st.pendingLabels, map),
      fingerprints: FingerprintStore.from(st.fingerprints.entries().map(([k, v]): [number, bigint] => [k, carryLabels(v, map)]).filter(([, v]) => v !== 0n), st.fingerprints.saturated),
      // Approvals were bound to the old policy's hash; results pending name the old policy's output rules.
      grantsUntil: -Infinity,
      outputs: undefined,
    };
    if (st.plan !== undefined) {
      if (trusted[st.plan]) {
        const src = new DataView(before.buffer, before.byteOffset, before.byteLength);
        const dst = new DataView(record.buffer, record.byteOffset, record.byteLength);
        dst.setInt32(24, src.getInt32(24, true), true);
        dst.setInt32(28, src.getInt32(28, true), true);
      } else {
        host.plan = undefined;
        host.planError = "plan_revoked";
      }
    }
    fresh.importRecord(st.slot, record);
    hosts.push([st, host]);
  }
  // Only the records the old engine holds: an agent past its room (refused for want of memory) never
  // acted, and reading past the records would copy whatever lies beyond them.
  const heldAgents = Math.min(slots.agents.size, oldAgentCap);
  for (let a = 0; a < heldAgents; a++) fresh.importAgentRecord(a, carryRecord(old.exportAgentRecord(a), fresh.exportAgentRecord(a), map.agent));
  fresh.importGlobalRecord(carryRecord(old.exportGlobalRecord(), fresh.exportGlobalRecord(), map.global));
  return { hosts, installed: nextInstalled, sessionCap: nSessions, agentCap: nAgents, carried: map.carried, dropped: map.dropped };
}
