/**
 * Builds the rune-level program of a set of token sequences (exact strings and globs) directly,
 * as a suffix-shared trie (a DAG), instead of writing one huge alternation for the RE2 parser:
 * for a 1000-entry host list that skips the parser's cost, and sharing both prefixes and
 * suffixes hands subset construction an automaton already close to minimal.
 */
import { OP_ALT, OP_FAIL, OP_MATCH, OP_RUNE, type RuneInst, type RuneProg } from "./prog.js";

/** One element of an entry: exactly one rune from `ranges`, or (`star`) any run of such runes. */
export interface Token {
  readonly star: boolean;
  /** Inclusive rune ranges `[lo, hi, …]`, sorted and merged. */
  readonly ranges: readonly number[];
}

/** A rune instruction built here; `matchRune` mirrors the library's for completeness (no case folding). */
class Inst implements RuneInst {
  constructor(
    public op: number,
    public out: number,
    public arg: number,
    public runes: number[],
  ) {}

  matchRune(r: number): boolean {
    for (let i = 0; i + 1 < this.runes.length; i += 2) {
      if ((this.runes[i] ?? 0) <= r && r <= (this.runes[i + 1] ?? -1)) return true;
    }
    return false;
  }
}

function tokenKey(t: Token): string {
  return `${t.star ? "*" : "1"}${t.ranges.join(",")}`;
}

/**
 * The program matching exactly the token sequences in `entries` (RE2 `Prog` shape, for
 * `buildByteNfa` in anchored mode). An empty list yields a program that matches nothing.
 *
 * @example setProgram([[{ star: false, ranges: [0x61, 0x61] }]]) // matches "a"
 */
export function setProgram(entries: readonly (readonly Token[])[]): RuneProg {
  // Tokens are numbered by content, so equal tokens from different entries share one id.
  const tokenIds = new Map<string, number>();
  const tokens: Token[] = [];
  const byObject = new Map<Token, number>(); // callers reuse token objects: skip re-keying them
  const tokenId = (t: Token): number => {
    const seen = byObject.get(t);
    if (seen !== undefined) return seen;
    const key = tokenKey(t);
    let id = tokenIds.get(key);
    if (id === undefined) {
      id = tokens.push(t) - 1;
      tokenIds.set(key, id);
    }
    byObject.set(t, id);
    return id;
  };

  // 1. Prefix trie with numeric node ids; a child always gets a larger id than its parent.
  const childOf = new Map<string, number>();
  const end: boolean[] = [false];
  const edges: Array<Array<[token: number, child: number]>> = [[]];
  for (const entry of entries) {
    let node = 0;
    for (const t of entry) {
      const tid = tokenId(t);
      const key = `${node},${tid}`;
      let child = childOf.get(key);
      if (child === undefined) {
        child = end.push(false) - 1;
        edges.push([]);
        edges[node]?.push([tid, child]);
        childOf.set(key, child);
      }
      node = child;
    }
    end[node] = true;
  }

  // 2. Hash-cons nodes with equal futures, children first (descending ids are a post-order).
  const canon = new Int32Array(end.length);
  const canonical = new Map<string, number>();
  const reps: number[] = []; // canonical id → a trie node with that future
  for (let node = end.length - 1; node >= 0; node--) {
    const out = (edges[node] ?? []).map(([t, c]) => `${t}>${canon[c] ?? 0}`).sort();
    const signature = `${end[node] === true ? "E" : ""}|${out.join("|")}`;
    let id = canonical.get(signature);
    if (id === undefined) {
      id = reps.push(node) - 1;
      canonical.set(signature, id);
    }
    canon[node] = id;
  }

  // 3. Emit instructions. Instruction 0 is FAIL, as in RE2 programs; each canonical node gets
  // an entry pc, patched in once all nodes are laid out.
  const inst: Inst[] = [new Inst(OP_FAIL, 0, 0, [])];
  const match = inst.push(new Inst(OP_MATCH, 0, 0, [])) - 1;
  const entry = new Int32Array(reps.length);
  const pending: Array<{ pc: number; field: "out" | "arg"; node: number }> = [];
  reps.forEach((node, id) => {
    // The node's alternatives: finishing here, or following one of its edges.
    const alts: Array<(pc: number, field: "out" | "arg") => void> = [];
    if (end[node] === true) alts.push((pc, field) => setField(inst, pc, field, match));
    for (const [tid, child] of edges[node] ?? []) {
      const token = tokens[tid] ?? { star: false, ranges: [] };
      const target = canon[child] ?? 0;
      alts.push((pc, field) => {
        const rune = inst.push(new Inst(OP_RUNE, 0, 0, [...token.ranges])) - 1;
        if (token.star) {
          // loop: ALT(rune, child); rune → loop
          const loop = inst.push(new Inst(OP_ALT, rune, 0, [])) - 1;
          setField(inst, rune, "out", loop);
          pending.push({ pc: loop, field: "arg", node: target });
          setField(inst, pc, field, loop);
        } else {
          pending.push({ pc: rune, field: "out", node: target });
          setField(inst, pc, field, rune);
        }
      });
    }
    if (alts.length === 0) {
      entry[id] = 0; // a dead end (only the root of an empty set)
      return;
    }
    // Alternatives a0 … am-1 become a chain of binary ALTs: ALT(a0, ALT(a1, … ALT(am-2, am-1))).
    let pc = inst.push(new Inst(OP_ALT, 0, 0, [])) - 1;
    entry[id] = pc;
    alts.forEach((emit, i) => {
      if (alts.length === 1) {
        emit(pc, "out");
        setField(inst, pc, "arg", 0); // FAIL: the unused arm
      } else if (i < alts.length - 1) {
        emit(pc, "out");
        if (i < alts.length - 2) {
          const next = inst.push(new Inst(OP_ALT, 0, 0, [])) - 1;
          setField(inst, pc, "arg", next);
          pc = next;
        }
      } else {
        emit(pc, "arg");
      }
    });
  });
  for (const { pc, field, node } of pending) setField(inst, pc, field, entry[node] ?? 0);
  return { inst, start: entry[canon[0] ?? 0] ?? 0 };
}

function setField(inst: Inst[], pc: number, field: "out" | "arg", value: number): void {
  const i = inst[pc];
  if (i !== undefined) i[field] = value;
}
