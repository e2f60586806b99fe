// Time and memory of the guard on the hostile inputs of issue 8 (docs/hardening.md quotes the output).
// Run after a build: `node --expose-gc packages/core/scripts/measure-hostile.mjs`. Each input is built
// before the clock starts; a decision is timed alone, then the heap is measured twice: right after it
// (what the decision allocated, garbage included) and after a collection (what the guard kept).

import { createGuard } from "../dist/index.node.js";

if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");

const POLICY = `
version: 1
default: deny
rules:
  - { id: echo, when: 'action.tool == "echo" && action.args.text != ""', effect: allow }
  - { id: search, when: 'action.tool == "search"', effect: allow }
  - { id: selects, when: 'action.kind == "db" && action.verb == "SELECT"', effect: allow }
  - { id: echo-shell, when: 'action.kind == "shell" && action.program == "echo"', effect: allow }
`;
const MiB = 1024 * 1024;
// Repetitions per input: enough for a median on a shared machine.
const RUNS = 7;

// A flat string: `"x".repeat(n)` may be a rope that the first reader flattens, a copy that would be
// counted against the guard.
// A regular expression reads the string whole, which flattens it.
const flat = (n) => {
  const s = "x".repeat(n);
  /y/.test(s);
  return s;
};

function nested(levels) {
  let v = "x";
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

const inputs = {
  "10 MiB string (read by the policy)": () => ({ kind: "tool", session: "h", tool: "echo", args: { text: flat(10 * MiB) } }),
  "10 MiB string (not read by the policy)": () => ({ kind: "tool", session: "h", tool: "search", args: { q: flat(10 * MiB) } }),
  "10,000 levels of nesting": () => ({ kind: "tool", session: "h", tool: "search", args: { deep: nested(10_000) } }),
  "3.9 MiB string, within the limit": () => ({ kind: "tool", session: "h", tool: "echo", args: { text: flat(4 * MiB - 1000) } }),
  // The canonicalisers within the limit: their cost is per token (docs/hardening.md, "Known limits").
  "SQL, 1 MiB of `SELECT a,a,…` (one statement)": () => ({ kind: "db", session: "h", statement: `SELECT a${",a".repeat(MiB / 2)} FROM t` }),
  "SQL, 3.9 MiB of `SELECT 1;…` (stacked)": () => ({ kind: "db", session: "h", statement: "SELECT 1;".repeat(Math.floor((3.9 * MiB) / 9)) }),
  "shell, 1 MiB of one-letter words": () => ({ kind: "shell", session: "h", command: `echo${" a".repeat(MiB / 2)}` }),
  "shell, 3.9 MiB of `a;a;…`": () => ({ kind: "shell", session: "h", command: "a;".repeat(Math.floor((3.9 * MiB) / 2)) }),
  "shell, one quoted 3.9 MiB word": () => ({ kind: "shell", session: "h", command: `echo '${flat(Math.floor(3.9 * MiB))}'` }),
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, make] of Object.entries(inputs)) {
  const times = [];
  const allocated = [];
  const kept = [];

  let decision;
  for (let r = 0; r < RUNS; r++) {
    const guard = await createGuard({ policy: POLICY });
    guard.check({ kind: "tool", session: "warm", tool: "search" }, { now: 0 });
    const action = make();
    gc();
    const before = process.memoryUsage().heapUsed;

    const t = performance.now();
    decision = guard.check(action, { now: 1 });
    times.push(performance.now() - t);
    allocated.push(process.memoryUsage().heapUsed - before);
    gc();
    kept.push(process.memoryUsage().heapUsed - before);
  }
  const mb = (b) => `${(b / MiB).toFixed(2)} MiB`;
  console.log(`${name}: ${decision.effect} ${decision.code}; time median ${median(times).toFixed(2)} ms (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)}); heap during ${mb(median(allocated))}, kept after gc ${mb(median(kept))}`);
}
