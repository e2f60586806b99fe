// Output rules on the guard's side (DESIGN §4.7, docs/policy.md "Outputs"): which rules apply to a result,
// and the result's output with their matches replaced. The engine decides which rules apply to an action
// when it decides the action; the mask waits here, per session and tool, for the action's result.

import type { CompiledPolicy } from "../compile/compile.js";
import type { Engine } from "../engine/host.js";
import { Redactor, Unscannable } from "./redact-value.js";
import type { SessionState } from "./sessions.js";
import { messageOf } from "../approvals/text.js";

/**
 * What {@link Guard.recordResult} hands back: the output to give the model, and what was done to it.
 *
 * @example
 * const { output, redacted } = guard.recordResult({ session, tool, output: raw });
 * if (redacted > 0) log.info(`redacted ${redacted} spans`);
 */
export interface RecordedResult {
  /**
   * The output to hand the model: the one recorded, with every match of the applying output rules
   * replaced (the same value, not a copy, when nothing was), or the replacement string alone when it was
   * withheld.
   */
  output: unknown;
  /** Spans replaced (overlapping and adjacent matches count once), plus values replaced whole. */
  redacted: number;
  /** Ids of the output rules that applied to this result, in policy order. */
  rules: string[];
  /**
   * A pattern ran out of scan steps on some string, and everything from the match it was measuring to
   * the end of that string was replaced: more than the matches, never less.
   */
  overRedacted: boolean;
  /**
   * The whole output was replaced by the first applying rule's replacement: it was larger than the
   * guard's `maxOutputBytes`, nested deeper than 32 levels, or a fault interrupted the scan (the session's
   * next action is then denied).
   */
  withheld: boolean;
  /** Why the output was over-redacted or withheld. */
  reason?: string;
}

/**
 * Results the guard waits for in one session: for each decided action that ran, by tool name (`""` for
 * actions without one), the output rules that apply to its output and the labels its output carries (the
 * flow sources it matched), until its result arrives. Parallel calls of one tool share an entry, the
 * union of their masks and labels: a result gets the rules and labels of every pending call of its tool,
 * never fewer than its own. (One value per session, "the last decision's", would give a result the
 * labels of whichever call was decided last: parallel tool calls would lose taint.)
 *
 * An entry dropped to keep the map bounded leaves its labels behind (`orphan`), carried by every
 * unmatched result until no call is outstanding: the agent picks tool names, and must not be able to wash
 * a read's labels out by calling 64 other tools before its result.
 *
 * @example
 * const p = new PendingOutputs(); p.expect("read_file", 0b01, 0n); p.expect("read_file", 0b10, 1n);
 * p.take("read_file"); // { mask: 0b11, labels: 1n }, and once more before the entry is gone
 */
export class PendingOutputs {
  private readonly byTool = new Map<string, { mask: number; labels: bigint; count: number }>();
  /** Calls decided to run whose results have not come back, with an entry or not. */
  private outstanding = 0;
  /** Labels of entries dropped to keep the map bounded, until no call is outstanding. */
  private orphan = 0n;
  /** The union of the labels of every entry and the orphaned ones (kept as entries come; recomputed as they go). */
  labels = 0n;

  /**
   * Remembers that an action of `tool` ran, that the rules in `mask` apply to its output and that its
   * output carries `labels`. Every call gets an entry, empty or not: a call of a tool whose other call is
   * labelled must count in that tool's entry, or the labelled call's result, coming second, would find
   * the entry gone.
   */
  expect(tool: string, mask: number, labels: bigint): void {
    this.outstanding++;
    const labelled = labels !== 0n;
    // BigInt arithmetic allocates: skipped for the many outputs that carry no label.
    if (labelled) this.labels |= labels;
    const e = this.byTool.get(tool);
    if (e) {
      e.mask = (e.mask | mask) >>> 0;
      if (labelled) e.labels |= labels;
      e.count++;
      return;
    }
    // Bounded: a session that never reports its results cannot grow this; a dropped entry only means
    // that its tool's result gets every output rule and the labels of every pending result.
    if (this.byTool.size >= MAX_PENDING_TOOLS) {
      const [oldest, dropped] = this.byTool.entries().next().value!;
      this.byTool.delete(oldest);
      this.orphan |= dropped.labels;
    }
    this.byTool.set(tool, { mask: mask >>> 0, labels, count: 1 });
  }

  /**
   * The rules and labels for a result of `tool`, or undefined when no action of that tool is pending: the
   * caller then applies every output rule and every pending label, and no entry is given up, so a call
   * still pending keeps its own. A result naming no tool is the session's one outstanding call's when
   * only one is outstanding (a sequential agent that hands results back without the tool's name).
   */
  take(tool: string): { mask: number; labels: bigint } | undefined {
    const alone = this.outstanding === 1;
    if (this.outstanding > 0) this.outstanding--;
    let key = tool;
    let e = this.byTool.get(key);
    if (!e && tool === "" && alone && this.byTool.size === 1) {
      const [only, entry] = this.byTool.entries().next().value!;
      key = only;
      e = entry;
    }
    if (this.outstanding === 0) this.orphan = 0n;
    if (!e) {
      this.labels = this.union();
      return undefined;
    }
    if (--e.count <= 0) this.byTool.delete(key);
    this.labels = this.union();
    return e;
  }

