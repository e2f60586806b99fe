/**
 * DFA minimisation (Hopcroft's partition refinement, O(k·n·log n)) followed by merging byte
 * classes whose columns became identical. Keeps DEAD at 0 and MATCHED at 1: a state that can
 * never match merges into DEAD and one that has certainly matched merges into MATCHED, which
 * lets the runner stop earlier.
 */
import { DEAD, MATCHED, type RawDfa } from "./determinize.js";

/**
 * Returns the minimal equivalent DFA, states numbered DEAD, MATCHED, then breadth-first from
 * the start state (neighbouring states end up close together in the table).
 *
 * @example minimize(determinize(nfa, budget)).stateCount
 */
export function minimize(input: RawDfa): RawDfa {
  // Merging duplicate columns first shrinks the refinement's work by the same factor.
  const dfa = mergeColumns(input);
  const { stateCount: n, classCount: k, trans, accept } = dfa;
  const blockOf = refine(n, k, trans, accept);

  // Renumber blocks: DEAD's and MATCHED's first, then in BFS order from the start.
  const newId = new Int32Array(n).fill(-1);
  const repOf: number[] = [];
  const assign = (state: number): number => {
    const b = blockOf[state] ?? 0;
    if (newId[b] === -1) {
      newId[b] = repOf.length;
      repOf.push(state);
    }
    return newId[b] ?? 0;
  };
  assign(DEAD);
  assign(MATCHED);
  const start = assign(dfa.start);
  const starts = dfa.starts ? Int32Array.from(dfa.starts, assign) : undefined;
  for (let i = 0; i < repOf.length; i++) {
    const rep = repOf[i] ?? 0;
    for (let c = 0; c < k; c++) assign(trans[rep * k + c] ?? 0);
  }
  const m = repOf.length;
  const minTrans = new Int32Array(m * k);
  const minAccept = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    const rep = repOf[i] ?? 0;
    minAccept[i] = accept[rep] ?? 0;
    for (let c = 0; c < k; c++) minTrans[i * k + c] = newId[blockOf[trans[rep * k + c] ?? 0] ?? 0] ?? 0;
  }
  return mergeColumns({ stateCount: m, classCount: k, classes: dfa.classes, trans: minTrans, accept: minAccept, start, ...(starts ? { starts } : {}) });
}

