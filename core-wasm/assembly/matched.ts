// The matched buffer: every rule, sequence, limit, sink and control sink that matched the current
// action, as u32 entries `index | kind << 24 | evalError << 31` (FORMAT.md, "Results").

export let matchedBase: usize = 0;
export let matchedCount: i32 = 0;
export let matchedCap: i32 = 0;

export function setMatched(p: usize, cap: i32): void {
  matchedBase = p;
  matchedCap = cap;
}

export function clearMatched(): void {
  matchedCount = 0;
}

/** Appends an entry; past the buffer's capacity entries are dropped (the decision itself is unaffected). */
export function recordMatch(kind: u32, index: i32, err: bool): void {
  if (matchedCount >= matchedCap) return;
  store<u32>(matchedBase + (<usize>matchedCount << 2), <u32>index | (kind << 24) | (err ? 0x80000000 : 0));
  matchedCount++;
}
