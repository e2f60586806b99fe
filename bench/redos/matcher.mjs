// trailguard's side: the full decision path on one action carrying the attack string, and the DFA's own
// view of the same bytes (how far it reads before it can stop).

import { createGuard, loadPolicy } from "@trailguard/core";
import { compileRegex } from "../../packages/core/dist/automata/regex.js";
import { runDfa } from "../../packages/core/dist/automata/dfa.js";
import { actionFor, FIELD } from "./accept.mjs";

const encoder = new TextEncoder();

/**
 * The time of one `guard.check` on `text`: the best of `reps` calls after one warm-up call (disturbance
 * on a shared machine only ever adds time), with the decision, so that a refused input (`input_too_large`,
 * `engine_fault`) is never taken for a fast one.
 *
 * @example const { ms, effect, code } = timeCheck(guard, "aaaa!", 5);
 */
export function timeCheck(guard, text, reps) {
  const action = actionFor(text);
  let d = guard.check(action);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    d = guard.check(action);
    const ms = performance.now() - t;
    if (ms < best) best = ms;
  }
  return { ms: best, effect: d.effect, code: d.code };
}

/**
 * The same path with a rule that reads the field without a pattern (`== ""` stops at the length), so the
 * difference to a pattern's time is the matcher's own share: what remains is copying the string into the
 * engine and the decision around it.
 */
export async function baselineGuard() {
  const { policy, errors } = loadPolicy(["version: 1", "name: baseline", "default: allow", "rules:", "  - id: eq", `    when: '${FIELD} == ""'`, "    effect: deny", ""].join("\n"));
  if (!policy) throw new Error(`baseline policy refused: ${errors.map((e) => e.message).join("; ")}`);
  return createGuard({ policy });
}

/**
 * Bytes of `text` the pattern's DFA (from {@link patternDfa}) reads before it reaches a verdict it can stop at (matched anywhere,
 * or dead), mirroring the engine's loop (runDfa): an unanchored pattern that matches early never reads
 * the rest, so its time says nothing about the input's size.
 */
export function bytesRead(dfa, text) {
  const { transitions, classes, classCount, start } = dfa;
  const bytes = encoder.encode(text);
  // States 0 and 1 are DEAD and MATCHED (automata/determinize.ts), both absorbing.
  let s = start;
  for (let i = 0; i < bytes.length; i++) {
    s = transitions[s * classCount + classes[bytes[i]]];
    if (s === 0 || s === 1) return i + 1;
  }
  return bytes.length;
}

/**
 * The reference answer of the TypeScript DFA runner on `text` (the loop the engine implements), for
 * telling an engine fault from a difference in regex flavour.
 */
export function dfaMatches(dfa, text) {
  return runDfa(dfa, encoder.encode(text));
}

/** The DFA the policy's rule runs (the same compiler, the same default state cap), or undefined if refused. */
export function patternDfa(pattern) {
  const r = compileRegex(pattern);
  return r.ok ? r.dfa : undefined;
}
