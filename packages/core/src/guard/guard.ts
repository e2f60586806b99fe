// The Guard API: one synchronous `check` per action that never throws into the host. Every fault on the
// way to a decision (bad action, oversized input, engine trap) becomes a deny that says why. Trajectory
// state lives in the engine; the guard feeds it time, taint and origin facts, and carries it across
// engine restarts.

import canonicalize from "canonicalize";
import { Engine, EngineOutOfMemory, InputTooLarge, type InstalledPlan, type PartFields, type RawResult } from "../engine/host.js";
import { compilePlan, type CompiledPlan } from "../plans/plan.js";
import { verifyPlan } from "../plans/sign.js";
import { formatPath } from "../policy/issues.js";
import { loadPolicy } from "../policy/load.js";
import type { CompiledPolicy } from "../compile/compile.js";
import { PolicyError, PolicyUpdateError, SessionStateError } from "../errors.js";
import { stageUpdate, type PolicyUpdate, type StagedUpdate } from "./update.js";
import type { Guard, GuardOptions, PlanResult } from "./guard-api.js";

export type { Guard, GuardOptions, ToolResult, Instruction, PlanOffer, PlanResult, EventOptions } from "./guard-api.js";
import { canonicalBase, InvalidAction, splitParts, type CanonicalOptions } from "./canonical.js";
import { inputLimit } from "./input-bounds.js";
import { decisionTables, permits, refusal, toDecision, labelNames, type Decision } from "./decision.js";
import { SlotTable, clearSession, type SessionState } from "./sessions.js";
import { approvalFields, namedBy, repeatHash, scanned } from "./action-facts.js";
import { exportState, importState } from "./session-state.js";
import type { Action } from "./action.js";
import { AuditTrail, grantKey, NO_GRANT_KEY } from "./audit-trail.js";
import { HEX64, isTime } from "../audit/shape.js";
import { auditAction, snapshotAction, type ActionSnapshot, type AuditableAction } from "../audit/action.js";
import type { AuditAction } from "../audit/record.js";
import { decideWithApproval } from "./approve.js";
import { createApprovalDesk } from "../approvals/desk.js";
import { canonicalHash } from "../audit/hash.js";
import { registerInternals } from "./internals.js";
import { expectResult, redactOutput, redactionAudit, takeResult } from "./outputs.js";
import { messageOf } from "../approvals/text.js";

/**
 * Creates a guard for a policy. Throws {@link PolicyError} (with every problem) when the policy does not
 * load: there is no guard without a valid policy.
 *
 * @example
 * const guard = await createGuard({ policy: yamlText });
 * const decision = guard.check({ kind: "tool", session: "s1", tool: "search", args: { q: "x" } });
 */
