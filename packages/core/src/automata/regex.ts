/**
 * RE2 regular expressions → byte-level DFAs.
 */
import { buildDfa, resolveMaxStates, type CompileOptions, type DfaResult } from "./dfa.js";
import { buildByteNfa, type MatchMode } from "./nfa.js";
import { parseRe2, type RuneProg } from "./prog.js";

/**
 * Compiles a rune-level program (parsed by RE2, or built directly for sets) into a DFA.
 * `subject` names the input in error messages (e.g. "pattern `a+`"), `hint` says how to
 * shrink it when it needs too many states.
 *
 * @example compileProgram(RE2JS.compile("a+").re2().prog, "search", 4096, "pattern `a+`", "simplify it")
 */
export function compileProgram(prog: RuneProg, mode: MatchMode, maxStates: number, subject: string, hint: string): DfaResult {
  try {
    const dfa = buildDfa(buildByteNfa(prog, mode), maxStates);
    if (dfa === null) {
      return { ok: false, error: `${subject} needs more than ${maxStates} automaton states; ${hint}` };
    }
    return { ok: true, dfa };
  } catch (e) {
    // Fail closed: an internal surprise refuses the input rather than producing a doubtful table.
    return { ok: false, error: `${subject} could not be compiled: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * Compiles an RE2 pattern for search: the DFA accepts an input iff the pattern matches
 * anywhere in it (RE2 `PartialMatch`, JavaScript `RegExp.test`). Inputs are UTF-8 bytes.
 * Lookaround and backreferences are refused (they need backtracking), as is any pattern
 * whose DFA needs more than `maxStates` states.
 *
 * @example
 * const r = compileRegex("(?i)\\bdrop\\s+table\\b");
 * if (r.ok) runDfa(r.dfa, new TextEncoder().encode("please DROP  TABLE users")); // true
 * compileRegex("(?=a)"); // { ok: false, error: "pattern `(?=a)` is not supported: lookahead needs backtracking; …" }
 */
export function compileRegex(pattern: string, options?: CompileOptions): DfaResult {
  const max = resolveMaxStates(options);
  if (typeof max === "string") return { ok: false, error: max };
  const parsed = parseRe2(pattern);
  if (!parsed.ok) return parsed;
  return compileProgram(parsed.prog, "search", max, `pattern \`${pattern}\``, "simplify it or anchor it");
}
