// The Guard API: one synchronous `check` per action that never throws into the host. Every fault on the
// way to a decision (bad action, oversized input, engine trap) becomes a deny that says why.

import { Engine, InputTooLarge } from "../engine/host.js";
import { CODES } from "../engine/abi.js";
import { EFFECTS } from "../policy/types.js";
import { loadPolicy } from "../policy/load.js";
import type { CompiledPolicy } from "../compile/compile.js";
import { PolicyError } from "../errors.js";
import { canonicalParts, InvalidAction, type CanonicalOptions } from "./canonical.js";
import { refusal, type Decision } from "./decision.js";
import type { Action } from "./action.js";

/** Options of {@link createGuard}. */
export interface GuardOptions extends CanonicalOptions {
  /** A compiled policy (from `loadPolicy`), or policy YAML text, or a policy object. */
  policy: CompiledPolicy | string | object;
  /**
   * Most bytes the fields of one action may take in the engine (default 4 MiB). Larger actions are
   * denied with `input_too_large`: a bound on time and memory that an agent cannot push.
   */
  maxInputBytes?: number;
}

/** Decides actions against one policy. Create with {@link createGuard}. */
export interface Guard {
  /** The policy this guard enforces. */
  readonly policy: CompiledPolicy;
  /**
   * Decides one action before it runs. Synchronous, deterministic, never throws: any fault denies.
   *
   * @example
   * const d = guard.check({ kind: "shell", session: "s1", command: "rm -rf /" });
   * // d.effect === "deny", d.rule === "essential.rm-recursive-root"
   */
  check(action: Action): Decision;
}

const DEFAULT_REASON = "no rule matched; the policy's default applies";

/**
 * Creates a guard for a policy. Throws {@link PolicyError} (with every problem) when the policy does not
 * load: there is no guard without a valid policy.
 *
 * @example
 * const guard = await createGuard({ policy: yamlText });
 * const decision = guard.check({ kind: "tool", session: "s1", tool: "search", args: { q: "x" } });
 */
export async function createGuard(options: GuardOptions): Promise<Guard> {
  const policy = resolvePolicy(options.policy);
  const maxInputBytes = options.maxInputBytes ?? 4 * 1024 * 1024;
  const canonical: CanonicalOptions = { ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), ...(options.home !== undefined ? { home: options.home } : {}) };
  const make = () => Engine.create(policy, maxInputBytes);
  // Reasons are fixed per rule: built once here, not per decision.
  const reasons = policy.rules.map((r) => r.reason ?? `rule \`${r.id}\` matched`);
  let engine: Engine | undefined = await make();
  // A standby instance, so that recovering from a trap inside the synchronous `check` needs no
  // synchronous instantiation (which browsers refuse on the main thread for modules over 4 KiB).
  let spare: Engine | undefined = await make();
  const refill = () => {
    make().then((e) => { spare = e; }, () => { spare = undefined; });
  };

  const check = (action: Action): Decision => {
    let parts;
    try {
      parts = canonicalParts(action, policy.reads, canonical);
    } catch (e) {
      if (e instanceof InvalidAction) return refusal("invalid_action", e.message);
      return refusal("invalid_action", `the action could not be read: ${describe(e)}`);
    }
    if (!engine && spare) {
      // The standby that was being prepared when the last instance trapped is ready now.
      engine = spare;
      spare = undefined;
      refill();
    }
    if (!engine) return refusal("engine_fault", "the engine is restarting after a fault");
    let raw;
    try {
      raw = engine.decide(parts);
    } catch (e) {
      if (e instanceof InputTooLarge) return refusal("input_too_large", e.message);
      if (e instanceof WebAssembly.RuntimeError) {
        // The instance's memory may be inconsistent after a trap: drop it, never reuse it.
        engine = spare;
        spare = undefined;
        refill();
        return refusal("engine_fault", `the engine trapped: ${e.message}`);
      }
      return refusal("invalid_action", `the action could not be read: ${describe(e)}`);
    }
    try {
      return toDecision(policy, reasons, raw);
    } catch (e) {
      return refusal("engine_fault", `the engine's result could not be read: ${describe(e)}`);
    }
  };

  return { policy, check };
}

function resolvePolicy(p: GuardOptions["policy"]): CompiledPolicy {
  if (isCompiled(p)) return p;
  const { policy, errors } = loadPolicy(p);
  if (!policy) throw new PolicyError(errors);
  return policy;
}

function isCompiled(p: unknown): p is CompiledPolicy {
  return typeof p === "object" && p !== null && (p as CompiledPolicy).program instanceof Uint8Array && (p as CompiledPolicy).format === 1;
}

function toDecision(policy: CompiledPolicy, reasons: readonly string[], raw: ReturnType<Engine["decide"]>): Decision {
  const rule = raw.rule >= 0 ? policy.rules[raw.rule] : undefined;
  let ids = raw.matched.map((m) => m.rule);
  if (ids.length > 1) {
    // Multi-part actions can match a rule in several parts: list each once, in policy order.
    ids = [...new Set(ids)].sort((a, b) => a - b);
  }
  const d: Decision = {
    effect: EFFECTS[raw.effect] ?? "deny",
    code: CODES[raw.code] ?? "engine_fault",
    matched: ids.map((r) => policy.rules[r]?.id ?? `#${r}`),
  };
  if (rule) d.rule = rule.id;
  d.reason = rule ? reasons[raw.rule] : DEFAULT_REASON;
  if (raw.code === 2 && rule) d.reason = `${d.reason} (its condition could not be evaluated, which never permits more)`;
  if (!raw.enforced) d.shadow = true;
  return d;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
