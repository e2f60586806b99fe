// The fields a condition may read (DESIGN §3) and their static types. Typos in field names are load
// errors, not silently absent values; the types let the compiler reject `action.port == "80"` at load.

/** Static types the compiler tracks; `dyn` is anything from the agent's own arguments. */
export type Ty = "string" | "number" | "bool" | "null" | "list" | "map" | "dyn";

/**
 * Top-level action fields and their types; a condition naming any other field is a load error.
 *
 * @example
 * ACTION_FIELDS.port // "number"
 */
export const ACTION_FIELDS: Readonly<Record<string, Ty>> = {
  kind: "string",
  session: "string",
  agent: "string",
  tool: "string",
  args: "map",
  target: "string",
  method: "string",
  url: "string",
  host: "string",
  port: "number",
  path: "string",
  query: "string",
  command: "string",
  line: "string",
  program: "string",
  argv: "list",
  file: "string",
  statement: "string",
  verb: "string",
  tables: "list",
  origin: "string",
  labels: "list",
  usage: "map",
};

/**
 * Fields whose value the host guarantees to be a string, so `FIELD == "x"` can key the rule index; most
 * selective first: a rule keyed by `tool` or `host` shares its bucket with few others, one keyed by `kind`
 * (nine values) or `method` with many.
 */
export const INDEX_FIELDS = ["tool", "program", "host", "target", "agent", "verb", "method", "kind"] as const;

/** A path into the action: `["args", "user", "name"]`, `["argv", 0]`. */
export type FieldPath = readonly (string | number)[];

/**
 * The static type of a path, or an error message. Below `args` everything is `dyn`; lists of strings
 * give `string` items.
 */
export function typeOfPath(path: FieldPath): Ty | { error: string } {
  const [head, ...rest] = path;
  // Own keys only: `action.constructor` must not find Object.prototype's.
  if (typeof head !== "string" || !Object.prototype.hasOwnProperty.call(ACTION_FIELDS, head)) {
    return { error: `unknown field \`action.${String(head)}\`; known fields: ${Object.keys(ACTION_FIELDS).join(", ")}` };
  }
  const ty = ACTION_FIELDS[head]!;
  if (rest.length === 0) return ty;
  if (head === "args") return "dyn";
  if (head === "usage") {
    if (rest.length === 1 && (rest[0] === "tokens" || rest[0] === "cost")) return "number";
    return { error: `unknown field \`action.usage.${rest.join(".")}\`; usage has \`tokens\` and \`cost\`` };
  }
  if (ty === "list" && rest.length === 1 && typeof rest[0] === "number") return "string";
  return { error: `\`action.${head}\` is a ${ty}; it has no field \`${rest.join(".")}\`` };
}

/** A stable key for a path, used to give each distinct path one slot. */
export function pathKey(path: FieldPath): string {
  return JSON.stringify(path);
}
