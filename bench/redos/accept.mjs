// Whether trailguard accepts a regex, measured the way a user meets it: a policy whose one rule is
// `<field>.matches("<pattern>")`, loaded with loadPolicy. The refusal's message says why; reasonBucket
// turns it into a histogram key.

import { loadPolicy } from "@trailguard/core";
// Not public API: used only to check that the policy path and the bare compiler agree (see crossCheck).
import { compileRegex } from "../../packages/core/dist/automata/regex.js";

/**
 * The field the rule reads. `action.args.text` of a tool call reaches the engine byte for byte;
 * `action.command` of a shell action does not: a policy that reads it has the line split into commands
 * and each command re-joined from its words (quotes, `;`, `|`, `#`, backslashes rewritten), so an attack
 * string there is not the string the matcher sees.
 */
export const FIELD = "action.args.text";

/**
 * The action that carries `text` in {@link FIELD}.
 *
 * @example actionFor("aaa!") // { kind: "tool", session: "redos", tool: "write", args: { text: "aaa!" } }
 */
export function actionFor(text) {
  return { kind: "tool", session: "redos", tool: "write", args: { text } };
}

/**
 * A policy whose single rule denies when {@link FIELD} matches `pattern`; everything else is allowed,
 * so `deny` means "matched". The pattern is a CEL string literal (JSON escapes are CEL escapes), inside a
 * YAML double-quoted scalar (JSON is YAML). Non-ASCII characters are escaped too: the `yaml` package
 * reads them raw correctly (the tests check a BOM, NEL, U+2028 and an astral symbol), but a plain-ASCII
 * document leaves no loader's idea of line breaks or byte-order marks a chance to change a pattern.
 *
 * @example policyYaml("^a+$") // "version: 1\n…    when: \"action.args.text.matches(\\\"^a+$\\\")\"\n…"
 */
export function policyYaml(pattern, field = FIELD) {
  const cel = `${field}.matches(${JSON.stringify(pattern)})`;
  return ["version: 1", "name: redos", "default: allow", "rules:", "  - id: re", `    when: ${yamlQuote(cel)}`, "    effect: deny", ""].join("\n");
}

function yamlQuote(s) {
  let out = "";
  for (const ch of JSON.stringify(s)) {
    const cp = ch.codePointAt(0);
    out += cp < 0x80 ? ch : cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, "0")}` : `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return out;
}

/**
 * Loads the one-rule policy for `pattern`: `{ ok: true, policy }` or `{ ok: false, code, message,
 * reason }` with the loader's first error and its histogram key.
 *
 * @example accept("(?=a)") // { ok: false, code: "invalid_pattern", message: "pattern `(?=a)` is not supported: …", reason: "lookahead needs backtracking" }
 */
export function accept(pattern) {
  const { policy, errors } = loadPolicy(policyYaml(pattern));
  if (policy && errors.length === 0) return { ok: true, policy };
  const e = errors[0] ?? { code: "unknown", message: "refused without an error" };
  return { ok: false, code: e.code, message: e.message, reason: reasonBucket(e.code, e.message, pattern) };
}

/**
 * Whether the bare compiler agrees with the policy path on `pattern` (both accept, or both refuse with
 * the same message). The policy path adds only CEL and YAML quoting, so a disagreement means the quoting
 * changed the pattern: a bug in {@link policyYaml}, or a pattern no policy can spell.
 */
export function crossCheck(pattern, result) {
  const direct = compileRegex(pattern);
  return direct.ok ? result.ok : !result.ok && result.message === direct.error;
}

/**
 * The histogram key of a refusal: the message with the pattern itself and the quoted fragment it points
 * at taken out, so that the same cause in different patterns lands in one bucket. Messages the loader
 * makes about other things (a CEL syntax error from quoting) keep their code in front.
 *
 * @example reasonBucket("invalid_pattern", "pattern `a(?=b)` is not supported: lookahead needs backtracking; RE2 syntax …", "a(?=b)") // "lookahead needs backtracking"
 * @example reasonBucket("invalid_pattern", "pattern `a{2,1}` is invalid: invalid repeat count at `{2,1}`", "a{2,1}") // "invalid repeat count"
 */
export function reasonBucket(code, message, pattern) {
  const subject = `pattern \`${pattern}\` `;
  if (code !== "invalid_pattern" || !message.startsWith(subject)) return `${code}: ${message.slice(0, 80)}`;
  const rest = message.slice(subject.length);
  const states = /^needs more than (\d+) automaton states/.exec(rest);
  if (states) return `needs more than ${states[1]} dfa states`;
  const m = /^(?:is not supported|is invalid|could not be compiled): ([^;]*?)(?: at `[\s\S]*`)?(?:;[\s\S]*)?$/.exec(rest);
  return m ? m[1] : rest.slice(0, 80);
}

// The parser errors whose quoted fragment starts with the construct at fault (an escape, a group
// opener, a repetition operator). The others quote the pattern's own text (`missing closing )`) or a
// group name, which would only scatter the histogram.
const CONSTRUCT_ERRORS = new Set([
  "invalid escape sequence", "invalid or unsupported Perl syntax", "invalid nested repetition operator",
  "missing argument to repetition operator", "invalid character class range", "invalid named capture",
]);

/**
 * The construct a refusal points at (the start of the quoted fragment after "at"), for the parser
 * errors that quote one: what "invalid or unsupported Perl syntax" means in each case, e.g. `(?'` for
 * a .NET named group; undefined for other refusals.
 *
 * @example refusedAt("pattern `(?'n'a)` is invalid: invalid or unsupported Perl syntax at `(?'`", "(?'n'a)") // "(?'"
 */
export function refusedAt(message, pattern) {
  const rest = message.slice(`pattern \`${pattern}\` `.length);
  const m = /^is invalid: ([^;]*?) at `([\s\S]*)`$/.exec(rest);
  // Three characters tell `(?'` from `(?P` and `\u` from `\x`; longer fragments are mostly the pattern's own text.
  return m && CONSTRUCT_ERRORS.has(m[1]) ? [...m[2]].slice(0, 3).join("") : undefined;
}
