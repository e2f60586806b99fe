/**
 * RE2 regexes, globs and string sets compiled to byte-level DFA tables that run in linear
 * time (see `runDfa` for the loop the WebAssembly engine implements).
 */
export { compileRegex } from "./regex.js";
export { compileGlob, compileSet, globToRe2, isGlob } from "./glob.js";
export { runDfa, dfaByteSize, validateDfa, DEFAULT_MAX_STATES, HARD_MAX_STATES } from "./dfa.js";
export type { Dfa, DfaResult, CompileOptions } from "./dfa.js";
export { compileScanPattern, scanText, matchStarts, longestMatch, scanBudget, byteContext, validateScanDfa, SCAN_STEPS_PER_BYTE, SCAN_STEPS_FLOOR } from "./scan.js";
export type { ScanDfa, ScanPattern, ScanPatternResult, ScanResult } from "./scan.js";
