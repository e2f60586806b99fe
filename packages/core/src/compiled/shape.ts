// The host's part of a compiled policy file, checked field by field before a guard uses it: the file's
// digest proves it is intact, not that whoever wrote it wrote something the host can use. The engine
// checks the program itself when it installs it; `checkProgramAgrees` checks that both parts describe
// the same policy (counts of slots and rules, default, flags).

import type { CompiledPolicy } from "../compile/compile.js";
import { EFFECTS } from "../policy/types.js";
import { MAGIC as PROGRAM_MAGIC } from "../compile/program.js";

/** A compiled policy without its program, its `reads` as a list: the JSON part of the file. */
export type HostInfo = Omit<CompiledPolicy, "program" | "reads"> & { reads: string[] };

// Program header words (core-wasm/FORMAT.md, "Header").
const HEADER_BYTES = 80;
const FLAG_SHADOW = 1;
const FLAG_PLANS_REQUIRED = 2;

/** Thrown inside the checks below with what is wrong; caught once, at the top. */
class Bad extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function at(o: unknown, path: string): Record<string, unknown> {
  if (!isObject(o)) throw new Bad(`\`${path}\` is not an object`);
  return o;
}
function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new Bad(`\`${path}\` is not a list`);
  return v;
}
function str(v: unknown, path: string): string {
  if (typeof v !== "string") throw new Bad(`\`${path}\` is not a string`);
  return v;
}
function strings(v: unknown, path: string): string[] {
  return list(v, path).map((x, i) => str(x, `${path}[${i}]`));
}
function bool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") throw new Bad(`\`${path}\` is not a boolean`);
  return v;
}
function count(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new Bad(`\`${path}\` is not a count`);
  return v;
}
function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string): T {
  if (!allowed.includes(v as T)) throw new Bad(`\`${path}\` is not one of ${allowed.join(", ")}`);
  return v as T;
}
function optionalStr(o: Record<string, unknown>, key: string, path: string): { [k: string]: string } {
  return o[key] === undefined ? {} : { [key]: str(o[key], `${path}.${key}`) };
}

function entries<T>(v: unknown, path: string, extra: (o: Record<string, unknown>, p: string) => T) {
  return list(v, path).map((x, i) => {
    const p = `${path}[${i}]`;
    const o = at(x, p);
    return { id: str(o.id, `${p}.id`), effect: oneOf(o.effect, EFFECTS, `${p}.effect`), ...optionalStr(o, "reason", p), ...extra(o, p) };
  });
}

/**
 * Checks the JSON part of a compiled policy file and returns it typed, or what is wrong with it.
 *
 * @example
 * const info = readHostInfo(JSON.parse(text).policy);
 * if (typeof info === "string") throw new Error(info);
 */
export function readHostInfo(value: unknown): HostInfo | string {
  try {
    const p = at(value, "policy");
    if (p.format !== 1) throw new Bad("`policy.format` is not 1");
    const t = at(p.trajectory, "policy.trajectory");
    const plans = at(p.plans, "policy.plans");
    const sessions = at(p.sessions, "policy.sessions");
    if (typeof sessions.idleMs !== "number" || !(sessions.idleMs >= 0) || !Number.isFinite(sessions.idleMs)) throw new Bad("`policy.sessions.idleMs` is not a duration");
    const hash = str(p.hash, "policy.hash");
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Bad("`policy.hash` is not a SHA-256");
    return {
      ...optionalStr(p, "name", "policy"),
      format: 1,
      slots: list(p.slots, "policy.slots").map((s, i) =>
        list(s, `policy.slots[${i}]`).map((seg, j) => {
          if (typeof seg !== "string" && (typeof seg !== "number" || !Number.isSafeInteger(seg))) throw new Bad(`\`policy.slots[${i}][${j}]\` is not a field name or index`);
          return seg;
        }),
      ),
      rules: entries(p.rules, "policy.rules", (o, path) => ({ essential: bool(o.essential, `${path}.essential`) })),
      default: oneOf(p.default, ["allow", "deny"] as const, "policy.default"),
      mode: oneOf(p.mode, ["enforce", "shadow"] as const, "policy.mode"),
      reads: strings(p.reads, "policy.reads"),
      trajectory: {
        sequences: entries(t.sequences, "policy.trajectory.sequences", () => ({})),
        limits: entries(t.limits, "policy.trajectory.limits", (o, path) => ({ repeat: bool(o.repeat, `${path}.repeat`) })),
        sinks: entries(t.sinks, "policy.trajectory.sinks", (o, path) => ({ scope: oneOf(o.scope, ["session", "value"] as const, `${path}.scope`) })),
        controlSinks: entries(t.controlSinks, "policy.trajectory.controlSinks", () => ({})),
        labels: strings(t.labels, "policy.trajectory.labels"),
        origins: strings(t.origins, "policy.trajectory.origins"),
        recordBytes: count(t.recordBytes, "policy.trajectory.recordBytes"),
      },
      outputs: list(p.outputs, "policy.outputs").map((x, i) => {
        const o = at(x, `policy.outputs[${i}]`);
        return { id: str(o.id, `policy.outputs[${i}].id`), replacement: str(o.replacement, `policy.outputs[${i}].replacement`), patterns: strings(o.patterns, `policy.outputs[${i}].patterns`) };
      }),
      plans: { required: bool(plans.required, "policy.plans.required"), keys: strings(plans.keys, "policy.plans.keys") },
      sessions: { max: count(sessions.max, "policy.sessions.max"), idleMs: sessions.idleMs, evicted: oneOf(sessions.evicted, ["deny", "fresh"] as const, "policy.sessions.evicted") },
      auditClear: list(p.auditClear, "policy.auditClear").map((c, i) => strings(c, `policy.auditClear[${i}]`)),
      hash,
    };
  } catch (e) {
    if (e instanceof Bad) return e.message;
    throw e;
  }
}

/**
 * Whether the program's header describes the same policy as the host's part: its magic, length, slot
 * and rule counts, default and flags. Returns what disagrees, or null.
 *
 * @example checkProgramAgrees(policy.program, info) // null
 */
export function checkProgramAgrees(program: Uint8Array, info: HostInfo): string | null {
  if (program.length < HEADER_BYTES) return `a program of ${program.length} bytes has no header`;
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const word = (i: number) => view.getUint32(i * 4, true);
  if (word(0) !== PROGRAM_MAGIC) return "the program has no `TWP1` magic";
  if (word(14) !== program.length) return `the program says it has ${word(14)} bytes, not ${program.length}`;
  if (word(2) !== info.slots.length) return `the program fills ${word(2)} field slots, the policy part names ${info.slots.length}`;
  if (word(3) !== info.rules.length) return `the program has ${word(3)} rules, the policy part names ${info.rules.length}`;
  if (word(6) !== EFFECTS.indexOf(info.default)) return `the program's default is not \`${info.default}\``;
  const flags = word(7);
  if (((flags & FLAG_SHADOW) !== 0) !== (info.mode === "shadow")) return `the program's mode is not \`${info.mode}\``;
  if (((flags & FLAG_PLANS_REQUIRED) !== 0) !== info.plans.required) return "the program and the policy part disagree on `plans.required`";
  return null;
}
