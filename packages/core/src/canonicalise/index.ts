/**
 * Canonicalisers: turn what an agent hands the guard into the canonical fields the policy engine matches on.
 */

export { canonicaliseUrl } from "./http.js";
export type { CanonicalError, CanonicalUrl } from "./http.js";
export { canonicalisePath } from "./path.js";
export type { PathOptions } from "./path.js";
export { canonicaliseShell } from "./shell.js";
export type { CanonicalShell, ShellPart } from "./shell.js";
export { canonicaliseSql } from "./sql.js";
export type { CanonicalSql, SqlStatement } from "./sql.js";
