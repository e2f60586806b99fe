// DESIGN §8's "within 5× of the same checks hand-written in plain JS", read like against like. guard.check
// canonicalises and encodes every action; the engine alone is handed the canonical action. Each is set
// against the hand-written twin that does the same amount of work: the twin that canonicalises each
// action with core's canonicalisers, and the twin handed the precomputed canonical action. (Before
// 2026-11-22 guard.check was set against the second alone, which charged trailguard for canonicalising
// and the twin for nothing.)

/**
 * trailguard's p50 over its hand-written floor's, for each pair measured at one size.
 *
 * @example
 * handWrittenFloors(suite.contenders) // [{ what: "guard.check", floor: "hand-written JS, canonicalising", ratio: 2.1 }, …]
 */
export function handWrittenFloors(contenders) {
  const byName = (name) => contenders.find((c) => c.name === name);
  const pairs = [
    ["guard.check", "trailguard guard.check", "hand-written JS, canonicalising"],
    ["engine only", "trailguard engine only", "hand-written JS"],
  ];
  const out = [];
  for (const [what, ours, floor] of pairs) {
    const a = byName(ours);
    const b = byName(floor);
    if (a && b) out.push({ what, floor, ratio: a.p50_us / b.p50_us });
  }
  return out;
}
