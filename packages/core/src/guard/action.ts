import type { ActionKind } from "../policy/types.js";

/**
 * What an adapter hands to the guard (DESIGN §3). Only `kind` and `session` are required; the guard
 * canonicalises `url`, `command`, `file` and `statement` before any rule sees them.
 *
 * @example
 * const action: Action = { kind: "http", session: "s1", method: "GET", url: "https://api.example/x" };
 */
export interface Action {
  kind: ActionKind;
  session: string;
  agent?: string;
  tool?: string;
  args?: Record<string, unknown>;
  target?: string;
  method?: string;
  url?: string;
  host?: string;
  port?: number;
  path?: string;
  query?: string;
  command?: string;
  program?: string;
  argv?: string[];
  file?: string;
  statement?: string;
  verb?: string;
  tables?: string[];
  origin?: string;
  labels?: string[];
  usage?: { tokens?: number; cost?: number };
  /** Working directory for a relative `file` (default: the guard's `cwd`). */
  cwd?: string;
}
