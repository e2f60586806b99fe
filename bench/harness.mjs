// Timing for the adapter suite: async calls, each adapter in rounds that alternate with its bare guard's,
// the best round reported (machine.mjs: on a shared machine disturbance only ever adds time, so the
// fastest round is the code's own cost). On the reference VM the machine's state flips every few
// seconds, so within a round a pair alternates in short blocks: both see the same stretches of it.

import { quantile } from "./measure.mjs";

const AsyncFunction = (async () => {}).constructor;

// Each contender gets its own compiled copy of the loop (as run.mjs does): one shared loop would see every
// contender at one call site, and its type feedback would mix their shapes. One block: a warm-up, timed
// calls (until `o.samples` or the deadline), then as many untimed calls for throughput.
const BLOCK_SOURCE = `
  const warmEnd = Date.now() + o.warmMs;
  for (let i = 0; i < o.warmCalls || Date.now() < warmEnd; i++) await call((start + i) % n);
  const deadline = Date.now() + o.budgetMs;
  let k = 0;
  for (; k < o.samples; k++) {
    const a = process.hrtime.bigint();
    await call((start + k) % n);
    out.push(Math.max(0, Number(process.hrtime.bigint() - a) - o.overhead));
    if ((k & 255) === 0 && Date.now() > deadline) break;
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < k; i++) await call((start + i) % n);
  return { calls: k, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
`;

/** A contender: `call(i)` runs the i-th of `n` inputs (awaited). */
export function contender(name, call, n) {
  const block = new AsyncFunction("call", "n", "start", "o", "out", "process", BLOCK_SOURCE);
  return { name, run: (start, o, out) => block(call, n, start, o, out, process) };
}

/**
 * Measures a group of contenders (one adapter and its baselines) in one round: `blocks` blocks each,
 * alternating contender by contender, so that a change in the machine's state lands on all of them.
 */
async function round(group, o, blocks) {
  const per = { ...o, samples: Math.ceil(o.samples / blocks), budgetMs: o.budgetMs / blocks };
  const acc = group.map(() => ({ samples: [], calls: 0, seconds: 0 }));
  for (let b = 0; b < blocks; b++) {
    for (let c = 0; c < group.length; c++) {
      const r = await group[c].run(b * per.samples, per, acc[c].samples);
      acc[c].calls += r.calls;
      acc[c].seconds += r.seconds;
    }
  }
  return acc.map(({ samples, calls, seconds }) => {
    samples.sort((x, y) => x - y);
    return { samples: samples.length, p50_us: quantile(samples, 0.5) / 1000, p99_us: quantile(samples, 0.99) / 1000, ops_per_s: Math.round(calls / seconds) };
  });
}

/**
 * Runs each group of contenders in `rounds` rounds after one warm-up round; returns every contender's
 * best round by p50 (as run.mjs reports), with the median round's p50 and every round's p50 beside it.
 * `before(round)` runs ahead of each round (the machine canary); its values are returned.
 */
export async function bestOfRounds(groups, { rounds, warmup, measured, blocks, before }) {
  for (const g of groups) await round(g, warmup, 1);
  const runs = new Map(groups.flat().map((c) => [c.name, []]));
  const marks = [];
  for (let r = 0; r < rounds; r++) {
    marks.push(before?.(r));
    for (const g of groups) (await round(g, measured, blocks)).forEach((x, c) => runs.get(g[c].name).push(x));
  }
  const out = {};
  for (const [name, xs] of runs) {
    const sorted = [...xs].sort((a, b) => a.p50_us - b.p50_us);
    out[name] = { ...sorted[0], median_p50_us: sorted[rounds >> 1].p50_us, round_p50_us: xs.map((x) => Math.round(x.p50_us * 100) / 100) };
  }
  return { best: out, marks };
}
