/**
 * Sets of exact strings → the minimal full-match DFA, built straight from a byte trie.
 *
 * A trie is already deterministic, and hash-consing its nodes by their futures (children first) gives
 * the minimal acyclic DFA, so neither subset construction nor Hopcroft's refinement has anything to do.
 * Skipping them matters at cold start, where a policy's `in [...]` lists and `sets` are compiled by
 * code V8 has not optimised yet. The result is numbered exactly as `minimize` numbers its output (DEAD,
 * MATCHED, then breadth-first from the start, targets in the order of the smallest byte reaching them;
 * byte classes by identical columns, numbered in byte order), so it is the same table, byte for byte, as
 * the NFA route gives (set-dfa.test.ts checks this on generated sets).
 */
import { DEAD, MATCHED } from "./determinize.js";
import type { Dfa } from "./dfa.js";

const encoder = new TextEncoder();

/**
 * The minimal DFA accepting exactly the UTF-8 encodings of `entries` (unique, well-formed strings), or
 * null when it needs more than `maxStates` states (DEAD and MATCHED included).
 *
 * @example
 * const dfa = exactSetDfa(["api.example", "cdn.example"], 4096);
 * // runDfa(dfa, utf8("api.example")) === true; runDfa(dfa, utf8("api")) === false
 */
export function exactSetDfa(entries: readonly string[], maxStates: number): Dfa | null {
  // 1. Byte trie: node 0 is the root, a child always has a larger id than its parent. Edges are kept per
  // node as parallel lists; `edgeKey` finds an existing edge (node × 256 + byte).
  const edgeKey = new Map<number, number>();
  const edgeBytes: number[][] = [[]];
  const edgeTargets: number[][] = [[]];
  const final: boolean[] = [false];
  for (const entry of entries) {
    const bytes = encoder.encode(entry);
    let node = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] ?? 0;
      const key = node * 256 + b;
      let child = edgeKey.get(key);
      if (child === undefined) {
        child = final.push(false) - 1;
        edgeBytes.push([]);
        edgeTargets.push([]);
        edgeBytes[node]?.push(b);
        edgeTargets[node]?.push(child);
        edgeKey.set(key, child);
      }
      node = child;
    }
    final[node] = true;
  }

  // 2. Hash-cons nodes with equal futures, children first (descending ids). Canonical ids start at 2,
  // after DEAD and MATCHED; `rowBytes`/`rowTargets` hold each canonical state's edges sorted by byte.
  const nodes = final.length;
  const canon = new Int32Array(nodes);
  const bySignature = new Map<string, number>();
  const rowBytes: number[][] = [];
  const rowTargets: number[][] = [];
  const rowFinal: boolean[] = [];
  for (let node = nodes - 1; node >= 0; node--) {
    const bs = edgeBytes[node] ?? [];
    const ts = edgeTargets[node] ?? [];
    let sortedBytes = bs;
    let sortedTargets = ts.map((t) => canon[t] ?? 0);
    if (bs.length > 1) {
      // Most trie nodes have one edge; the others list theirs in insertion order.
      const order = bs.map((_, i) => i).sort((x, y) => (bs[x] ?? 0) - (bs[y] ?? 0));
      sortedBytes = order.map((i) => bs[i] ?? 0);
      sortedTargets = order.map((i) => canon[ts[i] ?? 0] ?? 0);
    }
    let signature = final[node] === true ? "E" : "N";
    for (let i = 0; i < sortedBytes.length; i++) signature += `,${sortedBytes[i]}>${sortedTargets[i]}`;
    let id = bySignature.get(signature);
    if (id === undefined) {
      id = rowBytes.push(sortedBytes) + 1; // 2, 3, …: DEAD and MATCHED come first
      rowTargets.push(sortedTargets);
      rowFinal.push(final[node] === true);
      bySignature.set(signature, id);
    }
    canon[node] = id;
  }
  const states = rowBytes.length + 2;
  if (states > maxStates) return null;

  // 3. Number states as `minimize` does: DEAD, MATCHED, the start, then breadth-first, each state's
  // targets in the order of the smallest byte that reaches them (its edges are sorted by byte).
  const number = new Int32Array(states).fill(-1);
  number[DEAD] = DEAD;
  number[MATCHED] = MATCHED;
  const order: number[] = [canon[0] ?? 0];
  number[canon[0] ?? 0] = 2;
  for (let i = 0; i < order.length; i++) {
    for (const t of rowTargets[(order[i] ?? 0) - 2] ?? []) {
      if (number[t] === -1) number[t] = order.push(t) + 1;
    }
  }

  // 4. Byte classes: bytes whose columns agree in every row are one class, numbered in byte order. A
  // byte's column is the list of (state, target) pairs where it leads somewhere other than DEAD; the few
  // bytes the entries use get theirs spelled out, every other byte has the empty column. Loops over all
  // 256 bytes are left to native fills: this runs cold, in the interpreter, once per set.
  const columns = new Map<number, string>();
  for (let s = 0; s < order.length; s++) {
    const row = (order[s] ?? 0) - 2;
    const bs = rowBytes[row] ?? [];
    const ts = rowTargets[row] ?? [];
    for (let i = 0; i < bs.length; i++) columns.set(bs[i] ?? 0, `${columns.get(bs[i] ?? 0) ?? ""}${s}>${number[ts[i] ?? 0]},`);
  }
  const used = [...columns.keys()].sort((x, y) => x - y);
  // The first byte with the empty column: where its class comes in the numbering (256: none has it).
  let unused = 0;
  while (unused < 256 && columns.has(unused)) unused++;
  // Used bytes' columns are never empty, so the empty column is a class of its own.
  const classOf = new Map<string, number>();
  let k = 0;
  let emptyClass = -1;
  const classes = new Uint8Array(256);
  for (const b of used) {
    if (emptyClass === -1 && unused < b) emptyClass = k++;
    const key = columns.get(b) ?? "";
    let c = classOf.get(key);
    if (c === undefined) {
      c = k++;
      classOf.set(key, c);
    }
    classes[b] = c;
  }
  if (emptyClass === -1 && unused < 256) emptyClass = k++;
  if (emptyClass !== -1) {
    classes.fill(emptyClass, 0, used[0] ?? 256);
    for (let i = 0; i < used.length; i++) classes.fill(emptyClass, (used[i] ?? 0) + 1, used[i + 1] ?? 256);
  }

  // 5. Tables. Every row starts all DEAD; MATCHED is absorbing and accepting, as the runner requires.
  const transitions = new Uint16Array(states * k);
  const acceptAtEnd = new Uint8Array(states);
  transitions.fill(MATCHED, MATCHED * k, MATCHED * k + k);
  acceptAtEnd[MATCHED] = 1;
  for (let s = 0; s < order.length; s++) {
    const row = (order[s] ?? 0) - 2;
    const at = (s + 2) * k;
    const bs = rowBytes[row] ?? [];
    const ts = rowTargets[row] ?? [];
    for (let i = 0; i < bs.length; i++) transitions[at + (classes[bs[i] ?? 0] ?? 0)] = number[ts[i] ?? 0] ?? DEAD;
    if (rowFinal[row] === true) acceptAtEnd[s + 2] = 1;
  }
  return { stateCount: states, classCount: k, classes, transitions, acceptAtEnd, start: 2 };
}
