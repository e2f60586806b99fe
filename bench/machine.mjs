// A canary for the machine's state. On shared hosts the same code swings in speed for seconds at a time:
// on the 2-core VM these figures were first taken on, a plain JSON round trip unrelated to trailguard
// alternates between ~1.7 and ~3.0 µs per call (branchy code slows, register-bound loops do not, as
// when a neighbour shares the core). Timing this canary next to each measured round tells an
// undisturbed round from a disturbed one.

const OBJECTS = Array.from({ length: 64 }, (_, k) => ({
  kind: ["tool", "http", "shell"][k % 3],
  tool: `tool_${k}`,
  args: { amount: k * 13, note: `monthly invoice ${k}`, tags: ["billing", `q${k % 4}`] },
}));

/**
 * Times the canary: the fastest of `batches` batches of 64 JSON round trips, in ns per round trip.
 * Disturbance only ever adds time, so the fastest batch is the machine's state at that moment.
 *
 * @example
 * const ns = canary(); // ~1,700 on an undisturbed run of the reference machine
 */
export function canary(batches = 200) {
  let best = Infinity;
  let sink = 0;
  for (let b = 0; b < batches; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < OBJECTS.length; i++) sink += JSON.parse(JSON.stringify(OBJECTS[i])).args.amount;
    const ns = Number(process.hrtime.bigint() - t) / OBJECTS.length;
    if (ns < best) best = ns;
  }
  // Read, so the work cannot be optimised away.
  if (sink < 0) throw new Error("unreachable");
  return best;
}
