// Timing for the adapter suite: async calls, each contender in rounds that alternate with the bare guard's,
// the best round reported (see machine.mjs: on a shared machine disturbance only ever adds time, so the
// fastest round is the code's own cost, and alternating puts a pair's rounds in the same machine state).

const AsyncFunction = (async () => {}).constructor;

/** The q-quantile of sorted numbers. */
export function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The median cost of an empty hrtime pair, in ns: subtracted from every sample. */
export function timerOverhead() {
  const t = new Array(10_000);
  for (let i = 0; i < t.length; i++) {
    const a = process.hrtime.bigint();
    t[i] = Number(process.hrtime.bigint() - a);
  }
  return quantile(t.sort((a, b) => a - b), 0.5);
}

// Each contender gets its own compiled copy of the loop (as run.mjs does): one shared loop would see every
// contender at one call site, and its type feedback would mix their shapes.
const LOOP_SOURCE = `
  const warmEnd = Date.now() + o.warmMs;
  for (let i = 0; i < o.warmCalls || Date.now() < warmEnd; i++) await call(i % n);
  const samples = [];
  const deadline = Date.now() + o.budgetMs;
  for (let i = 0; i < o.samples; i++) {
    const a = process.hrtime.bigint();
    await call(i % n);
    samples.push(Math.max(0, Number(process.hrtime.bigint() - a) - o.overhead));
    if ((i & 255) === 0 && Date.now() > deadline) break;
  }
  const loops = samples.length;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < loops; i++) await call(i % n);
  return { samples: samples.sort((a, b) => a - b), loops, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
`;

/**
 * A contender: `call(i)` runs the i-th of `n` inputs (awaited). `measure(o)` runs one round: a warm-up,
 * then up to `o.samples` timed calls within `o.budgetMs`, then as many untimed calls for throughput.
 */
export function contender(name, call, n) {
  const loop = new AsyncFunction("call", "n", "o", "process", LOOP_SOURCE);
  return {
    name,
    async measure(o) {
      const { samples, loops, seconds } = await loop(call, n, o, process);
      return { samples: samples.length, p50_us: quantile(samples, 0.5) / 1000, p99_us: quantile(samples, 0.99) / 1000, ops_per_s: Math.round(loops / seconds) };
    },
  };
}

/**
 * Runs every contender in `rounds` rounds after one warm-up round, in the same order each round (so each
 * adapter's rounds alternate with its bare guard's), and returns each contender's best round by p50 with
 * the median round's p50 and every round's p50 beside it. `before(round)` runs ahead of each round
 * (the machine canary) and its value is kept per round.
 */
export async function bestOfRounds(contenders, { rounds, warmup, round, before }) {
  for (const c of contenders) await c.measure(warmup);
  const runs = new Map(contenders.map((c) => [c.name, []]));
  const marks = [];
  for (let r = 0; r < rounds; r++) {
    marks.push(before?.(r));
    for (const c of contenders) runs.get(c.name).push(await c.measure(round));
  }
  const out = {};
  for (const [name, xs] of runs) {
    const sorted = [...xs].sort((a, b) => a.p50_us - b.p50_us);
    out[name] = { ...sorted[0], median_p50_us: sorted[rounds >> 1].p50_us, round_p50_us: xs.map((x) => round2(x.p50_us)) };
  }
  return { best: out, marks };
}

const round2 = (x) => Math.round(x * 100) / 100;
