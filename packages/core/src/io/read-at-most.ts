// Reading a body whose size an untrusted party decides (a webhook's answer, a request or response an
// agent makes): never more than the caller's bound is held in memory.

/**
 * Reads a stream to its end, or resolves to `undefined` as soon as it passes `max` bytes (the rest is
 * cancelled, not read).
 *
 * @example
 * await readAtMost(new Response("abc").body!, 2); // undefined
 * await readAtMost(new Response("abc").body!, 3); // Uint8Array [97, 98, 99]
 */
export async function readAtMost(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      // Not awaited: cancelling one branch of a tee'd body settles only once the other is cancelled too.
      reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
