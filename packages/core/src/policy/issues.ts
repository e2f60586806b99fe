/** A problem found while loading a policy: an error refuses the policy, a warning does not. */
export interface PolicyIssue {
  /** Stable code, e.g. `unknown_key`, `type_error`, `parse_error`, `default_allow`. */
  code: string;
  /** Lower-case, user input in backticks, no trailing period. */
  message: string;
  /** Where in the document, e.g. `["rules", 2, "when"]`. */
  path: (string | number)[];
  /** 1-based line in the YAML source, when the policy came from YAML. */
  line?: number;
  /** 1-based column in the YAML source. */
  column?: number;
}

/**
 * Renders `path` the way messages quote it.
 *
 * @example
 * formatPath(["rules", 2, "when"]) // "rules[2].when"
 */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? p : `.${p}`;
  return out || "(root)";
}
