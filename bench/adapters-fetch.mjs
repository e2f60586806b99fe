// The guarded fetch against the bare guard and against the same fetch unguarded (adapters.mjs): over an
// in-memory inner fetch (no network: the adapter and the guard alone) and over Node's fetch to a local
// HTTP server on 127.0.0.1 (what an agent's process sees, minus the internet). Each call reads the body,
// as a caller does.

import { createServer } from "node:http";
import { createGuardedFetch } from "@trailguard/fetch";

/** The pairs, each with the unguarded fetch as `plain`; `close` stops the server. */
export async function fetchPairs(guard) {
  const server = createServer((req, res) => {
    req.resume();
    res.end("ok");
  });
  // Node closes a keep-alive connection after 5 s idle, and the other contenders' rounds take longer:
  // the next request on it would meet a reset. Kept open, every round reuses warm connections.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  // Sixteen URLs, so the canonicaliser sees different paths and queries as it would in a session.
  const urls = Array.from({ length: 16 }, (_, k) => `${base}/api/items/${k}?page=${k % 5}`);
  const posts = urls.map((_, k) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: `item ${k}`, qty: k }) }));
  const gets = urls.map((url) => ({ kind: "http", session: "f1", method: "GET", url }));
  const postActions = urls.map((url, k) => ({ kind: "http", session: "f1", method: "POST", url, args: { body: posts[k].body } }));

  const memory = async () => new Response("ok");
  const guardedMemory = createGuardedFetch(guard, { session: "f1", fetch: memory });
  const guardedNet = createGuardedFetch(guard, { session: "f1", fetch: globalThis.fetch });
  const read = async (response) => {
    const text = await response.text();
    if (text !== "ok") throw new Error(`unexpected body ${text}`);
  };
  const checked = (action) => {
    if (guard.check(action).effect !== "allow") throw new Error(`the guard refused ${action.url}`);
  };
  const n = urls.length;
  const pair = (label, plain, bare, adapter) => ({
    label,
    n,
    plain: { name: plain[0], call: plain[1] },
    bare: { name: bare[0], call: bare[1] },
    adapter: { name: adapter[0], call: adapter[1] },
    async verify() {
      for (let i = 0; i < n; i++) await adapter[1](i);
    },
  });
  return [
    pair("fetch, in-memory, GET",
      ["in-memory fetch", async (i) => read(await memory(urls[i]))],
      ["guard.check + in-memory fetch", async (i) => (checked(gets[i]), read(await memory(urls[i])))],
      ["guarded in-memory fetch", async (i) => read(await guardedMemory(urls[i]))]),
    pair("fetch, in-memory, POST JSON",
      ["in-memory fetch", async (i) => read(await memory(urls[i], posts[i]))],
      ["guard.check + in-memory fetch", async (i) => (checked(postActions[i]), read(await memory(urls[i], posts[i])))],
      ["guarded in-memory fetch", async (i) => read(await guardedMemory(urls[i], posts[i]))]),
    {
      ...pair("fetch, local server, GET",
        ["fetch", async (i) => read(await fetch(urls[i]))],
        ["guard.check + fetch", async (i) => (checked(gets[i]), read(await fetch(urls[i])))],
        ["guarded fetch", async (i) => read(await guardedNet(urls[i]))]),
      close: () => new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
    },
  ];
}
