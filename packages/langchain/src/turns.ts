// Tool calls that a model asks for in one message run one after another under the middleware. LangChain
// decides all of them before any output comes back, and the guard pairs an output with the session's
// last decision (its output labels), so recording the first call's output after the second call was
// decided would lose the first call's labels: customer data read by one call could then leave in a later
// call unrecognised. Serialising the message's calls (decide, run, record; then the next) keeps every
// output paired with its own decision. Calls of different messages never wait for each other, so a tool
// that runs an agent of its own cannot deadlock on its parent's message.

/** The chain of turns of each multi-call AI message, keyed by the message itself. */
const queues = new WeakMap<object, Promise<void>>();

/**
 * Waits until the calls listed before `callId` in its AI message have finished, and returns the function
 * that lets the next one go. Calls alone in their message, or not found in `messages`, go at once.
 */
export async function takeTurn(messages: unknown, callId: string | undefined): Promise<() => void> {
  const batch = batchOf(messages, callId);
  if (batch === undefined) return () => {};
  const before = queues.get(batch) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  queues.set(batch, before.then(() => mine));
  await before;
  return release;
}

/** The AI message that asked for `callId`, when it asked for more than one call. */
function batchOf(messages: unknown, callId: string | undefined): object | undefined {
  if (!Array.isArray(messages) || typeof callId !== "string") return undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const calls = (messages[i] as { tool_calls?: unknown } | null | undefined)?.tool_calls;
    if (Array.isArray(calls) && calls.some((c) => (c as { id?: unknown } | null)?.id === callId)) {
      return calls.length > 1 ? (messages[i] as object) : undefined;
    }
  }
  return undefined;
}
