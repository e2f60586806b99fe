/**
 * RE2 regexes, globs and string sets compiled to byte-level DFA tables that run in linear
 * time (see `runDfa` for the loop the WebAssembly engine implements).
 */
export { compileRegex } from "./regex.js";
export { compileGlob, compileSet, globToRe2, isGlob } from "./glob.js";
export { runDfa, dfaByteSize, validateDfa, DEFAULT_MAX_STATES, HARD_MAX_STATES } from "./dfa.js";
export type { Dfa, DfaResult, CompileOptions } from "./dfa.js";
