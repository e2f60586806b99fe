// Allocation goes through the runtime's own bump allocator (`--runtime stub`), the one that also backs
// the engine's static arrays, so the two can never hand out the same bytes. The engine allocates only
// when the host loads a program or grows a buffer, never inside `evaluate`, so a decision cannot run
// out of memory halfway; an allocation that cannot grow memory traps, which the host turns into a deny.

/** Reserves `size` bytes, 16-aligned (the stub runtime's alignment), growing memory as needed. */
export function reserve(size: usize): usize {
  return heap.alloc(size);
}
