// Sealed plans (DESIGN §4.5): a graph of nodes, each a condition, and edges from `start`. A plan is
// compiled like a policy whose rules are its nodes, plus an adjacency table the engine walks.

import { compilePolicy } from "../compile/compile.js";
import { isRecord, ID, unknownKeys, type Report } from "../policy/shape.js";
import type { PolicyIssue } from "../policy/issues.js";

/** A plan document. */
export interface PlanDoc {
  version: 1;
  id?: string;
  nodes: Record<string, { when: string }>;
  /** `[from, to]` pairs; `from` may be `start`. */
  edges: [string, string][];
}

/** A plan ready for the engine. */
export interface CompiledPlan {
  program: Uint8Array;
  slots: readonly (readonly (string | number)[])[];
  nodes: string[];
}

// The engine's frontier is a u64 mask with one bit kept free (core-wasm/assembly/plans.ts MAX_NODES).
const MAX_NODES = 63;

/**
 * Validates and compiles a plan; every problem comes back with its path.
 *
 * @example
 * const r = compilePlan({ version: 1, nodes: { a: { when: 'action.tool == "a"' } }, edges: [["start", "a"]] });
 */
export function compilePlan(value: unknown): { plan?: CompiledPlan; errors: PolicyIssue[] } {
  const errors: PolicyIssue[] = [];
  const err: Report = (code, path, message) => errors.push({ code, path, message });
  if (!isRecord(value)) return { errors: [{ code: "type_error", path: [], message: "a plan must be a mapping with `nodes` and `edges`" }] };
  unknownKeys(value, ["version", "id", "nodes", "edges"], [], "plan", err);
  if (value.version !== 1) err("unsupported_version", ["version"], "a plan needs `version: 1`");
  if (!isRecord(value.nodes) || Object.keys(value.nodes).length === 0) err("type_error", ["nodes"], "`nodes` must map node names to `{when: …}`");
  const names = isRecord(value.nodes) ? Object.keys(value.nodes) : [];
  if (names.length > MAX_NODES) err("too_large", ["nodes"], `a plan may have at most ${MAX_NODES} nodes`);
  for (const n of names) {
    if (!ID.test(n) || n === "start") err("invalid_name", ["nodes", n], `node name \`${n}\` must be an id other than \`start\``);
    const node = (value.nodes as Record<string, unknown>)[n];
    if (!isRecord(node) || typeof node.when !== "string") err("type_error", ["nodes", n], `node \`${n}\` needs a \`when\` condition`);
  }
  if (!Array.isArray(value.edges)) err("type_error", ["edges"], "`edges` must be a list of `[from, to]` pairs");
  else value.edges.forEach((e, i) => {
    if (!Array.isArray(e) || e.length !== 2 || !(e[0] === "start" || names.includes(e[0])) || !names.includes(e[1])) {
      err("type_error", ["edges", i], "an edge is `[from, to]` between node names (`from` may be `start`)");
    }
  });
  if (errors.length) return { errors };
  const doc = value as unknown as PlanDoc;
  const compiled = compilePolicy({
    version: 1,
    default: "deny",
    rules: names.map((n) => ({ id: n, when: doc.nodes[n]!.when, effect: "allow" as const })),
  });
  if (!compiled.policy) return { errors: compiled.errors.map(({ offset: _o, ...e }) => ({ ...e, path: ["nodes", names[e.path[1] as number] ?? "", "when"] })) };
  // Adjacency: one u64 row per node, then the row of `start`.
  const rows = new BigUint64Array(names.length + 1);
  for (const [from, to] of doc.edges) {
    const r = from === "start" ? names.length : names.indexOf(from);
    rows[r] = rows[r]! | (1n << BigInt(names.indexOf(to)));
  }
  const base = compiled.policy.program;
  const edgesAt = (base.length + 7) & ~7;
  const program = new Uint8Array(edgesAt + rows.byteLength);
  program.set(base);
  program.set(new Uint8Array(rows.buffer), edgesAt);
  const dv = new DataView(program.buffer);
  // Header word 14 is the program's length, word 15 the adjacency table (core-wasm/FORMAT.md, "Plans").
  dv.setUint32(56, program.length, true);
  dv.setUint32(60, edgesAt, true);
  return { plan: { program, slots: compiled.policy.slots, nodes: names }, errors: [] };
}