  private union(): bigint {
    let all = this.orphan;
    for (const x of this.byTool.values()) all |= x.labels;
    return all;
  }
}

/**
 * Tools with results pending per session; past it the oldest entry is dropped.
 *
 * @example MAX_PENDING_TOOLS // 64
 */
export const MAX_PENDING_TOOLS = 64;

/**
 * Notes, at decision time, the output rules and output labels the engine found for an action of `tool`
 * that runs (`mask` undefined: the action does not run, and no result is expected).
 *
 * @example
 * expectResult(st, action.tool, engine.outputRules(), engine.outputLabels());
 */
export function expectResult(st: SessionState, tool: unknown, mask: number | undefined, labels: bigint): void {
  if (mask === undefined) return;
  const pending = (st.outputs ??= new PendingOutputs());
  pending.expect(typeof tool === "string" ? tool : "", mask, labels);
  if (labels !== 0n) st.pendingLabels = pending.labels;
}

/**
 * The output rules and labels for a result: those of the pending actions of its tool in its session (or
 * of the session's one outstanding call, see {@link PendingOutputs.take}); otherwise every output rule
 * of the policy (over-redacting rather than guessing) and the labels of every pending result of the
 * session (over-labelling: more taint can only deny more).
 *
 * @example
 * const { mask, labels } = takeResult(policy, st, result.tool);
 */
export function takeResult(policy: CompiledPolicy, st: SessionState | undefined, tool: unknown): { mask: number; labels: bigint } {
  const all = st?.pendingLabels ?? 0n;
  const e = st?.outputs?.take(typeof tool === "string" ? tool : "");
  const mask = policy.outputs.length === 0 ? 0 : e ? e.mask : allOutputRules(policy);
  const labels = e ? e.labels : all;
  if (st?.outputs) st.pendingLabels = st.outputs.labels;
  return { mask, labels };
}

/**
 * The fields a `result` audit record adds when output rules applied: how many spans were redacted, and
 * `redaction: "over" | "withheld"` when it was not match by match.
 *
 * @example
 * trail.event("result", now, session, { output_hash, ...redactionAudit(recorded) });
 */
export function redactionAudit(r: RecordedResult): Record<string, unknown> {
  if (r.rules.length === 0) return {};
  return { redacted: r.redacted, ...(r.withheld ? { redaction: "withheld" } : r.overRedacted ? { redaction: "over" } : {}) };
}

/**
 * Every output rule of `policy`, as a mask.
 *
 * @example allOutputRules(policy) // 0b111 for three output rules
 */
export function allOutputRules(policy: CompiledPolicy): number {
  const n = policy.outputs.length;
  return n >= 32 ? 0xffffffff : (2 ** n - 1) >>> 0;
}

/**
 * Redacts `output` for the output rules in `mask`. Never throws: what cannot be redacted is withheld, and
 * a fault (an engine trap, a throwing getter, no engine) comes back as `fault` for the guard to act on.
 *
 * @example
 * const { recorded } = redactOutput(policy, engine, 0b1, "key sk-…", 4 << 20);
 * // recorded.output === "key [REDACTED]"
 */
export function redactOutput(policy: CompiledPolicy, engine: Engine | undefined, mask: number, output: unknown, maxBytes: number): { recorded: RecordedResult; fault?: unknown } {
  const rules = policy.outputs.filter((_, i) => ((mask >>> i) & 1) === 1).map((o) => o.id);
  if (mask === 0) return { recorded: { output, redacted: 0, rules, overRedacted: false, withheld: false } };
  const redactor = new Redactor({
    mask,
    maxBytes,
    replacements: policy.outputs.map((o) => o.replacement),
    scan: (text, m, max) => {
      if (!engine) throw new Unscannable("the engine is restarting after a fault");
      return engine.scanText(text, m, max);
    },
  });
  const withhold = (reason: string): RecordedResult => ({ output: redactor.firstReplacement(), redacted: 1, rules, overRedacted: false, withheld: true, reason });
  try {
    const redacted = redactor.value(output);
    return {
      recorded: {
        output: redacted, redacted: redactor.redacted, rules, overRedacted: redactor.over, withheld: false,
        ...(redactor.over ? { reason: "a pattern ran out of scan steps; everything from its match to the end of that string was replaced" } : {}),
      },
    };
  } catch (e) {
    // Too large or too deep is a property of the output, not a fault; anything else is one.
    if (e instanceof Unscannable && engine) return { recorded: withhold(`${e.message}; it was withheld`) };
    return { recorded: withhold(`redaction failed (${messageOf(e)}); the output was withheld`), fault: e };
  }
}
