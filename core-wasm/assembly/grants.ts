// Approval grants (DESIGN §4.6): an approved `ask` may let the same action through again for a while.
// A grant lives in the session record, keyed by 64 bits of the SHA-256 of the canonical action (the host
// computes it): a key an agent cannot make collide, unlike the 32-bit repeat key, because a collision
// here would permit more.

/** Where the grants start in a session record, after the fixed head (FORMAT.md, "Session state"). */
export const GRANTS_AT: usize = 32;
/** Grants kept per session; an approver granting more replaces the one that ends first. */
export const GRANTS: i32 = 4;
// u32 keyLo, u32 keyHi, f64 until, u32 flags (bit 0: once), u32 0.
const GRANT_BYTES: usize = 24;
const ONCE: u32 = 1;

/**
 * Records a grant in session record `rec`: actions with key (lo, hi) are let through while `now <= until`;
 * a `once` grant is used up by the first action it lets through.
 */
export function addGrant(rec: usize, lo: u32, hi: u32, until: f64, once: bool): void {
  let at = rec + GRANTS_AT;
  let earliest = f64.MAX_VALUE;
  for (let g: i32 = 0; g < GRANTS; g++) {
    const e = rec + GRANTS_AT + <usize>g * GRANT_BYTES;
    if (load<u32>(e) == 0 && load<u32>(e, 4) == 0) {
      at = e;
      break;
    }
    const u = load<f64>(e, 8);
    if (u < earliest) {
      earliest = u;
      at = e;
    }
  }
  store<u32>(at, lo);
  store<u32>(at, hi, 4);
  store<f64>(at, until, 8);
  store<u32>(at, once ? ONCE : 0, 16);
}

/** Whether a live grant covers key (lo, hi) at `now`; a `once` grant that does is used up. */
export function useGrant(rec: usize, lo: u32, hi: u32, now: f64): bool {
  if (lo == 0 && hi == 0) return false;
  for (let g: i32 = 0; g < GRANTS; g++) {
    const e = rec + GRANTS_AT + <usize>g * GRANT_BYTES;
    if (load<u32>(e) != lo || load<u32>(e, 4) != hi) continue;
    if (!(now <= load<f64>(e, 8))) continue;
    if ((load<u32>(e, 16) & ONCE) != 0) memory.fill(e, 0, GRANT_BYTES);
    return true;
  }
  return false;
}

/** Withdraws every grant of the session (an operator revoked an approval). */
export function clearGrants(rec: usize): void {
  memory.fill(rec + GRANTS_AT, 0, <usize>GRANTS * GRANT_BYTES);
}