/** Hopcroft's algorithm; returns the block index of every state. */
function refine(n: number, k: number, trans: Int32Array, accept: Uint8Array): Int32Array {
  // Predecessor lists in CSR form, keyed by (class, target): preds of t under c are
  // preds[predStart[c*n+t] .. predStart[c*n+t+1]).
  const predStart = new Int32Array(n * k + 1);
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < k; c++) {
      const key = c * n + (trans[s * k + c] ?? 0) + 1;
      predStart[key] = (predStart[key] ?? 0) + 1;
    }
  }
  for (let i = 0; i < n * k; i++) predStart[i + 1] = (predStart[i + 1] ?? 0) + (predStart[i] ?? 0);
  const fill = predStart.slice(0, n * k);
  const preds = new Int32Array(n * k);
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < k; c++) {
      const key = c * n + (trans[s * k + c] ?? 0);
      const at = fill[key] ?? 0;
      preds[at] = s;
      fill[key] = at + 1;
    }
  }

  // Blocks are contiguous slices [first, end) of `elems`; the marked members of a block being
  // split are swapped to the front, [first, mid).
  const elems = new Int32Array(n);
  const loc = new Int32Array(n);
  const blockOf = new Int32Array(n);
  const first = new Int32Array(n + 1);
  const end = new Int32Array(n + 1);
  const mid = new Int32Array(n + 1);
  let blocks = 0;
  let p = 0;
  // One initial block per accept value: 0 and 1 for search tables, context masks for scan tables.
  for (const want of [...new Set(accept)].sort((x, y) => x - y)) {
    const from = p;
    for (let s = 0; s < n; s++) {
      if ((accept[s] ?? 0) !== want) continue;
      elems[p] = s;
      loc[s] = p;
      blockOf[s] = blocks;
      p++;
    }
    if (p > from) {
      first[blocks] = from;
      mid[blocks] = from;
      end[blocks] = p;
      blocks++;
    }
  }

  const inWork = new Uint8Array(n * k);
  const workBlock: number[] = [];
  const workClass: number[] = [];
  const push = (b: number, c: number): void => {
    inWork[b * k + c] = 1;
    workBlock.push(b);
    workClass.push(c);
  };
  // A splitter without incoming transitions on its class would mark nothing; most blocks of a
  // trie-like DFA are tiny and reached on one class only, so checking first saves most of the queue.
  const hasPreds = (b: number, c: number): boolean => {
    for (let i = first[b] ?? 0; i < (end[b] ?? 0); i++) {
      const key = c * n + (elems[i] ?? 0);
      if ((predStart[key + 1] ?? 0) > (predStart[key] ?? 0)) return true;
    }
    return false;
  };
  // Splitting by a block or by its complement is the same, so every initial block but the largest is
  // queued (Hopcroft); the large non-accepting block is usually never scanned whole.
  let largest = 0;
  for (let b = 1; b < blocks; b++) if ((end[b] ?? 0) - (first[b] ?? 0) > (end[largest] ?? 0) - (first[largest] ?? 0)) largest = b;
  for (let b = 0; b < blocks; b++) {
    if (b === largest && blocks > 1) continue;
    for (let c = 0; c < k; c++) push(b, c);
  }

  // Scratch lists with explicit lengths: resetting an array's length in this hot loop is slow.
  const marked: number[] = [];
  const touched: number[] = [];
  let touchedLen = 0;
  while (workBlock.length > 0) {
    const a = workBlock.pop() ?? 0;
    const c = workClass.pop() ?? 0;
    inWork[a * k + c] = 0;
    // Collect first: marking reorders elems, possibly inside block `a` itself.
    let markedLen = 0;
    for (let i = first[a] ?? 0; i < (end[a] ?? 0); i++) {
      const key = c * n + (elems[i] ?? 0);
      for (let j = predStart[key] ?? 0; j < (predStart[key + 1] ?? 0); j++) marked[markedLen++] = preds[j] ?? 0;
    }
    for (let x = 0; x < markedLen; x++) {
      const s = marked[x] ?? 0;
      const b = blockOf[s] ?? 0;
      const i = loc[s] ?? 0;
      const m = mid[b] ?? 0;
      if (i < m) continue; // already marked
      if (m === first[b]) touched[touchedLen++] = b;
      const other = elems[m] ?? 0;
      elems[m] = s;
      loc[s] = m;
      elems[i] = other;
      loc[other] = i;
      mid[b] = m + 1;
    }
    for (let x = 0; x < touchedLen; x++) {
      const b = touched[x] ?? 0;
      if (mid[b] === end[b]) {
        mid[b] = first[b] ?? 0; // every member marked: no split
        continue;
      }
      const nb = blocks++;
      first[nb] = first[b] ?? 0;
      end[nb] = mid[b] ?? 0;
      mid[nb] = first[nb] ?? 0;
      first[b] = mid[b] ?? 0;
      for (let i = first[nb] ?? 0; i < (end[nb] ?? 0); i++) blockOf[elems[i] ?? 0] = nb;
      const newSmaller = (end[nb] ?? 0) - (first[nb] ?? 0) <= (end[b] ?? 0) - (first[b] ?? 0);
      for (let cc = 0; cc < k; cc++) {
        // Hopcroft's trick: if (b, cc) is pending, both halves must be; otherwise the smaller suffices.
        const splitter = inWork[b * k + cc] === 1 || newSmaller ? nb : b;
        if (hasPreds(splitter, cc)) push(splitter, cc);
      }
    }
    touchedLen = 0;
  }
  return blockOf;
}

/** Renumbers byte classes so that classes with identical columns in every row become one. */
function mergeColumns(dfa: RawDfa): RawDfa {
  const { stateCount: n, classCount: k, trans } = dfa;
  const sameColumn = (c1: number, c2: number): boolean => {
    for (let s = 0; s < n; s++) if (trans[s * k + c1] !== trans[s * k + c2]) return false;
    return true;
  };
  // Bucket columns by a 32-bit FNV-1a hash (computed row by row, in memory order), then confirm
  // equality within a bucket.
  const hash = new Int32Array(k).fill(0x811c9dc5); // FNV-1a offset basis
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < k; c++) hash[c] = Math.imul((hash[c] ?? 0) ^ (trans[s * k + c] ?? 0), 0x01000193); // FNV prime
  }
  const byHash = new Map<number, number[]>();
  const newClass = new Int32Array(k);
  const kept: number[] = [];
  for (let c = 0; c < k; c++) {
    const h = hash[c] ?? 0;
    const bucket = byHash.get(h) ?? [];
    const same = bucket.find((o) => sameColumn(o, c));
    if (same !== undefined) {
      newClass[c] = newClass[same] ?? 0;
    } else {
      newClass[c] = kept.length;
      kept.push(c);
      bucket.push(c);
      byHash.set(h, bucket);
    }
  }
  if (kept.length === k) return dfa;
  const m = kept.length;
  const merged = new Int32Array(n * m);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < m; j++) merged[s * m + j] = trans[s * k + (kept[j] ?? 0)] ?? 0;
  }
  const classes = dfa.classes.map((c) => newClass[c] ?? 0);
  return { ...dfa, classCount: m, classes, trans: merged };
}
