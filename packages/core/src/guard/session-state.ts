// A session's state as bytes (for persistence and scale-out): the engine's record and what the host
// keeps beside it, tied to the policy that wrote it.
//
//   u32 magic "TGS1", u32 format 2 (2: records hold approval grants), u32 program hash, u32 record length, record bytes,
//   then UTF-8 JSON of the host state: fingerprints, pending labels, trusted text, saturation.

import type { CompiledPolicy } from "../compile/compile.js";
import { fnv1a } from "../compile/index-rules.js";
import { SessionStateError } from "../errors.js";
import { FingerprintStore } from "../flows/fingerprint.js";
import type { SessionState } from "./sessions.js";

const MAGIC = 0x31534754; // "TGS1"
const FORMAT = 2;
const programHashes = new WeakMap<CompiledPolicy, number>();

function programHash(policy: CompiledPolicy): number {
  let h = programHashes.get(policy);
  if (h === undefined) {
    h = fnv1a(policy.program);
    programHashes.set(policy, h);
  }
  return h;
}

/** Serialises a session's engine record and host state. */
export function exportState(policy: CompiledPolicy, record: Uint8Array, st: SessionState, plan?: { plan: unknown; signature: string }): Uint8Array {
  const host = new TextEncoder().encode(JSON.stringify({
    f: st.fingerprints.entries().map(([k, v]) => [k, v.toString(16)]),
    p: st.pendingLabels.toString(16),
    t: st.trustedText,
    // Until when a grant in the record may live: without it the importing guard would never consult them.
    ...(Number.isFinite(st.grantsUntil) ? { g: st.grantsUntil } : {}),
    s: st.fingerprints.saturated,
    ...(plan ? { pl: plan } : {}),
    ...(st.planError ? { pe: st.planError } : {}),
  }));
  const out = new Uint8Array(16 + record.length + host.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, FORMAT, true);
  dv.setUint32(8, programHash(policy), true);
  dv.setUint32(12, record.length, true);
  out.set(record, 16);
  out.set(host, 16 + record.length);
  return out;
}

/** Reads exported state; throws {@link SessionStateError} when it is not for this policy. */
export function importState(policy: CompiledPolicy, bytes: Uint8Array): { record: Uint8Array; host: Partial<SessionState>; plan?: { plan: unknown; signature: string } } {
  if (!(bytes instanceof Uint8Array) || bytes.length < 16) throw new SessionStateError("not trailguard session state: too short");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new SessionStateError("not trailguard session state: bad magic");
  if (dv.getUint32(4, true) !== FORMAT) throw new SessionStateError(`unsupported session state format \`${dv.getUint32(4, true)}\``);
  if (dv.getUint32(8, true) !== programHash(policy)) throw new SessionStateError("the session state was exported under another policy");
  const len = dv.getUint32(12, true);
  if (len !== policy.trajectory.recordBytes || 16 + len > bytes.length) throw new SessionStateError("the session state has the wrong length");
  let host: { f: [number, string][]; p: string; t: string; s: boolean; g?: number; pl?: { plan: unknown; signature: string }; pe?: string };
  try {
    host = JSON.parse(new TextDecoder().decode(bytes.subarray(16 + len)));
  } catch {
    throw new SessionStateError("the session state's host part is not valid JSON");
  }
  const fingerprints = FingerprintStore.from(host.f.map(([k, v]) => [k, BigInt(`0x${v}`)]), host.s === true);
  return {
    record: bytes.slice(16, 16 + len),
    host: {
      fingerprints, pendingLabels: BigInt(`0x${host.p}`), trustedText: String(host.t ?? ""),
      grantsUntil: typeof host.g === "number" && Number.isFinite(host.g) ? host.g : -Infinity,
      ...(host.pe ? { planError: host.pe } : {}),
    },
    ...(host.pl ? { plan: host.pl } : {}),
  };
}
