/**
 * The effects a rule can have, weakest first. Precedence is this order, reversed.
 *
 * @example
 * EFFECTS.indexOf("deny") > EFFECTS.indexOf("ask") // true: deny wins over ask
 */
export const EFFECTS = ["allow", "flag", "ask", "deny", "kill"] as const;
/** One of {@link EFFECTS}, e.g. `"deny"`. */
export type Effect = (typeof EFFECTS)[number];

/**
 * The kinds of action an adapter hands to the guard (DESIGN §3).
 *
 * @example
 * ACTION_KINDS.includes("http") // true
 */
export const ACTION_KINDS = ["tool", "http", "shell", "fs.read", "fs.write", "db", "message", "delegate", "mcp"] as const;
/** One of {@link ACTION_KINDS}. */
export type ActionKind = (typeof ACTION_KINDS)[number];

/** A rule of a policy document, as written. */
export interface RuleDoc {
  id: string;
  when: string;
  unless?: string;
  effect: Effect;
  reason?: string;
}

/** A policy document (version 1), as written, before compilation. */
export interface PolicyDoc {
  version: 1;
  name?: string;
  description?: string;
  default: "allow" | "deny";
  mode?: "enforce" | "shadow";
  extends?: string[];
  sets?: Record<string, string[]>;
  rules?: RuleDoc[];
}
