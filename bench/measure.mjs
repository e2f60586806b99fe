// Timing shared by the bench's processes (run.mjs and each size's suite.mjs).
//
// Per-call latency is timed with process.hrtime.bigint() around each call; the timer's own cost (the
// median of empty timings) is subtracted. Throughput is measured separately, without per-call timers.

/** The harness's sample counts and time limits; `--quick` trades stability for a shorter run. */
export function settings(quick) {
  return {
    quick,
    // Enough samples for a stable p99 (1% of 100k is 1,000 samples), within seconds for the fast contenders.
    SAMPLES: quick ? 20_000 : 100_000,
    WARMUP: quick ? 5_000 : 20_000,
    // Warm-up also runs for at least this long: V8 keeps optimising a hot loop well past the first tens
    // of thousands of calls, and steady state is what an agent's long-running process sees.
    WARMUP_MS: quick ? 250 : 1_000,
    // ...and never longer than this: the peers that take hundreds of µs to tens of ms a call (CEL at
    // 1,000 rules: ~20 ms) would otherwise spend minutes on WARMUP calls. Twice WARMUP_MS, so the fast
    // contenders, which finish WARMUP calls in well under WARMUP_MS, are never cut short.
    WARMUP_CAP_MS: quick ? 500 : 2_000,
    // Rounds of the microsecond contenders: enough for one to land in an undisturbed stretch of a shared
    // machine (see machine.mjs).
    ROUNDS: quick ? 3 : 5,
    // Slow contenders stop at this budget instead of the sample count; the throughput loop at half of it.
    TIME_BUDGET_MS: quick ? 1_000 : 4_000,
    // Agreement with trailguard over every AGREEMENT_STRIDE-th action of the mix. At 1,000 rules a first
    // pass of the CEL peers takes ~25 ms an action, so the whole mix costs half a minute; --quick takes
    // every fifth action (5 is odd, so the mix's four kinds, k % 4, all stay in).
    AGREEMENT_STRIDE: quick ? 5 : 1,
  };
}

/** The median cost of an empty hrtime pair, in ns. */
export function timerOverhead() {
  const t = new Array(10_000);
  for (let i = 0; i < t.length; i++) {
    const a = process.hrtime.bigint();
    t[i] = Number(process.hrtime.bigint() - a);
  }
  return quantile(t.sort((a, b) => a - b), 0.5);
}

/** The q-quantile of sorted numbers. */
export function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// Each contender gets its own compiled copy of the timing loop (as mitata and tinybench do): one shared
// loop would see every contender at one call site, and its feedback would mix their shapes. On Node
// 20.20 that mix also crashes V8's deoptimizer once cedar-wasm joins it (a fatal "unreachable code").
// Deadlines are read every 16 calls: often enough that a 20 ms call overshoots a budget by a third of a
// second at most, rarely enough that Date.now() (tens of ns, outside the timed pair) costs nothing.
const MEASURE_SOURCE = `
  const warmStart = Date.now() - warmedMs;
  for (let i = 0; ; i++) {
    decide(i % n);
    if ((i & 15) === 15) {
      const t = Date.now() - warmStart;
      if (t >= WARMUP_CAP_MS || (i >= WARMUP && t >= WARMUP_MS)) break;
    }
  }
  const samples = [];
  const deadline = Date.now() + TIME_BUDGET_MS;
  for (let i = 0; i < SAMPLES; i++) {
    const a = process.hrtime.bigint();
    decide(i % n);
    samples.push(Math.max(0, Number(process.hrtime.bigint() - a) - overhead));
    if ((i & 15) === 0 && Date.now() > deadline) break;
  }
  samples.sort((a, b) => a - b);
  const cap = Math.min(samples.length, 50000);
  const stop = Date.now() + TIME_BUDGET_MS / 2;
  let loops = 0;
  const t0 = process.hrtime.bigint();
  while (loops < cap) {
    decide(loops % n);
    loops++;
    if ((loops & 15) === 0 && Date.now() > stop) break;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { samples, loops, seconds };
`;

/**
 * Warms `decide` up, then times it over the mix `0..n-1`: p50/p99 per call and throughput.
 * `warmedMs` is time the caller has already spent calling `decide` (it counts toward the warm-up).
 *
 * @example
 * const r = measure((i) => guard.check(mix[i]), mix.length, timerOverhead(), settings(false));
 */
export function measure(decide, n, overhead, s, warmedMs = 0) {
  const loop = new Function("decide", "n", "overhead", "warmedMs", "WARMUP", "WARMUP_MS", "WARMUP_CAP_MS", "SAMPLES", "TIME_BUDGET_MS", "process", MEASURE_SOURCE);
  const { samples, loops, seconds } = loop(decide, n, overhead, warmedMs, s.WARMUP, s.WARMUP_MS, s.WARMUP_CAP_MS, s.SAMPLES, s.TIME_BUDGET_MS, process);
  return { samples: samples.length, p50_us: quantile(samples, 0.5) / 1000, p99_us: quantile(samples, 0.99) / 1000, ops_per_s: Math.round(loops / seconds) };
}

/**
 * The share of the mix on which `decide` returns the reference decision (its own loop, as above),
 * over every `stride`-th action.
 */
export function agreement(decide, reference, stride = 1) {
  const f = new Function("decide", "reference", "stride", "let k = 0, m = 0; for (let i = 0; i < reference.length; i += stride, m++) if (decide(i) === reference[i]) k++; return k / m;");
  return f(decide, reference, stride);
}

/** The best round by p50 (disturbance only ever adds time), with the median round's p50 beside it. */
export function bestRound(rounds) {
  const sorted = [...rounds].sort((a, b) => a.p50_us - b.p50_us);
  return { ...sorted[0], median_p50_us: sorted[rounds.length >> 1].p50_us };
}
