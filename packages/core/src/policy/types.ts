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

/** A sequence (DESIGN §4.1): ordered steps; the action completing them gets `effect`. */
export interface SequenceDoc {
  id: string;
  steps: { when: string }[];
  /** Counted in actions of the session that ran, first step and last included. */
  within?: number;
  within_ms?: number;
  effect: Effect;
  reason?: string;
}

/** A limit (DESIGN §4.2): a count or a sum over a window, or a run of identical actions. */
export interface LimitDoc {
  id: string;
  when?: string;
  max?: number;
  /** Window: milliseconds, or a duration string (`500ms`, `60s`, `5m`, `1h`, `1d`). */
  per?: number | string;
  scope?: "session" | "agent" | "global";
  sum?: "usage.tokens" | "usage.cost";
  repeat?: number;
  effect: Effect;
  reason?: string;
}

/** Flows (DESIGN §4.3): sources label what allowed actions return; sinks forbid labels. */
export interface FlowsDoc {
  sources?: { when: string; labels: string[] }[];
  sinks?: { id: string; when: string; forbid: string[]; scope?: "session" | "value"; effect: Effect; reason?: string }[];
}

/** Origins (DESIGN §4.4): an ordered lattice, what lowers it, and the actions that need a floor. */
export interface OriginsDoc {
  order: string[];
  sources?: { when: string; origin: string }[];
  control_sinks?: { id: string; when: string; min_origin: string; effect: Effect; reason?: string }[];
}

/** Sealed plans (DESIGN §4.5): whether a session needs one, and the keys that may sign them. */
export interface PlansDoc {
  required?: boolean;
  /** `ed25519:BASE64` public keys. */
  keys: string[];
}

/** An output rule (DESIGN §4.7): matches of `redact` in the output of an action `when` selects are replaced. */
export interface OutputDoc {
  /** In the one namespace of ids that rules, sequences, limits and sinks share. */
  id: string;
  /** Which actions' outputs the rule applies to (a condition over `action.*`); absent: every action's. */
  when?: string;
  /** RE2 patterns; each match (leftmost-longest, non-overlapping) is replaced. */
  redact: string[];
  /** What a match becomes; default `[REDACTED]`. */
  replacement?: string;
}

/** How many sessions the guard keeps, and what a session that was evicted gets when it returns. */
export interface SessionsDoc {
  /** Live sessions kept (default 100,000); past it the least recently active are evicted. */
  max?: number;
  /** Evict sessions idle this long (a duration); default: only `max` evicts. */
  idle?: number | string;
  /** `deny` (default): a returning evicted session is refused until reset; `fresh`: it starts anew. */
  evicted?: "deny" | "fresh";
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
  sequences?: SequenceDoc[];
  limits?: LimitDoc[];
  flows?: FlowsDoc;
  origins?: OriginsDoc;
  plans?: PlansDoc;
  sessions?: SessionsDoc;
  audit?: AuditDoc;
  outputs?: OutputDoc[];
}

/** What the audit log keeps of each action besides the hash of its arguments (DESIGN §6). */
export interface AuditDoc {
  /** Argument paths kept in clear: `args` for all of them, `args.amount` for one. Default: none. */
  clear?: string[];
}