export async function createGuard(options: GuardOptions): Promise<Guard> {
  const maxInputBytes = inputLimit(options.maxInputBytes);
  const maxOutputBytes = options.maxOutputBytes ?? 4 * 1024 * 1024;
  const clock = options.clock ?? Date.now;
  const canonical: CanonicalOptions = { ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), ...(options.home !== undefined ? { home: options.home } : {}), maxInputBytes };
  // Everything derived from the policy is rebound together by `adopt`, in one synchronous step, so a
  // decision sees one policy whole (updatePolicy).
  let policy!: CompiledPolicy;
  let expectsResults = false;
  let traj!: CompiledPolicy["trajectory"];
  let reasons: string[] = [];
  let tables!: ReturnType<typeof decisionTables>;
  let hasRepeat = false;
  let hasValueSinks = false;
  let top = -1;
  // What the decision path reads of a policy, worked out before anything is rebound: a policy that
  // cannot be read throws here, while the guard still holds the old one whole.
  const derive = (p: CompiledPolicy) => {
    const t = p.trajectory;
    return {
      policy: p,
      // Results are matched to their decisions only when something depends on it: output rules, or flow
      // sources labelling outputs.
      expectsResults: p.outputs.length > 0 || t.labels.length > 0,
      traj: t,
      reasons: p.rules.map((r) => r.reason ?? `rule \`${r.id}\` matched`),
      tables: decisionTables(p),
      hasRepeat: t.limits.some((l) => l.repeat),
      hasValueSinks: t.sinks.some((s) => s.scope === "value"),
      top: t.origins.length - 1,
    };
  };
  // Assignments only: nothing here can throw.
  const adopt = (d: ReturnType<typeof derive>) => {
    ({ policy, expectsResults, traj, reasons, tables, hasRepeat, hasValueSinks, top } = d);
  };
  adopt(derive(resolvePolicy(options.policy)));
  const slots = new SlotTable();
  let sessionCap = 0;
  let agentCap = 0;
  // Plans are compiled once each (keyed by their canonical JSON) and installed in every engine instance
  // in the same order, so the plan ids in session records stay valid across instances.
  const plans: { key: string; plan: CompiledPlan; offer: { plan: unknown; signature: string } }[] = [];
  let installed: InstalledPlan[] = [];
  const installAll = (e: Engine) => {
    installed = plans.map((p) => e.installPlan(p.plan.program, p.plan.slots));
  };

  const make = () => Engine.create(policy, maxInputBytes);
  let engine: Engine | undefined = await make();
  // A standby instance, so that recovering from a trap inside the synchronous `check` needs no
  // synchronous instantiation (which browsers refuse on the main thread for modules over 4 KiB).
  let spare: Engine | undefined = await make();
  const refill = () => {
    // A standby made for a policy that was replaced meanwhile is not used.
    const p = policy;
    Engine.create(p, maxInputBytes).then((e) => { if (p === policy) spare = e; }, () => { if (p === policy) spare = undefined; });
  };

  /**
   * The engine to use now, promoting a standby that became ready after a trap; undefined (so: deny)
   * while none is usable. Never throws: an instance that cannot be set up is not used.
   */
  const current = (): Engine | undefined => {
    try {
      if (!engine && spare) {
        const next = spare;
        spare = undefined;
        refill();
        // The trapped instance's state could not be carried over: no session may silently start afresh.
        for (const s of slots.sessions.values()) s.faulted = true;
        sessionCap = agentCap = 0;
        installAll(next);
        engine = next;
      }
      if (engine && (sessionCap < slots.highWater || agentCap < slots.agents.size)) {
        // Memory the engine cannot get leaves it as it was (an allocation traps before it changes
        // anything): only the sessions and agents beyond the room it has are refused (see `evaluate`),
        // and the room is asked for again on the next action.
        const sessionsWanted = SlotTable.capacity(slots.highWater);
        const agentsWanted = SlotTable.capacity(slots.agents.size);
        try {
          engine.ensure(sessionsWanted, agentCap);
          sessionCap = sessionsWanted;
          engine.ensure(sessionCap, agentsWanted);
          agentCap = agentsWanted;
        } catch {
          // Refused per session and agent below.
        }
      }
      return engine;
    } catch {
      return undefined;
    }
  };

  const trapped = (st: SessionState | undefined, e: unknown): Decision => {
    const old = engine!;
    engine = spare;
    spare = undefined;
    refill();
    if (engine) {
      try {
        installAll(engine);
        // State is written only after a decision completes, so the trapped instance's records are whole.
        engine.transplant(old, sessionCap, agentCap);
      } catch {
        // An instance without the plans or the state is not used; the next standby takes over.
        engine = undefined;
        sessionCap = agentCap = 0;
        for (const s of slots.sessions.values()) s.faulted = true;
      }
    }
    if (st) st.faulted = true;
    return refusal("engine_fault", `the engine trapped: ${messageOf(e)}`);
  };

  const trail = options.audit ? new AuditTrail(policy, options.audit, options.onAuditError ?? "deny") : undefined;
  const hashHex = trail?.hash;

  // What the last `evaluate` knew besides its decision, for the audit record and approvals. One object,
  // reset on every call and read right after it (decisions are synchronous), so the decision path
  // allocates nothing for it.
  const last: Evaluated = { base: undefined, now: undefined, snapshot: undefined, audited: undefined, input: undefined };

  /** Decides one action; what it was decided on is left in `last`. Never throws. */
  const evaluate = (action: Action, opts: { now?: number } | undefined, wantInput: boolean): Decision => {
    last.base = last.now = last.snapshot = last.audited = last.input = undefined;
    let base: PartFields;
    let parts: PartFields[];
    try {
      base = canonicalBase(action, canonical);
      last.base = base;
      parts = splitParts(base, policy.reads);
    } catch (e) {
      if (e instanceof InputTooLarge) return refusal("input_too_large", e.message);
      return refusal("invalid_action", e instanceof InvalidAction ? e.message : `the action could not be read: ${messageOf(e)}`);
    }
    // The canonical copy of the whole action, not the caller's object (its fields were read once and
    // checked) and not a part: a shell line's or SQL batch's later commands carry data and need approval
    // as much as its first.
    const a = base as unknown as Action;
    let now: number;
    try {
      now = opts?.now ?? clock();
    } catch (e) {
      return refusal("engine_fault", `the clock failed: ${messageOf(e)}`);
    }
    // Windows, idle times and grants compare times: NaN or Infinity would make every comparison false
    // and so switch limits off.
    if (typeof now !== "number" || !isTime(now)) {
      return refusal(opts?.now !== undefined ? "invalid_action" : "engine_fault", `the time \`${String(now)}\` is not a time in milliseconds since the epoch (finite, within ±8.64e15)`);
    }
    last.now = now;
    if (!slots.sessions.has(a.session) && slots.wasEvicted(a.session)) {
      // Its state is gone: starting it afresh would forget its labels, plan and kill mark.
      if (policy.sessions.evicted === "deny") return refusal("evicted", "this session was evicted while idle; an operator must reset it (`resetSession`) before it can act again");
      slots.forgetEviction(a.session);
    }
    const { state: st, fresh } = slots.session(a.session);
    slots.touch(a.session, st, now);
    const agentSlot = slots.agent(typeof a.agent === "string" ? a.agent : "");
    const eng = current();
    if (!eng) return refusal("engine_fault", "the engine is restarting after a fault");
    if (st.slot >= sessionCap || agentSlot >= agentCap) {
      // A session that never acted leaves no trace, and idle sessions still expire while the engine is
      // short of room: their slots are what the sessions that come next get, and the host's table of
      // sessions stays bounded.
      if (fresh) slots.release(a.session);
      evict(now);
      return refusal("engine_fault", "the engine is out of memory: it has no room for this session's or agent's state (sessions it holds go on)");
    }
    if (st.needsReset) {
      try {
        eng.resetSession(st.slot);
      } catch (e) {
        return trapped(st, e);
      }
      st.needsReset = false;
    }
    evict(now);
    if (st.faulted) {
      st.faulted = false;
      return refusal("engine_fault", "a fault interrupted this session's previous decision; this action is refused so the session cannot continue unawares");
    }
    if (st.planError === "plan_revoked") {
      return refusal("plan_revoked", "the session's sealed plan is not signed by a key of the policy now in force; install a plan its keys verify, or reset the session");
    }
    let raw: RawResult;
    let valueLabels = 0n;
    let input: string | undefined;
    try {
      // Grants and approvals need the action's hash now; the audit record only needs its content fixed
      // now (the trail hashes it at the end of the job); other decisions skip all of it. The record's
      // action is the hashed one, so its arguments are hashed once.
      const granted = now <= st.grantsUntil;
      if (granted || wantInput) {
        last.audited = auditAction(base as AuditableAction, [], hashHex);
        last.input = input = canonicalHash(last.audited, hashHex);
      } else if (trail) {
        last.snapshot = snapshotAction(base as AuditableAction);
      }
      valueLabels = declaredLabels(a.labels);
      if (hasValueSinks && st.fingerprints.size > 0) {
        valueLabels |= st.fingerprints.labelsOf(scanned(a));
      }
      // An overflowing store can no longer tell values apart: everything the session has seen counts.
      if (hasValueSinks && st.fingerprints.saturated) valueLabels |= eng.sessionLabels(st.slot);
      const explicit = typeof a.origin === "string" ? traj.origins.indexOf(a.origin) : -1;
      if (typeof a.origin === "string" && explicit < 0 && traj.origins.length > 0) {
        return refusal("invalid_action", `unknown origin \`${a.origin}\`; the policy's origins are ${traj.origins.join(", ")}`);
      }
      const lift = top >= 0 && st.trustedText !== "" && namedBy(base, st.trustedText) ? top : -1;
      const repeatKey = hasRepeat ? repeatHash(parts) : 0;
      const key = granted && input !== undefined ? grantKey(input) : NO_GRANT_KEY;
      raw = eng.decide(parts, { now, session: st.slot, agent: agentSlot, valueLabels, lift, explicit, repeatKey, grantKeyLo: key.lo, grantKeyHi: key.hi }, st.plan !== undefined ? installed[st.plan] : undefined);
      if (expectsResults) expectResult(st, a.tool, eng.outputRules(), eng.outputLabels());
    } catch (e) {
      if (e instanceof InputTooLarge) return refusal("input_too_large", e.message);
      if (e instanceof EngineOutOfMemory) return refusal("engine_fault", e.message);
      if (e instanceof WebAssembly.RuntimeError) return trapped(st, e);
      return refusal("invalid_action", `the action could not be read: ${messageOf(e)}`);
    }
    try {
      const d = toDecision(tables, reasons, raw);
      if (valueLabels !== 0n) d.labels = labelNames(traj.labels, valueLabels);
      if (d.code === "no_plan" && st.planError) {
        d.code = st.planError;
        d.reason = `the plan offered for this session was refused (${st.planError}); without a plan every action is denied`;
      }
      if (raw.granted) {
        d.code = "approval_granted";
        d.reason = `an approval granted this action${d.rule !== undefined ? ` (\`${d.rule}\` asks for one)` : ""}`;
      }
      return d;
    } catch (e) {
      return refusal("engine_fault", `the engine's result could not be read: ${messageOf(e)}`);
    }
  };

  /** Decides one action and records the decision; what it was decided on is left in `last`. */
  const check = (action: Action, opts?: { now?: number }, wantInput = false): Decision => {
    if (!trail) return evaluate(action, opts, wantInput);
    const start = performance.now();
    // While the log cannot be written the action is refused before the engine decides it: a decision
    // commits limits, sequence steps, once-grants and plan progress for an action that then never runs.
    const outage = trail.refusal();
    const decision = outage === undefined ? evaluate(action, opts, wantInput) : unevaluated(action, opts, outage);
    return trail.decision(last, decision, last.now ?? safeNow(), (performance.now() - start) * 1000);
  };

  /** Leaves in `last` what the record of a refusal made without the engine needs, and returns it. */
  const unevaluated = (action: Action, opts: { now?: number } | undefined, decision: Decision): Decision => {
    last.base = last.now = last.snapshot = last.audited = last.input = undefined;
    try {
      last.base = canonicalBase(action, canonical);
    } catch {
      // Recorded without its action.
    }
    const now = opts?.now;
    if (isTime(now)) last.now = now;
    return decision;
  };

  const safeNow = (): number => {
    try {
      return clock();
    } catch {
      return 0;
    }
  };

  // The time of an event's record: the caller's `now` (as for check; a trace's clock), else the clock's.
  // A `now` that is not a time cannot be recorded as given: the record takes the clock's and the session
  // is refused its next action, as for any record that could not be made as it should.
  const eventNow = (opts: { now?: number } | undefined, st: SessionState): number => {
    if (opts?.now === undefined) return safeNow();
    if (isTime(opts.now)) return opts.now;
    st.faulted = true;
    return safeNow();
  };

  const desk = createApprovalDesk({
    ...(options.approver ? { approver: options.approver } : {}),
    ...(options.approvalTimeoutMs !== undefined ? { timeoutMs: options.approvalTimeoutMs } : {}),
    clock,
    onTransition: (t) => {
      if (!trail) return;
      const input = t.request.actionHash;
      const written = trail.event("approval", t.at, t.request.session, { id: t.request.id, state: t.to, from: t.from, code: t.code, reason: t.reason, ...(t.request.rule !== undefined ? { rule: t.request.rule } : {}), expires: t.request.expiresAt }, HEX64.test(input) ? { input } : {});
      // A step the log does not hold: the session's next action is refused rather than run unrecorded.
      const st = written ? undefined : slots.sessions.get(t.request.session);
      if (st) st.faulted = true;
    },
  });

  /** Grants the session an approval for the action with input hash `input`, in the engine's state. */
  const grant = (session: string, input: string, until: number, once: boolean): boolean => {
    const st = slots.sessions.get(session);
    const eng = current();
    if (!st || !eng) return false;
    const { lo, hi } = grantKey(input);
    eng.grant(st.slot, lo, hi, until, once);
    // A once-grant lives until it is used or `until`, whichever is first: decisions hash their action for
    // the engine's grant check only while one may live.
    st.grantsUntil = Math.max(st.grantsUntil, until);
    return true;
  };

  /**
   * The state of a session the guard may act on, created on first sight, or undefined: no session id, or
   * one evicted while idle. (Creating an evicted session's state here would make its next decision see a
   * known session and forget that its labels, plan and kill mark are gone.)
   */
  const knownSession = (id: unknown): SessionState | undefined => {
    if (typeof id !== "string" || id === "") return undefined;
    return slots.sessions.get(id) ?? (slots.wasEvicted(id) ? undefined : slots.session(id).state);
  };

  let lastSweep = -Infinity;
  /** Keeps the session count within `sessions.max`, and sweeps idle sessions a few times per idle period. */
  const evict = (now: number) => {
    if (slots.sessions.size > policy.sessions.max) slots.evictOver(policy.sessions.max);
    const idle = policy.sessions.idleMs;
    // A quarter of the idle period between sweeps: a session outlives its idle time by at most that.
    if (idle > 0 && now - lastSweep >= idle / 4) {
      lastSweep = now;
      slots.evictIdle(now - idle);
    }
  };

  /** The index of a verified, compiled, installed plan, or why it was refused. */
  const planIndex = (offer: { plan: unknown; signature: string }): number | { code: "bad_signature" | "invalid_plan" | "plans_not_enabled" | "engine_fault"; reason: string } => {
    if (policy.plans.keys.length === 0) return { code: "plans_not_enabled", reason: "the policy has no `plans.keys`, so no plan can be verified" };
    if (!verifyPlan(offer.plan, offer.signature, policy.plans.keys)) return { code: "bad_signature", reason: "no key of the policy verifies the plan's signature" };
    const key = canonicalize(offer.plan) ?? "";
    const known = plans.findIndex((p) => p.key === key);
    if (known >= 0) return known;
    const { plan, errors } = compilePlan(offer.plan);
    if (!plan) return { code: "invalid_plan", reason: errors.map((e) => `${formatPath(e.path)}: ${e.message}`).join("; ") };
    const eng = current();
    if (!eng) return { code: "engine_fault", reason: "the engine is restarting after a fault" };
    installed.push(eng.installPlan(plan.program, plan.slots));
    plans.push({ key, plan, offer: { plan: offer.plan, signature: offer.signature } });
    return plans.length - 1;
  };

  const declaredLabels = (labels: unknown): bigint => {
    if (!Array.isArray(labels)) return 0n;
    let mask = 0n;
    for (const l of labels) {
      const i = traj.labels.indexOf(String(l));
      if (i >= 0) mask |= 1n << BigInt(i);
    }
    return mask;
  };

  /** Runs the updates one at a time, each after the one before has settled. */
  let updating: Promise<unknown> = Promise.resolve();
  const updatePolicy = async (source: GuardOptions["policy"], reason: string | undefined): Promise<PolicyUpdate> => {
    let next: CompiledPolicy;
    if (isCompiled(source)) next = source;
    else {
      const loaded = loadPolicy(source as string | object);
      if (!loaded.policy) throw new PolicyUpdateError("invalid_policy", new PolicyError(loaded.errors).message, { issues: loaded.errors });
      next = loaded.policy;
    }
    let derived: ReturnType<typeof derive>;
    try {
      derived = derive(next);
    } catch (e) {
      throw new PolicyUpdateError("invalid_policy", `the new policy cannot be read: ${messageOf(e)}`, { cause: e });
    }
    let fresh: Engine;
    let standby: Engine;
    try {
      fresh = await Engine.create(next, maxInputBytes);
      standby = await Engine.create(next, maxInputBytes);
    } catch (e) {
      throw new PolicyUpdateError("engine_fault", `the engine could not be set up for the new policy: ${messageOf(e)}`, { cause: e });
    }
    if (trail) {
      try {
        await trail.flush();
      } catch (e) {
        throw new PolicyUpdateError("audit_error", `the audit log cannot be written, so the change could not be recorded: ${messageOf(e)}`, { cause: e });
      }
    }
    // From here to the swap nothing awaits: no decision runs between reading the old state and adopting
    // the new policy, so each decision sees one policy whole, and state written meanwhile is carried.
    const old = current();
    if (!old) throw new PolicyUpdateError("engine_fault", "the engine is restarting after a fault; try again");
    const from = policy;
    let staged: StagedUpdate;
    try {
      staged = stageUpdate(slots, plans, old, fresh, from, next, agentCap);
    } catch (e) {
      throw new PolicyUpdateError("engine_fault", `the sessions' state could not be carried over to the new policy: ${messageOf(e)}`, { cause: e });
    }
    const change = { from: from.hash, to: next.hash, ...(reason !== undefined ? { reason: String(reason).slice(0, 1024) } : {}), carried: staged.carried, dropped: staged.dropped };
    if (trail && (trail.refusal() !== undefined || !trail.event("policy", safeNow(), "", change, { policy: next.hash }))) {
      throw new PolicyUpdateError("audit_error", "the audit log cannot be written, so the change could not be recorded");
    }
    // The commit: assignments only, nothing here can throw.
    for (const [st, host] of staged.hosts) Object.assign(st, host);
    engine = fresh;
    spare = standby;
    installed = staged.installed;
    sessionCap = staged.sessionCap;
    agentCap = staged.agentCap;
    adopt(derived);
    trail?.use(next);
    return change;
  };

  const guard: Guard = {
    get policy() {
      return policy;
    },
    updatePolicy(source, opts) {
      const run = updating.then(() => updatePolicy(source, opts?.reason));
      updating = run.catch(() => undefined);
      return run;
    },
    check: (action, opts) => check(action, opts),
    decide: (action, opts) => decideWithApproval({
      decide: (a, now) => {
        const decision = check(a, { now });
        // Only an action that goes to the approver needs its hash and fields now; every other decision
        // leaves the hashing to the audit trail, after the decision.
        if (decision.effect !== "ask" || permits(decision) || !last.base) return { decision };
        let input = last.input;
        try {
          input ??= canonicalHash(auditAction(last.base as AuditableAction, [], hashHex), hashHex);
        } catch {
          return { decision };
        }
        return { decision, input, fields: approvalFields(last.base) };
      },
      // An approval is bound to the policy it was asked under: after an update it grants nothing.
      grant: ((asked: string) => (session: string, input: string, until: number, once: boolean) => policy.hash === asked && grant(session, input, until, once))(policy.hash),
      desk,
      policyHash: policy.hash,
      clock,
    }, action, opts?.now),
    revokeApproval: (id) => desk.revoke(id, "revoked by the operator"),
    revokeGrants(session) {
      const st = slots.sessions.get(session);
      if (!st) return;
      current()?.revokeGrants(st.slot);
      st.grantsUntil = -Infinity;
      trail?.event("reset", safeNow(), session, { grants: "revoked" });
    },
    flush: () => trail?.flush() ?? Promise.resolve(),
    close: () => trail?.close() ?? Promise.resolve(),
    recordResult(result, opts) {
      const st = knownSession(result?.session);
      const { mask, labels } = takeResult(policy, st, result?.tool);
      const { recorded, fault } = redactOutput(policy, mask === 0 ? undefined : current(), mask, result?.output, maxOutputBytes);
      if (fault instanceof WebAssembly.RuntimeError && engine) trapped(st, fault);
      else if (fault !== undefined && st) st.faulted = true;
      if (!st) return recorded;
      // The session's state first, each step failing closed on its own: a record that cannot be made
      // must not also cost the output's taint or lower origin.
      try {
        if (labels !== 0n) st.fingerprints.add(result.output, labels);
      } catch {
        st.faulted = true;
      }
      try {
        if (result.origin !== undefined && traj.origins.length > 0) {
          const eng = current();
          // Dropping the origin would leave the floor too high: the session is refused once instead.
          if (!eng) st.faulted = true;
          // An origin the policy does not know is read as the lowest: it can only deny more.
          else eng.observe(st.slot, Math.max(0, traj.origins.indexOf(result.origin)));
        }
      } catch {
        st.faulted = true;
      }
      if (trail) {
        let outputHash: string | undefined;
        try {
          outputHash = canonicalHash(result.output ?? null, hashHex);
        } catch {
          st.faulted = true;
        }
        if (!trail.event("result", eventNow(opts, st), result.session, {
          ...(outputHash !== undefined ? { output_hash: outputHash } : {}),
          ...redactionAudit(recorded),
          ...(labels !== 0n ? { labels: labelNames(traj.labels, labels) } : {}),
          ...(typeof result.origin === "string" ? { origin: result.origin } : {}),
          ...(typeof result.tool === "string" ? { tool: result.tool } : {}),
        })) st.faulted = true;
      }
      return recorded;
    },
    recordInstruction(instruction, opts) {
      const st = knownSession(instruction?.session);
      if (!st) return;
      try {
        if (traj.origins.length === 0) return;
        const eng = current();
        if (!eng) {
          st.faulted = true;
          return;
        }
        const o = Math.max(0, traj.origins.indexOf(instruction.origin));
        // The text is kept: it is what lifts the origin floor for the actions it names, and replay needs it.
        if (trail && !trail.event("instruction", eventNow(opts, st), instruction.session, { origin: String(instruction.origin), text: String(instruction.text ?? "").slice(0, 64 * 1024) })) st.faulted = true;
        eng.instruct(st.slot, o);
        // Naming is by the last instruction of the highest origin; text is bounded to keep sessions small.
        if (o === top) st.trustedText = String(instruction.text ?? "").slice(0, 64 * 1024).toLowerCase();
      } catch {
        st.faulted = true;
      }
    },
    resetSession(session) {
      slots.forgetEviction(session);
      trail?.event("reset", safeNow(), session, { session: "reset" });
      const st = slots.sessions.get(session);
      if (!st) return;
      clearSession(st);
      current()?.resetSession(st.slot);
    },
    installPlan(offer, opts) {
      const st = knownSession(offer?.session);
      if (!st) {
        return typeof offer?.session === "string" && offer.session !== ""
          ? { ok: false, code: "evicted", reason: "this session was evicted while idle; an operator must reset it (`resetSession`) first" }
          : { ok: false, code: "invalid_plan", reason: "a plan needs a `session`" };
      }
      const refuse = (code: "bad_signature" | "invalid_plan" | "plans_not_enabled" | "engine_fault", reason: string): PlanResult => {
        st.planError = code;
        return { ok: false, code, reason };
      };
      try {
        const index = planIndex(offer);
        if (typeof index !== "number") return refuse(index.code, index.reason);
        const eng = current();
        if (!eng) return refuse("engine_fault", "the engine is restarting after a fault");
        eng.setSessionPlan(st.slot, index);
        st.plan = index;
        st.planError = undefined;
        if (trail && !trail.event("plan", eventNow(opts, st), offer.session, { plan: offer.plan, signature: offer.signature })) st.faulted = true;
        return { ok: true };
      } catch (e) {
        st.faulted = true;
        return refuse("engine_fault", `the plan could not be installed: ${messageOf(e)}`);
      }
    },
    exportSession(session) {
      const { state: st } = slots.session(session);
      const eng = current();
      if (!eng) throw new SessionStateError("the engine is restarting after a fault; try again");
      return exportState(policy, eng.exportRecord(st.slot), st, st.plan !== undefined ? plans[st.plan]?.offer : undefined);
    },
    importSession(session, bytes) {
      const { state: st } = slots.session(session);
      const eng = current();
      if (!eng) throw new SessionStateError("the engine is restarting after a fault; try again");
      const { record, host, plan } = importState(policy, bytes);
      st.plan = undefined;
      // Results pending in this guard belong to what the session was here, not to the imported state.
      st.outputs = undefined;
      if (plan) {
        // The plan travels with the session and is verified again here; its id is this guard's.
        const index = planIndex(plan);
        if (typeof index !== "number") throw new SessionStateError(`the session's plan was refused: ${index.reason}`);
        new DataView(record.buffer, record.byteOffset).setInt32(24, index, true);
        st.plan = index;
      }
      eng.importRecord(st.slot, record);
      Object.assign(st, host, { faulted: false });
    },
  };
  registerInternals(guard, {
    decide(action, now) {
      const decision = check(action, { now }, true);
      return { decision, ...(last.audited ? { audited: last.audited } : {}), ...(last.input !== undefined ? { input: last.input } : {}) };
    },
    inputOf(action) {
      try {
        return canonicalHash(auditAction(canonicalBase(action, canonical) as AuditableAction, [], hashHex), hashHex);
      } catch {
        return undefined;
      }
    },
    grant,
    outputLabels: (session) => labelNames(traj.labels, slots.sessions.get(session)?.pendingLabels ?? 0n),
  });
  return guard;
}

/** What a decision was made on, besides the decision (see `last` in createGuard). */
interface Evaluated {
  /** The canonical action, when the action could be read. */
  base: PartFields | undefined;
  /** The decision clock, when it could be read. */
  now: number | undefined;
  /** The action's audit form before hashing, when the record needs it and nothing else needed the hash. */
  snapshot: ActionSnapshot | undefined;
  /** The action as the audit log keeps it (arguments hashed), when it was hashed. */
  audited: AuditAction | undefined;
  /** The SHA-256 of `audited`: the record's `input` and the key of approval grants. */
  input: string | undefined;
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

